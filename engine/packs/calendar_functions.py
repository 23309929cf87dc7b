"""Business-calendar functions for the rule DSL, registered per pack.

The DSL knows nothing of calendars: the pack compiler extends the function registry with these
functions, whose last argument names one of the pack's calendars as a string literal (checked
at compile time, with a did-you-mean). A null argument gives null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo

from engine.rules_dsl import (
    BOOLEAN,
    DATETIME,
    DURATION,
    STRING,
    FunctionRegistry,
    LiteralChoice,
    default_functions,
    load_entry_point_functions,
)
from engine.rules_dsl.date_functions import zoned_functions
from engine.workflows.calendar import BusinessCalendar

__all__ = ["calendar_functions", "functions_for_calendars"]


def calendar_functions(
    calendars: Mapping[str, BusinessCalendar],
) -> Callable[[FunctionRegistry], None]:
    """An installer (for ``FunctionRegistry.extended``) adding ``add_business``,
    ``business_between``, ``next_open`` and ``is_open`` over ``calendars``."""
    table = dict(calendars)

    def add_business(start: datetime | None, duration: timedelta | None,
                     name: str) -> datetime | None:
        if start is None or duration is None:
            return None
        return table[name].add(start, duration)

    def business_between(start: datetime | None, end: datetime | None,
                         name: str) -> timedelta | None:
        if start is None or end is None:
            return None
        return table[name].between(start, end)

    def next_open(at: datetime | None, name: str) -> datetime | None:
        return None if at is None else table[name].next_open(at)

    def is_open(at: datetime | None, name: str) -> bool | None:
        return None if at is None else table[name].is_open(at)

    def install(registry: FunctionRegistry) -> None:
        def choice(index: int) -> tuple[LiteralChoice]:
            return (LiteralChoice(index, "calendar", frozenset(table)),)

        registry.register(
            "add_business", params=[DATETIME, DURATION, STRING], returns=DATETIME,
            impl=add_business, literal_choices=choice(2),
            doc="The instant when the duration of working time on the calendar has passed "
                "(a negative duration counts backwards).")
        registry.register(
            "business_between", params=[DATETIME, DATETIME, STRING], returns=DURATION,
            impl=business_between, literal_choices=choice(2),
            doc="Working time on the calendar between two instants (negative when the "
                "second comes first).")
        registry.register(
            "next_open", params=[DATETIME, STRING], returns=DATETIME, impl=next_open,
            literal_choices=choice(1),
            doc="The first working instant at or after the given one.")
        registry.register(
            "is_open", params=[DATETIME, STRING], returns=BOOLEAN, impl=is_open,
            literal_choices=choice(1), doc="Whether the instant is working time.")

    return install


def functions_for_calendars(
    calendars: Mapping[str, BusinessCalendar], base: FunctionRegistry | None = None,
    zone: tzinfo = UTC,
) -> FunctionRegistry:
    """A frozen registry: ``base`` (default: the built-ins and the installed
    ``flowdesk.dsl_functions`` plugins) plus the calendar functions; date functions read
    ``zone`` (the packs' ``timezone:``) unless it is UTC."""
    if base is None:
        base = default_functions()
        load_entry_point_functions(base)
    installers = [calendar_functions(calendars)]
    if zone is not UTC:
        installers.append(zoned_functions(zone))
    return base.extended(*installers).frozen()
