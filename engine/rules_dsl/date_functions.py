"""Calendar arithmetic and time zones for the rule DSL: months and years (``add_months``,
``end_of_month``, ``months_between``...), dates and today's date in a named zone, and
:func:`zoned_functions`, which fixes the zone a registry's date functions read (a pack's own
``timezone:``).

Months are added the way people count them: the day of the month is kept, or is the month's
last day when the month is shorter (31 January + 1 month = 29 February in a leap year).
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from engine.rules_dsl.functions import FunctionRegistry, LiteralChoice, Overload
from engine.rules_dsl.runtime import EvalContext, require_context
from engine.rules_dsl.types import DATE, DATETIME, INTEGER, STRING

__all__ = ["install_date_functions", "zoned_functions", "time_zone", "add_months",
           "months_between", "ZONED_FUNCTIONS", "zone_names"]

#: Functions whose result depends on the evaluation's time zone (without a zone argument).
ZONED_FUNCTIONS = frozenset({"today", "date", "year", "month", "day", "weekday", "hour",
                             "minute", "add_months", "add_years", "end_of_month",
                             "start_of_month"})

_MAX_MONTHS = 12 * 9_999


@cache
def time_zone(name: str) -> tzinfo | None:
    """The IANA zone called ``name`` (``Asia/Shanghai``, ``UTC``), or None if there is none."""
    if not isinstance(name, str) or not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def add_months(day: date | None, months: int | None) -> date | None:
    """``day`` moved by whole months, keeping the day of the month or clamping it to the
    month's last day; null when out of range."""
    if day is None or months is None or abs(months) > _MAX_MONTHS:
        return None
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        return None
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_between(start: date | None, end: date | None) -> int | None:
    """Whole months from ``start`` to ``end`` (negative when ``end`` comes first): the age in
    months of something born on ``start``, on ``end``."""
    if start is None or end is None:
        return None
    if end < start:
        back = months_between(end, start)
        return None if back is None else -back
    months = (end.year - start.year) * 12 + end.month - start.month
    shifted = add_months(start, months)
    if shifted is not None and shifted > end:
        months -= 1
    return months


def _years_between(start: date | None, end: date | None) -> int | None:
    months = months_between(start, end)
    return None if months is None else int(months / 12)


def _add_years(day: date | None, years: int | None) -> date | None:
    return None if years is None else add_months(day, years * 12)


def _end_of_month(day: date | None) -> date | None:
    if day is None:
        return None
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _start_of_month(day: date | None) -> date | None:
    return None if day is None else day.replace(day=1)


def _on_local_date(move: Callable[[date, Any], date | None]) -> Callable[..., datetime | None]:
    """A date function applied to a datetime's local date (in the evaluation's zone), keeping
    its local time of day."""

    def apply(ctx: EvalContext | None, value: datetime | None, *args: Any) -> datetime | None:
        if value is None or any(a is None for a in args):
            return None
        local = value.astimezone(require_context(ctx).timezone)
        moved = move(local.date(), *args)
        if moved is None:
            return None
        return datetime.combine(moved, local.timetz()).astimezone(value.tzinfo)

    return apply


def _date_in(value: datetime | None, zone: str | None) -> date | None:
    found = time_zone(zone) if zone is not None else None
    if value is None or found is None:
        return None
    return value.astimezone(found).date()


def _today_in(ctx: EvalContext | None, zone: str | None) -> date | None:
    found = time_zone(zone) if zone is not None else None
    if found is None:
        return None
    return require_context(ctx).require_now().astimezone(found).date()


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows."""
    return frozenset(available_timezones() | {"UTC"})


def install_date_functions(registry: FunctionRegistry) -> None:
    """Register month and year arithmetic and the zone-taking date functions."""
    reg = registry.register

    def zone_arg(index: int) -> tuple[LiteralChoice]:
        return (LiteralChoice(index, "time zone", zone_names(), literal_only=False),)

    reg("add_months", params=[DATE, INTEGER], returns=DATE, impl=add_months,
        doc="The date moved by whole months (negative: back); a day past the month's end "
            "becomes its last day (31 Jan + 1 month = 28 or 29 Feb).")
    reg("add_months", params=[DATETIME, INTEGER], returns=DATETIME,
        impl=_on_local_date(add_months), needs_context=True,
        doc="The instant moved by whole months on its local date (evaluation time zone), at "
            "the same local time.")
    reg("add_years", params=[DATE, INTEGER], returns=DATE, impl=_add_years,
        doc="The date moved by whole years; 29 February becomes 28 February in other years.")
    reg("add_years", params=[DATETIME, INTEGER], returns=DATETIME,
        impl=_on_local_date(_add_years), needs_context=True,
        doc="The instant moved by whole years on its local date, at the same local time.")
    reg("end_of_month", params=[DATE], returns=DATE, impl=_end_of_month,
        doc="The last day of the date's month.")
    reg("start_of_month", params=[DATE], returns=DATE, impl=_start_of_month,
        doc="The first day of the date's month.")
    reg("months_between", params=[DATE, DATE], returns=INTEGER, impl=months_between,
        doc="Whole months from the first date to the second (negative when the second comes "
            "first): an age in months.")
    reg("years_between", params=[DATE, DATE], returns=INTEGER, impl=_years_between,
        doc="Whole years from the first date to the second (negative when the second comes "
            "first): an age in years.")
    reg("date", params=[DATETIME, STRING], returns=DATE, impl=_date_in, literal_choices=zone_arg(1),
        doc="The date of a datetime in the named IANA time zone (e.g. \"Asia/Shanghai\" or "
            "user.time_zone); null for an unknown zone.")
    reg("today", params=[STRING], returns=DATE, impl=_today_in, needs_context=True,
        literal_choices=zone_arg(0),
        doc="Today's date in the named IANA time zone; null for an unknown zone.")


def zoned_functions(zone: tzinfo) -> Callable[[FunctionRegistry], None]:
    """An installer (for ``FunctionRegistry.extended``) making every zone-dependent function
    without a zone argument (:data:`ZONED_FUNCTIONS`) read ``zone`` instead of the
    evaluation's: a pack's ``timezone:``."""

    def bind(overload: Overload) -> Callable[..., Any]:
        impl = overload.impl

        def in_zone(ctx: EvalContext | None, *args: Any) -> Any:
            here = EvalContext(timezone=zone) if ctx is None else dataclasses.replace(
                ctx, timezone=zone)
            return impl(here, *args)

        return in_zone

    def install(registry: FunctionRegistry) -> None:
        for name in sorted(ZONED_FUNCTIONS):
            for overload in registry.overloads(name):
                if not overload.needs_context:
                    continue
                registry.register(
                    name, params=overload.params, returns=overload.returns,
                    impl=bind(overload), needs_context=True, nullable=overload.nullable,
                    doc=overload.doc.replace("EvalContext.timezone", "the pack's time zone")
                    .replace("evaluation time zone", "the pack's time zone"),
                    replace=True, literal_choices=overload.literal_choices)

    return install
