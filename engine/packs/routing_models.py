"""The pack format of ``routing/*.yaml``: queues, rules and strategies."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints, field_validator

from engine.packs.merge import MergeKeys
from engine.packs.models import (
    DslText,
    Identifier,
    Label,
    StateCategory,
    _label_from_str,
    _Spec,
)

__all__ = [
    "QueueSpec", "RoutingRuleSpec", "RoutingSpec", "RoutingStrategyName",
]


#: How a queue picks an agent among its team's eligible members.
RoutingStrategyName = Literal["round_robin", "least_loaded", "skills", "sticky", "manual"]


class QueueSpec(_Spec):
    """A queue: where routed records wait, the team whose members work it, and how one of them
    is chosen."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_. -]{0,63}$")]
    """The queue's name, written into the record's ``queue_field``. Name it after its team, so
    that role filters such as ``queue in user.teams`` let the team see its records."""
    label: Label | None = None
    """What users see; defaults to the name."""
    team: str | None = None
    """The team (``flowdesk team``, ``/api/admin/teams``) whose members work the queue;
    defaults to the queue's name."""
    strategy: RoutingStrategyName = "least_loaded"
    """``round_robin``: the member least recently assigned in this queue. ``least_loaded``: the
    one with the least open work (under capacity). ``skills``: only members with every required
    skill, then the least loaded. ``sticky``: the member who last handled a record with the same
    ``sticky_by`` value, when eligible; else the least loaded. ``manual``: queue only, nobody
    is assigned."""
    sticky_by: Identifier | None = None
    """For ``sticky``: the record field whose value ties records together (e.g. the
    requester's organisation)."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class RoutingRuleSpec(_Spec):
    """One routing rule: when ``when`` holds, the record goes to ``queue``. Rules are tried in
    order; the first that holds wins."""

    name: Identifier
    """The rule's name (explanations and the audit note name it)."""
    when: DslText
    """A boolean rule-DSL expression over the record, e.g. ``category == "billing"``."""
    queue: str
    """The queue the record goes to."""
    skills: DslText | list[DslText] = Field(default_factory=list)
    """Skills an agent needs: rule-DSL expressions, each a string (or enum) or a list of them,
    e.g. ``[language, product]`` (the record's values) or ``'["vip"]'``. Null and empty values
    are left out."""


class RoutingSpec(_Spec):
    """A file under ``routing/``: how records of one object are put in queues and assigned to
    agents. A later pack's routing of the same name replaces the base pack's; a file that says
    ``extend: <name>`` merges into it by name instead."""

    merge_keys: ClassVar[MergeKeys] = MergeKeys(
        "routing", {"queues": "name", "rules": "name"})

    routing: Identifier
    """The routing policy's name."""
    object: Identifier
    """The routed object; an object has at most one routing policy."""
    label: Label | None = None
    """What admins see."""
    queue_field: Identifier
    """The record field (string or enum) that holds the queue's name."""
    assignee_field: Identifier
    """The record field (string) that holds the assigned agent's user name."""
    open_states: list[StateCategory] = Field(
        default_factory=lambda: list[StateCategory](["new", "open", "pending"]))
    """The workflow state categories that count as an agent's open work (their load). An
    object without a workflow counts every assigned record."""
    queues: list[QueueSpec] = Field(min_length=1)
    """The queues, each with its team and strategy."""
    rules: list[RoutingRuleSpec] = Field(default_factory=list)
    """Routing rules, in order: the first whose ``when`` holds chooses the queue."""
    fallback: str
    """The queue a record goes to when no rule holds."""
    supervisors: list[Identifier] = Field(default_factory=list)
    """Roles (besides ``admin``) that may set agents' skills, capacity, calendar and
    availability."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )
