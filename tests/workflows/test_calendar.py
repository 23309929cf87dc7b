"""BusinessCalendar on its own: building it, what each date works, and what it refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.workflows.calendar import (
    BusinessCalendar,
    Interval,
    parse_interval,
    twenty_four_seven,
)

OFFICE = (parse_interval("09:00-12:00"), parse_interval("13:00-18:00"))
WEEK = (OFFICE,) * 5 + ((), ())


@pytest.mark.parametrize(("text", "message"), [
    ("9-12", "'9-12' is not a working interval: write HH:MM-HH:MM"),
    ("12:00-09:00", "'12:00-09:00' ends before it starts"),
    ("09:00-09:00", "ends before it starts"),
    ("09:60-10:00", "09:60 is not a time of day"),
    ("24:00-24:00", "an interval cannot start at 24:00"),
    ("23:00-24:30", "24:30 is not a time of day"),
])
def test_a_bad_interval_says_what_would_be_right(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_interval(text)


def test_an_interval_may_end_at_midnight() -> None:
    assert parse_interval(" 22:00 - 24:00 ") == Interval(22 * 60, 24 * 60)
    assert str(parse_interval("22:00-24:00")) == "22:00-24:00"


def test_touching_intervals_join_and_overlapping_ones_are_refused() -> None:
    joined = BusinessCalendar("c", "UTC", ((parse_interval("12:00-18:00"),
                                            parse_interval("09:00-12:00")),) * 7)
    assert joined.weekly[0] == (Interval(9 * 60, 18 * 60),)
    with pytest.raises(ValueError, match="09:00-12:00 and 11:00-13:00 overlap"):
        BusinessCalendar("c", "UTC", ((parse_interval("09:00-12:00"),
                                       parse_interval("11:00-13:00")),) * 7)


def test_a_week_has_seven_days() -> None:
    with pytest.raises(ValueError, match="weekly needs 7 days"):
        BusinessCalendar("c", "UTC", (OFFICE,) * 5)


def test_naive_datetimes_are_refused() -> None:
    calendar = BusinessCalendar("c", "UTC", WEEK)
    with pytest.raises(ValueError, match="naive datetime 2026-03-02T10:00:00 given"):
        calendar.is_open(datetime(2026, 3, 2, 10))


def test_what_a_date_works() -> None:
    calendar = BusinessCalendar(
        "c", "Asia/Shanghai", WEEK, holidays=frozenset({date(2026, 10, 1)}),
        working_days={date(2026, 9, 20): None, date(2026, 10, 10): (parse_interval("10:00-12:00"),),
                      date(2026, 10, 1): (parse_interval("08:00-09:00"),)})
    assert calendar.hours_on(date(2026, 9, 21)) == OFFICE           # a Monday
    assert calendar.hours_on(date(2026, 9, 19)) == ()               # a Saturday
    assert calendar.hours_on(date(2026, 9, 20)) == OFFICE           # make-up: usual hours
    assert calendar.hours_on(date(2026, 10, 10)) == (Interval(600, 720),)
    assert calendar.hours_on(date(2026, 10, 1)) == (Interval(480, 540),)  # make-up beats holiday


def test_usual_hours_are_the_first_working_weekday() -> None:
    calendar = BusinessCalendar("c", "UTC", ((), (parse_interval("10:00-11:00"),), *WEEK[2:]))
    assert calendar.usual_hours == (Interval(600, 660),)


def test_including_adds_holidays_and_make_up_days_and_own_dates_win() -> None:
    public = BusinessCalendar("public", "UTC", WEEK,
                              holidays=frozenset({date(2026, 5, 1), date(2026, 5, 4)}),
                              working_days={date(2026, 5, 9): None})
    support = BusinessCalendar("support", "Asia/Shanghai", ((parse_interval("08:00-20:00"),),) * 7,
                               working_days={date(2026, 5, 4): None})
    merged = support.including(public)
    assert merged.name == "support" and merged.timezone == "Asia/Shanghai"
    assert merged.holidays == frozenset({date(2026, 5, 1)})
    assert merged.hours_on(date(2026, 5, 4)) == (Interval(480, 1200),)   # its own date wins
    assert merged.hours_on(date(2026, 5, 9)) == (Interval(480, 1200),)   # its usual hours


def test_a_calendar_without_working_time_refuses_to_search_forever() -> None:
    empty = BusinessCalendar("never", "UTC", ((),) * 7)
    assert not empty.has_working_time
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="calendar 'never' has no working time after"):
        empty.add(start, timedelta(hours=1))
    with pytest.raises(ValueError, match="no working time after"):
        empty.next_open(start)


def test_make_up_days_alone_bound_the_search() -> None:
    one_day = BusinessCalendar("one", "UTC", ((),) * 7,
                               working_days={date(2026, 1, 3): (parse_interval("09:00-10:00"),)})
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert one_day.has_working_time
    assert one_day.add(start, timedelta(minutes=30)) == datetime(2026, 1, 3, 9, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="no working time after 2026-01-03"):
        one_day.add(start, timedelta(hours=2))
    with pytest.raises(ValueError, match="no working time before 2026-01-03"):
        one_day.add(datetime(2026, 1, 3, 9, 30, tzinfo=UTC), -timedelta(hours=1))


def test_twenty_four_seven_is_elapsed_time() -> None:
    always = twenty_four_seven()
    start = datetime(2026, 3, 8, 1, tzinfo=UTC)
    assert always.add(start, timedelta(hours=30)) == start + timedelta(hours=30)
    assert always.between(start, start + timedelta(days=2)) == timedelta(days=2)
    assert always.is_open(start) and always.next_open(start) == start


def test_results_are_utc() -> None:
    calendar = BusinessCalendar("c", "Asia/Shanghai", WEEK)
    result = calendar.add(datetime(2026, 3, 2, 1, tzinfo=UTC), timedelta(hours=1))
    assert result.tzinfo is UTC and result == datetime(2026, 3, 2, 2, tzinfo=UTC)


def test_a_deadline_400_business_days_away_is_computed_by_days() -> None:
    calendar = BusinessCalendar("c", "Asia/Shanghai", WEEK)
    start = datetime(2026, 1, 5, 1, tzinfo=UTC)  # Monday 09:00 in Shanghai
    due = calendar.add(start, timedelta(hours=8 * 400))
    assert due == datetime(2027, 7, 16, 10, tzinfo=UTC)  # Friday of week 80, 18:00 local
    assert len(calendar._days) <= 600  # one cached entry per date walked, no minute steps


def test_calendars_compare_and_hash_by_their_data() -> None:
    a = BusinessCalendar("c", "UTC", WEEK, working_days={date(2026, 1, 3): None})
    b = BusinessCalendar("c", "UTC", WEEK, working_days={date(2026, 1, 3): None})
    assert a == b and hash(a) == hash(b)
    assert a != BusinessCalendar("c", "UTC", WEEK)
