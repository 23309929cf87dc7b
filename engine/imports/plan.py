"""The dry run: what an import would do with every row, decided before anything is written.

Each row's cells are cleansed and converted, references looked up by their natural key, the
row matched to the record an earlier import made from it (by its external key), duplicates
grouped, and the result validated by the object's own validator, the one the record API uses,
so a rejected row carries the very message the API would give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from engine.errors import ValidationFailed
from engine.imports.cell_values import CellConverter, blank, cell_converter
from engine.imports.cleansing import CellProblem, clean_datetime, clean_text, match_key
from engine.imports.duplicates import Candidate, DuplicateGroup, find_duplicates
from engine.imports.key_store import ImportKeys
from engine.imports.mapping import SheetMapping, check_mapping
from engine.imports.readers import SourceTable
from engine.objects.model import FieldType
from engine.objects.values import record_to_json
from engine.runtime.records import RecordService

__all__ = ["RowProblem", "RowPlan", "ImportPlan", "plan_import", "Pending"]

#: (object, lookup field) -> natural keys an earlier sheet of the same import will create.
Pending = Mapping[tuple[str, str], set[str]]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row is rejected: its row number, its column, and the API's message and code."""

    row: int
    column: str | None
    field: str | None
    message: str
    code: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "field": self.field,
                "message": self.message, "code": self.code}


@dataclass(slots=True)
class RowPlan:
    """What becomes of one row: ``create``, ``update``, ``unchanged``, ``rejected``,
    ``merged`` (into ``merged_into``) or ``skipped`` (a duplicate)."""

    number: int
    cells: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    as_of: datetime | None = None
    action: str = "create"
    record_id: int | None = None
    merged_into: int | None = None
    #: Other rows' keys that name the same record (merged duplicates).
    also_keys: list[str] = field(default_factory=list)
    #: Reference fields whose record an earlier sheet of this import creates.
    pending: dict[str, str] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    #: ``values`` as the object's validator returned them (the writer reuses them).
    checked: dict[str, Any] | None = None


@dataclass(slots=True)
class ImportPlan:
    """Every row's plan, the duplicate groups and notes for the report."""

    mapping: SheetMapping
    table: SourceTable
    rows: list[RowPlan]
    groups: list[DuplicateGroup]
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("rows", "blank", "create", "update", "unchanged", "rejected",
                                "merged", "skipped"), 0)
        counts["rows"] = len(self.rows)
        counts["blank"] = self.table.blank_rows
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def rejected(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action == "rejected"]


def _resolve_table(conn: Connection, records: RecordService, target: str,
                   lookup: str) -> dict[str, list[int]]:
    table = records.table(target)
    found: dict[str, list[int]] = {}
    for record_id, value in conn.execute(select(table.c.id, table.c[lookup])):
        if value is not None:
            found.setdefault(match_key(value), []).append(int(record_id))
    return found


def plan_import(records: RecordService, conn: Connection, table: SourceTable,
                mapping: SheetMapping, *, pending: Pending | None = None,
                source: str = "mapping") -> ImportPlan:
    """The plan for ``table`` under ``mapping``, read on ``conn`` (nothing is written)."""
    c = records.compiled(mapping.object)
    obj = c.obj
    check_mapping(mapping, obj, table.headers, dict(records.registry.objects), source)
    zone = ZoneInfo(mapping.timezone)
    converters: dict[str, tuple[str, CellConverter]] = {}
    lookups: dict[str, tuple[str, str, dict[str, list[int]]]] = {}
    for column in mapping.columns:
        spec = mapping.column(column)
        f = obj.fields[spec.field]
        converters[column] = (spec.field, cell_converter(f, spec, zone=zone,
                                                         phone_region=mapping.phone_region))
        if f.type is FieldType.REFERENCE and spec.lookup and f.reference_to:
            lookups[column] = (f.reference_to, spec.lookup,
                               _resolve_table(conn, records, f.reference_to, spec.lookup))
    keys = ImportKeys().load(conn, obj.name)
    rows = [_row_plan(row.number, row.cells, mapping, converters, lookups, pending or {},
                      keys, zone) for row in table.rows]
    plan = ImportPlan(mapping, table, rows, [])
    if not mapping.key:
        plan.notes.append("no key: columns declared; rows are matched to stored records only "
                          "as duplicates, so a second run may create them again")
    _group_duplicates(plan, records, conn)
    _validate(plan, records, conn)
    return plan


def _row_plan(number: int, cells: dict[str, Any], mapping: SheetMapping,
              converters: Mapping[str, tuple[str, CellConverter]],
              lookups: Mapping[str, tuple[str, str, dict[str, list[int]]]], pending: Pending,
              keys: Mapping[str, int], zone: ZoneInfo) -> RowPlan:
    row = RowPlan(number, cells)
    for column, (name, convert) in converters.items():
        cell = cells.get(column)
        if blank(cell):
            continue
        try:
            value = convert(cell)
        except CellProblem as exc:
            row.problems.append(RowProblem(number, column, name, str(exc), "import_cell_invalid"))
            continue
        if column in lookups:
            target, lookup, known = lookups[column]
            ids = known.get(match_key(value), [])
            if len(ids) == 1:
                value = ids[0]
            elif len(ids) > 1:
                row.problems.append(RowProblem(
                    number, column, name, f"{len(ids)} {target} records have {lookup} "
                    f"'{value}' (ids {', '.join(map(str, ids[:5]))}); make it unique",
                    "import_reference_ambiguous"))
                continue
            elif match_key(value) in pending.get((target, lookup), set()):
                row.pending[name] = str(value)
                continue
            else:
                row.problems.append(RowProblem(number, column, name,
                                               f"no {target} with {lookup} '{value}'",
                                               "reference_not_found"))
                continue
        row.values[name] = value
    if mapping.key:
        parts = [clean_text(cells.get(k)) if not blank(cells.get(k)) else "" for k in mapping.key]
        if not all(parts):
            empty = [k for k, p in zip(mapping.key, parts, strict=True) if not p]
            row.problems.append(RowProblem(number, empty[0], None,
                                           f"the key column '{empty[0]}' is empty",
                                           "import_key_missing"))
        else:
            row.key = "\x1f".join(parts)
            row.record_id = keys.get(row.key)
            row.action = "update" if row.record_id is not None else "create"
    if mapping.as_of and not blank(cells.get(mapping.as_of)):
        try:
            row.as_of = clean_datetime(cells[mapping.as_of], zone)
        except CellProblem as exc:
            row.problems.append(RowProblem(number, mapping.as_of, None, str(exc),
                                           "import_cell_invalid"))
    if row.problems:
        row.action = "rejected"
    return row


def _group_duplicates(plan: ImportPlan, records: RecordService, conn: Connection) -> None:
    rules = plan.mapping.duplicates
    fields = [*rules.match, *([rules.fuzzy] if rules.fuzzy else [])]
    if not fields:
        return
    live = [r for r in plan.rows if r.action != "rejected"]
    own = {r.record_id for r in live if r.record_id is not None}
    table = records.table(plan.mapping.object)
    stored = [
        Candidate(dict(row._mapping), record_id=int(row.id))
        for row in conn.execute(select(table.c.id, *(table.c[f] for f in fields)))
        if int(row.id) not in own
    ]
    by_number = {r.number: r for r in live}
    plan.groups = find_duplicates([Candidate(r.values, row=r.number) for r in live], stored,
                                  rules.match, rules.fuzzy, rules.threshold)
    for group in plan.groups:
        first = by_number[group.rows[0]] if group.rows else None
        action = rules.decisions.get(group.rows[0], rules.action) if group.rows else "keep"
        if first is None or action == "keep":
            continue
        if first.record_id is None and group.records:
            first.record_id, first.action = group.records[0], "update"
        for number in group.rows[1:]:
            other = by_number[number]
            other.merged_into = first.number
            if action == "skip":
                other.action = "skipped"
                continue
            other.action = "merged"
            for name, value in other.values.items():
                first.values.setdefault(name, value)
            if other.key is not None:
                first.also_keys.append(other.key)
            if first.as_of is None or (other.as_of is not None and other.as_of < first.as_of):
                first.as_of = other.as_of or first.as_of


def _validate(plan: ImportPlan, records: RecordService, conn: Connection) -> None:
    c = records.compiled(plan.mapping.object)
    columns = {plan.mapping.column(col).field: col for col in plan.mapping.columns}
    updates = [r for r in plan.rows if r.action == "update" and r.record_id is not None]
    stored: dict[int, dict[str, Any]] = {}
    ids = sorted({r.record_id for r in updates if r.record_id is not None})
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for found in conn.execute(select(c.table).where(c.table.c.id.in_(chunk))).mappings():
            stored[int(found["id"])] = dict(found)
    for row in plan.rows:
        if row.action not in ("create", "update"):
            continue
        if row.action == "update" and row.record_id not in stored:
            row.action, row.record_id = "create", None  # its record was deleted since
        try:
            if row.action == "create":
                row.checked = c.validator.validate_create(dict(row.values))
            else:
                row.checked = changes = c.validator.validate_update(dict(row.values))
                old = stored[row.record_id]  # type: ignore[index]
                if not row.pending and _same(c.obj, old, changes):
                    row.action = "unchanged"
        except ValidationFailed as exc:
            # A reference an earlier sheet will create is missing only in the dry run.
            issues = [i for i in exc.issues if not (i.loc and str(i.loc[0]) in row.pending)]
            if not issues:
                continue
            row.action = "rejected"
            for issue in issues:
                name = str(issue.loc[0]) if issue.loc else None
                row.problems.append(RowProblem(row.number, columns.get(name or ""), name,
                                               issue.msg, issue.type))


def _same(obj: Any, old: Mapping[str, Any], changes: Mapping[str, Any]) -> bool:
    before = record_to_json(obj, old)
    after = record_to_json(obj, {**old, **changes})
    return all(before[name] == after[name] for name in changes)

