"""Writing a plan through the runtime: the same record commands the API runs (validation,
computed fields, rules, audit, search index), ``batch_size`` rows per transaction.

- Each row runs in a savepoint: a row the runtime refuses is rejected alone, with its message.
- Audit rows name the import (``import <run>: row <n>``) and carry the row's own time when the
  mapping gives ``as_of``, as do the record's ``created_at`` and ``updated_at``.
- Muted automations: the row's change events are dropped, so history raises no email, timer or
  SLA clock (replay SLA clocks afterwards with ``flowdesk sla replay`` if you want them).
- The run's last committed row and the rows' external keys commit with each batch: after a
  crash the same run resumes after that row, and a second run updates instead of duplicating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.errors import FieldIssue, FlowdeskError, ValidationFailed
from engine.imports.key_store import ImportKeys, ImportRuns
from engine.imports.mapping import SheetMapping
from engine.imports.plan import ImportPlan, RowPlan, RowProblem
from engine.runtime.audit import AuditEntry, AuditTrail
from engine.runtime.records import RecordService
from engine.runtime.unit_of_work import UnitOfWork

__all__ = ["WriteResult", "write_plan", "Progress"]

#: Told (rows done, rows in all) after each committed batch.
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class WriteResult:
    """What the writing did: counts by action, the rows refused while writing, where a run
    resumed from."""

    run_id: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    resumed_after: int = 0


def write_plan(records: RecordService, audit: AuditTrail, plan: ImportPlan, *, run_id: str,
               actor: str, source: str, progress: Progress | None = None) -> WriteResult:
    """Write ``plan``'s ``create`` and ``update`` rows; returns what was done."""
    mapping = plan.mapping
    runs = ImportRuns()
    with records.database.begin() as conn:
        state = runs.start(conn, run_id, object_name=mapping.object, source=source,
                           actor=actor, now=records.clock.now())
    resumed_after = int(state["last_row"])
    result = WriteResult(run_id, resumed_after=resumed_after)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0, "merged": 0,
              "skipped": 0, **dict(state["counts"] or {})}
    todo = [r for r in plan.rows if r.number > resumed_after]
    done = len(plan.rows) - len(todo)
    for start in range(0, len(todo), mapping.batch_size):
        batch = todo[start:start + mapping.batch_size]
        done += len(batch)
        # The plan validated every row, so a batch is first written without a savepoint per
        # row; if the runtime refuses one (a rule, a unique index), the batch is rolled back
        # and written again row by row in savepoints, rejecting only that row.
        try:
            written = _write_batch(records, audit, plan, batch, run_id, actor, counts,
                                   done == len(plan.rows), careful=False)
        except _RowRefused:
            written = _write_batch(records, audit, plan, batch, run_id, actor, counts,
                                   done == len(plan.rows), careful=True)
        counts = written.counts
        result.problems.extend(written.problems)
        if progress is not None:
            progress(done, len(plan.rows))
    if not todo:
        with records.database.begin() as conn:
            runs.advance(conn, run_id, last_row=resumed_after, counts=counts,
                         now=records.clock.now(), done=True)
    result.counts = counts
    return result


class _RowRefused(Exception):
    """A row the runtime refused in a batch written without savepoints."""


@dataclass(slots=True)
class _Batch:
    counts: dict[str, int]
    problems: list[RowProblem] = field(default_factory=list)
    remembered: dict[str, int] = field(default_factory=dict)
    #: Audit rows waiting for the batch's end, each run with the time it carries.
    audit: list[tuple[Any, list[AuditEntry]]] = field(default_factory=list)


def _write_batch(records: RecordService, audit: AuditTrail, plan: ImportPlan,
                 rows: list[RowPlan], run_id: str, actor: str, counts: dict[str, int],
                 last: bool, *, careful: bool) -> _Batch:
    batch = _Batch(dict(counts))
    with records.command(actor) as uow:
        for row in rows:
            _write_row(records, uow, plan, row, run_id, batch, careful)
        for at, entries in batch.audit:
            audit.write(uow.conn, entries, change_id=uow.change_id, actor=actor, at=at)
        ImportKeys().remember(uow.conn, plan.mapping.object, batch.remembered)
        ImportRuns().advance(uow.conn, run_id, last_row=rows[-1].number, counts=batch.counts,
                             now=uow.now, done=last)
    return batch


def _write_row(records: RecordService, uow: UnitOfWork, plan: ImportPlan, row: RowPlan,
               run_id: str, batch: _Batch, careful: bool) -> None:
    mapping = plan.mapping
    counts = batch.counts
    if row.action in ("rejected", "merged", "skipped", "unchanged"):
        counts[row.action] += 1
        return
    c = records.compiled(mapping.object)
    note = f"import {run_id}: row {row.number}"
    batch_now = uow.now
    if row.as_of is not None and row.action == "create":
        uow.now = row.as_of
    savepoint = uow.conn.begin_nested() if careful else None
    try:
        if row.action == "create":
            values = (dict(row.checked) if row.checked is not None
                      else c.validator.validate_create(dict(row.values)))
            record: dict[str, Any] = records.create_in(uow, c.name, values, note=note)
            row.record_id = int(record["id"])
        else:
            assert row.record_id is not None
            changes = (dict(row.checked) if row.checked is not None
                       else c.validator.validate_update(dict(row.values)))
            records.update_in(uow, c.name, row.record_id, changes, note=note)
        if mapping.automations == "run":
            records.settle(uow)
        # The row's audit rows carry its own time (as_of), not the batch's.
        if uow.entries:
            if batch.audit and batch.audit[-1][0] == uow.now:
                batch.audit[-1][1].extend(uow.entries)
            else:
                batch.audit.append((uow.now, list(uow.entries)))
        if savepoint is not None:
            savepoint.commit()
    except FlowdeskError as exc:
        if savepoint is None:
            raise _RowRefused from exc
        savepoint.rollback()
        _refused(row, exc, mapping, batch.problems)
        counts["rejected"] += 1
        return
    finally:
        uow.entries.clear()
        uow.events.clear()  # muted: history raises no automation
        uow.now = batch_now
    counts["created" if row.action == "create" else "updated"] += 1
    for key in [row.key, *row.also_keys]:
        if key is not None and row.record_id is not None:
            batch.remembered[key] = row.record_id


def _refused(row: RowPlan, exc: FlowdeskError, mapping: SheetMapping,
             problems: list[RowProblem]) -> None:
    issues = (exc.issues if isinstance(exc, ValidationFailed) and exc.issues
              else [FieldIssue((), exc.message, exc.code)])
    columns = {mapping.column(col).field: col for col in mapping.columns}
    for issue in issues:
        name = str(issue.loc[0]) if issue.loc else None
        problems.append(RowProblem(row.number, columns.get(name or ""), name, issue.msg,
                                   issue.type))
