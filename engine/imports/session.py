"""An import from start to end: read the file, plan every sheet, and (when applying) write each
sheet before planning the next, so a later sheet's references find the records an earlier one
made. The CLI and the API both run imports through :func:`run_import`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.imports.errors import ImportRefused
from engine.imports.mapping import SheetMapping
from engine.imports.plan import ImportPlan, RowProblem, plan_import
from engine.imports.readers import read_table
from engine.imports.writer import Progress, WriteResult, write_plan
from engine.runtime.audit import AuditTrail
from engine.runtime.records import RecordService

__all__ = ["ImportOutcome", "run_import", "run_id_for"]


@dataclass(slots=True)
class ImportOutcome:
    """The plans (the dry-run report) and, when applied, what each sheet's writing did."""

    plans: list[ImportPlan] = field(default_factory=list)
    written: list[WriteResult] = field(default_factory=list)

    @property
    def write_problems(self) -> list[RowProblem]:
        return [p for w in self.written for p in w.problems]


def run_id_for(data: bytes, mapping: SheetMapping) -> str:
    """A run's id: the object and a digest of the file and its mapping, so running the same
    import again after a crash resumes it."""
    digest = hashlib.sha256(data + json.dumps(mapping.model_dump(), sort_keys=True,
                                              default=str).encode()).hexdigest()[:20]
    return f"{mapping.object}:{digest}"


def run_import(records: RecordService, audit: AuditTrail, data: bytes, name: str,
               mappings: Sequence[SheetMapping], *, apply: bool = False, actor: str = "import",
               encoding: str | None = None, run_id: str | None = None,
               progress: Progress | None = None, source: str = "mapping") -> ImportOutcome:
    """Plan (and with ``apply``, write) ``data``, a file called ``name``, sheet by sheet."""
    if not mappings:
        raise ImportRefused(f"{source}: no sheet mapping", code="import_mapping_invalid")
    outcome = ImportOutcome()
    pending: dict[tuple[str, str], set[str]] = {}
    for mapping in mappings:
        table = read_table(data, name, sheet=mapping.sheet, encoding=encoding,
                           header_row=mapping.header_row)
        with records.database.connect() as conn:
            plan = plan_import(records, conn, table, mapping, pending=pending, source=source)
        outcome.plans.append(plan)
        if apply:
            rid = run_id or run_id_for(data, mapping)
            if len(mappings) > 1 and run_id:
                rid = f"{run_id}:{mapping.sheet or mapping.object}"
            outcome.written.append(write_plan(records, audit, plan, run_id=rid, actor=actor,
                                              source=name, progress=progress))
        else:
            _note_pending(plan, pending)
    return outcome


def _note_pending(plan: ImportPlan, pending: dict[tuple[str, str], set[str]]) -> None:
    """In a dry run, what this sheet would create can be referred to by later sheets."""
    from engine.imports.cleansing import match_key

    creating = [r for r in plan.rows if r.action == "create"]
    for name, value_field in ((plan.mapping.object, f) for f in
                              {plan.mapping.column(c).field for c in plan.mapping.columns}):
        pending.setdefault((name, value_field), set()).update(
            match_key(r.values[value_field]) for r in creating if value_field in r.values)
