"""The scenario file format: given records at a start time, then steps and expectations.

A scenario tests a pack end to end on a fresh database with a manual clock: it creates and
changes records through the runtime, moves time (running due jobs), and checks fields, states,
SLA clocks, outgoing emails and history. See ``docs/scenarios.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["ScenarioSpec", "Step", "Expectation", "UserSpec", "GivenRecord"]

Alias = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]
DurationText = Annotated[str, StringConstraints(pattern=r"^([0-9]+[wdhms])+$")]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class UserSpec(_Spec):
    """A desk user the scenario needs (teams are created as needed)."""

    name: str
    """The user name (what ``assignee`` and ``by:`` hold)."""
    roles: list[str] = Field(default_factory=lambda: ["agent"])
    """The user's roles."""
    email: str | None = None
    """Where notifications go."""
    teams: list[str] = Field(default_factory=list)
    """Team names (queues)."""
    attributes: dict[str, Any] = Field(default_factory=dict)
    """Pack-declared user attributes (``$alias`` for a given record's id)."""
    agent: dict[str, Any] | None = None
    """Routing profile: ``skills``, ``capacity``, ``availability``."""


class GivenRecord(_Spec):
    """A record that exists when the scenario starts."""

    object: str
    """The object."""
    values: dict[str, Any] = Field(default_factory=dict)
    """Field values; ``$alias`` stands for the id of an earlier record."""


class Expectation(_Spec):
    """What must hold now. Every key given is checked; the scenario fails at the first
    expectation that does not hold, naming its line."""

    record: Alias | None = None
    """The record ``fields``, ``sla`` and ``history`` are about."""
    fields: dict[str, Any] = Field(default_factory=dict)
    """Field → expected JSON value (``$alias`` for an id; datetimes compare as instants)."""
    sla: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Metric → expected clock keys (``status``, ``policy``, ``due_at``, ``breached``, ``met``,
    ``elapsed_seconds``); a metric given as ``{absent: true}`` must have no clock."""
    history: list[str] = Field(default_factory=list)
    """Texts that must appear in the record's history notes."""
    emails: list[dict[str, Any]] = Field(default_factory=list)
    """Emails queued so far that must exist: ``to`` (an address the email goes to),
    ``subject`` (exact) or ``subject_contains``, ``body_contains``."""
    email_count: int | None = None
    """How many emails were queued in all so far."""
    count: dict[str, Any] | None = None
    """``{object: name, where: {field: value}, equals: n}``: how many records match."""


class Step(_Spec):
    """One step: exactly one of the actions, or an expectation."""

    create: Alias | None = None
    """Create a record and call it this alias (needs ``object`` and ``values``)."""
    object: str | None = None
    """The object ``create`` makes."""
    values: dict[str, Any] = Field(default_factory=dict)
    """Field values for ``create``, ``update`` or ``transition``."""
    update: Alias | None = None
    """Change ``values`` of this record (at its current version)."""
    transition: Alias | None = None
    """Take transition ``name`` of this record."""
    name: str | None = None
    """The transition's name."""
    by: str = "scenario"
    """Who acts (a user name)."""
    as_: str | None = Field(default=None, alias="as")
    """Act as this user (one of ``users:``) with the pack's roles enforced, as the API does:
    a create, update or transition the user's roles do not allow fails
    (``permission_denied``, ``transition_forbidden``). ``by`` is then this user."""
    advance: DurationText | None = None
    """Move the clock forward (``15m``, ``3d``) and run the jobs that fall due on the way,
    in order."""
    at: datetime | None = None
    """Move the clock to this instant and run the jobs due on the way."""
    run_jobs: bool = False
    """Run the jobs due now."""
    expect: Expectation | None = None
    """Check what holds now."""
    error: str | None = None
    """The step's action must fail with this error code (and change nothing)."""


class ScenarioSpec(_Spec):
    """A file of a pack's ``tests/`` folder (or given to ``flowdesk test``)."""

    scenario: str
    """The scenario's name."""
    description: str | None = None
    """What it shows."""
    start: datetime
    """When the scenario starts (with a UTC offset)."""
    users: list[UserSpec] = Field(default_factory=list)
    """Desk users it needs."""
    given: dict[Alias, GivenRecord] = Field(default_factory=dict)
    """Records that exist at the start, by alias, created in order."""
    steps: list[Step] = Field(min_length=1)
    """What happens, in order."""
