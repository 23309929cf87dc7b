"""JSON ⇄ Python value rules, one row per type and shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import FieldIssue, ValidationFailed
from engine.objects.model import FieldType
from engine.objects.values import (
    converter_for,
    decimal_to_json,
    from_json,
    parse_datetime,
    record_from_json,
    record_to_json,
    to_json,
)

from .sample import field, ticket

UTC8 = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("type_", "given_json", "expected"),
    [
        ("string", "hello", "hello"),
        ("text", "", ""),
        ("email", "a@b.co", "a@b.co"),
        ("phone", "+86 10 1234 5678", "+86 10 1234 5678"),
        ("url", "https://x.org", "https://x.org"),
        ("enum", "P1", "P1"),
        ("integer", 42, 42),
        ("integer", -3.0, -3),
        ("integer", Decimal("7"), 7),
        ("decimal", 12.5, Decimal("12.5")),
        ("decimal", 0.1, Decimal("0.1")),
        ("decimal", 3, Decimal(3)),
        ("decimal", "12.3400", Decimal("12.3400")),
        ("decimal", " -0.5 ", Decimal("-0.5")),
        ("decimal", Decimal("1.23"), Decimal("1.23")),
        ("boolean", True, True),
        ("boolean", False, False),
        ("date", "2024-02-29", date(2024, 2, 29)),
        ("datetime", "2024-05-01T09:30:00Z", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("datetime", "2024-05-01T09:30:00+08:00", datetime(2024, 5, 1, 1, 30, tzinfo=UTC)),
        ("datetime", "2024-05-01t09:30:00.5z", datetime(2024, 5, 1, 9, 30, 0, 500000, UTC)),
        ("datetime", datetime(2024, 5, 1, 9, tzinfo=UTC8), datetime(2024, 5, 1, 1, tzinfo=UTC)),
        ("duration", 90, timedelta(seconds=90)),
        ("duration", timedelta(minutes=2), timedelta(minutes=2)),
        ("multi_enum", ["a", "b", "a"], ["a", "b"]),
        ("tags", ["z", "a", "z", "z"], ["z", "a"]),
        ("reference", 7, 7),
        ("json", {"a": [1, None]}, {"a": [1, None]}),
        ("json", "text", "text"),
        ("string", None, None),
        ("datetime", None, None),
    ],
)
def test_json_values_become_python_values(type_: str, given_json: Any, expected: Any) -> None:
    f = field("f", type_)
    assert from_json(given_json, f) == expected
    assert converter_for(f)(given_json) == expected


@pytest.mark.parametrize(
    ("type_", "given_json", "message"),
    [
        ("string", 5, "expected text, got the number 5"),
        ("enum", ["P1"], "expected text, got a list"),
        ("integer", True, "expected a whole number, got a boolean"),
        ("integer", 1.5, "expected a whole number, got the number 1.5"),
        ("integer", "12", "expected a whole number, got the text '12'"),
        ("integer", float("inf"), "expected a whole number"),
        ("decimal", "twelve", "expected a number, got the text 'twelve'"),
        ("decimal", "NaN", "expected a number"),
        ("decimal", float("nan"), "expected a finite number"),
        ("decimal", True, "expected a number, got a boolean"),
        ("boolean", "true", "expected true or false, got the text 'true'"),
        ("boolean", 1, "expected true or false, got the number 1"),
        ("date", "2024-02-30", "expected a date as YYYY-MM-DD"),
        ("date", "20240201", "expected a date as YYYY-MM-DD"),
        ("date", datetime(2024, 1, 1, tzinfo=UTC), "expected a date as YYYY-MM-DD"),
        ("datetime", "2024-05-01T09:30:00", "has no time zone: add 'Z' for UTC"),
        ("datetime", datetime(2024, 5, 1, 9), "got a naive one (no time zone)"),
        ("datetime", "yesterday", "expected a date-time like '2024-05-01T09:30:00Z'"),
        ("datetime", 1714555800, "expected a date-time"),
        ("duration", "PT1H", "expected whole seconds, got the text 'PT1H'"),
        ("duration", 1.5, "expected whole seconds"),
        ("multi_enum", "a", "expected a list of texts, got the text 'a'"),
        ("reference", "7", "expected a record id (a whole number), got the text '7'"),
    ],
)
def test_values_of_the_wrong_shape_are_refused(type_: str, given_json: Any, message: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        from_json(given_json, field("f", type_))
    [issue] = exc.value.issues
    assert issue.loc == ("f",)
    assert issue.type == "type"
    assert message in issue.msg


def test_a_bad_list_item_is_reported_at_its_index() -> None:
    with pytest.raises(ValidationFailed) as exc:
        from_json(["a", 3], field("labels", "tags"))
    assert exc.value.issues == [
        FieldIssue(("labels", 1), "expected text, got the number 3", "type")
    ]


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("datetime", datetime(2024, 5, 1, 9, 30, tzinfo=UTC8), "2024-05-01T01:30:00Z"),
        (
            "datetime",
            datetime(2024, 5, 1, 9, 30, 0, 250, tzinfo=UTC),
            "2024-05-01T09:30:00.000250Z",
        ),
        ("date", date(2024, 1, 2), "2024-01-02"),
        ("duration", timedelta(hours=1), 3600),
        ("decimal", Decimal("12.50"), 12.5),
        ("decimal", Decimal("0.1"), 0.1),
        ("decimal", Decimal("12345678901234.5678"), "12345678901234.5678"),
        ("decimal", Decimal("-3"), -3.0),
        ("multi_enum", ("a", "b"), ["a", "b"]),
        ("integer", 5, 5),
        ("boolean", False, False),
        ("json", {"k": 1}, {"k": 1}),
        ("string", None, None),
    ],
)
def test_python_values_become_json(type_: str, value: Any, expected: Any) -> None:
    result = to_json(value, field("f", type_))
    assert result == expected
    assert type(result) is type(expected)


def test_decimals_that_a_float_cannot_hold_exactly_are_written_as_text() -> None:
    assert decimal_to_json(Decimal("0.30000000000000004441")) == "0.30000000000000004441"
    assert decimal_to_json(Decimal("1E+2")) == 100.0


def test_a_naive_datetime_is_never_written() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        to_json(datetime(2024, 1, 1), field("f", "datetime"))


def test_parse_datetime_says_what_is_missing() -> None:
    with pytest.raises(ValueError, match="'2024-01-01T10:00:00' has no time zone"):
        parse_datetime("2024-01-01T10:00:00")


_json_of_type = {
    FieldType.STRING: st.text(max_size=30),
    FieldType.INTEGER: st.integers(-(2**53), 2**53),
    FieldType.DECIMAL: st.decimals(allow_nan=False, allow_infinity=False, places=4).map(
        lambda d: decimal_to_json(d)
    ),
    FieldType.BOOLEAN: st.booleans(),
    FieldType.DATE: st.dates().map(date.isoformat),
    FieldType.DATETIME: st.datetimes(timezones=st.just(UTC)).map(
        lambda d: d.isoformat().replace("+00:00", "Z")
    ),
    FieldType.DURATION: st.integers(0, 10**9),
    FieldType.MULTI_ENUM: st.lists(st.sampled_from("abcde"), unique=True),
    FieldType.TAGS: st.lists(st.text(min_size=1, max_size=8), unique=True),
    FieldType.REFERENCE: st.integers(1, 2**53),
    FieldType.JSON: st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=6,
    ),
}


@pytest.mark.parametrize("type_", list(_json_of_type))
def test_json_to_python_to_json_round_trips(type_: FieldType) -> None:
    f = field("f", type_)

    @given(_json_of_type[type_])
    def round_trip(value: Any) -> None:
        python = from_json(value, f)
        assert to_json(python, f) == value
        assert from_json(to_json(python, f), f) == python

    round_trip()


def test_records_convert_both_ways_in_field_order() -> None:
    obj = ticket()
    row = {
        "id": 1,
        "version": 3,
        "created_at": datetime(2024, 1, 1, tzinfo=UTC),
        "subject": "Printer",
        "amount": Decimal("9.99"),
        "effort": timedelta(minutes=5),
        "due_date": None,
        "not_a_field": "ignored",
    }
    as_json = record_to_json(obj, row)
    assert as_json == {
        "id": 1,
        "created_at": "2024-01-01T00:00:00Z",
        "version": 3,
        "subject": "Printer",
        "amount": 9.99,
        "due_date": None,
        "effort": 300,
    }
    del row["not_a_field"]
    assert record_from_json(obj, as_json) == row


def test_record_from_json_reports_every_bad_key() -> None:
    with pytest.raises(ValidationFailed) as exc:
        record_from_json(ticket(), {"seats": "two", "subjct": "x", "is_vip": True})
    assert [(i.loc, i.type) for i in exc.value.issues] == [
        (("seats",), "type"),
        (("subjct",), "additionalProperties"),
    ]
    assert "did you mean 'subject'?" in exc.value.issues[1].msg
