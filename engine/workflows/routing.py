"""Compiled routing policies: which queue a record goes to and which skills it needs.

Built once by the pack compiler (``engine.packs.compile_routing``) from ``routing/*.yaml``;
frozen afterwards. Choosing an agent among a queue's members is
:mod:`engine.workflows.assignment`; loading agents and writing the assignment is the runtime's
job (``engine.runtime.routing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from engine.errors import SourcePos
from engine.objects.model import Text
from engine.rules_dsl import CompiledExpression, EvalContext

__all__ = ["STRATEGIES", "Queue", "RoutingRule", "RoutingPolicy", "RouteMatch"]

#: The queue strategies, as ``routing/*.yaml`` names them.
STRATEGIES = ("round_robin", "least_loaded", "skills", "sticky", "manual")


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue: its team's members work it; ``strategy`` picks one of them."""

    name: str
    label: Text
    team: str
    strategy: str
    #: For ``sticky``: the field whose equal values tie records to one agent.
    sticky_by: str | None = None


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """When ``condition`` holds, the record goes to ``queue`` and needs ``skills``."""

    name: str
    condition: CompiledExpression
    queue: str
    skills: tuple[CompiledExpression, ...] = ()
    pos: SourcePos | None = _field(default=None, compare=False)

    def required_skills(self, row: Mapping[str, Any], ctx: EvalContext) -> tuple[str, ...]:
        """The skills the record needs: every expression's value(s), nulls and empties left
        out, each once, in order."""
        out: dict[str, None] = {}
        for expression in self.skills:
            value = expression.evaluate(row, ctx)
            for skill in value if isinstance(value, list | tuple) else (value,):
                if skill is not None and str(skill) != "":
                    out[str(skill)] = None
        return tuple(out)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """Where a record goes: the rule that held (``None``: the fallback), its queue, and the
    skills an agent needs."""

    rule: str | None
    queue: Queue
    skills: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """How records of ``object`` are queued and assigned."""

    name: str
    object: str
    label: Text
    queue_field: str
    assignee_field: str
    #: Queues by name, in declaration order.
    queues: Mapping[str, Queue]
    rules: tuple[RoutingRule, ...]
    fallback: str
    #: The workflow's status field and the states counting as open work (``None``: the object
    #: has no workflow, every assigned record counts).
    status_field: str | None = None
    open_states: frozenset[str] = frozenset()
    #: Roles besides admin that may manage agents' profiles and availability.
    supervisors: frozenset[str] = frozenset()
    pos: SourcePos | None = _field(default=None, compare=False)

    def match(self, row: Mapping[str, Any], ctx: EvalContext) -> RouteMatch:
        """The first rule whose condition holds for ``row`` (null counts as not holding), or
        the fallback queue with no required skills."""
        for rule in self.rules:
            if rule.condition.evaluate(row, ctx) is True:
                return RouteMatch(rule.name, self.queues[rule.queue],
                                  rule.required_skills(row, ctx))
        return RouteMatch(None, self.queues[self.fallback], ())

    def counts_as_open(self, row: Mapping[str, Any]) -> bool:
        """Whether ``row`` is open work for its assignee."""
        return self.status_field is None or row.get(self.status_field) in self.open_states
