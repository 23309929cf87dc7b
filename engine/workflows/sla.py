"""Service level agreements: compiled definitions and the clock arithmetic, with no database.

An :class:`SlaDefinition` (one per object) holds metrics (first response, resolution, ...) and
policies (targets per metric, chosen by a condition, first match wins). :func:`recompute` moves
one record's clocks forward to a new instant given what holds now; it is a pure function, so
the runtime, ``flowdesk sla replay`` and ``flowdesk sla simulate`` share it.

Business time is counted on the policy's calendar. A clock stores the business seconds it had
accumulated when it last stopped running (``elapsed``) and the instant it has been running
since (``running_since``); its elapsed time at ``now`` is ``elapsed + between(running_since,
now)``. A new policy (a priority change) keeps the elapsed time and changes only the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import field as _field
from datetime import datetime, timedelta
from typing import Any

from engine.errors import SourcePos
from engine.objects.model import Text
from engine.rules_dsl import CompiledExpression, EvalContext
from engine.workflows.calendar import BusinessCalendar

__all__ = [
    "Condition", "SlaMetric", "SlaPolicy", "SlaDefinition", "ClockState", "Facts",
    "recompute", "elapsed_at", "due_at", "threshold_at", "RUNNING", "PAUSED", "STOPPED",
    "CANCELLED",
]

RUNNING, PAUSED, STOPPED, CANCELLED = "running", "paused", "stopped", "cancelled"


@dataclass(frozen=True, slots=True)
class Condition:
    """Holds when its expression holds or the record's state category is in ``categories``;
    an empty condition never holds."""

    expression: CompiledExpression | None = None
    categories: frozenset[str] = frozenset()

    def holds(self, row: Mapping[str, Any], category: str | None, ctx: EvalContext) -> bool:
        if category is not None and category in self.categories:
            return True
        return self.expression is not None and self.expression.evaluate(row, ctx) is True

    @property
    def empty(self) -> bool:
        return self.expression is None and not self.categories


@dataclass(frozen=True, slots=True)
class SlaMetric:
    name: str
    label: Text
    start: Condition
    stop: Condition
    pause: Condition
    cancel: Condition
    reset: Condition
    #: Fractions of the target (0.8 for 80%), ascending.
    warnings: tuple[float, ...] = (0.8,)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    name: str
    label: Text
    when: CompiledExpression | None
    calendar: str
    targets: Mapping[str, timedelta]


@dataclass(frozen=True, slots=True)
class SlaDefinition:
    name: str
    object: str
    label: Text
    metrics: Mapping[str, SlaMetric]
    policies: tuple[SlaPolicy, ...]
    pos: SourcePos | None = _field(default=None, compare=False)

    def select(self, row: Mapping[str, Any], ctx: EvalContext) -> SlaPolicy | None:
        """The first policy whose ``when`` holds for ``row``."""
        for policy in self.policies:
            if policy.when is None or policy.when.evaluate(row, ctx) is True:
                return policy
        return None


@dataclass(frozen=True, slots=True)
class ClockState:
    """One metric's clock of one record. ``elapsed`` counts business seconds accumulated
    before ``running_since``; ``paused`` counts business seconds spent paused."""

    metric: str
    policy: str
    calendar: str
    target: timedelta
    status: str
    started_at: datetime
    running_since: datetime | None
    elapsed: timedelta = timedelta(0)
    paused_since: datetime | None = None
    paused: timedelta = timedelta(0)
    stopped_at: datetime | None = None
    breached_at: datetime | None = None
    #: Warning fractions already raised.
    warned: tuple[float, ...] = ()

    @property
    def met(self) -> bool | None:
        """Whether a stopped clock met its target (``None`` while it is not stopped)."""
        return self.breached_at is None if self.status == STOPPED else None


@dataclass(frozen=True, slots=True)
class Facts:
    """What holds for a record at one instant: its row (and the change being made), its state
    category and the evaluation context."""

    row: Mapping[str, Any]
    category: str | None
    ctx: EvalContext


def elapsed_at(clock: ClockState, now: datetime, calendar: BusinessCalendar) -> timedelta:
    """The business time the clock has counted by ``now``."""
    if clock.status == RUNNING and clock.running_since is not None:
        return clock.elapsed + max(calendar.between(clock.running_since, now), timedelta(0))
    return clock.elapsed


def threshold_at(clock: ClockState, fraction: float,
                 calendar: BusinessCalendar) -> datetime | None:
    """When a running clock reaches ``fraction`` of its target (``None`` when not running)."""
    if clock.status != RUNNING or clock.running_since is None:
        return None
    remaining = clock.target * fraction - clock.elapsed
    if remaining <= timedelta(0):
        return clock.running_since
    return calendar.add(clock.running_since, remaining)


def due_at(clock: ClockState, calendar: BusinessCalendar) -> datetime | None:
    """When a running clock reaches (or reached) its target."""
    if clock.status == RUNNING and clock.breached_at is not None:
        return clock.breached_at
    return threshold_at(clock, 1.0, calendar)


def _accumulate(clock: ClockState, now: datetime, calendar: BusinessCalendar) -> ClockState:
    """The clock with its running segment (or pause) counted up to ``now``."""
    if clock.status == RUNNING and clock.running_since is not None:
        return replace(clock, elapsed=elapsed_at(clock, now, calendar), running_since=now)
    if clock.status == PAUSED and clock.paused_since is not None:
        return replace(clock, paused=clock.paused + max(
            calendar.between(clock.paused_since, now), timedelta(0)), paused_since=now)
    return clock


def _with_breach(clock: ClockState, now: datetime, calendar: BusinessCalendar) -> ClockState:
    """Mark the breach if the target was reached by ``now`` (the instant it was reached)."""
    if clock.breached_at is not None or clock.status != RUNNING:
        return clock
    due = due_at(clock, calendar)
    if due is not None and due <= now:
        return replace(clock, breached_at=due)
    return clock


def recompute(
    definition: SlaDefinition,
    clocks: Mapping[str, ClockState],
    facts: Facts,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar],
) -> dict[str, ClockState]:
    """Every clock of one record after a change at ``now``: the policy is selected again, and
    each metric's start, cancel, reset, stop and pause conditions are applied in that order.
    Returns the clocks that exist afterwards, by metric (unchanged ones included)."""
    policy = definition.select(facts.row, facts.ctx)
    out: dict[str, ClockState] = {}
    for name, metric in definition.metrics.items():
        clock = clocks.get(name)
        target = policy.targets.get(name) if policy is not None else None
        if policy is None or target is None:
            if clock is not None and clock.status in (RUNNING, PAUSED):
                calendar = calendars[clock.calendar]
                clock = _accumulate(_with_breach(clock, now, calendar), now, calendar)
                clock = replace(clock, status=CANCELLED, running_since=None,
                                paused_since=None, stopped_at=now)
            if clock is not None:
                out[name] = clock
            continue
        calendar = calendars[policy.calendar]
        if clock is None:
            if not metric.start.holds(facts.row, facts.category, facts.ctx):
                continue
            clock = ClockState(name, policy.name, policy.calendar, target, RUNNING, now, now)
        else:
            old_calendar = calendars[clock.calendar]
            clock = _accumulate(_with_breach(clock, now, old_calendar), now, old_calendar)
            if (clock.policy, clock.target, clock.calendar) != (policy.name, target,
                                                                 policy.calendar):
                clock = replace(clock, policy=policy.name, target=target,
                                calendar=policy.calendar)
        clock = _apply_conditions(metric, clock, facts, now, calendar)
        out[name] = clock
    return out


def _apply_conditions(metric: SlaMetric, clock: ClockState, facts: Facts, now: datetime,
                      calendar: BusinessCalendar) -> ClockState:
    row, category, ctx = facts.row, facts.category, facts.ctx
    if clock.status == CANCELLED:
        if metric.reset.holds(row, category, ctx):
            return _restart(clock, now)
        return clock
    if metric.cancel.holds(row, category, ctx):
        return replace(clock, status=CANCELLED, running_since=None, paused_since=None,
                       stopped_at=now)
    if metric.reset.holds(row, category, ctx):
        clock = _restart(clock, now)
    if metric.stop.holds(row, category, ctx):
        if clock.status != STOPPED:
            clock = replace(clock, status=STOPPED, running_since=None, paused_since=None,
                            stopped_at=now)
        return clock
    paused = metric.pause.holds(row, category, ctx)
    if clock.status == STOPPED or (clock.status == PAUSED and not paused):
        # Resumed (or running again after a reopen): the time stopped or paused is not counted.
        clock = replace(clock, status=RUNNING, running_since=now, paused_since=None,
                        stopped_at=None)
    if paused and clock.status == RUNNING:
        clock = replace(clock, status=PAUSED, running_since=None, paused_since=now)
    return _with_breach(clock, now, calendar)


def _restart(clock: ClockState, now: datetime) -> ClockState:
    return replace(clock, status=RUNNING, started_at=now, running_since=now,
                   elapsed=timedelta(0), paused_since=None, paused=timedelta(0),
                   stopped_at=None, breached_at=None, warned=())
