"""Every measure and dimension kind on SQLite and PostgreSQL, against numbers computed by hand
from the seven requests of tests/reports/lab.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from engine.runtime.factory import Runtime
from tests.reports.lab import at, lab_runtime, principal, run, table


@pytest.fixture
def lab(db_engine: Engine) -> Runtime:
    return lab_runtime(db_engine)


TIMES_COLUMNS = ("kind", "requests", "avg_response_minutes", "max_resolution_hours",
                 "total_handling", "avg_handling", "min_amount", "sum_amount", "sum_reopens",
                 "avg_rating", "fcr", "nps", "done")


def test_measures_of_every_aggregation_per_group_and_in_total(lab: Runtime) -> None:
    result = run(lab, "times")
    assert table(result, *TIMES_COLUMNS) == [
        ("software", 3, 60.0, 10.0, 30.0, 900.0, "10.50", "30.75", 1, 7.0, 50.0, -33.33, 2),
        ("hardware", 2, 15.0, 2.0, 5.0, 300.0, "5.00", "5.00", 0, 10.0, 100.0, 100.0, 1),
        ("other", 1, None, None, None, None, None, None, 0, None, None, None, 0),
        (None, 1, None, None, None, None, None, None, 0, None, None, None, 0),
    ]
    assert result.totals == {
        "requests": 7, "avg_response_minutes": 45.0, "max_resolution_hours": 10.0,
        "total_handling": 35.0, "avg_handling": 700.0, "min_amount": "5.00",
        "sum_amount": "35.75",
        "sum_reopens": 1, "avg_rating": 8.0, "fcr": 66.67, "nps": 0.0, "done": 3}


def test_columns_say_name_label_type_kind_and_unit(lab: Runtime) -> None:
    columns = {c["name"]: c for c in run(lab, "times").as_json()["columns"]}
    assert columns["kind"]["kind"] == "dimension"
    assert columns["kind"]["label"] == {"en": "Kind", "zh-CN": "类型"}
    assert [o["value"] for o in columns["kind"]["options"]] == ["software", "hardware", "other"]
    assert columns["requests"] == {"name": "requests", "label": {"en": "requests"},
                                   "type": "integer", "kind": "measure"}
    assert (columns["avg_response_minutes"]["type"], columns["avg_response_minutes"]["unit"]) \
        == ("number", "minutes")
    assert columns["max_resolution_hours"]["unit"] == "hours"
    assert columns["fcr"]["unit"] == "percent"
    assert columns["sum_reopens"]["type"] == "integer"


def test_sla_outcomes_join_the_clock_table(lab: Runtime) -> None:
    result = run(lab, "sla_outcomes")
    assert table(result) == [
        ("ann", 100.0, 0, 1, 0, 50.0),
        ("bob", 0.0, 2, 0, 0, 0.0),
        (None, 100.0, 0, 0, 1, 0.0),
    ]
    assert result.totals == {"resolution_met": 50.0, "resolution_breached": 2,
                             "resolution_running": 1, "cancelled": 1,
                             "first_response_met": 14.29}


@pytest.mark.parametrize(("params", "expected"), [
    ({"group_by": "kind"}, [("software", 3), ("hardware", 2), ("other", 1), (None, 1)]),
    # booleans sort false, true; records without a value come last
    ({"group_by": "urgent"}, [(False, 2), (True, 1), (None, 4)]),
    ({"group_by": "owner"}, [(1, 3), (2, 2), (3, 2)]),
    ({"group_by": "state,kind"}, [
        ("software", "new", 1), ("software", "done", 2), ("hardware", "open", 1),
        ("hardware", "done", 1), ("other", "new", 1), (None, "open", 1)]),
    ({"group_by": ""}, []),
    ({"kind": "software", "group_by": "state"}, [("new", 1), ("done", 2)]),
    ({"state__in": "new,open", "group_by": "kind"},
     [("software", 1), ("hardware", 1), ("other", 1), (None, 1)]),
    ({"from": "2026-03-02", "to": "2026-03-08", "group_by": ""}, []),
])
def test_group_by_override_and_filters(lab: Runtime, params: dict[str, str],
                                       expected: list[tuple[Any, ...]]) -> None:
    assert table(run(lab, "volume", **params)) == expected


@pytest.mark.parametrize(("params", "total"), [
    ({}, 7),
    ({"from": "2026-03-02", "to": "2026-03-08"}, 3),  # a 'to' date includes its day
    ({"from": "2026-03-10"}, 1),
    ({"from": "2026-03-10", "tz": "Asia/Shanghai"}, 2),  # from 2026-03-09T16:00Z
    ({"to": "2026-03-03T23:30:00Z"}, 3),  # a date-time 'to' is excluded
    ({"to": "2026-03-03T23:30:01Z"}, 4),
    ({"from": "2026-03-04T07:30:00+08:00", "to": "2026-03-04T07:31:00+08:00"}, 1),
    ({"from": "2026-03-04T07:30", "to": "2026-03-04T07:31", "tz": "Asia/Shanghai"}, 1),
])
def test_date_ranges_on_the_date_field(lab: Runtime, params: dict[str, str],
                                       total: int) -> None:
    assert run(lab, "volume", **params).totals == {"requests": total}


@pytest.mark.parametrize(("tz", "group", "expected"), [
    ("UTC", "day", [("2026-02-20", 1), ("2026-02-28", 1), ("2026-03-02", 1),
                    ("2026-03-03", 1), ("2026-03-08", 1), ("2026-03-09", 1),
                    ("2026-03-10", 1)]),
    ("Asia/Shanghai", "day", [("2026-02-20", 1), ("2026-03-01", 1), ("2026-03-02", 1),
                              ("2026-03-04", 1), ("2026-03-08", 1), ("2026-03-10", 2)]),
    # 2026-03-08 starts daylight saving time in New York: 04:30Z on the 10th is 00:30 EDT
    ("America/New_York", "day", [("2026-02-19", 1), ("2026-02-28", 1), ("2026-03-02", 1),
                                 ("2026-03-03", 1), ("2026-03-08", 1), ("2026-03-09", 1),
                                 ("2026-03-10", 1)]),
    ("UTC", "week", [("2026-02-16", 1), ("2026-02-23", 1), ("2026-03-02", 3),
                     ("2026-03-09", 2)]),
    ("Asia/Shanghai", "week", [("2026-02-16", 1), ("2026-02-23", 1), ("2026-03-02", 3),
                               ("2026-03-09", 2)]),
    ("UTC", "month", [("2026-02-01", 2), ("2026-03-01", 5)]),
    ("Asia/Shanghai", "month", [("2026-02-01", 1), ("2026-03-01", 6)]),
])
def test_datetime_buckets_in_a_timezone(lab: Runtime, tz: str, group: str,
                                        expected: list[tuple[str, int]]) -> None:
    assert table(run(lab, "calendar", tz=tz, group_by=group)) == expected


def test_age_ranges_of_datetime_and_date_fields_with_the_report_filter(lab: Runtime) -> None:
    # Not done: requests 3 (2d2h old), 5 (7h30m), 6 (9d16h), 7 (18d12h); due 03-12, 03-10,
    # 03-08 (exactly 2 days ago: not younger than 2d) and 03-01.
    result = run(lab, "backlog")
    assert table(result) == [("<1d", "<2d", 1), ("1d-3d", "<2d", 1), (">=7d", ">=2d", 2)]
    assert table(run(lab, "backlog", group_by="overdue")) == [("<2d", 2), (">=2d", 2)]
    assert result.totals == {"requests": 4}


def test_measure_filters_read_the_users_attributes(db_engine: Engine) -> None:
    from tests.reports.lab import principal

    runtime = lab_runtime(db_engine)
    assert run(runtime, "lead_only", principal("lead", owner=1)).totals == {
        "requests": 7, "mine": 3}


def test_an_empty_database_gives_no_rows_and_empty_totals(db_engine: Engine) -> None:
    runtime = lab_runtime(db_engine, requests=[], clocks={})
    times = run(runtime, "times")
    assert times.rows == []
    assert times.totals["requests"] == 0 and times.totals["done"] == 0
    assert times.totals["avg_rating"] is None and times.totals["fcr"] is None
    assert run(runtime, "sla_outcomes").totals["resolution_met"] is None


def test_csv_has_labels_rows_and_a_totals_line(lab: Runtime) -> None:
    text = run(lab, "volume", group_by="kind").as_csv("zh-CN")
    assert text.splitlines() == ["类型,请求数", "software,3", "hardware,2", "other,1", ",1",
                                 "合计,7"]


def test_sums_past_32_bits_are_exact(db_engine: Engine) -> None:
    # Two years of handling time on a busy desk passes 2^31 seconds; PostgreSQL refused to cast
    # such a sum to a 32-bit integer (a 500 on average_handling_time).
    big = 2**31 - 1
    lab = lab_runtime(db_engine, [
        dict(kind="software", state="done", opened_at=at("2026-03-02T08:00"),
             handling=timedelta(seconds=big), reopen_count=big),
        dict(kind="software", state="done", opened_at=at("2026-03-03T08:00"),
             handling=timedelta(seconds=big), reopen_count=big),
    ], clocks={})
    result = run(lab, "times")
    assert result.totals["sum_reopens"] == 2 * big
    assert result.totals["total_handling"] == round(2 * big / 60, 2)


def test_money_comes_out_as_exact_decimals_at_the_fields_scale_with_its_currency(
        lab: Runtime) -> None:
    # amount (scale 2): software 10.50 + 20.25, hardware 5.00; the average of software is
    # 15.375, rounded half up to the field's scale.
    result = run(lab, "money")
    cny = lambda amount: {"amount": amount, "currency": "CNY"}  # noqa: E731
    assert table(result, "kind", "total", "average", "largest") == [
        ("software", cny("30.75"), "15.38", cny("20.25")),
        ("hardware", cny("5.00"), "5.00", cny("5.00")),
        ("other", None, None, None),
        (None, None, None, None),
    ]
    assert result.totals == {"total": cny("35.75"), "average": "11.92", "largest": cny("20.25")}
    columns = {c["name"]: c for c in result.as_json()["columns"]}
    assert (columns["total"]["type"], columns["total"]["currency"]) == ("decimal", "CNY")
    assert "currency" not in columns["average"]
    lines = result.as_csv().splitlines()
    assert lines[1] == "software,30.75,15.38,20.25"
    assert lines[-1] == "Total,35.75,11.92,20.25"


def test_business_time_counts_only_the_calendars_hours_per_group_and_in_total(
        lab: Runtime) -> None:
    # office_hours: weekdays 09:00-17:00 UTC. Resolved requests, opened -> resolved:
    #   1 software Mon 03-02 08:00 -> 12:00: 3h business (09-12), 4h wall clock
    #   2 software Tue 03-03 23:30 -> Wed 09:30: 0.5h business, 10h wall clock
    #   4 hardware Mon 03-09 22:00 -> Tue 00:00: 0h business, 2h wall clock
    result = run(lab, "business_time")
    assert table(result) == [
        ("software", 3.5, 1.75, 3.0, 30.0, 14.0, 3),
        ("hardware", 0.0, 0.0, 0.0, 0.0, 2.0, 2),
        ("other", None, None, None, None, None, 1),
        (None, None, None, None, None, None, 1),
    ]
    assert result.totals == {"total_hours": 3.5, "avg_hours": 1.17, "longest_hours": 3.0,
                             "quickest_done_minutes": 0.0, "wall_clock_hours": 16.0,
                             "requests": 7}


def test_business_time_counts_only_the_records_the_user_may_read(lab: Runtime) -> None:
    # A requester with owner 1 reads requests 1, 2 and 5.
    result = run(lab, "business_time", principal("requester", owner=1), group_by="kind")
    assert table(result, "kind", "total_hours", "requests") == [
        ("software", 3.5, 2), ("other", None, 1)]
    assert result.totals["avg_hours"] == 1.75
