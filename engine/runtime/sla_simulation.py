"""``flowdesk sla simulate``: what a proposed SLA would have made of stored history.

The records created since a date are replayed (see :class:`~engine.runtime.sla_replay.SlaReplay`)
under the current SLA and under the proposal, and each side's clocks are counted per metric and
per policy: clocks, met, breached and compliance. Nothing is written: the replay only reads.

Compliance is the share of clocks that did not breach, among those not cancelled (a running
clock that is not yet late counts as compliant so far).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from engine.runtime.sla_replay import SlaReplay, verdict
from engine.workflows.calendar import BusinessCalendar
from engine.workflows.sla import CANCELLED, ClockState, SlaDefinition

__all__ = ["Compliance", "ComplianceTable", "Simulation", "simulate"]


@dataclass(slots=True)
class Compliance:
    """Counts of one group of clocks (a metric or a policy)."""

    clocks: int = 0
    met: int = 0
    breached: int = 0
    cancelled: int = 0

    def add(self, outcome: str) -> None:
        self.clocks += 1
        if outcome == "met":
            self.met += 1
        elif outcome.endswith("breached"):
            self.breached += 1
        elif outcome == CANCELLED:
            self.cancelled += 1

    @property
    def percent(self) -> float | None:
        """Clocks that did not breach, as a percentage of those not cancelled."""
        counted = self.clocks - self.cancelled
        return None if counted == 0 else round(100 * (counted - self.breached) / counted, 1)


@dataclass(slots=True)
class ComplianceTable:
    """One SLA's clocks counted by metric and by (final) policy."""

    by_metric: dict[str, Compliance] = field(default_factory=dict)
    by_policy: dict[str, Compliance] = field(default_factory=dict)

    def count(self, clocks: Iterable[ClockState], now: datetime,
              calendars: Mapping[str, BusinessCalendar]) -> None:
        for clock in clocks:
            outcome = verdict(clock, now, calendars[clock.calendar])
            self.by_metric.setdefault(clock.metric, Compliance()).add(outcome)
            self.by_policy.setdefault(clock.policy, Compliance()).add(outcome)


@dataclass(slots=True)
class Simulation:
    """The current and the proposed SLA's compliance over the same records."""

    sla: str
    object: str
    since: datetime
    now: datetime
    records: int = 0
    before: ComplianceTable = field(default_factory=ComplianceTable)
    after: ComplianceTable = field(default_factory=ComplianceTable)
    failed: list[tuple[str, int, str]] = field(default_factory=list)

    def render(self) -> str:
        """The comparison as a text table."""
        lines = [f"SLA {self.sla} on {self.records} {self.object} record(s) created since "
                 f"{_iso(self.since)}, replayed up to {_iso(self.now)}", ""]
        for title, before, after in (
                ("metric", self.before.by_metric, self.after.by_metric),
                ("policy", self.before.by_policy, self.after.by_policy)):
            lines += [f"{'':<24}{'before':^34}  {'after':^34}".rstrip(),
                      f"{'by ' + title:<24}{_HEADER}  {_HEADER}"]
            for name in [*before, *(n for n in after if n not in before)]:
                lines.append(f"  {name:<22}{_row(before.get(name))}  {_row(after.get(name))}")
            lines.append("")
        if self.failed:
            lines.append(f"{len(self.failed)} record(s) could not be replayed:")
            lines += [f"  {o} {i}: {message}" for o, i, message in self.failed]
        lines.append("nothing was written")
        return "\n".join(lines)


_HEADER = f"{'clocks':>7}{'met':>7}{'breached':>9}{'compliance':>11}"


def _row(c: Compliance | None) -> str:
    if c is None:
        return f"{'-':>7}{'-':>7}{'-':>9}{'-':>11}"
    percent = "-" if c.percent is None else f"{c.percent:.1f}%"
    return f"{c.clocks:>7}{c.met:>7}{c.breached:>9}{percent:>11}"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def simulate(replay: SlaReplay, proposed: SlaDefinition, since: datetime) -> Simulation:
    """Replay the records created since ``since`` under the current SLA of the same name and
    under ``proposed``; reads only."""
    current = replay.registry.slas[proposed.name]
    now = replay.clock.now()
    result = Simulation(proposed.name, current.object, since, now)
    calendars = replay.calendars
    for batch in replay.replayed(current, since=since, with_stored=False):
        for _, _, clocks in batch:
            result.records += 1
            result.before.count(clocks.values(), now, calendars)
    result.failed += replay.failures
    for batch in replay.replayed(proposed, since=since, with_stored=False):
        for _, _, clocks in batch:
            result.after.count(clocks.values(), now, calendars)
    result.failed += [f for f in replay.failures if f not in result.failed]
    return result
