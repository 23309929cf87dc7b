"""Business calendars: when work happens, and business time between instants.

A :class:`BusinessCalendar` is frozen data (a timezone, weekly working hours, holidays, make-up
working days) with four questions it answers: :meth:`~BusinessCalendar.add`,
:meth:`~BusinessCalendar.between`, :meth:`~BusinessCalendar.next_open` and
:meth:`~BusinessCalendar.is_open`. SLA clocks and business-hour timers build on them.

How it works: every local date maps to a short list of working *pieces* in UTC microseconds
(its intervals converted through the timezone, DST included); the pieces and their total are
cached per date, and every question walks dates one by one, skipping a whole day with one
comparison when the day's total does not matter. Nothing steps minute by minute.

Working hours are wall-clock times on a local date. An instant is working time when its local
date's hours contain its local wall time: on the day clocks skip an hour, an interval across
the gap is an hour shorter; on the day they repeat one, an interval across it is an hour longer
(both passes of the repeated hour are working time). Intervals are half open: ``09:00-12:00``
is open at 09:00 and closed at 12:00.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from engine.objects.model import Text

__all__ = ["Interval", "BusinessCalendar", "WEEKDAYS", "parse_interval", "twenty_four_seven"]

#: Weekday names, Monday first (``date.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_MINUTES_PER_DAY = 24 * 60
_US = 1_000_000
_US_PER_MINUTE = 60 * _US
_US_PER_DAY = 86_400 * _US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Cached dates per calendar before the cache starts over (a few years of dates, ~1 MB).
_CACHE_LIMIT = 4096
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

# (working pieces of one local date as (start_us, end_us) in UTC, their total length)
_Day = tuple[tuple[tuple[int, int], ...], int]


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """Working hours on one day: ``start`` to ``end`` in minutes after local midnight, half
    open; ``end`` may be 1440 (24:00)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= _MINUTES_PER_DAY:
            raise ValueError(f"{self} is not a working interval within one day")

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"

    @property
    def minutes(self) -> int:
        return self.end - self.start


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_interval(text: str) -> Interval:
    """``"09:00-12:00"`` as an :class:`Interval`; ``24:00`` may end one. Raises ``ValueError``
    with a message a user can act on."""
    match = _INTERVAL.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not a working interval: write HH:MM-HH:MM, e.g. 09:00-12:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    for hours, minutes in ((h1, m1), (h2, m2)):
        if hours > 24 or minutes > 59 or (hours == 24 and minutes):
            raise ValueError(f"'{text}': {hours:02d}:{minutes:02d} is not a time of day "
                             "(00:00 to 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == _MINUTES_PER_DAY:
        raise ValueError(f"'{text}': an interval cannot start at 24:00")
    if end <= start:
        raise ValueError(f"'{text}' ends before it starts (an interval stays within one day; "
                         "split a night shift into ...-24:00 and 00:00-...)")
    return Interval(start, end)


def _normalized(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, with touching intervals joined; overlapping ones raise ``ValueError``."""
    out: list[Interval] = []
    for interval in sorted(intervals):
        if out and interval.start < out[-1].end:
            raise ValueError(f"working intervals {out[-1]} and {interval} overlap")
        if out and interval.start == out[-1].end:
            out[-1] = Interval(out[-1].start, interval.end)
        else:
            out.append(interval)
    return tuple(out)


def _to_us(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()} given; pass an aware one")
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _duration_us(duration: timedelta) -> int:
    return (duration.days * 86_400 + duration.seconds) * _US + duration.microseconds


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time in one timezone. Build it directly, or from a pack's ``calendars/*.yaml``.

    ``weekly`` holds seven tuples of intervals, Monday first. ``holidays`` are local dates
    with no working time. ``working_days`` are make-up working days: each date works the
    intervals given, or with ``None`` the calendar's :attr:`usual_hours`; a make-up day wins
    over the weekly hours and over a holiday of the same date.
    """

    name: str
    timezone: str
    weekly: tuple[tuple[Interval, ...], ...]
    holidays: frozenset[date] = frozenset()
    working_days: Mapping[date, tuple[Interval, ...] | None] = field(
        default_factory=lambda: MappingProxyType({}))
    label: Text | None = field(default=None, compare=False)
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _days: dict[int, _Day] = field(init=False, repr=False, compare=False)
    _continuous: bool = field(init=False, repr=False, compare=False)
    _last_day_with_hours: int | None = field(init=False, repr=False, compare=False)
    _first_day_with_hours: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError(f"weekly needs 7 days of intervals (Monday first), got "
                             f"{len(self.weekly)}")
        set_ = object.__setattr__
        set_(self, "weekly", tuple(_normalized(day) for day in self.weekly))
        set_(self, "holidays", frozenset(self.holidays))
        set_(self, "working_days", MappingProxyType({
            d: None if hours is None else _normalized(hours)
            for d, hours in sorted(self.working_days.items())
        }))
        set_(self, "_tz", ZoneInfo(self.timezone))
        set_(self, "_days", {})
        full = (Interval(0, _MINUTES_PER_DAY),)
        set_(self, "_continuous", not self.holidays and all(d == full for d in self.weekly)
             and all(h in (None, full) for h in self.working_days.values()))
        # Only when no weekday works do make-up days bound the search for working time.
        bounded = not any(self.weekly)
        ordinals = [d.toordinal() for d, h in self.working_days.items()
                    if h is None and self.usual_hours or h]
        set_(self, "_last_day_with_hours", max(ordinals, default=-1) if bounded else None)
        set_(self, "_first_day_with_hours",
             min(ordinals, default=10**7) if bounded else None)

    def __hash__(self) -> int:
        return hash((self.name, self.timezone, self.weekly, self.holidays,
                     tuple(self.working_days.items())))

    # -- what a date works ------------------------------------------------------------------

    @property
    def usual_hours(self) -> tuple[Interval, ...]:
        """The hours of a make-up day that names none: those of the first weekday (Monday to
        Sunday) that has working hours."""
        return next((day for day in self.weekly if day), ())

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        """The working intervals of the local date ``day`` (make-up day, holiday or weekday)."""
        if day in self.working_days:
            hours = self.working_days[day]
            return self.usual_hours if hours is None else hours
        if day in self.holidays:
            return ()
        return self.weekly[day.weekday()]

    @property
    def has_working_time(self) -> bool:
        """Whether any instant at all is working time."""
        return any(self.weekly) or self._last_day_with_hours not in (None, -1)

    def including(self, *others: BusinessCalendar) -> BusinessCalendar:
        """This calendar with the holidays and make-up days of ``others`` added (the dates
        are read in this calendar's timezone). This calendar's own dates win over included
        ones, and a later calendar in ``others`` wins over an earlier one; a make-up day
        without its own hours works this calendar's :attr:`usual_hours`."""
        holidays: set[date] = set()
        working: dict[date, tuple[Interval, ...] | None] = {}
        for source in (*others, self):
            for d in source.holidays:
                working.pop(d, None)
                holidays.add(d)
            for d, hours in source.working_days.items():
                holidays.discard(d)
                working[d] = hours
        return BusinessCalendar(self.name, self.timezone, self.weekly, frozenset(holidays),
                                MappingProxyType(working), self.label)

    def _day(self, ordinal: int) -> _Day:
        cached = self._days.get(ordinal)
        if cached is None:
            if len(self._days) >= _CACHE_LIMIT:
                self._days.clear()
            cached = self._days[ordinal] = self._compute_day(ordinal)
        return cached

    def _compute_day(self, ordinal: int) -> _Day:
        day = date.fromordinal(ordinal)
        tz = self._tz
        first = _to_us(datetime(day.year, day.month, day.day, tzinfo=tz))
        nxt = day + timedelta(days=1)
        after = _to_us(datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz))
        hours = self.hours_on(day)
        if not hours:
            return (), 0
        midnight = (ordinal - _EPOCH_ORDINAL) * _US_PER_DAY  # local midnight, as if UTC
        offset_first = self._offset_us(first)
        offset_last = self._offset_us(after - _US)
        # Stretches of real time with one UTC offset each: (from, to, offset).
        if offset_first == offset_last:
            stretches = [(first, after, offset_first)]
        else:
            change = self._offset_change(first, after - _US, offset_first)
            stretches = [(first, change, offset_first), (change, after, offset_last)]
        pieces: list[tuple[int, int]] = []
        for lo, hi, offset in stretches:
            # Wall time (µs after local midnight) runs from lo + offset - midnight upward.
            wall_lo, wall_hi = lo + offset - midnight, hi + offset - midnight
            for interval in hours:
                a = max(interval.start * _US_PER_MINUTE, wall_lo)
                b = min(interval.end * _US_PER_MINUTE, wall_hi)
                if a < b:
                    start, end = a - offset + midnight, b - offset + midnight
                    if pieces and pieces[-1][1] == start:
                        start = pieces.pop()[0]
                    pieces.append((start, end))
        pieces.sort()
        return tuple(pieces), sum(b - a for a, b in pieces)

    def _offset_us(self, us: int) -> int:
        offset = _from_us(us).astimezone(self._tz).utcoffset()
        assert offset is not None
        return _duration_us(offset)

    def _offset_change(self, lo: int, hi: int, before: int) -> int:
        """The first instant in ``(lo, hi]`` whose offset differs from ``before`` (one change a
        day at most; found by halving, to the second)."""
        lo_s, hi_s = lo // _US, hi // _US
        while hi_s - lo_s > 1:
            mid = (lo_s + hi_s) // 2
            if self._offset_us(mid * _US) == before:
                lo_s = mid
            else:
                hi_s = mid
        return hi_s * _US

    def _ordinal(self, us: int) -> int:
        """The local date (as an ordinal) of the instant ``us``."""
        return _from_us(us).astimezone(self._tz).toordinal()

    def _check_bounds(self, ordinal: int, forward: bool) -> None:
        last, first = self._last_day_with_hours, self._first_day_with_hours
        if last is None or first is None:
            return
        if (forward and ordinal > last) or (not forward and ordinal < first):
            raise ValueError(f"calendar '{self.name}' has no working time "
                             f"{'after' if forward else 'before'} "
                             f"{date.fromordinal(ordinal - 1 if forward else ordinal + 1)}")

    # -- the four questions -----------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` (an aware instant) is working time."""
        us = _to_us(at)
        if self._continuous:
            return True
        pieces = self._day(self._ordinal(us))[0]
        return any(a <= us < b for a, b in pieces)

    def next_open(self, at: datetime) -> datetime:
        """The first working instant at or after ``at``: ``at`` itself (in UTC) when open.
        Raises ``ValueError`` when no working time follows (only a calendar without weekly
        hours whose last make-up day has passed)."""
        us = _to_us(at)
        if self._continuous:
            return _from_us(us)
        ordinal = self._ordinal(us)
        while True:
            self._check_bounds(ordinal, forward=True)
            for a, b in self._day(ordinal)[0]:
                if b > us:
                    return _from_us(max(a, us))
            ordinal += 1

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (aware, UTC) when ``duration`` of working time has passed since
        ``start``. Working time starts counting at :meth:`next_open`; the result is the end of
        the last working time used, so it is open or exactly at an interval's end. A zero
        duration returns ``start`` itself, even at a closed time. A negative duration counts
        backwards: the latest instant from which ``-duration`` of working time reaches
        ``start``. Raises ``ValueError`` for a naive ``start``."""
        us = _to_us(start)
        remaining = _duration_us(duration)
        if remaining == 0 or self._continuous:
            return _from_us(us + remaining)
        if remaining < 0:
            return _from_us(self._subtract(us, -remaining))
        days, bounded = self._days, self._last_day_with_hours is not None
        ordinal = self._ordinal(us)
        pieces, total = self._day(ordinal)
        while True:
            for a, b in pieces:
                if b <= us:
                    continue
                begin = max(a, us)
                if remaining <= b - begin:
                    return _from_us(begin + remaining)
                remaining -= b - begin
            ordinal += 1
            self._check_bounds(ordinal, forward=True)
            pieces, total = self._day(ordinal)
            # Whole days are skipped with one comparison; `us` lies before every later piece.
            # (The cache is read inline: this loop is where long deadlines spend their time.)
            while remaining > total:
                remaining -= total
                ordinal += 1
                if bounded:
                    self._check_bounds(ordinal, forward=True)
                day = days.get(ordinal)
                pieces, total = day if day is not None else self._day(ordinal)

    def _subtract(self, us: int, remaining: int) -> int:
        ordinal = self._ordinal(us)
        pieces, total = self._day(ordinal)
        while True:
            for a, b in reversed(pieces):
                if a >= us:
                    continue
                end = min(b, us)
                if remaining <= end - a:
                    return end - remaining
                remaining -= end - a
            ordinal -= 1
            self._check_bounds(ordinal, forward=False)
            pieces, total = self._day(ordinal)
            while remaining > total:
                remaining -= total
                ordinal -= 1
                self._check_bounds(ordinal, forward=False)
                pieces, total = self._day(ordinal)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from ``start`` to ``end``. When ``end`` comes before ``start``
        the result is negative: ``between(a, b) == -between(b, a)``."""
        a, b = _to_us(start), _to_us(end)
        if b < a:
            return -self.between(end, start)
        if self._continuous:
            return timedelta(microseconds=b - a)
        first, last = self._ordinal(a), self._ordinal(b)
        total = 0
        for ordinal in range(first, last + 1):
            pieces, day_total = self._day(ordinal)
            if first < ordinal < last:
                total += day_total
                continue
            for lo, hi in pieces:
                lo, hi = max(lo, a), min(hi, b)
                if lo < hi:
                    total += hi - lo
        return timedelta(microseconds=total)


def twenty_four_seven(name: str = "always", timezone: str = "UTC") -> BusinessCalendar:
    """A calendar that is always open (business time is elapsed time)."""
    full = (Interval(0, _MINUTES_PER_DAY),)
    return BusinessCalendar(name, timezone, (full,) * 7)
