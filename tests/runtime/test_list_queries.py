"""Listing records: filters on every kind of field, sorting, paging, and refused queries.

Each case is a query string run against the same ten accounts on both databases.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import Engine

from engine.errors import ValidationFailed
from engine.runtime.clock import ManualClock
from engine.runtime.list_query import Filter, Op, SortKey, parse_list_params
from engine.runtime.records import RecordService

from .record_objects import ACCOUNT, create_schema, registry

#: name, region, score, balance, active, tags, opened_on, notes
ACCOUNTS = [
    ("a1", "north", 10, "1.50", True, ["vip"], "2026-01-01", "Likes tea"),
    ("a2", "south", 20, "2.00", False, ["vip", "beta"], "2026-01-15", None),
    ("a3", "east", 30, None, True, [], "2026-02-01", "likes COFFEE"),
    ("a4", "west", None, "10.25", True, ["beta"], None, "100% sure_thing"),
    ("a5", "north", 50, "0.00", None, None, "2026-03-01", None),
    ("b6", "south", 60, "-3.00", True, ["vip"], "2025-12-31", "tea and coffee"),
    ("b7", "east", 70, "7.77", False, None, "2026-02-28", None),
    ("b8", "west", 80, "8.00", True, ["gamma"], "2026-01-01", "note"),
    ("b9", "north", 90, "9.99", True, ["beta", "gamma"], "2026-01-02", None),
    ("c10", "south", 100, "10.00", False, [], "2026-01-03", "x_y"),
]




@pytest.fixture
def seeded(db_engine: Engine, clock: ManualClock) -> RecordService:
    create_schema(db_engine)
    records = RecordService(registry(), db_engine, clock)
    for name, region, score, balance, active, tags, opened, notes in ACCOUNTS:
        clock.advance(minutes=1)
        records.create("account", {
            "name": name, "region": region, "score": score,
            "balance": Decimal(balance) if balance is not None else None,
            "active": active, "tags": tags, "opened_on": opened, "notes": notes,
            "last_seen": f"2026-03-0{1 + int(name[-1]) % 3}T12:00:00Z",
        }, "alice")
    return records


def names(records: RecordService, query: str) -> list[str]:
    q = parse_list_params(ACCOUNT, parse_qsl(query, keep_blank_values=True))
    page = records.list("account", q.filters, q.sort, limit=q.limit, offset=q.offset)
    return [item["name"] for item in page.items]


CASES = [
    ("", ["a1", "a2", "a3", "a4", "a5", "b6", "b7", "b8", "b9", "c10"]),
    ("region=north", ["a1", "a5", "b9"]),
    ("region__ne=north&region__ne=south", ["a3", "a4", "b7", "b8"]),
    ("region__in=east,west", ["a3", "a4", "b7", "b8"]),
    ("score__gt=50", ["b6", "b7", "b8", "b9", "c10"]),
    ("score__gte=50&score__lt=80", ["a5", "b6", "b7"]),
    ("score__le=20", ["a1", "a2"]),
    ("score__ge=100", ["c10"]),
    ("score__isnull=true", ["a4"]),
    ("score__ne=10", ["a2", "a3", "a4", "a5", "b6", "b7", "b8", "b9", "c10"]),
    ("balance__gt=9.99", ["a4", "c10"]),
    ("balance__lte=0", ["a5", "b6"]),
    ("active=false", ["a2", "b7", "c10"]),
    ("active__isnull=true", ["a5"]),
    ("tags=vip", ["a1", "a2", "b6"]),
    ("tags__contains=gamma", ["b8", "b9"]),
    ("tags__isnull=true", ["a5", "b7"]),
    ("opened_on=2026-01-01", ["a1", "b8"]),
    ("opened_on__lt=2026-01-02", ["a1", "b6", "b8"]),
    ("created_at__gte=2026-03-02T09:09:00Z", ["b9", "c10"]),
    ("created_at__gte=2026-03-02", ["a1", "a2", "a3", "a4", "a5", "b6", "b7", "b8", "b9", "c10"]),
    ("last_seen__lt=2026-03-02", ["a3", "b6", "b9", "c10"]),
    ("notes__contains=tea", ["a1", "b6"]),
    ("notes__contains=coffee", ["a3", "b6"]),
    ("notes__contains=%", ["a4"]),
    ("notes__contains=_", ["a4", "c10"]),
    ("name__in=a1,c10,zz", ["a1", "c10"]),
    ("name__lt=b", ["a1", "a2", "a3", "a4", "a5"]),
    ("id=3", ["a3"]),
    ("sort=-score", ["c10", "b9", "b8", "b7", "b6", "a5", "a3", "a2", "a1", "a4"]),
    ("sort=-balance&limit=3", ["a4", "c10", "b9"]),
    ("sort=-active,name", ["a1", "a3", "a4", "b6", "b8", "b9", "a2", "b7", "c10", "a5"]),
    ("sort=score", ["a1", "a2", "a3", "a5", "b6", "b7", "b8", "b9", "c10", "a4"]),
    # choices sort in the order the object lists them: north, south, east, west
    ("sort=region,-name", ["b9", "a5", "a1", "c10", "b6", "a2", "b7", "a3", "b8", "a4"]),
    ("sort=-created_at&limit=3", ["c10", "b9", "b8"]),
    ("sort=-created_at&limit=3&offset=3", ["b7", "b6", "a5"]),
    ("sort=balance&region=north", ["a5", "a1", "b9"]),
    ("limit=4&offset=8", ["b9", "c10"]),
    ("offset=20", []),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[c[0] or "(none)" for c in CASES])
def test_filters_and_sorting_select_the_expected_records(
    seeded: RecordService, query: str, expected: list[str]
) -> None:
    assert names(seeded, query) == expected


def test_a_page_reports_the_total_and_the_next_offset(seeded: RecordService) -> None:
    first = seeded.list("account", [Filter("region", Op.IN, ("north", "south"))], limit=4)
    assert (len(first.items), first.total, first.next_offset) == (4, 6, 4)
    second = seeded.list("account", [Filter("region", Op.IN, ("north", "south"))], limit=4,
                         offset=4)
    assert (len(second.items), second.total, second.next_offset) == (2, 6, None)
    assert {i["id"] for i in first.items}.isdisjoint(i["id"] for i in second.items)


def test_typed_filters_from_code_work_like_query_strings(seeded: RecordService) -> None:
    page = seeded.list("account", [Filter("score", Op.GTE, 90)], [SortKey("score", True)])
    assert [i["name"] for i in page.items] == ["c10", "b9"]


BAD = [
    ("priorty=P1", ("query", "priorty"), "unknown field 'priorty' on object 'account'"),
    ("regin=north", ("query", "regin"),
     "unknown field 'regin' on object 'account' (did you mean 'region'?)"),
    ("score__gtt=1", ("query", "score__gtt"),
     "unknown operator 'gtt' (did you mean 'gt'?); use one of: eq, ne, lt, lte, gt, gte, in, "
     "isnull"),
    ("score__contains=1", ("query", "score__contains"),
     "operator 'contains' does not apply to integer field 'score'; use one of: eq, ne, lt, "
     "lte, gt, gte, in, isnull"),
    ("score=ten", ("query", "score"), "expected an integer"),
    ("region=up", ("query", "region"),
     "'up' is not an option; choose one of: north, south, east, west"),
    ("region=nort", ("query", "region"),
     "'nort' is not an option (did you mean 'north'?); choose one of: north, south, east, west"),
    ("active=maybe", ("query", "active"), "expected true or false"),
    ("opened_on=31/12/2025", ("query", "opened_on"), "expected a date, e.g. 2026-01-31"),
    ("last_seen__gt=2026-01-01T10:00", ("query", "last_seen__gt"),
     "'2026-01-01T10:00' has no time zone: add 'Z' for UTC or an offset such as '+08:00'"),
    ("score__in=", ("query", "score__in"), "expected a comma-separated list of values"),
    ("score__isnull=perhaps", ("query", "score__isnull"), "expected true or false"),
    ("sort=nam", ("query", "sort"),
     "unknown field 'nam' on object 'account' (did you mean 'name'?)"),
    ("sort=tags", ("query", "sort"), "cannot sort by tags field 'tags'"),
    ("limit=0", ("query", "limit"), "expected a whole number between 1 and 500"),
    ("limit=501", ("query", "limit"), "expected a whole number between 1 and 500"),
    ("offset=-1", ("query", "offset"), "expected a whole number between 0 and "
     "9223372036854775807"),
    ("offset=x", ("query", "offset"), "expected a whole number between 0 and "
     "9223372036854775807"),
]


@pytest.mark.parametrize(("query", "loc", "msg"), BAD, ids=[b[0] for b in BAD])
def test_bad_list_parameters_are_refused_with_a_message(
    query: str, loc: tuple[str, str], msg: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_list_params(ACCOUNT, parse_qsl(query, keep_blank_values=True))
    assert [(i.loc, i.msg) for i in caught.value.issues] == [(loc, msg)]


def test_every_bad_parameter_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_list_params(ACCOUNT, [("x", "1"), ("score", "y"), ("limit", "0")])
    assert [i.loc for i in caught.value.issues] == [
        ("query", "x"), ("query", "score"), ("query", "limit")]


def test_queries_built_in_code_are_checked_too(seeded: RecordService) -> None:
    with pytest.raises(ValidationFailed) as caught:
        seeded.list("account", [Filter("scor", Op.EQ, 1), Filter("tags", Op.GT, "x")],
                    [SortKey("settings")], limit=0)
    assert [i.type for i in caught.value.issues] == [
        "unknown_field", "invalid_operator", "invalid_sort", "invalid_value"]
