"""What a report run asks for, from a query string: the date range, the timezone, the
dimensions, extra filters and the output format, checked against the report and the object as
the user sees it. Every problem is reported at once, each naming its parameter.

``from`` / ``to``: ISO dates or date-times on the report's ``date_field``. ``from`` is
included; a ``to`` date includes that whole day, a ``to`` date-time is where the range ends
(excluded). Dates and date-times without an offset are read in ``tz`` (default UTC).
``group_by=a,b``: a subset of the declared dimensions (empty: totals only). Any other
parameter is a filter as in the list API (``priority=P1``, ``created_at__gte=...``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import FieldIssue, ValidationFailed, did_you_mean
from engine.objects.model import ObjectType
from engine.objects.report_definition import Report
from engine.objects.storable import DATETIME_RANGE_MESSAGE, in_utc
from engine.runtime.list_query import Filter, parse_list_params

__all__ = ["ReportParams", "parse_report_params", "FORMATS", "REPORT_PARAMS"]

#: Output formats: the JSON document, or CSV (one line per row, totals last).
FORMATS = ("json", "csv")
#: Parameters of a report run; every other one is a filter.
REPORT_PARAMS = ("from", "to", "tz", "group_by", "format", "locale")
_LIST_ONLY = ("sort", "limit", "offset")


@dataclass(frozen=True, slots=True)
class ReportParams:
    """A checked report run. ``start``/``end`` bound the date field (``end`` excluded), as
    aware datetimes for a datetime field and as dates for a date field (``end`` then is the
    day after the last one)."""

    tz: str = "UTC"
    start: datetime | date | None = None
    end: datetime | date | None = None
    #: the dimensions to group by, by name, in the report's order
    group_by: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    format: str = "json"
    locale: str = "en"


def _zone(text: str, issues: list[FieldIssue]) -> tzinfo | None:
    try:
        return ZoneInfo(text) if text else None
    except (ZoneInfoNotFoundError, ValueError):
        pass
    issues.append(FieldIssue(("query", "tz"), f"unknown timezone '{text}'; give an IANA name "
                             "such as UTC, Asia/Shanghai or Europe/Berlin", "invalid_value"))
    return None


def _bound(key: str, text: str, report: Report, zone: tzinfo,
           issues: list[FieldIssue]) -> datetime | date | None:
    """The instant (or date) the range starts at or ends before."""
    loc = ("query", key)
    if report.date_field is None:
        issues.append(FieldIssue(loc, f"report '{report.name}' has no date_field to filter "
                                      "by date", "invalid_parameter"))
        return None
    text = text.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            issues.append(FieldIssue(loc, "expected a date, e.g. 2026-01-31, or a date-time",
                                     "invalid_value"))
            return None
        try:
            if key == "to":
                day += timedelta(days=1)
            if report.date_type == "date":
                return day
            return in_utc(datetime.combine(day, time(), zone))
        except (OverflowError, ValueError):  # past 9999-12-31, or before year 1 in UTC
            issues.append(FieldIssue(loc, DATETIME_RANGE_MESSAGE, "invalid_value"))
            return None
    if report.date_type == "date":
        issues.append(FieldIssue(loc, f"'{report.date_field}' is a date field: expected a "
                                      "date, e.g. 2026-01-31", "invalid_value"))
        return None
    # An unescaped "+08:00" offset arrives as " 08:00" from a query string.
    try:
        parsed = datetime.fromisoformat(text.upper().replace(" ", "+"))
    except ValueError:
        issues.append(FieldIssue(loc, "expected an ISO 8601 date-time, e.g. "
                                      "2026-01-31T09:00:00Z, or a date", "invalid_value"))
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return in_utc(parsed)
    except ValueError as exc:
        issues.append(FieldIssue(loc, str(exc), "invalid_value"))
        return None


def _group_by(report: Report, text: str, issues: list[FieldIssue]) -> tuple[str, ...]:
    wanted = [p.strip() for p in text.split(",") if p.strip()]
    declared = [d.name for d in report.dimensions]
    for name in wanted:
        if name not in declared:
            choices = ", ".join(declared) or "none"
            issues.append(FieldIssue(("query", "group_by"), f"'{name}' is not a dimension of "
                                     f"report '{report.name}'{did_you_mean(name, declared)}; "
                                     f"dimensions: {choices}", "invalid_value"))
    return tuple(d for d in declared if d in wanted)


def parse_report_params(report: Report, view: ObjectType,
                        params: Iterable[tuple[str, str]]) -> ReportParams:
    """The :class:`ReportParams` query-string ``params`` ask of ``report``; ``view`` is the
    object as the user sees it (filters on hidden fields are refused as unknown fields).
    Raises :class:`ValidationFailed` listing every bad parameter."""
    issues: list[FieldIssue] = []
    given: dict[str, str] = {}
    rest: list[tuple[str, str]] = []
    for key, text in params:
        if key in REPORT_PARAMS:
            given[key] = text
        elif key in _LIST_ONLY:
            issues.append(FieldIssue(("query", key), f"'{key}' is a list parameter; a report "
                                     f"takes {', '.join(REPORT_PARAMS)} and field filters",
                                     "invalid_parameter"))
        else:
            rest.append((key, text))
    tz = given.get("tz", "UTC") or "UTC"
    zone = _zone(tz, issues) or UTC
    start = _bound("from", given["from"], report, zone, issues) if "from" in given else None
    end = _bound("to", given["to"], report, zone, issues) if "to" in given else None
    if start is not None and end is not None and start >= end:  # type: ignore[operator]
        issues.append(FieldIssue(("query", "to"), "the range is empty: 'to' must come after "
                                 "'from'", "invalid_value"))
    group_by = (_group_by(report, given["group_by"], issues) if "group_by" in given
                else tuple(d.name for d in report.dimensions))
    fmt = given.get("format", "json")
    if fmt not in FORMATS:
        issues.append(FieldIssue(("query", "format"), f"unknown format '{fmt}'; use one of: "
                                 f"{', '.join(FORMATS)}", "invalid_value"))
    filters: tuple[Filter, ...] = ()
    try:
        filters = parse_list_params(view, rest).filters
    except ValidationFailed as exc:
        issues.extend(exc.issues)
    if issues:
        raise ValidationFailed(issues)
    return ReportParams(tz=tz, start=start, end=end, group_by=group_by, filters=filters,
                        format=fmt, locale=given.get("locale", "en"))
