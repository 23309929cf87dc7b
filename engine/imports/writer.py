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
from engine.imports.plan import ImportPlan, RowPlan, RowProblem
from engine.runtime.audit import AuditTrail
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
    runs, keys = ImportRuns(), ImportKeys()
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
        with records.command(actor) as uow:
            remembered: dict[str, int] = {}
            for row in batch:
                _write_row(records, audit, uow, plan, row, run_id, counts, result,
                           remembered)
            keys.remember(uow.conn, mapping.object, remembered)
            last = batch[-1].number
            done += len(batch)
            runs.advance(uow.conn, run_id, last_row=last, counts=counts, now=uow.now,
                         done=done == len(plan.rows))
        if progress is not None:
            progress(done, len(plan.rows))
    if not todo:
        with records.database.begin() as conn:
            runs.advance(conn, run_id, last_row=resumed_after, counts=counts,
                         now=records.clock.now(), done=True)
    result.counts = counts
    return result


def _write_row(records: RecordService, audit: AuditTrail, uow: UnitOfWork, plan: ImportPlan,
               row: RowPlan, run_id: str, counts: dict[str, int], result: WriteResult,
               remembered: dict[str, int]) -> None:
    mapping = plan.mapping
    if row.action in ("rejected", "merged", "skipped", "unchanged"):
        counts[row.action] += 1
        return
    c = records.compiled(mapping.object)
    note = f"import {run_id}: row {row.number}"
    batch_now = uow.now
    if row.as_of is not None and row.action == "create":
        uow.now = row.as_of
    savepoint = uow.conn.begin_nested()
    try:
        if row.action == "create":
            values = c.validator.validate_create(dict(row.values))
            record: dict[str, Any] = records.create_in(uow, c.name, values, note=note)
            row.record_id = int(record["id"])
        else:
            assert row.record_id is not None
            changes = c.validator.validate_update(dict(row.values))
            records.update_in(uow, c.name, row.record_id, changes, note=note)
        if mapping.automations == "run":
            records.settle(uow)
        else:
            uow.events.clear()
        # The row's audit rows carry its own time (as_of), not the batch's.
        audit.write(uow.conn, uow.entries, change_id=uow.change_id, actor=uow.actor,
                    at=uow.now)
        savepoint.commit()
    except FlowdeskError as exc:
        savepoint.rollback()
        issues = (exc.issues if isinstance(exc, ValidationFailed) and exc.issues
                  else [FieldIssue((), exc.message, exc.code)])
        columns = {mapping.column(col).field: col for col in mapping.columns}
        for issue in issues:
            name = str(issue.loc[0]) if issue.loc else None
            result.problems.append(RowProblem(row.number, columns.get(name or ""), name,
                                              issue.msg, issue.type))
        counts["rejected"] += 1
        return
    finally:
        uow.entries.clear()
        uow.events.clear()
        uow.now = batch_now
    counts["created" if row.action == "create" else "updated"] += 1
    for key in [row.key, *row.also_keys]:
        if key is not None:
            remembered[key] = row.record_id
