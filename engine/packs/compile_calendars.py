"""Checking and compiling ``calendars/*.yaml`` into :class:`BusinessCalendar`s.

A later pack's calendar with the same name replaces the earlier one whole. Each calendar is
checked on its own (timezone, weekday names, intervals, holiday and make-up dates), then
``include:`` is resolved in dependency order; every mistake is reported at its file, line and
column.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from engine.errors import Problem, did_you_mean
from engine.packs.calendar_models import CalendarSpec
from engine.packs.compile_objects import text_of
from engine.packs.loader import LoadedPack, SpecFile, latest_by_name
from engine.packs.source import SourceDocument
from engine.workflows.calendar import (
    WEEKDAYS,
    BusinessCalendar,
    Interval,
    parse_interval,
)

__all__ = ["compile_calendars", "MAX_HOLIDAY_RUN_DAYS"]

#: The longest ``from``/``to`` run of holidays, in days.
MAX_HOLIDAY_RUN_DAYS = 366
_FULL_DAY = (Interval(0, 24 * 60),)


def compile_calendars(
    packs: list[LoadedPack],
) -> tuple[dict[str, BusinessCalendar], list[Problem]]:
    """Compile every pack's calendars (a later pack's replaces an earlier one of the same
    name), with their included calendars' holidays and make-up days merged in."""
    chosen, problems = latest_by_name(packs, "calendars", "calendar")
    files: dict[str, SpecFile] = {}
    own: dict[str, BusinessCalendar] = {}
    for spec_file in chosen:
        assert isinstance(spec_file.spec, CalendarSpec)
        files[spec_file.spec.calendar] = spec_file
        calendar = _Compiler(spec_file.spec, spec_file.doc, problems).compile()
        if calendar is not None:
            own[calendar.name] = calendar
    done: dict[str, BusinessCalendar | None] = {}
    for name in files:
        _resolve(name, files, own, done, (), problems)
    for name, calendar in done.items():
        if calendar is not None and not calendar.has_working_time:
            spec_file = files[name]
            problems.append(Problem(
                "calendar_no_working_time",
                f"calendar '{name}' has no working time at all: give it 'hours', "
                "'always: true' or make-up 'working_days'", spec_file.doc.pos(("calendar",))))
    return {name: c for name in files if (c := done.get(name)) is not None}, problems


def _resolve(name: str, files: Mapping[str, SpecFile], own: Mapping[str, BusinessCalendar],
             done: dict[str, BusinessCalendar | None], chain: tuple[str, ...],
             problems: list[Problem]) -> BusinessCalendar | None:
    """``name`` with its includes merged (each resolved first); ``None`` when it, or a
    calendar it includes, is broken (reported once, where the mistake is). ``done`` records
    every calendar resolved so far, ``None`` for a broken one."""
    if name in done:
        return done[name]
    if name not in own:
        done[name] = None
        return None
    spec = files[name].spec
    doc = files[name].doc
    assert isinstance(spec, CalendarSpec)
    included: list[BusinessCalendar] = []
    broken = False
    for i, other in enumerate(spec.include):
        if other in (*chain, name):
            cycle = " -> ".join((*chain[chain.index(other):], name, other)
                                if other in chain else (name, other))
            problems.append(Problem("calendar_include_cycle",
                                    f"calendars include each other: {cycle}",
                                    doc.pos(("include", i))))
            broken = True
            continue
        if other not in files:
            problems.append(Problem(
                "calendar_unknown_include",
                f"calendar '{name}' includes unknown calendar '{other}'"
                f"{did_you_mean(other, files)}", doc.pos(("include", i))))
            broken = True
            continue
        resolved = _resolve(other, files, own, done, (*chain, name), problems)
        if resolved is None:
            broken = True
            continue
        included.append(resolved)
    if broken:
        done[name] = None
        return None
    calendar = own[name].including(*included) if included else own[name]
    done[name] = calendar
    return calendar


class _Compiler:
    """One calendar file without its includes; ``compile`` returns ``None`` on problems."""

    def __init__(self, spec: CalendarSpec, doc: SourceDocument, problems: list[Problem]) -> None:
        self.spec, self.doc, self.problems = spec, doc, problems
        self.before = len(problems)

    def bad(self, code: str, message: str, path: tuple[Any, ...], key: bool = False) -> None:
        pos = self.doc.key_pos(path) if key else self.doc.pos(path)
        self.problems.append(Problem(code, f"calendar '{self.spec.calendar}': {message}", pos))

    def compile(self) -> BusinessCalendar | None:
        spec = self.spec
        self.check_timezone()
        weekly: list[tuple[Interval, ...]] = [()] * 7
        if spec.always:
            if spec.hours is not None:
                self.bad("calendar_hours_and_always",
                         "give either 'hours' or 'always: true', not both", ("always",),
                         key=True)
            weekly = [_FULL_DAY] * 7
        elif spec.hours is not None:
            weekly = self.weekly_hours(spec.hours)
        holidays = self.holidays()
        working_days = self.working_days(holidays)
        self.redundant_working_days(weekly, holidays)
        if len(self.problems) > self.before:
            return None
        return BusinessCalendar(spec.calendar, spec.timezone, tuple(weekly),
                                frozenset(holidays), working_days,
                                label=text_of(spec.label))

    def check_timezone(self) -> None:
        name = self.spec.timezone
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            hint = did_you_mean(name, available_timezones())
            self.bad("calendar_unknown_timezone",
                     f"unknown timezone '{name}'{hint}; use an IANA name such as "
                     "'Asia/Shanghai' or 'Europe/Berlin'", ("timezone",))

    # -- hours ----------------------------------------------------------------------------

    def weekly_hours(self, hours: Mapping[str, list[str]]) -> list[tuple[Interval, ...]]:
        weekly: list[tuple[Interval, ...]] = [()] * 7
        seen: dict[int, str] = {}
        for key, texts in hours.items():
            days = self.weekdays(key)
            if days is None:
                continue
            intervals = self.intervals(texts, ("hours", key))
            for day in days:
                if day in seen:
                    self.bad("calendar_duplicate_weekday",
                             f"'{key}' gives hours for {WEEKDAYS[day]}, which '{seen[day]}' "
                             "already does; each weekday may appear once",
                             ("hours", key), key=True)
                    break
                seen[day] = key
                weekly[day] = intervals
        return weekly

    def weekdays(self, key: str) -> list[int] | None:
        """The weekdays a key of ``hours`` names: ``mon``, ``mon-fri`` (wrapping past Sunday
        allowed) or ``sat,sun``."""
        days: list[int] = []
        for part in key.split(","):
            ends = [e.strip().lower() for e in part.split("-")]
            for end in ends:
                if end not in WEEKDAYS:
                    self.bad("calendar_unknown_weekday",
                             f"unknown weekday '{end}' in '{key}'{did_you_mean(end, WEEKDAYS)}; "
                             f"weekdays: {', '.join(WEEKDAYS)}; ranges like mon-fri",
                             ("hours", key), key=True)
                    return None
            if len(ends) > 2:
                self.bad("calendar_unknown_weekday",
                         f"'{part}' is not a weekday or a range like mon-fri",
                         ("hours", key), key=True)
                return None
            first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
            days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
        return days

    def intervals(self, texts: list[str], path: tuple[Any, ...]) -> tuple[Interval, ...]:
        parsed: list[tuple[Interval, int]] = []
        for j, text in enumerate(texts):
            try:
                parsed.append((parse_interval(text), j))
            except ValueError as exc:
                self.bad("calendar_bad_interval", str(exc), (*path, j))
        parsed.sort()
        for (prev, _), (interval, j) in zip(parsed, parsed[1:], strict=False):
            if interval.start < prev.end:
                self.bad("calendar_overlapping_intervals",
                         f"working intervals {prev} and {interval} overlap", (*path, j))
        return tuple(interval for interval, _ in parsed)

    # -- dates ----------------------------------------------------------------------------

    def holidays(self) -> dict[date, int]:
        """Holiday dates → the index of the entry declaring them."""
        out: dict[date, int] = {}
        for i, h in enumerate(self.spec.holidays):
            path = ("holidays", i)
            if h.date is not None and (h.from_ is not None or h.to is not None):
                self.bad("calendar_bad_holiday",
                         "a holiday has either 'date' or 'from' and 'to', not both", path)
                continue
            if h.date is not None:
                out.setdefault(h.date, i)
                continue
            if h.from_ is None or h.to is None:
                self.bad("calendar_bad_holiday",
                         "a holiday needs 'date', or both 'from' and 'to'", path)
                continue
            days = (h.to - h.from_).days + 1
            if days < 1:
                self.bad("calendar_bad_holiday",
                         f"the holiday run ends ({h.to}) before it starts ({h.from_})",
                         (*path, "to"))
                continue
            if days > MAX_HOLIDAY_RUN_DAYS:
                self.bad("calendar_bad_holiday",
                         f"the holiday run is {days} days long; at most "
                         f"{MAX_HOLIDAY_RUN_DAYS} are allowed", (*path, "to"))
                continue
            for k in range(days):
                out.setdefault(h.from_ + timedelta(days=k), i)
        return out

    def redundant_working_days(self, weekly: list[tuple[Interval, ...]],
                               holidays: Mapping[date, int]) -> None:
        """A make-up day on a weekday that works anyway (and is no holiday here, nor, with
        ``include:``, possibly there) changes nothing: most likely a wrong date."""
        if self.spec.include:
            return
        for i, w in enumerate(self.spec.working_days):
            if w.hours is None and weekly[w.date.weekday()] and w.date not in holidays:
                self.bad("calendar_redundant_working_day",
                         f"{w.date} is a {w.date.strftime('%A')}, a working day on this "
                         "calendar already: a make-up working day is for a day off (a weekend "
                         "or a holiday); check the date or remove it",
                         ("working_days", i, "date"))

    def working_days(
        self, holidays: Mapping[date, int]
    ) -> dict[date, tuple[Interval, ...] | None]:
        out: dict[date, tuple[Interval, ...] | None] = {}
        for i, w in enumerate(self.spec.working_days):
            path = ("working_days", i)
            if w.date in holidays:
                self.bad("calendar_day_conflict",
                         f"{w.date} is both a holiday (holidays[{holidays[w.date]}]) and a "
                         "working day; keep one", (*path, "date"))
                continue
            if w.date in out:
                self.bad("calendar_day_conflict",
                         f"working day {w.date} is listed twice", (*path, "date"))
                continue
            out[w.date] = (None if w.hours is None
                           else self.intervals(w.hours, (*path, "hours")))
        return out
