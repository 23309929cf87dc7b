"""The pack format of ``calendars/*.yaml``: working hours, holidays and make-up days."""

from __future__ import annotations

from datetime import date as Date
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, field_validator

from engine.packs.merge import MergeKeys
from engine.packs.models import (
    Identifier,
    Label,
    _label_from_str,
    _Spec,
)

__all__ = [
    "HolidaySpec", "WorkingDaySpec", "CalendarSpec",
]


def _date_shorthand(value: Any) -> Any:
    # ``- 2026-01-01`` is shorthand for ``- {date: 2026-01-01}``.
    if isinstance(value, list):
        return [{"date": v} if isinstance(v, str | Date) else v for v in value]
    return value


class HolidaySpec(_Spec):
    """A day (``date``) or a run of days (``from`` ... ``to``, both included) without working
    time. In YAML a plain date is shorthand for ``{date: ...}``."""

    date: Date | None = None
    """The holiday, a local date in the calendar's timezone."""
    from_: Date | None = Field(default=None, alias="from")
    """The first day of a run of holidays."""
    to: Date | None = None
    """The last day of a run of holidays (included)."""
    label: Label | None = None
    """What the holiday is called."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class WorkingDaySpec(_Spec):
    """A make-up working day: a date that works although its weekday (or a holiday) would not,
    as in China's adjusted public-holiday schedule. In YAML a plain date is shorthand for
    ``{date: ...}``."""

    date: Date
    """The working day, a local date in the calendar's timezone."""
    hours: list[str] | None = None
    """Its working intervals (``HH:MM-HH:MM``); by default those of the calendar's first
    weekday, Monday to Sunday, that has working hours."""
    label: Label | None = None
    """Why the day works, e.g. the holiday it makes up for."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class CalendarSpec(_Spec):
    """A file under ``calendars/``: one business calendar, which SLA targets and business-time
    DSL functions name. A later pack's calendar with the same name replaces the base one; a
    file that says ``extend: <name>`` merges into it by name instead."""

    merge_keys: ClassVar[MergeKeys] = MergeKeys(
        "calendar", {"holidays": "date|from", "working_days": "date"})

    calendar: Identifier
    """The calendar's name."""
    label: Label | None = None
    """What users see."""
    timezone: str
    """The IANA timezone its hours and dates are read in, e.g. ``Asia/Shanghai``."""
    hours: dict[str, list[str]] | None = None
    """Weekly working hours: weekday (``mon``), range (``mon-fri``) or list (``sat,sun``) →
    working intervals ``HH:MM-HH:MM`` (an interval may end at ``24:00``; several a day)."""
    always: bool = False
    """Open around the clock (24x7), instead of ``hours``. Holidays still close it."""
    holidays: list[HolidaySpec] = Field(default_factory=list)
    """Dates without working time."""
    working_days: list[WorkingDaySpec] = Field(default_factory=list)
    """Make-up working days (e.g. a Saturday that works)."""
    include: list[Identifier] = Field(default_factory=list)
    """Calendars whose holidays and make-up days apply here too (their hours and timezone do
    not: their dates are read as local dates of this calendar). This calendar's own dates win;
    a later included calendar wins over an earlier one."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )
    _coerce_dates = field_validator("holidays", "working_days", mode="before")(
        classmethod(lambda cls, v: _date_shorthand(v))
    )
