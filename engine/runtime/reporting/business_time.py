"""Business-time measures (``duration: [start, end]`` with ``calendar:``): SQL cannot walk a
business calendar, so the report reads each counted record's two instants (one extra SELECT
over the report's CTE, streamed) and aggregates here, per group and in total.

Cost: one calendar walk per counted record (``BusinessCalendar.between`` is linear in the
days between the instants), so these measures scale with the records counted, not with the
groups; the other measures of the same report still aggregate in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from engine.objects.report_definition import Report
from engine.workflows.calendar import BusinessCalendar

__all__ = ["TOTALS", "business_seconds"]

#: The key of the totals in :func:`business_seconds`' answer.
TOTALS = ("__totals__",)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _aggregate(agg: str, values: list[float]) -> float | None:
    if not values:
        return None
    if agg == "sum":
        return sum(values)
    if agg == "avg":
        return sum(values) / len(values)
    return min(values) if agg == "min" else max(values)


def business_seconds(report: Report, rows: Iterable[Mapping[Any, Any]], dims: int,
                     calendars: Mapping[str, BusinessCalendar]
                     ) -> dict[tuple[Any, ...], dict[int, float | None]]:
    """Each business-time measure's aggregate, in seconds, by group key (the tuple of the
    row's ``d0..`` values) and under :data:`TOTALS`. ``rows`` come from the second
    statement of ``build_report_statements``; a record missing either instant is left out."""
    timed = [(i, m.agg, calendars[m.calendar]) for i, m in enumerate(report.measures)
             if m.calendar is not None]
    values: dict[tuple[Any, ...], dict[int, list[float]]] = {}
    for row in rows:
        key = tuple(row[f"d{d}"] for d in range(dims))
        for i, _agg, calendar in timed:
            start, end = row[f"s{i}"], row[f"e{i}"]
            if start is None or end is None:
                continue
            seconds = calendar.between(_aware(start), _aware(end)).total_seconds()
            for k in (key, TOTALS):
                values.setdefault(k, {}).setdefault(i, []).append(seconds)
    return {k: {i: _aggregate(agg, per.get(i, [])) for i, agg, _ in timed}
            for k, per in values.items()}
