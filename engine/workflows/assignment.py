"""Choosing an agent for a record in a queue: a pure function over agents as loaded data.

:func:`choose_agent` decides who is eligible (a member of the queue's team, online, inside
their working calendar, under capacity, with the required skills when the queue asks for
them), ranks the eligible by the queue's strategy with deterministic tie-breaks (load, then the
last assignment with never-assigned agents first, then the user name), and says why the
winner won. The runtime (``engine.runtime.routing``) loads the agents and writes the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine.workflows.calendar import BusinessCalendar
from engine.workflows.routing import Queue

__all__ = ["AVAILABILITIES", "AgentState", "AgentVerdict", "Choice", "choose_agent"]

#: An agent's availability: only ``online`` agents receive new work; ``offline`` also hands
#: their open records back to routing.
AVAILABILITIES = ("online", "away", "offline")

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AgentState:
    """An agent as routing sees them at one instant."""

    name: str
    teams: frozenset[str]
    skills: frozenset[str] = frozenset()
    capacity: int = 0
    availability: str = "offline"
    calendar: str | None = None
    #: Open records assigned to them now.
    load: int = 0
    last_assigned_at: datetime | None = None
    #: Their last assignment in the queue being routed (round robin reads it).
    queue_last_assigned_at: datetime | None = None
    has_profile: bool = True


@dataclass(frozen=True, slots=True)
class AgentVerdict:
    """Whether one agent could take the record, and why not (``why`` is a stable code:
    ``not_member``, ``no_profile``, ``away``, ``offline``, ``off_hours``, ``at_capacity``,
    ``missing_skills``)."""

    name: str
    eligible: bool
    why: str | None
    detail: str
    load: int
    capacity: int
    missing_skills: tuple[str, ...] = ()
    #: 1 for the winner, 2 for the runner-up, ...; ``None`` when not eligible.
    rank: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"agent": self.name, "eligible": self.eligible, "why_not": self.why,
                "detail": self.detail, "load": self.load, "capacity": self.capacity,
                "missing_skills": list(self.missing_skills), "rank": self.rank}


@dataclass(frozen=True, slots=True)
class Choice:
    """The outcome: the assignee (``None``: nobody), a stable ``reason`` code (the strategy
    that chose, ``sticky``, ``manual`` or ``no_eligible_agent``), a sentence saying why, and
    every agent considered, ranked eligible ones first."""

    assignee: str | None
    reason: str
    explanation: str
    verdicts: tuple[AgentVerdict, ...]


_Key = tuple[str, str, Callable[[AgentState], Any]]

_LOAD: _Key = ("load", "has the least open work", lambda a: a.load)
_LAST: _Key = ("last_assigned_at", "was assigned least recently (never counts as earliest)",
               lambda a: a.last_assigned_at or _NEVER)
_NAME: _Key = ("name", "comes first by user name", lambda a: a.name)
_QUEUE_LAST: _Key = ("queue_last_assigned_at",
                     "was assigned least recently in this queue (never counts as earliest)",
                     lambda a: a.queue_last_assigned_at or _NEVER)
_RANKINGS: Mapping[str, tuple[_Key, ...]] = {
    "round_robin": (_QUEUE_LAST, _LOAD, _LAST, _NAME),
    "least_loaded": (_LOAD, _LAST, _NAME),
    "skills": (_LOAD, _LAST, _NAME),
    "sticky": (_LOAD, _LAST, _NAME),
}


def _verdict(agent: AgentState, queue: Queue, skills: Sequence[str], now: datetime,
             calendars: Mapping[str, BusinessCalendar]) -> AgentVerdict:
    missing = tuple(s for s in skills if s not in agent.skills)

    def no(why: str, detail: str) -> AgentVerdict:
        return AgentVerdict(agent.name, False, why, detail, agent.load, agent.capacity, missing)

    if queue.team not in agent.teams:
        return no("not_member", f"not a member of team '{queue.team}'")
    if not agent.has_profile:
        return no("no_profile", "has no agent profile (set their availability to start)")
    if agent.availability != "online":
        return no(agent.availability, f"is {agent.availability}")
    if agent.calendar is not None:
        calendar = calendars.get(agent.calendar)
        if calendar is None:
            return no("off_hours", f"works on calendar '{agent.calendar}', which no pack "
                      "declares")
        if not calendar.is_open(now):
            return no("off_hours", f"is outside working hours (calendar '{agent.calendar}')")
    if agent.load >= agent.capacity:
        return no("at_capacity", f"is at capacity ({agent.load} of {agent.capacity} open)")
    if missing and queue.strategy == "skills":
        return no("missing_skills", f"lacks skills {', '.join(missing)}")
    return AgentVerdict(agent.name, True, None,
                        f"eligible ({agent.load} of {agent.capacity} open)", agent.load,
                        agent.capacity, missing)


def _why_won(winner: AgentState, runner_up: AgentState | None, keys: Sequence[_Key]) -> str:
    if runner_up is None:
        return f"{winner.name} is the only eligible agent"
    for _, words, key in keys:
        if key(winner) != key(runner_up):
            return f"{winner.name} {words} (next: {runner_up.name})"
    return f"{winner.name} {keys[-1][1]}"  # pragma: no cover - names are unique


def choose_agent(queue: Queue, skills: Sequence[str], agents: Iterable[AgentState],
                 now: datetime, calendars: Mapping[str, BusinessCalendar], *,
                 sticky_agent: str | None = None) -> Choice:
    """Choose an agent of ``queue`` for a record needing ``skills`` at ``now``.

    ``sticky_agent`` is, for a ``sticky`` queue, who last handled a record with the same
    ``sticky_by`` value; they win when eligible."""
    states = sorted(agents, key=lambda a: a.name)
    verdicts = {a.name: _verdict(a, queue, skills, now, calendars) for a in states}
    if queue.strategy == "manual":
        return Choice(None, "manual", f"queue '{queue.name}' is worked manually: nobody is "
                      "assigned", tuple(verdicts.values()))
    keys = _RANKINGS[queue.strategy]
    eligible = sorted((a for a in states if verdicts[a.name].eligible),
                      key=lambda a: tuple(k(a) for _, _, k in keys))
    if queue.strategy == "sticky" and sticky_agent is not None:
        first = [a for a in eligible if a.name == sticky_agent]
        eligible = first + [a for a in eligible if a.name != sticky_agent]
    ranked = tuple(
        [_ranked(verdicts[a.name], i + 1) for i, a in enumerate(eligible)]
        + [v for v in verdicts.values() if not v.eligible])
    if not eligible:
        return Choice(None, "no_eligible_agent", f"no member of team '{queue.team}' can take "
                      "it now; it waits in the queue", ranked)
    winner = eligible[0]
    runner_up = eligible[1] if len(eligible) > 1 else None
    if queue.strategy == "sticky":
        if winner.name == sticky_agent:
            return Choice(winner.name, "sticky", f"{winner.name} last handled a record with "
                          f"the same {queue.sticky_by}", ranked)
        why = ("no earlier agent" if sticky_agent is None
               else f"{sticky_agent}, who handled the last one, is not eligible")
        return Choice(winner.name, "least_loaded",
                      f"{why}; {_why_won(winner, runner_up, keys)}", ranked)
    return Choice(winner.name, queue.strategy, _why_won(winner, runner_up, keys), ranked)


def _ranked(verdict: AgentVerdict, rank: int) -> AgentVerdict:
    return AgentVerdict(verdict.name, True, None, verdict.detail, verdict.load,
                        verdict.capacity, verdict.missing_skills, rank)
