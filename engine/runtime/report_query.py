"""One report run as one SQL statement: GROUP BY in the database, never rows pulled into Python
to aggregate.

The statement has two steps. A CTE reads the object's table once (joined to the SLA clocks the
report names, narrowed by the user's read scope, the report's filter, the date range and the
run's filters) and computes per record each dimension's value and each measure's inputs (its
value, or 1/0 for "counts as a hit" and "counts at all"). The outer SELECT groups that by the
dimensions and aggregates; a second SELECT over the same CTE, joined with UNION ALL, gives the
totals row (``_total`` = 1). Grouping by the CTE's columns, not by expressions, keeps
PostgreSQL from comparing two copies of an expression with separate bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Float,
    Select,
    Table,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.types import NullType

from engine.objects.filter_sql import filter_condition
from engine.objects.model import FieldType, ObjectType
from engine.objects.report_definition import AGE, BUCKET, Condition, Dimension, Measure, Report
from engine.runtime.list_query import ListQuery
from engine.runtime.queries import where_clause
from engine.runtime.report_params import ReportParams
from engine.runtime.report_sql import bucket_expression, seconds_between
from engine.workflows.sla import CANCELLED, PAUSED, RUNNING, STOPPED

__all__ = ["TOTAL", "build_report_statements"]

#: The result column that tells the totals row (1) from a group's row (0).
TOTAL = "_total"


class _Builder:
    def __init__(self, report: Report, params: ReportParams, obj: ObjectType,
                 tables: Mapping[str, Table], clocks: Table, dialect: str,
                 user: Mapping[str, Any], objects: Mapping[str, ObjectType],
                 now: datetime) -> None:
        self.report, self.params, self.obj = report, params, obj
        self.tables, self.objects, self.user = tables, objects, user
        self.table = tables[obj.name]
        self.dialect, self.now = dialect, now
        self.clocks = {m: clocks.alias(f"sla_{m}") for m in report.sla_metrics}

    # -- conditions --------------------------------------------------------------------------

    def sla_outcome(self, metric: str, outcome: str) -> ColumnElement[bool]:
        c = self.clocks[metric]
        if outcome == "met":
            return and_(c.c.status == STOPPED, c.c.breached_at.is_(None))
        if outcome == "breached":
            return c.c.breached_at.is_not(None)
        if outcome == "running":
            return and_(c.c.status.in_([RUNNING, PAUSED]), c.c.breached_at.is_(None))
        return c.c.status == CANCELLED

    def condition(self, cond: Condition) -> ColumnElement[bool] | None:
        parts: list[ColumnElement[bool]] = []
        if cond.where is not None:
            parts.append(filter_condition(cond.where.tree, self.obj, self.objects, self.tables,
                                          self.user))
        if cond.sla is not None:
            clock = self.clocks[cond.sla.metric]
            outcomes = [self.sla_outcome(cond.sla.metric, o) for o in cond.sla.outcomes]
            # A record without a clock (left join: NULLs) has no outcome.
            parts.append(and_(clock.c.id.is_not(None),
                              or_(*outcomes)))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else and_(*parts)

    def scope(self, scope: ColumnElement[bool] | None) -> list[Any]:
        wheres: list[Any] = [scope if scope is not None else true()]
        if self.report.filter is not None:
            wheres.append(filter_condition(self.report.filter.tree, self.obj, self.objects,
                                           self.tables, self.user))
        if self.report.date_field is not None:
            column = self.table.c[self.report.date_field]
            if self.params.start is not None:
                wheres.append(column >= self.params.start)
            if self.params.end is not None:
                wheres.append(column < self.params.end)
        if self.params.filters:
            wheres.append(where_clause(self.table, self.obj, ListQuery(self.params.filters),
                                       self.dialect))
        return wheres

    # -- per-record values -------------------------------------------------------------------

    def dimension(self, dim: Dimension) -> Any:
        column = self.table.c[dim.field]
        is_date = self.obj.fields[dim.field].type is FieldType.DATE
        if dim.kind == BUCKET:
            assert dim.bucket is not None
            return bucket_expression(column, dim.bucket, self.params.tz, self.dialect,
                                     is_date=is_date)
        if dim.kind == AGE:
            # Younger than a bound: after ``now - bound`` (for a date: after today, in tz,
            # minus the bound, so today's dates are younger than 1d).
            reference: date | datetime = (
                self.now.astimezone(ZoneInfo(self.params.tz)).date() if is_date else self.now)
            whens = [(column > reference - b, label)
                     for b, label in zip(dim.bounds, dim.labels, strict=False)]
            return case((column.is_(None), null()), *whens, else_=literal(dim.labels[-1]))
        return column

    def value(self, measure: Measure) -> Any:
        if measure.duration is not None:
            start, end = (self.table.c[n] for n in measure.duration)
            dates = all(self.obj.fields[n].type is FieldType.DATE for n in measure.duration)
            return seconds_between(start, end, self.dialect, dates=dates)
        assert measure.field is not None
        return self.table.c[measure.field]

    def inputs(self, i: int, measure: Measure) -> list[Any]:
        """The CTE columns measure ``i`` aggregates: ``v{i}`` (its value where it counts)
        and, for percent, ``h{i}`` (a hit) and ``b{i}`` (counted at all)."""
        when = self.condition(measure.when)
        if measure.agg == "count":
            return [] if when is None else [case((when, 1), else_=0).label(f"h{i}")]
        if measure.agg == "percent":
            of = self.condition(measure.of)
            assert when is not None  # the compiler requires a hit condition
            hit = when if of is None else and_(when, of)
            return [case((hit, 1), else_=0).label(f"h{i}"),
                    (literal(1) if of is None else case((of, 1), else_=0)).label(f"b{i}")]
        if measure.calendar is not None:
            # Business time is computed in Python: hand over both instants.
            assert measure.duration is not None
            start, end = (self.table.c[n] for n in measure.duration)
            return [(c if when is None else case((when, c))).label(f"{k}{i}")
                    for k, c in (("s", start), ("e", end))]
        value = self.value(measure)
        return [(value if when is None else case((when, value))).label(f"v{i}")]

    # -- aggregation -------------------------------------------------------------------------

    def aggregate(self, i: int, measure: Measure, cte: CTE) -> Any:
        agg = measure.agg
        if measure.calendar is not None:
            return _typed_null(BigInteger())  # computed in Python (reporting/business_time)
        if agg == "count":
            if measure.when.always:
                return func.count()
            return func.coalesce(func.sum(cte.c[f"h{i}"]), 0)
        if agg == "percent":
            hits, base = func.sum(cte.c[f"h{i}"]), func.sum(cte.c[f"b{i}"])
            return cast(hits, Float) * 100.0 / func.nullif(base, 0)
        v = cte.c[f"v{i}"]
        if agg == "nps":
            promoters = func.sum(case((v >= 9, 1), else_=0))
            detractors = func.sum(case((v <= 6, 1), else_=0))
            return cast(promoters - detractors, Float) * 100.0 / func.nullif(func.count(v), 0)
        if agg == "avg":
            # A decimal's average stays numeric (exact on PostgreSQL); others average as floats.
            return func.avg(v if measure.field_type == "decimal" else cast(v, Float))
        if agg == "sum" and measure.field_type in ("integer", "duration"):
            # 64-bit: a two-year sum of seconds passes 2^31.
            return cast(func.sum(v), BigInteger)
        if agg == "min":
            return func.min(v)
        return func.max(v) if agg == "max" else func.sum(v)

    def dims(self) -> list[Dimension]:
        return [d for d in self.report.dimensions if d.name in self.params.group_by]

    def cte(self, scope: ColumnElement[bool] | None) -> CTE:
        report = self.report
        columns: list[Any] = [self.dimension(d).label(f"d{i}")
                              for i, d in enumerate(self.dims())]
        for i, m in enumerate(report.measures):
            columns += self.inputs(i, m)
        source: Any = self.table
        for metric, clock in self.clocks.items():
            source = source.outerjoin(clock, and_(
                clock.c.object == self.obj.name, clock.c.record_id == self.table.c.id,
                clock.c.metric == metric))
        if not columns:
            columns = [literal(1).label("one")]
        return select(*columns).select_from(source).where(*self.scope(scope)).cte("report_rows")

    def statement(self, scope: ColumnElement[bool] | None) -> Select[Any] | CompoundSelect:
        report, dims, cte = self.report, self.dims(), self.cte(scope)
        measures = [self.aggregate(i, m, cte).label(f"m{i}")
                    for i, m in enumerate(report.measures)]
        totals = select(*[_typed_null(cte.c[f"d{i}"].type).label(f"d{i}")
                          for i in range(len(dims))],
                        *measures, literal(1).label(TOTAL)).select_from(cte)
        if not dims:
            return totals
        keys = [cte.c[f"d{i}"] for i in range(len(dims))]
        grouped = (select(*keys, *measures, literal(0).label(TOTAL))
                   .select_from(cte).group_by(*keys))
        return union_all(grouped, totals)


def _typed_null(type_: Any) -> Any:
    # PostgreSQL resolves a UNION's column types from both sides: give NULL the key's type.
    return null() if isinstance(type_, NullType) else cast(null(), type_)


def build_report_statements(
    report: Report,
    params: ReportParams,
    *,
    obj: ObjectType,
    objects: Mapping[str, ObjectType],
    tables: Mapping[str, Table],
    clocks: Table,
    dialect: str,
    user: Mapping[str, Any],
    now: datetime,
    scope: ColumnElement[bool] | None = None,
) -> tuple[Select[Any] | CompoundSelect, Select[Any] | None]:
    """The one statement computing ``report`` for ``params``: a row per group (dimension
    columns ``d0..``, measure columns ``m0..``, ``_total`` 0) and the totals row (``_total``
    1). ``scope`` is the user's read condition; ``now`` dates age dimensions.

    Second, for the report's business-time measures (``calendar:``, whose ``m{i}`` the first
    leaves NULL): one row per counted record with its dimension columns ``d0..`` and each such
    measure's instants ``s{i}``/``e{i}`` (NULL where its condition fails), read from the same
    CTE; ``None`` when the report has no such measure."""
    builder = _Builder(report, params, obj, tables, clocks, dialect, user, objects,
                       now.astimezone(UTC))
    timed = [i for i, m in enumerate(report.measures) if m.calendar is not None]
    if not timed:
        return builder.statement(scope), None
    cte = builder.cte(scope)
    keys = [cte.c[f"d{i}"] for i in range(len(builder.dims()))]
    instants = [cte.c[f"{k}{i}"] for i in timed for k in ("s", "e")]
    return builder.statement(scope), select(*keys, *instants).select_from(cte)
