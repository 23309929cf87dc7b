"""Running the packs' reports: one SQL statement per run, its rows shaped into columns, rows and
totals (JSON or CSV), and who may run what.

A report counts only the records the user may read (their role's read filters are part of the
statement). A report a user may not run (no read access to its object, not one of its
``roles``, or a field it reads is hidden from them) answers like a missing one: 404
``unknown_report``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement

from engine.errors import NotFound, did_you_mean
from engine.objects.model import Text
from engine.objects.report_definition import UNIT_SECONDS, Dimension, Measure, Report
from engine.packs.registry import Registry
from engine.runtime.access import ObjectAccess, UserAccess
from engine.runtime.records import RecordService
from engine.runtime.report_params import ReportParams, parse_report_params
from engine.runtime.report_query import TOTAL, build_report_statements
from engine.runtime.report_sql import prepare_connection
from engine.runtime.reporting.business_time import TOTALS, business_seconds
from engine.runtime.sla import sla_table

__all__ = ["ReportColumn", "ReportResult", "ReportRunner", "UserReports", "report_summary"]

_TOTAL_LABEL = Text("Total", "合计")
#: Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ReportColumn:
    """One output column: a dimension or a measure."""

    name: str
    label: Text
    type: str
    kind: str  # dimension or measure
    unit: str | None = None
    options: tuple[tuple[str, Text], ...] = ()
    currency: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label.as_dict(),
                               "type": self.type, "kind": self.kind}
        if self.unit:
            out["unit"] = self.unit
        if self.currency:
            out["currency"] = self.currency
        if self.options:
            out["options"] = [{"value": v, "label": t.as_dict()} for v, t in self.options]
        return out


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A computed report: ``rows`` (one per group, in the dimensions' order: enum options as
    declared, age ranges youngest first, values ascending, empty values last) and ``totals``
    (every measure over all counted records)."""

    report: Report
    params: ReportParams
    columns: tuple[ReportColumn, ...]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        p = self.params
        return {
            "report": self.report.name,
            "object": self.report.object,
            "label": self.report.label.as_dict(),
            "description": self.report.description.as_dict() if self.report.description
            else None,
            "params": {
                "from": _iso(p.start), "to": _iso(p.end), "tz": p.tz,
                "group_by": list(p.group_by),
                "filters": [{"field": f.field, "op": str(f.op), "value": _plain(f.value)}
                            for f in p.filters],
            },
            "columns": [c.as_json() for c in self.columns],
            "rows": self.rows,
            "totals": self.totals,
        }

    def as_csv(self, locale: str = "en") -> str:
        """The rows, then a totals line, under a header of the columns' labels in
        ``locale``; text that a spreadsheet would run as a formula is quoted with ``'``."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([c.label.get(locale) for c in self.columns])
        for row in self.rows:
            writer.writerow([_cell(row[c.name]) for c in self.columns])
        dims = [c for c in self.columns if c.kind == "dimension"]
        total_row = [_cell(self.totals.get(c.name)) for c in self.columns]
        if dims:
            total_row[0] = _TOTAL_LABEL.get(locale)
        writer.writerow(total_row)
        return out.getvalue()


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "total_seconds"):
        return int(value.total_seconds())
    return _iso(value)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict):  # money: the amount (the column says the currency)
        return value["amount"]
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _dimension_value(dim: Dimension, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return _iso(value)


def _measure_value(measure: Measure, value: Any) -> Any:
    if value is None:
        return None
    if measure.output_type == "integer":
        return int(value)
    if measure.output_type == "decimal":
        return _exact(measure, value)
    number = float(value)
    if measure.is_duration and measure.agg not in ("count", "percent", "nps"):
        number /= UNIT_SECONDS[measure.unit or "seconds"]
    return round(number, measure.decimals)


def _exact(measure: Measure, value: Any) -> Any:
    """A decimal field's aggregate as an exact decimal string at the field's scale
    (``"350.50"``), or ``{"amount": ..., "currency": ...}`` for a money measure. SQLite
    hands sums back as binary floats: read through their shortest repr, they are exact to
    15 significant digits."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    scale = measure.scale if measure.scale is not None else measure.decimals
    amount = str(number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP))
    return {"amount": amount, "currency": measure.currency} if measure.currency else amount


def _sort_key(dims: list[Dimension]) -> Any:
    orders = [{v: i for i, (v, _) in enumerate(d.options)} if d.options else None
              for d in dims]

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for dim, order in zip(dims, orders, strict=True):
            value = row[dim.name]
            if value is None:
                parts.append((2, 0))
            elif order is not None and value in order:
                parts.append((0, order[value]))
            else:
                parts.append((1, value))
        return tuple(parts)

    return key


def _columns(report: Report, dims: list[Dimension]) -> tuple[ReportColumn, ...]:
    columns = [ReportColumn(d.name, d.label, d.type, "dimension", options=d.options)
               for d in dims]
    columns += [ReportColumn(m.name, m.label, m.output_type, "measure",
                             unit=("percent" if m.agg in ("percent", "nps") else
                                   m.unit if m.is_duration else None),
                             currency=m.currency)
                for m in report.measures]
    return tuple(columns)


class ReportRunner:
    """Runs compiled reports against the records' database."""

    def __init__(self, registry: Registry, records: RecordService) -> None:
        self.registry = registry
        self.records = records
        self._clocks = sla_table()

    def run(self, report: Report, params: ReportParams, *,
            scope: ColumnElement[bool] | None = None,
            user: Mapping[str, Any] | None = None) -> ReportResult:
        """Compute ``report`` for ``params`` in one statement. ``scope`` narrows the records
        counted (the user's read filters); ``user`` is what ``user.<x>`` in filters reads."""
        registry = self.registry
        obj = registry.object(report.object)
        tables = {name: self.records.table(name) for name in registry.objects}
        database = self.records.database
        statement, per_record = build_report_statements(
            report, params, obj=obj, objects=registry.objects, tables=tables,
            clocks=self._clocks, dialect=database.dialect.name, user=user or {},
            now=self.records.clock.now(), scope=scope)
        dims = [d for d in report.dimensions if d.name in params.group_by]
        business: dict[tuple[Any, ...], dict[int, float | None]] = {}
        with database.connect() as conn:
            prepare_connection(conn)
            fetched = [dict(r) for r in conn.execute(statement).mappings().all()]
            if per_record is not None:
                streamed = conn.execution_options(yield_per=1000).execute(per_record)
                business = business_seconds(report, streamed.mappings(), len(dims),
                                            registry.calendars)
        for raw in fetched:
            key = TOTALS if raw[TOTAL] else tuple(raw[f"d{i}"] for i in range(len(dims)))
            for i, seconds in business.get(key, {}).items():
                raw[f"m{i}"] = seconds
        rows: list[dict[str, Any]] = []
        totals: dict[str, Any] = {}
        for raw in fetched:
            row = {d.name: _dimension_value(d, raw[f"d{i}"]) for i, d in enumerate(dims)}
            row |= {m.name: _measure_value(m, raw[f"m{i}"])
                    for i, m in enumerate(report.measures)}
            if raw[TOTAL]:
                totals = {m.name: row[m.name] for m in report.measures}
            else:
                rows.append(row)
        rows.sort(key=_sort_key(dims))
        return ReportResult(report, params, _columns(report, dims), rows, totals)


def report_summary(report: Report) -> dict[str, Any]:
    """What ``GET /api/reports`` lists about a report."""
    return {
        "name": report.name,
        "object": report.object,
        "label": report.label.as_dict(),
        "description": report.description.as_dict() if report.description else None,
        "date_field": report.date_field,
        "dimensions": [d.name for d in report.dimensions],
        "measures": [m.name for m in report.measures],
    }


class UserReports:
    """The reports as one principal may run them."""

    def __init__(self, runner: ReportRunner, access: UserAccess) -> None:
        self.runner = runner
        self.access = access

    def _object_access(self, report: Report) -> ObjectAccess | None:
        """The principal's access to the report's object, if they may run the report."""
        principal = self.access.principal
        if not principal.is_admin and report.roles and not (
                set(report.roles) & principal.roles):
            return None
        try:
            access = self.access.access(report.object)
        except NotFound:
            return None
        if access.grants["read"] is False or report.fields & access.hidden:
            return None
        return access

    def available(self) -> list[Report]:
        """The reports the principal may run, in the packs' order."""
        return [r for r in self.runner.registry.reports.values()
                if self._object_access(r) is not None]

    def report(self, name: str) -> tuple[Report, ObjectAccess]:
        """The report ``name`` and the access it runs with; 404 ``unknown_report`` when there
        is none or the principal may not run it."""
        report = self.runner.registry.reports.get(name)
        access = self._object_access(report) if report is not None else None
        if report is None or access is None:
            names = [r.name for r in self.available()]
            raise NotFound(f"unknown report '{name}'{did_you_mean(name, names)}",
                           code="unknown_report")
        return report, access

    def run(self, name: str, params: Iterable[tuple[str, str]]) -> ReportResult:
        """Run report ``name`` with query-string ``params`` over the records the principal
        may read; 422 ``validation_failed`` naming each bad parameter."""
        report, access = self.report(name)
        parsed = parse_report_params(report, access.view, params)
        return self.runner.run(report, parsed, scope=self.access.scope(access, "read"),
                               user=self.access.principal.dsl_user())
