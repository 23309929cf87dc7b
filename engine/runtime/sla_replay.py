"""``flowdesk sla replay``: SLA clocks recomputed from the audit history.

After a calendar or policy change, stored clocks say what the old rules made of each record.
A replay rebuilds every record's field values over time from the audit trail (see
:mod:`engine.runtime.sla_history`), runs each change through the same pure
:func:`~engine.workflows.sla.recompute` the runtime uses, with the packs' current SLAs and
calendars, and compares the result with the stored clocks. Without ``dry_run`` it writes the
clocks that differ and re-schedules their timers, a batch of records per transaction. It is
idempotent: a second replay finds nothing to change.

Warning and breach timers are replayed too: a threshold a running clock crossed before a later
change counts as raised (its timer would have fired). At the end of the history (now), a
crossed threshold counts as raised only when the stored clock already raised it; otherwise its
timer is scheduled at once, so the ``sla_warning`` / ``sla_breached`` event still happens, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, inspect, select, update

from engine.errors import BadRequest, DslError, NotFound, did_you_mean
from engine.objects.model import ObjectType
from engine.objects.storage.job_table import JOBS
from engine.objects.storage.sla_table import SLA_CLOCKS
from engine.objects.storage.system_tables import AUDIT
from engine.packs.registry import Registry
from engine.rules_dsl import EvalContext
from engine.runtime.audit import AuditEntry, AuditTrail
from engine.runtime.clock import Clock
from engine.runtime.outbox import DEFAULT_MAX_ATTEMPTS, Outbox
from engine.runtime.records import RecordService
from engine.runtime.sla import SlaService, clock_from_row
from engine.runtime.sla_history import RecordHistory, read_histories
from engine.runtime.unit_of_work import UnitOfWork
from engine.workflows.calendar import BusinessCalendar
from engine.workflows.sla import (
    CANCELLED,
    RUNNING,
    STOPPED,
    ClockState,
    Facts,
    SlaDefinition,
    SlaMetric,
    due_at,
    elapsed_at,
    recompute,
)

__all__ = ["SlaReplay", "ClockDifference", "ReplayReport", "verdict", "REPLAY_ACTOR"]

#: Who the audit trail says wrote replayed clocks.
REPLAY_ACTOR = "sla-replay"

Loader = Callable[[str, Any], dict[str, Any] | None]


def _iso(at: datetime | None) -> str:
    return "none" if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def verdict(clock: ClockState, now: datetime, calendar: BusinessCalendar) -> str:
    """What a clock amounts to at ``now``: ``met`` or ``breached`` once stopped,
    ``cancelled``, else its status with ``, breached`` once past its target."""
    if clock.status == STOPPED:
        return "met" if clock.breached_at is None else "breached"
    if clock.status == CANCELLED:
        return CANCELLED
    due = due_at(clock, calendar)
    late = clock.breached_at is not None or (due is not None and due <= now)
    return f"{clock.status}, breached" if late else clock.status


@dataclass(frozen=True, slots=True)
class ClockDifference:
    """A clock whose replay differs from what is stored (``None``: no such clock)."""

    object: str
    record_id: int
    metric: str
    stored: ClockState | None
    replayed: ClockState | None

    def describe(self, now: datetime, calendars: Mapping[str, BusinessCalendar]) -> str:
        """One line: what changes for users (due date, met or breached), else what else."""
        head = f"{self.object} {self.record_id} {self.metric}: "
        old, new = self.stored, self.replayed
        if old is None:
            assert new is not None
            cal = calendars[new.calendar]
            return (head + f"new clock under policy '{new.policy}' "
                    f"({verdict(new, now, cal)}, due {_iso(due_at(new, cal))})")
        if new is None:
            return head + f"removed (was {verdict(old, now, calendars[old.calendar])})"
        old_cal, new_cal = calendars[old.calendar], calendars[new.calendar]
        parts = []
        old_due, new_due = due_at(old, old_cal), due_at(new, new_cal)
        if old_due != new_due:
            parts.append(f"due {_iso(old_due)} -> {_iso(new_due)}")
        old_verdict, new_verdict = verdict(old, now, old_cal), verdict(new, now, new_cal)
        if old_verdict != new_verdict:
            parts.append(f"{old_verdict} -> {new_verdict}")
        if old.policy != new.policy:
            parts.append(f"policy {old.policy} -> {new.policy}")
        if old.elapsed != new.elapsed:
            parts.append(f"elapsed {int(old.elapsed.total_seconds())}s -> "
                         f"{int(new.elapsed.total_seconds())}s")
        if not parts:
            parts.append("recounted (pauses, start or warnings)")
        return head + "; ".join(parts)

    def newly_breached(self, now: datetime, calendars: Mapping[str, BusinessCalendar]) -> bool:
        return self._breached(self.replayed, now, calendars) and not self._breached(
            self.stored, now, calendars)

    def no_longer_breached(self, now: datetime,
                           calendars: Mapping[str, BusinessCalendar]) -> bool:
        return self._breached(self.stored, now, calendars) and not self._breached(
            self.replayed, now, calendars)

    @staticmethod
    def _breached(clock: ClockState | None, now: datetime,
                  calendars: Mapping[str, BusinessCalendar]) -> bool:
        return clock is not None and verdict(clock, now, calendars[clock.calendar]).endswith(
            "breached")


@dataclass(slots=True)
class ReplayReport:
    """What a replay found (and, unless ``dry_run``, wrote)."""

    now: datetime
    dry_run: bool
    records: int = 0
    clocks: int = 0
    changed_clocks: int = 0
    changed_records: int = 0
    newly_breached: int = 0
    no_longer_breached: int = 0
    skipped_deleted: int = 0
    batches_written: int = 0
    #: (object, record_id, message) of records whose history a condition failed on
    failed: list[tuple[str, int, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"replayed {self.records} record(s), {self.clocks} clock(s): "
                f"{self.changed_clocks} clock(s) of {self.changed_records} record(s) differ "
                f"({self.newly_breached} newly breached, {self.no_longer_breached} no longer "
                f"breached)")
        if self.skipped_deleted:
            text += f"; {self.skipped_deleted} deleted record(s) skipped"
        if self.failed:
            text += f"; {len(self.failed)} record(s) failed"
        if self.dry_run:
            return text + "; dry run: nothing written"
        return text + f"; written in {self.batches_written} transaction(s)"


class _CollectingOutbox(Outbox):
    """Collects the timer jobs :class:`SlaService` schedules, to insert them in bulk (the
    replay cancels each written clock's pending timers itself, in one statement per batch)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def enqueue(self, uow: UnitOfWork, kind: str, payload: Mapping[str, Any], *,
                run_at: datetime | None = None, key: str | None = None,
                cancel_group: str | None = None, object: str | None = None,
                record_id: int | None = None, max_attempts: int | None = None) -> int | None:
        # The row Outbox.enqueue writes; keys carry the batch's change id, so they are new.
        self.rows.append({
            "kind": kind, "payload": dict(payload), "status": "pending",
            "run_at": uow.now if run_at is None else run_at, "attempts": 0,
            "max_attempts": DEFAULT_MAX_ATTEMPTS if max_attempts is None else max_attempts,
            "last_error": None, "key": key, "cancel_group": cancel_group, "object": object,
            "record_id": record_id, "created_at": uow.now,
        })
        return None

    def cancel(self, uow: UnitOfWork, cancel_group: str) -> int:
        return 0


def _stored_precision(clock: ClockState) -> ClockState:
    """The clock as storing and loading it leaves it: durations in whole seconds."""
    if not (clock.elapsed.microseconds or clock.paused.microseconds):
        return clock
    return replace(clock, elapsed=timedelta(seconds=int(clock.elapsed.total_seconds())),
                   paused=timedelta(seconds=int(clock.paused.total_seconds())))


class SlaReplay:
    """Replays records' audit histories through the packs' SLAs (see the module docstring)."""

    def __init__(self, registry: Registry, database: Engine, records: RecordService,
                 clock: Clock, *, audit: AuditTrail | None = None,
                 batch_size: int = 1000) -> None:
        if batch_size < 1:
            raise BadRequest(f"the batch size must be at least 1, got {batch_size}",
                             code="sla_replay_bad_batch")
        self.registry, self.database, self.records, self.clock = (registry, database,
                                                                   records, clock)
        self.audit = audit or AuditTrail()
        self.batch_size = batch_size
        self._outbox = _CollectingOutbox()
        self.sla = SlaService(registry, records, self._outbox)
        self.calendars = registry.calendars
        #: Of the last :meth:`replayed` run: deleted records left out, and records whose
        #: history a condition failed on, as (object, record_id, message).
        self.deleted = 0
        self.failures: list[tuple[str, int, str]] = []

    # -- choosing what to replay -------------------------------------------------------------

    def check_database(self) -> None:
        """Refuse a database without the Flowdesk tables (``flowdesk apply`` makes them)."""
        names = set(inspect(self.database).get_table_names())
        missing = [t for t in (AUDIT, SLA_CLOCKS, JOBS) if t not in names]
        if missing:
            raise BadRequest(
                f"the database has no {', '.join(missing)} table(s); run 'flowdesk apply' with "
                "the same packs first", code="sla_replay_no_schema")

    def definitions(self, object_name: str | None = None) -> list[SlaDefinition]:
        """The SLAs to replay: every one, or the one measuring ``object_name``."""
        by_object = {d.object: d for d in self.registry.slas.values()}
        if object_name is None:
            return list(by_object.values())
        if object_name not in by_object:
            known = ", ".join(sorted(by_object)) or "none"
            raise NotFound(
                f"no SLA measures object '{object_name}'{did_you_mean(object_name, by_object)}"
                f"; objects with an SLA: {known}", code="sla_replay_unknown_object")
        return [by_object[object_name]]

    # -- replaying one record -----------------------------------------------------------------

    def replay_history(self, definition: SlaDefinition, obj: ObjectType,
                       history: RecordHistory, load: Loader, now: datetime,
                       stored: Mapping[str, ClockState] | None = None) -> dict[str, ClockState]:
        """The clocks ``history`` gives under ``definition``, brought up to ``now``; ``stored``
        (the clocks on record) only tells which thresholds crossed by ``now`` were raised."""
        row: dict[str, Any] = dict.fromkeys(obj.fields)
        clocks: dict[str, ClockState] = {}
        for version, change in enumerate(history.changes, start=1):
            if change.deleted:
                break
            old = None if change.creating else dict(row)
            if change.creating:
                row.update(change.values, id=history.record_id, created_at=change.at,
                           created_by=change.actor)
                changed = frozenset(k for k, v in row.items() if v is not None)
            else:
                changed = frozenset(k for k, v in change.values.items() if row.get(k) != v)
                row.update(change.values)
            row.update(updated_at=change.at, version=version)
            clocks = self._timers_until(definition, clocks, change.at)
            ctx = EvalContext(now=change.at, load=load, old=old, changed=changed)
            facts = Facts(dict(row), self.sla.category(obj.name, row), ctx)
            clocks = {m: _stored_precision(c) for m, c in recompute(
                definition, clocks, facts, change.at, self.calendars).items()}
        clocks = self._timers_until(definition, clocks, now, keep=stored or {})
        return clocks

    def _timers_until(self, definition: SlaDefinition, clocks: Mapping[str, ClockState],
                      at: datetime, keep: Mapping[str, ClockState] | None = None
                      ) -> dict[str, ClockState]:
        """Clocks with the warnings (and breaches) their timers raised by ``at``. With
        ``keep``, only those the kept clock (the same run of it) had raised already."""
        out = {}
        for name, clock in clocks.items():
            metric = definition.metrics.get(name)
            if clock.status == RUNNING and metric is not None:
                clock = self._raised(clock, metric, at, keep)
            out[name] = clock
        return out

    def _raised(self, clock: ClockState, metric: SlaMetric, at: datetime,
                keep: Mapping[str, ClockState] | None) -> ClockState:
        kept = keep.get(clock.metric) if keep is not None else None
        if keep is not None and (kept is None or kept.started_at != clock.started_at):
            return clock
        calendar = self.calendars[clock.calendar]
        # A threshold was reached by ``at`` when the time counted by then covers it (one
        # ``between`` instead of an ``add`` per threshold).
        elapsed = elapsed_at(clock, at, calendar)
        warned = [f for f in metric.warnings
                  if f not in clock.warned and (kept is None or f in kept.warned)
                  and elapsed >= clock.target * f]
        breached_at = clock.breached_at
        if (breached_at is None and elapsed >= clock.target
                and (kept is None or kept.breached_at is not None)):
            breached_at = due_at(clock, calendar)
        if not warned and breached_at == clock.breached_at:
            return clock
        return replace(clock, warned=tuple(sorted((*clock.warned, *warned))),
                       breached_at=breached_at)

    # -- whole objects ------------------------------------------------------------------------

    def replayed(self, definition: SlaDefinition, *, since: datetime | None = None,
                 with_stored: bool = True
                 ) -> Iterator[list[tuple[RecordHistory, dict[str, ClockState],
                                          dict[str, ClockState]]]]:
        """Per batch of records of ``definition``'s object: (history, stored clocks, replayed
        clocks). Deleted records and records a condition fails on are left out (see
        :attr:`failures`)."""
        obj = self.registry.objects[definition.object]
        cache: dict[tuple[str, Any], dict[str, Any] | None] = {}
        self.failures, self.deleted = [], 0
        now = self.clock.now()
        for batch in read_histories(self.database, self.audit.table, obj,
                                    batch_size=self.batch_size, since=since):
            with self.database.connect() as conn:
                stored = self._stored(conn, obj.name, batch) if with_stored else {}
                load = self._cached_loader(conn, cache)
                out = []
                for history in batch:
                    if history.deleted:
                        self.deleted += 1
                        continue
                    before = stored.get(history.record_id, {})
                    try:
                        after = self.replay_history(definition, obj, history, load, now, before)
                    except DslError as exc:
                        self.failures.append((obj.name, history.record_id, str(exc)))
                        continue
                    out.append((history, before, after))
            yield out

    def _cached_loader(self, conn: Connection,
                       cache: dict[tuple[str, Any], dict[str, Any] | None]) -> Loader:
        # Related records are read as they are now (their own history is not replayed), once.
        load = self.records.loader(conn)

        def cached(object_name: str, record_id: Any) -> dict[str, Any] | None:
            key = (object_name, record_id)
            if key not in cache:
                cache[key] = load(object_name, record_id)
            return cache[key]

        return cached

    def _stored(self, conn: Connection, object_name: str,
                batch: Sequence[RecordHistory]) -> dict[int, dict[str, ClockState]]:
        if not batch:
            return {}
        t = self.sla.table
        rows = conn.execute(select(t).where(
            t.c.object == object_name, t.c.record_id >= batch[0].record_id,
            t.c.record_id <= batch[-1].record_id)).mappings()
        out: dict[int, dict[str, ClockState]] = {}
        for r in rows:
            out.setdefault(r["record_id"], {})[r["metric"]] = clock_from_row(dict(r))
        return out

    def replay(self, object_name: str | None = None, *, dry_run: bool = False,
               on_difference: Callable[[ClockDifference], None] | None = None
               ) -> ReplayReport:
        """Replay every SLA (or the one of ``object_name``); call ``on_difference`` for each
        clock that differs and, unless ``dry_run``, write them a batch per transaction."""
        self.check_database()
        definitions = self.definitions(object_name)
        now = self.clock.now()
        report = ReplayReport(now=now, dry_run=dry_run)
        for definition in definitions:
            for batch in self.replayed(definition):
                differences = []
                for history, before, after in batch:
                    report.records += 1
                    report.clocks += len(after)
                    found = [ClockDifference(history.object, history.record_id, metric,
                                             before.get(metric), after.get(metric))
                             for metric in definition.metrics
                             if before.get(metric) != after.get(metric)]
                    if found:
                        report.changed_records += 1
                    differences += found
                for difference in differences:
                    report.changed_clocks += 1
                    report.newly_breached += difference.newly_breached(now, self.calendars)
                    report.no_longer_breached += difference.no_longer_breached(
                        now, self.calendars)
                    if on_difference is not None:
                        on_difference(difference)
                if differences and not dry_run:
                    self._write(differences, now)
                    report.batches_written += 1
            report.skipped_deleted += self.deleted
            report.failed += self.failures
        return report

    # -- writing -----------------------------------------------------------------------------

    def _write(self, differences: Sequence[ClockDifference], now: datetime) -> None:
        """Store one batch's clocks, cancel their timers and schedule new ones, in one
        transaction, with an ``sla`` audit row per clock."""
        t = self.sla.table
        change_id = str(uuid.uuid4())
        inserts, updates, removed = [], [], []
        entries = []
        self._outbox.rows = []
        with self.database.begin() as conn:
            uow = UnitOfWork(conn, REPLAY_ACTOR, now, change_id)
            for d in differences:
                key = {"object": d.object, "record_id": d.record_id, "metric": d.metric}
                if d.replayed is None:
                    removed.append(key)
                else:
                    values = self.sla._values(d.replayed, now)
                    if d.stored is None:
                        inserts.append(key | values)
                    else:
                        updates.append({f"b_{k}": v for k, v in key.items()} | values)
                    self.sla._schedule(uow, d.object, d.record_id, d.replayed)
                entries.append(AuditEntry(
                    d.object, d.record_id, "sla", d.metric,
                    d.stored.status if d.stored else None,
                    d.replayed.status if d.replayed else None,
                    note=f"SLA {d.metric}: replayed ("
                    f"{d.describe(now, self.calendars).split(': ', 1)[1]})"))
            if inserts:
                conn.execute(insert(t), inserts)
            if updates:
                conn.execute(update(t).where(
                    t.c.object == bindparam("b_object"),
                    t.c.record_id == bindparam("b_record_id"),
                    t.c.metric == bindparam("b_metric")), updates)
            if removed:
                conn.execute(delete(t).where(
                    t.c.object == bindparam("b_object"),
                    t.c.record_id == bindparam("b_record_id"),
                    t.c.metric == bindparam("b_metric")),
                    [{f"b_{k}": v for k, v in r.items()} for r in removed])
            self._cancel_timers(conn, [f"sla:{d.object}:{d.record_id}:{d.metric}"
                                       for d in differences], now)
            if self._outbox.rows:
                conn.execute(insert(self._outbox.table), self._outbox.rows)
            self.audit.write(conn, entries, change_id=change_id, actor=REPLAY_ACTOR, at=now)

    def _cancel_timers(self, conn: Connection, groups: list[str], now: datetime) -> None:
        jobs: Table = self._outbox.table
        for i in range(0, len(groups), 500):
            conn.execute(update(jobs).where(
                jobs.c.cancel_group.in_(groups[i:i + 500]), jobs.c.status == "pending"
            ).values(status="cancelled", finished_at=now))
