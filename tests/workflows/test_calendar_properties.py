"""Properties every business calendar keeps, checked by hypothesis on calendars with DST
changes, lunch breaks, night shifts, holidays and make-up days; and ``between`` checked against
a naive minute-by-minute count that shares no code with the calendar's day pieces."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.workflows.calendar import BusinessCalendar, parse_interval


def _hours(*texts: str) -> tuple:  # type: ignore[type-arg]
    return tuple(parse_interval(t) for t in texts)


OFFICE = _hours("09:00-12:00", "13:30-18:00")
CALENDARS = {
    "ny_night": BusinessCalendar("ny_night", "America/New_York",
                                 (_hours("00:00-06:00", "22:00-24:00"),) * 7),
    "ny_gap": BusinessCalendar("ny_gap", "America/New_York",
                               (_hours("01:30-02:30", "09:00-10:00"),) * 5 + ((), ())),
    "berlin_shift": BusinessCalendar("berlin_shift", "Europe/Berlin",
                                     (_hours("01:00-05:00"),) * 6 + ((),)),
    "shanghai_office": BusinessCalendar(
        "shanghai_office", "Asia/Shanghai", (OFFICE,) * 5 + ((), ()),
        holidays=frozenset({date(2026, 10, d) for d in range(1, 8)}),
        working_days={date(2026, 9, 20): None, date(2026, 10, 10): _hours("10:00-12:00")}),
    "utc_always_but_christmas": BusinessCalendar(
        "u", "UTC", (_hours("00:00-24:00"),) * 7, holidays=frozenset({date(2026, 12, 25)})),
}
_NAMES = sorted(CALENDARS)
# Around the 2026 DST changes and the Chinese October holidays, where mistakes would hide.
_ANCHORS = [datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 26, tzinfo=UTC),
            datetime(2026, 9, 28, tzinfo=UTC), datetime(2026, 10, 22, tzinfo=UTC),
            datetime(2026, 12, 22, tzinfo=UTC)]

calendars = st.sampled_from(_NAMES).map(CALENDARS.__getitem__)
instants = st.builds(lambda anchor, seconds: anchor + timedelta(seconds=seconds),
                     st.sampled_from(_ANCHORS), st.integers(0, 12 * 86_400))
durations = st.integers(0, 120 * 3600).map(lambda s: timedelta(seconds=s))


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations)
def test_between_undoes_add(calendar: BusinessCalendar, start: datetime, d: timedelta) -> None:
    assert calendar.between(start, calendar.add(start, d)) == d


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations, durations)
def test_add_is_monotonic(calendar: BusinessCalendar, start: datetime, d1: timedelta,
                          d2: timedelta) -> None:
    small, large = sorted((d1, d2))
    assert calendar.add(start, small) <= calendar.add(start, large)
    later = start + d1
    assert calendar.add(start, d2) <= calendar.add(later, d2)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations, durations)
def test_add_composes(calendar: BusinessCalendar, start: datetime, d1: timedelta,
                      d2: timedelta) -> None:
    assert calendar.add(start, d1 + d2) == calendar.add(calendar.add(start, d1), d2)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations)
def test_result_is_open_or_an_interval_end(calendar: BusinessCalendar, start: datetime,
                                           d: timedelta) -> None:
    result = calendar.add(start, d)
    if d:
        # The last microsecond counted was working time: the result is inside an interval or
        # exactly at its end.
        assert calendar.is_open(result - timedelta(microseconds=1))
    else:
        assert result == start


@settings(max_examples=200, deadline=None)
@given(calendars, instants, durations.filter(bool))
def test_negative_add_returns_to_the_opening(calendar: BusinessCalendar, start: datetime,
                                             d: timedelta) -> None:
    assert calendar.add(calendar.add(start, d), -d) == calendar.next_open(start)


@settings(max_examples=200, deadline=None)
@given(calendars, instants)
def test_next_open_is_open_and_nothing_works_before_it(calendar: BusinessCalendar,
                                                       at: datetime) -> None:
    opening = calendar.next_open(at)
    assert opening >= at and calendar.is_open(opening)
    assert calendar.between(at, opening) == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, instants)
def test_between_is_antisymmetric(calendar: BusinessCalendar, a: datetime, b: datetime) -> None:
    assert calendar.between(a, b) == -calendar.between(b, a)


def naive_minutes_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Working minutes in [start, end) by stepping one minute at a time through local wall
    time: the slow, obvious definition (minute-aligned UTC instants only)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(calendar.timezone)
    count, t = 0, start
    while t < end:
        local = t.astimezone(tz)
        minute = local.hour * 60 + local.minute
        if any(i.start <= minute < i.end for i in calendar.hours_on(local.date())):
            count += 1
        t += timedelta(minutes=1)
    return count


@pytest.mark.parametrize("name", _NAMES)
@pytest.mark.parametrize("anchor", _ANCHORS, ids=lambda a: a.date().isoformat())
def test_between_agrees_with_counting_minutes(name: str, anchor: datetime) -> None:
    calendar = CALENDARS[name]
    for days in (1, 3, 6):
        end = anchor + timedelta(days=days, minutes=17)
        expected = naive_minutes_between(calendar, anchor, end)
        assert calendar.between(anchor, end) == timedelta(minutes=expected)
