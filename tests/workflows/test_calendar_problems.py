"""Every mistake in a calendar file is reported at its line and column, with a stable code."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack

from .problems import assert_one_problem

CALENDAR = """
calendar: office
label: {en: Office hours}
timezone: Europe/Berlin
hours:
  mon-thu: ["09:00-12:00", "13:00-17:00"]
  fri: ["09:00-14:00"]
holidays:
  - 2026-12-25
  - {from: 2026-12-28, to: 2026-12-31, label: Between the years}
working_days:
  - 2026-12-19
  - {date: 2026-12-20, hours: ["10:00-12:00"]}
include: [public]
"""

PUBLIC = """
calendar: public
timezone: Europe/Berlin
hours:
  mon-fri: ["08:00-16:00"]
holidays: [2026-12-24, 2026-12-26]
"""

# (case, text replaced in the valid calendar, replacement, code, line:col, words in the message)
CASES = [
    ("unknown_timezone", "timezone: Europe/Berlin", "timezone: Europe/Berlinn",
     "calendar_unknown_timezone", "3:11", "did you mean 'Europe/Berlin'"),
    ("malformed_interval", '"13:00-17:00"', '"13:00 to 17:00"', "calendar_bad_interval", "5:28",
     "write HH:MM-HH:MM"),
    ("interval_ends_before_it_starts", '"13:00-17:00"', '"17:00-13:00"',
     "calendar_bad_interval", "5:28", "ends before it starts"),
    ("hour_out_of_range", '"13:00-17:00"', '"13:00-25:00"', "calendar_bad_interval", "5:28",
     "25:00 is not a time of day"),
    ("overlapping_intervals", '"13:00-17:00"', '"11:30-17:00"',
     "calendar_overlapping_intervals", "5:28", "09:00-12:00 and 11:30-17:00 overlap"),
    ("overlap_on_a_make_up_day", 'hours: ["10:00-12:00"]', 'hours: ["10:00-12:00", "11:00-13:00"]',
     "calendar_overlapping_intervals", "12:47", "overlap"),
    ("unknown_weekday", "  fri:", "  fry:", "calendar_unknown_weekday", "6:3",
     "did you mean 'fri'"),
    ("unknown_weekday_in_a_range", "mon-thu:", "mon-thurs:", "calendar_unknown_weekday", "5:3",
     "unknown weekday 'thurs'"),
    ("weekday_given_twice", "  fri:", "  thu:", "calendar_duplicate_weekday", "6:3",
     "thu, which 'mon-thu' already does"),
    ("holiday_and_working_day", "  - 2026-12-19", "  - 2026-12-25", "calendar_day_conflict",
     "11:5", "2026-12-25 is both a holiday"),
    ("working_day_twice", "  - 2026-12-19", "  - 2026-12-20", "calendar_day_conflict", "12:12",
     "listed twice"),
    ("holiday_run_backwards", "to: 2026-12-31", "to: 2026-12-01", "calendar_bad_holiday",
     "9:28", "ends (2026-12-01) before it starts"),
    ("holiday_run_too_long", "to: 2026-12-31", "to: 2028-12-31", "calendar_bad_holiday",
     "9:28", "at most 366"),
    ("holiday_with_date_and_range", "{from: 2026-12-28,", "{date: 2026-12-27, from: 2026-12-28,",
     "calendar_bad_holiday", "9:5", "either 'date' or 'from' and 'to'"),
    ("holiday_range_without_end", ", to: 2026-12-31", "", "calendar_bad_holiday", "9:5",
     "both 'from' and 'to'"),
    ("unknown_include", "include: [public]", "include: [publik]", "calendar_unknown_include",
     "13:11", "did you mean 'public'"),
    ("include_itself", "include: [public]", "include: [office]", "calendar_include_cycle",
     "13:11", "office -> office"),
    ("hours_and_always", "include: [public]", "include: [public]\nalways: true",
     "calendar_hours_and_always", "14:1", "not both"),
    ("no_working_time", "  mon-thu: [\"09:00-12:00\", \"13:00-17:00\"]\n  fri: [\"09:00-14:00\"]\n",
     "  sat: []\n", "calendar_no_working_time", "1:11", "no working time at all"),
    ("misspelt_key", "working_days:", "workingdays:", "unknown_key", "10:1",
     "did you mean 'working_days'"),
]


@pytest.mark.parametrize(("old", "new", "code", "where", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_calendar_mistake_is_reported_at_its_position(
    tmp_path: Path, old: str, new: str, code: str, where: str, words: str
) -> None:
    assert old in CALENDAR
    text = CALENDAR.replace(old, new, 1)
    if code == "calendar_no_working_time":
        text = text.replace("working_days:\n  - 2026-12-19\n  - {date: 2026-12-20, hours: "
                            "[\"10:00-12:00\"]}\n", "")
    pack = write_pack(tmp_path, {"calendars/office.yaml": text,
                                 "calendars/public.yaml": PUBLIC})
    with pytest.raises(PackError) as info:
        load_registry([pack])
    assert_one_problem(info.value.problems, code, where, words, "calendars/office.yaml")


def test_a_valid_calendar_compiles_with_its_included_holidays(tmp_path: Path) -> None:
    from datetime import date

    pack = write_pack(tmp_path, {"calendars/office.yaml": CALENDAR,
                                 "calendars/public.yaml": PUBLIC})
    office = load_registry([pack]).calendar("office")
    assert office.holidays >= {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26),
                               date(2026, 12, 31)}
    assert [str(i) for i in office.hours_on(date(2026, 12, 19))] == ["09:00-12:00",
                                                                     "13:00-17:00"]
    assert [str(i) for i in office.hours_on(date(2026, 12, 20))] == ["10:00-12:00"]
    assert office.label is not None and office.label.en == "Office hours"


def test_include_cycle_through_two_calendars_is_reported_once_per_file(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {
        "calendars/a.yaml": "calendar: a\ntimezone: UTC\nalways: true\ninclude: [b]\n",
        "calendars/b.yaml": "calendar: b\ntimezone: UTC\nalways: true\ninclude: [a]\n",
    })
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert problem.code == "calendar_include_cycle"
    assert problem.message == "calendars include each other: a -> b -> a"
    assert str(problem.pos).endswith("calendars/b.yaml:4:11")


def test_a_calendar_declared_twice_in_one_pack_is_refused(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {
        "calendars/a.yaml": "calendar: a\ntimezone: UTC\nalways: true\n",
        "calendars/b.yaml": "calendar: a\ntimezone: UTC\nalways: true\n",
    })
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert problem.code == "calendar_duplicate"
    assert str(problem.pos).endswith("calendars/b.yaml:1:11")


def test_an_extending_pack_replaces_a_calendar_of_the_same_name(tmp_path: Path) -> None:
    write_pack(tmp_path, {"calendars/office.yaml": CALENDAR, "calendars/public.yaml": PUBLIC})
    ext = write_pack(tmp_path, {
        "pack.yaml": "name: ext\nextends: [demo]\n",
        "calendars/public.yaml": "calendar: public\ntimezone: Europe/Berlin\nalways: true\n",
    }, name="ext")
    registry = load_registry([ext])
    assert registry.calendar("public").holidays == frozenset()
    assert registry.calendar("public").weekly[6] != ()
    # The base pack's office calendar now includes the replacing calendar (no holidays).
    from datetime import date
    assert date(2026, 12, 24) not in registry.calendar("office").holidays


def test_registry_names_an_unknown_calendar_with_a_suggestion(tmp_path: Path) -> None:
    from engine.errors import NotFound

    pack = write_pack(tmp_path, {"calendars/public.yaml": PUBLIC})
    with pytest.raises(NotFound, match="unknown calendar 'publik' \\(did you mean 'public'\\?\\)"):
        load_registry([pack]).calendar("publik")


@pytest.mark.parametrize(("holiday", "where", "words"), [
    ("2026-02-30", "4:12", "'2026-02-30' cannot be read: day is out of range for month"),
    ('"2026-13-01"', "4:12", "holidays.0.date: Input should be a valid date"),
])
def test_a_date_that_is_no_date_is_reported_at_its_position(
    tmp_path: Path, holiday: str, where: str, words: str
) -> None:
    pack = write_pack(tmp_path, {
        "calendars/a.yaml": f"calendar: a\ntimezone: UTC\nalways: true\nholidays: [{holiday}]\n",
    })
    with pytest.raises(PackError) as info:
        load_registry([pack])
    [problem] = info.value.problems
    assert (problem.code, f"{problem.pos.line}:{problem.pos.col}") == ("invalid_value", where)
    assert words in problem.message


def test_a_make_up_day_that_works_anyway_is_reported(tmp_path: Path) -> None:
    # Monday 21 December works anyway; Saturday the 19th is a real make-up day.
    calendar = PUBLIC + "working_days:\n  - 2026-12-21\n  - 2026-12-19\n"
    pack = write_pack(tmp_path, {"calendars/public.yaml": calendar})
    with pytest.raises(PackError) as exc:
        load_registry([pack])
    assert_one_problem(exc.value.problems, "calendar_redundant_working_day", "7:5",
                       "2026-12-21 is a Monday, a working day on this calendar already",
                       "calendars/public.yaml")
