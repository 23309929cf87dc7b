"""Validating record payloads: every type and constraint, create and update, the messages."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from engine.errors import FieldIssue, FlowdeskError, ValidationFailed
from engine.objects.forms import form_schemas, record_format_checker
from engine.objects.validation import RecordValidator, validators_for
from engine.objects.values import record_from_json, record_to_json

from .sample import field, object_type, ticket, ticket_form

VALIDATOR = RecordValidator(ticket())
BASE = {"subject": "Printer"}  # the one required field without a default

OK = object()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("subject", "Abc", "Abc"),
        ("body", "x" * 10_000, "x" * 10_000),
        ("body", None, None),
        ("priority", "P1", "P1"),
        ("category", None, None),
        ("channels", ["email", "chat"], ["email", "chat"]),
        ("channels", [], []),
        ("labels", ["vip", "new"], ["vip", "new"]),
        ("amount", 0, Decimal(0)),
        ("amount", 12.34, Decimal("12.34")),
        ("amount", 999999.99, Decimal("999999.99")),
        ("amount", Decimal("1.50"), Decimal("1.50")),
        ("seats", 100, 100),
        ("seats", 1.0, 1),
        ("is_vip", True, True),
        ("due_date", "2024-02-29", date(2024, 2, 29)),
        ("due_at", "2024-05-01T09:30:00+08:00", datetime(2024, 5, 1, 1, 30, tzinfo=UTC)),
        ("due_at", "2024-05-01 09:30:00.123Z", datetime(2024, 5, 1, 9, 30, 0, 123000, UTC)),
        ("effort", 0, timedelta(0)),
        ("effort", 86_400, timedelta(days=1)),
        ("contact_email", "ann.lee+x@example.co.uk", "ann.lee+x@example.co.uk"),
        ("contact_phone", "+86 10 1234 5678", "+86 10 1234 5678"),
        ("contact_phone", "(555) 123-4567", "(555) 123-4567"),
        ("website", "https://example.com/a?b=c", "https://example.com/a?b=c"),
        ("website", "HTTP://EXAMPLE.COM", "HTTP://EXAMPLE.COM"),
        ("customer", 42, 42),
        ("extra", {"nested": [1, "two", None]}, {"nested": [1, "two", None]}),
        ("extra", None, None),
        ("code", "ABC-12", "ABC-12"),
    ],
)
def test_valid_values_come_back_as_python_values(name: str, value: Any, expected: Any) -> None:
    result = VALIDATOR.validate_create({**BASE, name: value})
    assert result[name] == expected
    assert type(result[name]) is type(expected)


@pytest.mark.parametrize(
    ("name", "value", "type_", "msg"),
    [
        ("subject", "ab", "minLength", "must be at least 3 characters long (got 2)"),
        ("subject", "x" * 21, "maxLength", "must be at most 20 characters long (got 21)"),
        ("subject", "", "minLength", "this field is required and cannot be empty"),
        ("subject", None, "required", "this field is required"),
        ("subject", 12, "type", "expected text, got the number 12"),
        ("body", ["a"], "type", "expected text, got a list"),
        ("priority", "P5", "enum", "'P5' is not one of P1, P2, P3, P4"),
        ("priority", None, "required", "this field is required"),
        ("priority", 1, "type", "expected one of P1, P2, P3, P4, got the number 1"),
        ("category", "P3", "enum", "'P3' is not one of P1, P2"),
        ("channels", ["fax"], "enum", "'fax' is not one of email, phone, chat"),
        ("channels", ["email", "email"], "uniqueItems", "lists 'email' more than once"),
        ("channels", "email", "type", "expected a list of options, got the text 'email'"),
        ("labels", [""], "minLength", "this field is required and cannot be empty"),
        ("labels", ["x" * 65], "maxLength", "must be at most 64 characters long (got 65)"),
        ("amount", -1, "minimum", "must be at least 0 (got -1)"),
        ("amount", 1_000_000, "exclusiveMaximum", "must be less than 1000000 (got 1000000)"),
        ("amount", 1.005, "x-scale", "1.005 has more than 2 digits after the decimal point"),
        ("amount", float("nan"), "x-scale", "must be a finite number"),
        ("amount", "12.5", "type", "expected a number, got the text '12.5'"),
        ("seats", 0, "minimum", "must be at least 1 (got 0)"),
        ("seats", 101, "maximum", "must be at most 100 (got 101)"),
        ("seats", 2.5, "type", "expected a whole number, got the number 2.5"),
        ("seats", True, "type", "expected a whole number, got a boolean"),
        ("is_vip", "yes", "type", "expected true or false, got the text 'yes'"),
        ("due_date", "2024-02-30", "format", "'2024-02-30' is not a valid date: use YYYY-MM-DD"),
        ("due_date", "01/02/2024", "format", "is not a valid date"),
        (
            "due_at",
            "2024-05-01T09:30:00",
            "format",
            "'2024-05-01T09:30:00' has no time zone: add 'Z' for UTC or an offset such as '+08:00'",
        ),
        ("due_at", "2024-05-01T09:30Z", "format", "is not a valid date-time: use ISO 8601"),
        ("due_at", "2024-13-01T09:30:00Z", "format", "is not a valid date-time"),
        ("effort", -5, "minimum", "must be at least 0 seconds (got -5)"),
        ("effort", 86_401, "maximum", "must be at most 86400 seconds (got 86401)"),
        ("effort", "1h", "type", "expected whole seconds, got the text '1h'"),
        ("contact_email", "ann@", "format", "'ann@' is not a valid email address"),
        (
            "contact_email",
            "a" * 310 + "@example.com",
            "maxLength",
            "must be at most 320 characters long",
        ),
        ("contact_phone", "call me", "pattern", "'call me' is not a phone number: use 7 to 15"),
        ("contact_phone", "12345", "pattern", "is not a phone number"),
        ("website", "ftp://x.org", "pattern", "is not a web address: start it with http://"),
        ("website", "https://x.org/a b", "format", "'https://x.org/a b' is not a valid URL"),
        ("customer", 0, "minimum", "must be at least 1 (got 0)"),
        ("customer", "42", "type", "expected a record id (a whole number), got the text '42'"),
        ("code", "abc-1", "pattern", "'abc-1' does not match the pattern [A-Z]{3}-[0-9]+"),
        ("code", "XABC-1", "pattern", "does not match the pattern"),
    ],
)
def test_invalid_values_are_reported_with_a_message(
    name: str, value: Any, type_: str, msg: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        VALIDATOR.validate_create({**BASE, name: value})
    [issue] = exc.value.issues
    assert issue.loc[0] == name
    assert issue.type == type_
    assert msg in issue.msg


def test_a_bad_list_item_is_reported_at_its_index() -> None:
    with pytest.raises(ValidationFailed) as exc:
        VALIDATOR.validate_create({**BASE, "channels": ["email", "fax", 3]})
    assert exc.value.issues == [
        FieldIssue(("channels", 1), "'fax' is not one of email, phone, chat", "enum"),
        FieldIssue(("channels", 2), "expected text, got the number 3", "type"),
    ]


def test_every_problem_is_reported_at_once_in_field_order() -> None:
    payload = {"seats": 0, "subjct": "Printer", "priority": "P9", "id": 5, "resolution": "x"}
    with pytest.raises(ValidationFailed) as exc:
        VALIDATOR.validate_create(payload)
    assert [i.as_dict() for i in exc.value.issues] == [
        {
            "loc": ["id"],
            "msg": "'id' is set by the engine and cannot be written",
            "type": "additionalProperties",
        },
        {"loc": ["subject"], "msg": "this field is required", "type": "required"},
        {"loc": ["priority"], "msg": "'P9' is not one of P1, P2, P3, P4", "type": "enum"},
        {"loc": ["seats"], "msg": "must be at least 1 (got 0)", "type": "minimum"},
        {"loc": ["resolution"], "msg": "'resolution' is read-only", "type": "additionalProperties"},
        {
            "loc": ["subjct"],
            "msg": "unknown field 'subjct' on 'ticket' (did you mean 'subject'?)",
            "type": "additionalProperties",
        },
    ]
    assert "subject: this field is required" in exc.value.message


@pytest.mark.parametrize(
    "name", ["id", "version", "created_at", "updated_at", "created_by", "deleted_at"]
)
def test_engine_fields_cannot_be_written(name: str) -> None:
    for check in (VALIDATOR.validate_create, VALIDATOR.validate_update):
        with pytest.raises(ValidationFailed) as exc:
            check({**BASE, name: 1})
        assert exc.value.issues == [
            FieldIssue(
                (name,),
                f"'{name}' is set by the engine and cannot be written",
                "additionalProperties",
            )
        ]


@pytest.mark.parametrize("payload", [[], "subject", None, 3])
def test_a_payload_that_is_not_an_object_is_one_issue_at_the_root(payload: Any) -> None:
    for check in (VALIDATOR.validate_create, VALIDATOR.validate_update):
        with pytest.raises(ValidationFailed) as exc:
            check(payload)
        [issue] = exc.value.issues
        assert issue.loc == ()
        assert issue.type == "type"
        assert issue.msg.startswith("expected a JSON object of the ticket's fields, got ")


def test_create_fills_in_defaults_for_missing_fields_only() -> None:
    assert VALIDATOR.validate_create(BASE) == {
        "subject": "Printer",
        "priority": "P3",
        "seats": 1,
        "is_vip": False,
    }
    given = VALIDATOR.validate_create({**BASE, "priority": "P1", "seats": 4, "is_vip": True})
    assert (given["priority"], given["seats"], given["is_vip"]) == ("P1", 4, True)


def test_defaults_are_converted_and_never_shared_between_records() -> None:
    obj = object_type(
        "thing",
        field("tags", "tags", default=["a", "b"]),
        field("meta", "json", default={"k": []}),
        field("due", "datetime", default="2024-01-01T08:00:00+08:00"),
        field("budget", "decimal", default="10.50"),
    )
    validator = RecordValidator(obj)
    first = validator.validate_create({})
    assert first == {
        "tags": ["a", "b"],
        "meta": {"k": []},
        "due": datetime(2024, 1, 1, tzinfo=UTC),
        "budget": Decimal("10.5"),
    }
    first["tags"].append("c")
    first["meta"]["k"].append(1)
    assert validator.validate_create({})["tags"] == ["a", "b"]
    assert validator.validate_create({})["meta"] == {"k": []}


def test_a_bad_default_fails_when_the_validator_is_built() -> None:
    obj = object_type("thing", field("n", "integer", default="many"))
    with pytest.raises(FlowdeskError, match="default 'many' is not a valid integer value"):
        RecordValidator(obj)


def test_update_requires_nothing_and_applies_no_defaults() -> None:
    assert VALIDATOR.validate_update({}) == {}
    assert VALIDATOR.validate_update({"seats": 3}) == {"seats": 3}


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (
            {"subject": None},
            FieldIssue(("subject",), "this field is required and cannot be cleared", "required"),
        ),
        (
            {"priority": None},
            FieldIssue(("priority",), "this field is required and cannot be cleared", "required"),
        ),
        (
            {"subject": ""},
            FieldIssue(("subject",), "this field is required and cannot be empty", "minLength"),
        ),
        ({"seats": 1000}, FieldIssue(("seats",), "must be at most 100 (got 1000)", "maximum")),
    ],
)
def test_update_refuses_clearing_required_fields(
    patch: dict[str, Any], expected: FieldIssue
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        VALIDATOR.validate_update(patch)
    assert exc.value.issues == [expected]


def test_update_may_clear_optional_fields() -> None:
    assert VALIDATOR.validate_update({"category": None, "channels": None, "amount": None}) == {
        "category": None,
        "channels": None,
        "amount": None,
    }


def test_required_lists_and_json_must_hold_something() -> None:
    obj = object_type(
        "thing", field("tags", "tags", required=True), field("meta", "json", required=True)
    )
    validator = RecordValidator(obj)
    with pytest.raises(ValidationFailed) as exc:
        validator.validate_create({"tags": [], "meta": None})
    assert exc.value.issues == [
        FieldIssue(("tags",), "this field is required: give at least one item", "minItems"),
        FieldIssue(("meta",), "this field is required", "required"),
    ]
    assert validator.validate_create({"tags": ["x"], "meta": 0}) == {"tags": ["x"], "meta": 0}


def test_numbers_parsed_as_decimals_keep_every_digit() -> None:
    # The API may read JSON with parse_float=Decimal; the schema accepts those numbers too.
    obj = object_type("thing", field("big", "decimal", precision=30, scale=10))
    payload = json.loads('{"big": 12345678901234567890.0123456789}', parse_float=Decimal)
    assert RecordValidator(obj).validate_create(payload) == {
        "big": Decimal("12345678901234567890.0123456789")
    }


def test_the_payload_is_not_changed() -> None:
    payload = {**BASE, "channels": ["email"], "due_at": "2024-05-01T09:30:00Z"}
    before = copy.deepcopy(payload)
    VALIDATOR.validate_create(payload)
    assert payload == before


def test_validators_for_builds_one_validator_per_object() -> None:
    objects = {"ticket": ticket(), "thing": object_type("thing", field("n", "integer"))}
    validators = validators_for(objects)
    assert set(validators) == {"ticket", "thing"}
    assert validators["thing"].validate_create({"n": 2}) == {"n": 2}
    with pytest.raises(TypeError):
        validators["x"] = validators["thing"]  # type: ignore[index]


def test_the_validator_enforces_the_schema_it_serves() -> None:
    assert VALIDATOR.create_schema["required"] == ["subject"]
    assert "required" not in VALIDATOR.update_schema


@pytest.mark.parametrize(
    "payload",
    [
        {"subject": "Printer", "priority": "P2", "seats": 3, "due_at": "2024-05-01T09:30:00Z"},
        {"subject": "Pr"},
        {"subject": "Printer", "code": "abc"},
        {"subject": "Printer", "contact_phone": "+1 555 0100 222"},
    ],
)
def test_browser_form_and_server_agree(payload: dict[str, Any]) -> None:
    # The create form's schema (what rjsf validates with) gives the same verdict as the server.
    schema, _ = form_schemas(ticket_form("create"), ticket())
    form_fields = {k: v for k, v in payload.items() if k in schema["properties"]}
    browser_ok = Draft202012Validator(schema, format_checker=record_format_checker()).is_valid(
        form_fields
    )
    try:
        VALIDATOR.validate_create(form_fields)
        server_ok = True
    except ValidationFailed:
        server_ok = False
    assert browser_ok == server_ok


_ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["P1", "email", "2024-02-29", "2024-05-01T09:30:00Z", "+86 10 1234 5678"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(VALIDATOR.update_schema["properties"])), _ANY_JSON))
def test_whatever_the_schema_accepts_converts_and_round_trips(patch: dict[str, Any]) -> None:
    try:
        values = VALIDATOR.validate_update(patch)
    except ValidationFailed as exc:
        assert exc.issues  # refused with reasons, never a crash
        return
    obj = VALIDATOR.object
    assert record_from_json(obj, record_to_json(obj, values)) == values


def test_computed_fields_are_set_by_the_engine_not_by_payloads() -> None:
    obj = object_type("thing", field("n", "integer"), field("double", "integer", computed="n * 2"))
    validator = RecordValidator(obj)
    assert "double" not in validator.create_schema["properties"]
    with pytest.raises(ValidationFailed) as exc:
        validator.validate_update({"double": 4})
    assert exc.value.issues == [
        FieldIssue(
            ("double",),
            "'double' is computed by the engine and cannot be written",
            "additionalProperties",
        )
    ]


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("seats", "3.0", 3),
        ("amount", "0.10", Decimal("0.10")),
        ("effort", "60.0", timedelta(minutes=1)),
    ],
)
def test_numbers_read_as_decimals_are_accepted_like_floats(
    name: str, raw: str, expected: Any
) -> None:
    payload = json.loads(f'{{"subject": "Printer", "{name}": {raw}}}', parse_float=Decimal)
    assert VALIDATOR.validate_create(payload)[name] == expected


@pytest.mark.parametrize(
    ("name", "raw", "type_", "msg"),
    [
        ("seats", "2.5", "type", "expected a whole number, got the number 2.5"),
        ("amount", "0.125", "x-scale", "0.125 has more than 2 digits after the decimal point"),
    ],
)
def test_numbers_read_as_decimals_are_refused_like_floats(
    name: str, raw: str, type_: str, msg: str
) -> None:
    payload = json.loads(f'{{"subject": "Printer", "{name}": {raw}}}', parse_float=Decimal)
    with pytest.raises(ValidationFailed) as exc:
        VALIDATOR.validate_create(payload)
    assert exc.value.issues == [FieldIssue((name,), msg, type_)]
