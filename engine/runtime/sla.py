"""SLA clocks at run time: recomputed on every change of a record, stored per record and
metric, with durable timers for warnings and breaches.

The clock arithmetic is :func:`engine.workflows.sla.recompute` (pure); this module loads and
stores clocks (``flowdesk_sla_clocks``), keeps one group of timer jobs per clock (cancelled and
written again whenever the clock changes) and, when a timer fires, marks the warning or breach
and reports it as an engine event (``sla_warning``, ``sla_breached``) for automations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, MetaData, Table, delete, insert, select, update

from engine.objects.storage.sla_table import SLA_CLOCKS, add_sla_table
from engine.packs.registry import Registry
from engine.rules_dsl import EvalContext
from engine.runtime.events import RecordEvent
from engine.runtime.outbox import Job, Outbox
from engine.runtime.records import RecordService
from engine.runtime.unit_of_work import UnitOfWork
from engine.workflows.sla import (
    PAUSED,
    RUNNING,
    STOPPED,
    ClockState,
    Facts,
    SlaDefinition,
    due_at,
    elapsed_at,
    recompute,
    threshold_at,
)

__all__ = ["SlaService", "SlaEvent", "SLA_CHECK_JOB", "sla_table", "clock_from_row"]

SLA_CHECK_JOB = "sla.check"


def sla_table(metadata: MetaData | None = None) -> Table:
    metadata = metadata if metadata is not None else MetaData()
    return metadata.tables[SLA_CLOCKS] if SLA_CLOCKS in metadata.tables else add_sla_table(
        metadata)


@dataclass(frozen=True, slots=True)
class SlaEvent:
    """A warning or breach to report to automations."""

    object: str
    record_id: int
    name: str  # sla_warning or sla_breached
    data: Mapping[str, Any]


def _seconds(value: timedelta) -> int:
    return int(value.total_seconds())


def _utc(at: datetime | None) -> datetime | None:
    return at.astimezone(UTC) if at is not None else None


def clock_from_row(row: Mapping[str, Any]) -> ClockState:
    """A stored clock row as a :class:`ClockState`."""
    return ClockState(
        metric=row["metric"], policy=row["policy"], calendar=row["calendar"],
        target=timedelta(seconds=row["target_seconds"]), status=row["status"],
        started_at=row["started_at"], running_since=row["running_since"],
        elapsed=timedelta(seconds=row["elapsed_seconds"]), paused_since=row["paused_since"],
        paused=timedelta(seconds=row["paused_seconds"]), stopped_at=row["stopped_at"],
        breached_at=row["breached_at"], warned=tuple(row["warned"] or ()))


class SlaService:
    """The clocks of every object an SLA of ``registry`` measures."""

    def __init__(self, registry: Registry, records: RecordService, outbox: Outbox) -> None:
        self.registry, self.records, self.outbox = registry, records, outbox
        self.table = sla_table()
        self._definitions = {d.object: d for d in registry.slas.values()}
        self._machines = {m.object: m for m in registry.workflows.values()}
        #: Objects whose changes move clocks.
        self.watched = frozenset(self._definitions)

    def definition(self, object_name: str) -> SlaDefinition | None:
        return self._definitions.get(object_name)

    def category(self, object_name: str, row: Mapping[str, Any]) -> str | None:
        """The workflow state category of ``row`` (``None`` without a workflow)."""
        machine = self._machines.get(object_name)
        if machine is None:
            return None
        state = machine.states.get(row.get(machine.field))  # type: ignore[arg-type]
        return state.category if state is not None else None

    # -- loading and storing ---------------------------------------------------------------

    def load(self, conn: Connection, object_name: str,
             record_id: int) -> dict[str, ClockState]:
        t = self.table
        rows = conn.execute(select(t).where(t.c.object == object_name,
                                            t.c.record_id == record_id)).mappings()
        return {r["metric"]: clock_from_row(dict(r)) for r in rows}

    def _values(self, clock: ClockState, now: datetime) -> dict[str, Any]:
        calendar = self.registry.calendars[clock.calendar]
        return {
            "policy": clock.policy, "calendar": clock.calendar, "status": clock.status,
            "target_seconds": _seconds(clock.target), "started_at": clock.started_at,
            "running_since": clock.running_since, "elapsed_seconds": _seconds(clock.elapsed),
            "paused_since": clock.paused_since, "paused_seconds": _seconds(clock.paused),
            "stopped_at": clock.stopped_at, "breached_at": clock.breached_at,
            "due_at": due_at(clock, calendar), "warned": list(clock.warned), "updated_at": now,
        }

    def _store(self, uow: UnitOfWork, object_name: str, record_id: int,
               before: Mapping[str, ClockState], after: Mapping[str, ClockState]) -> None:
        t = self.table
        for metric, clock in after.items():
            old = before.get(metric)
            if old == clock:
                continue
            values = self._values(clock, uow.now)
            if old is None:
                uow.conn.execute(insert(t).values(object=object_name, record_id=record_id,
                                                  metric=metric, **values))
            else:
                uow.conn.execute(update(t).where(
                    t.c.object == object_name, t.c.record_id == record_id,
                    t.c.metric == metric).values(**values))
            self._log(uow, object_name, record_id, old, clock)
            self._schedule(uow, object_name, record_id, clock)

    def _log(self, uow: UnitOfWork, object_name: str, record_id: int,
             old: ClockState | None, new: ClockState) -> None:
        what: str | None = None
        if old is None:
            what = f"started under policy '{new.policy}'"
        elif old.status != new.status:
            what = {RUNNING: "resumed" if old.status == PAUSED else "running again",
                    PAUSED: "paused", "cancelled": "cancelled",
                    STOPPED: "met" if new.met else "stopped, breached"}[new.status]
        elif old.started_at != new.started_at:
            what = "reset"
        elif old.policy != new.policy or old.target != new.target:
            what = f"now under policy '{new.policy}' (elapsed time kept)"
        if what is not None:
            uow.log(object_name, record_id, "sla", new.metric, old.status if old else None,
                    new.status, note=f"SLA {new.metric}: {what}")

    def _group(self, object_name: str, record_id: int, metric: str) -> str:
        return f"sla:{object_name}:{record_id}:{metric}"

    def _schedule(self, uow: UnitOfWork, object_name: str, record_id: int,
                  clock: ClockState) -> None:
        group = self._group(object_name, record_id, clock.metric)
        self.outbox.cancel(uow, group)
        if clock.status != RUNNING:
            return
        calendar = self.registry.calendars[clock.calendar]
        metric = self._definitions[object_name].metrics[clock.metric]
        marks = [f for f in metric.warnings if f not in clock.warned]
        if clock.breached_at is None:
            marks.append(1.0)
        for fraction in marks:
            at = threshold_at(clock, fraction, calendar)
            if at is None:
                continue
            self.outbox.enqueue(
                uow, SLA_CHECK_JOB, {"metric": clock.metric, "fraction": fraction},
                run_at=max(at, uow.now), cancel_group=group, object=object_name,
                record_id=record_id)

    # -- changes -----------------------------------------------------------------------------

    def on_change(self, uow: UnitOfWork, event: RecordEvent) -> None:
        """Recompute the record's clocks after a change (an automation listener)."""
        definition = self._definitions.get(event.object)
        if definition is None:
            return
        row = event.new
        ctx = EvalContext(now=uow.now, load=self.records.loader(uow.conn), old=event.old,
                          changed=event.changed)
        before = self.load(uow.conn, event.object, event.record_id)
        after = recompute(definition, before,
                          Facts(row, self.category(event.object, row), ctx),
                          uow.now, self.registry.calendars)
        self._store(uow, event.object, event.record_id, before, after)

    def forget(self, uow: UnitOfWork, object_name: str, record_id: int) -> None:
        """Drop a deleted record's clocks and cancel their timers."""
        definition = self._definitions.get(object_name)
        for metric in definition.metrics if definition is not None else ():
            self.outbox.cancel(uow, self._group(object_name, record_id, metric))
        t = self.table
        uow.conn.execute(delete(t).where(t.c.object == object_name, t.c.record_id == record_id))

    # -- timers ------------------------------------------------------------------------------

    def run_check(self, job: Job, uow: UnitOfWork) -> list[SlaEvent]:
        """A warning or breach timer is due: mark it on the clock if the clock really got
        there (it may have been paused since), and return the event to raise."""
        if job.object is None or job.record_id is None:
            return []
        metric = str(job.payload.get("metric"))
        fraction = float(job.payload.get("fraction", 1.0))
        clocks = self.load(uow.conn, job.object, job.record_id)
        clock = clocks.get(metric)
        if clock is None or clock.status != RUNNING:
            return []
        calendar = self.registry.calendars[clock.calendar]
        # A second of slack: the timer was computed from the same arithmetic.
        if elapsed_at(clock, uow.now, calendar) + timedelta(seconds=1) < clock.target * fraction:
            self._schedule(uow, job.object, job.record_id, clock)  # moved on: wait again
            return []
        data = {"metric": metric, "policy": clock.policy,
                "percent": round(fraction * 100), "target": _seconds(clock.target),
                "due_at": _iso(due_at(clock, calendar))}
        if fraction >= 1.0:
            if clock.breached_at is not None:
                return []
            updated = replace(clock, breached_at=due_at(clock, calendar) or uow.now)
            name, note = "sla_breached", f"SLA {metric}: breached"
        else:
            if fraction in clock.warned:
                return []
            updated = replace(clock, warned=tuple(sorted((*clock.warned, fraction))))
            name, note = "sla_warning", f"SLA {metric}: {round(fraction * 100)}% of the target"
        t = self.table
        uow.conn.execute(update(t).where(
            t.c.object == job.object, t.c.record_id == job.record_id, t.c.metric == metric
        ).values(**self._values(updated, uow.now)))
        uow.log(job.object, job.record_id, "sla", metric, note=note)
        return [SlaEvent(job.object, job.record_id, name, data)]

    # -- reading -----------------------------------------------------------------------------

    def clock_json(self, clock: ClockState, now: datetime) -> dict[str, Any]:
        calendar = self.registry.calendars[clock.calendar]
        elapsed = elapsed_at(clock, now, calendar)
        due = due_at(clock, calendar)
        return {
            "metric": clock.metric, "policy": clock.policy, "calendar": clock.calendar,
            "status": clock.status, "target_seconds": _seconds(clock.target),
            "elapsed_seconds": _seconds(elapsed),
            "remaining_seconds": max(0, _seconds(clock.target - elapsed)),
            "percent": round(100 * elapsed / clock.target, 1) if clock.target else None,
            "started_at": _iso(clock.started_at), "due_at": _iso(due),
            "paused_seconds": _seconds(clock.paused), "stopped_at": _iso(clock.stopped_at),
            "breached_at": _iso(clock.breached_at),
            "breached": clock.breached_at is not None or (due is not None and due <= now),
            "met": clock.met,
        }

    def clocks(self, conn: Connection, object_name: str, record_id: int,
               now: datetime) -> list[dict[str, Any]]:
        """Every clock of a record as JSON, in the order the SLA declares its metrics."""
        definition = self._definitions.get(object_name)
        loaded = self.load(conn, object_name, record_id)
        order = list(definition.metrics) if definition else sorted(loaded)
        return [self.clock_json(loaded[m], now) for m in order if m in loaded]

    def template_values(self, conn: Connection, object_name: str, record_id: int,
                        now: datetime) -> dict[str, Any]:
        """``sla.<metric>.due_at`` and friends, for templates."""
        return {c["metric"]: c for c in self.clocks(conn, object_name, record_id, now)}


def _iso(at: datetime | None) -> str | None:
    value = _utc(at)
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
