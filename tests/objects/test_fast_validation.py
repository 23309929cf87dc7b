"""The compiled fast check never accepts what jsonschema rejects, and takes typical payloads.

The server's rule is that ``jsonschema`` with the form schema decides; the fast check is only a
shortcut for payloads that surely pass. These tests hold it to that: over random payloads for
every field type of the sample objects, ``fast accepts`` implies ``jsonschema accepts``, and
(for payloads of plain, finite JSON values) the converse too, so the shortcut is also taken.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema.protocols import Validator

from engine.errors import ValidationFailed
from engine.objects import validation
from engine.objects.fast_schema_check import FastSchemaCheck, compile_fast_check
from engine.objects.forms.dialect import RecordSchemaValidator, record_format_checker
from engine.objects.forms.field_schema import MAX_SAFE_INTEGER
from engine.objects.forms.record_schema import Mode, writable_fields
from engine.objects.model import FieldDef, FieldType, ObjectType

from .sample import CHANNEL_OPTIONS, PRIORITY_OPTIONS, field, object_type, ticket


def required_ticket() -> ObjectType:
    """Every type again, required: no ``null``, non-empty texts and lists, ``not: null``."""
    return object_type(
        "required_ticket",
        field("subject", "string", required=True, pattern="[A-Z]{3}-[0-9]+"),
        field("body", "text", required=True, min_length=2, max_length=50),
        field("priority", "enum", required=True, options=PRIORITY_OPTIONS),
        field("channels", "multi_enum", required=True, options=CHANNEL_OPTIONS),
        field("labels", "tags", required=True),
        field("amount", "decimal", required=True, precision=6, scale=0, maximum=5000),
        field("ratio", "decimal", required=True, precision=10, scale=6, minimum=-1.5),
        field("seats", "integer", required=True),
        field("is_vip", "boolean", required=True),
        field("due_date", "date", required=True),
        field("due_at", "datetime", required=True),
        field("effort", "duration", required=True, minimum=60),
        field("contact_email", "email", required=True),
        field("contact_phone", "phone", required=True),
        field("website", "url", required=True),
        field("customer", "reference", required=True, reference_to="customer"),
        field("extra", "json", required=True),
    )


OBJECTS = {o.name: o for o in (ticket(), required_ticket())}
VALIDATORS = {name: validation.RecordValidator(o) for name, o in OBJECTS.items()}


def _never_sure(schema: Any, checker: Any) -> FastSchemaCheck:
    return FastSchemaCheck(lambda payload: False, complete=False)


# The same validators with the shortcut switched off: today's jsonschema-only behaviour.
with mock.patch.object(validation, "compile_fast_check", _never_sure):
    SLOW_VALIDATORS = {name: validation.RecordValidator(o) for name, o in OBJECTS.items()}


def _schema(name: str, mode: Mode) -> dict[str, Any]:
    v = VALIDATORS[name]
    return v.create_schema if mode == "create" else v.update_schema


def _jsonschema(name: str, mode: Mode) -> Validator:
    return RecordSchemaValidator(_schema(name, mode), format_checker=record_format_checker())


def _fast(name: str, mode: Mode) -> FastSchemaCheck:
    return compile_fast_check(_schema(name, mode), record_format_checker())


MODES: tuple[Mode, ...] = ("create", "update")
CASES: list[tuple[str, Mode]] = [(name, mode) for name in OBJECTS for mode in MODES]
JSONSCHEMA = {case: _jsonschema(*case) for case in CASES}
FAST = {case: _fast(*case) for case in CASES}

# -- payloads -----------------------------------------------------------------------------

SPECIAL_DECIMALS = [
    Decimal("NaN"),
    Decimal("-NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    Decimal("-0"),
    Decimal("-0.00"),
    Decimal("0E-30"),
    Decimal("1E+2"),
    Decimal("1.50"),
    Decimal("3.000"),
    Decimal("999999.99"),
    Decimal("999999.995"),
    Decimal("1000000"),
    Decimal("1.0000000000000000000000000000001"),  # more digits than the context keeps
    Decimal("9" * 40),
    Decimal("1E-40"),
]
SPECIAL_NUMBERS: list[Any] = [
    *SPECIAL_DECIMALS,
    math.nan,
    math.inf,
    -math.inf,
    -0.0,
    0.1 + 0.2,
    1e300,
    5e-324,
    2**53,
    MAX_SAFE_INTEGER,
    -MAX_SAFE_INTEGER,
    10**30,
    -(10**30),
    True,
    False,
]
numbers = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.integers(min_value=-5, max_value=200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2e6, max_value=2e6).flatmap(
        lambda x: st.integers(0, 8).map(lambda places: round(x, places))
    ),
    st.decimals(min_value=-(10**7), max_value=10**7, places=4),
    st.integers(0, 8).flatmap(
        lambda places: st.decimals(min_value=-(10**7), max_value=10**7, places=places)
    ),
    st.decimals(allow_nan=True, allow_infinity=True),
)
texts = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="aAZ-09 .@:/+()\u00e9\U0001f600", max_size=70),
    st.sampled_from(["", " ", "P1", "email", "vip", "null", "0", "https://", "\u0000"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
anything = st.one_of(st.none(), st.booleans(), numbers, texts, json_values)

dates = st.dates().map(lambda d: d.isoformat())
date_times = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.tuples(st.datetimes(), st.sampled_from(["Z", "z", "+08:00", "-0800", "+08", ""])).map(
        lambda pair: pair[0].isoformat(sep=" ") + pair[1]
    ),
    st.sampled_from(
        [
            "2024-05-01T09:30:00Z",
            "2024-05-01 09:30:00.123Z",
            "2024-02-30T00:00:00Z",
            "2024-05-01T09:30:00",
            "2024-05-01t09:30:00+08",
            "2024-05-01T24:00:00Z",
        ]
    ),
)


def _options(f: FieldDef) -> st.SearchStrategy[str]:
    return st.sampled_from(list(f.option_values) or ["none"])


def _valid_ish(f: FieldDef) -> st.SearchStrategy[Any]:
    """Values near the field's rules, valid or just off."""
    t = f.type
    if t is FieldType.ENUM:
        return _options(f)
    if t in (FieldType.MULTI_ENUM, FieldType.TAGS):
        item = _options(f) | texts if t is FieldType.MULTI_ENUM else texts | _options(f)
        few = _options(f) | st.sampled_from(["a", "vip", ""])  # repeats: uniqueItems
        return st.lists(item, max_size=4) | st.lists(few, max_size=4)
    if t in (FieldType.INTEGER, FieldType.DURATION, FieldType.REFERENCE):
        low = -5 if f.minimum is None else int(f.minimum)
        return st.one_of(
            st.integers(low - 2, low + 200),
            st.integers(low - 2, low + 200).map(float),
            st.integers(low - 2, low + 200).map(lambda i: Decimal(i).quantize(Decimal("0.00"))),
            st.sampled_from([MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1, 86_400, 86_401, 100, 101]),
        )
    if t is FieldType.DECIMAL:
        lo = float(f.minimum if f.minimum is not None else -(10 ** (f.precision - f.scale)))
        hi = float(f.maximum if f.maximum is not None else 10 ** (f.precision - f.scale))
        # In range, with about as many digits after the point as x-scale allows.
        places = st.integers(max(f.scale - 1, 0), f.scale + 2)
        return st.one_of(
            numbers,
            places.flatmap(lambda p: st.decimals(min_value=lo, max_value=hi, places=p)),
            st.tuples(st.floats(min_value=lo, max_value=hi), places).map(lambda pair: round(*pair)),
        )
    if t is FieldType.BOOLEAN:
        return st.booleans()
    if t is FieldType.DATE:
        return dates | st.sampled_from(["2024-02-29", "2023-02-29", "2024-1-01", "20240101"])
    if t is FieldType.DATETIME:
        return date_times
    if t is FieldType.EMAIL:
        return st.emails() | st.sampled_from(["a@b", "ann.lee+x@example.co.uk", "é@x.com"])
    if t is FieldType.PHONE:
        return st.from_regex(r"\A\+?[ ().-]{0,2}(?:[0-9][ ().-]?){5,17}\Z")
    if t is FieldType.URL:
        return st.one_of(
            st.from_regex(r"\A[Hh][Tt][Tt][Pp][Ss]?://[a-z0-9.\-]{1,12}(/[^\s]{0,10})?\Z"),
            st.sampled_from(["https://example.com/a?b=c", "ftp://x", "https://a b", "http://"]),
        )
    if t is FieldType.JSON:
        return json_values
    if f.pattern:
        return st.from_regex(rf"\A(?:{f.pattern})\Z") | st.from_regex(f.pattern)
    # Around the length limits (string 255 unless the field says otherwise).
    edges = [n for n in (f.min_length, f.max_length or 255) if n is not None]
    edge = st.sampled_from(edges).flatmap(
        lambda n: st.text(alphabet="ab\U0001f600", min_size=max(n - 1, 0), max_size=n + 1)
    )
    return st.one_of(texts, edge, edge)


def _valid(f: FieldDef) -> st.SearchStrategy[Any]:
    """Values meant to pass (most do), so the property also covers the accepting side."""
    t = f.type
    if t is FieldType.ENUM:
        return _options(f)
    if t is FieldType.MULTI_ENUM:
        return st.lists(_options(f), min_size=1, max_size=3, unique=True)
    if t is FieldType.TAGS:
        return st.lists(st.text(min_size=1, max_size=64), min_size=1, max_size=3, unique=True)
    if t in (FieldType.INTEGER, FieldType.DURATION, FieldType.REFERENCE):
        low = int(f.minimum if f.minimum is not None else 1)
        high = int(f.maximum if f.maximum is not None else MAX_SAFE_INTEGER)
        whole = st.integers(low, high)
        return st.one_of(whole, whole.map(float), whole.map(lambda i: Decimal(f"{i}.00")))
    if t is FieldType.DECIMAL:
        lo = float(f.minimum if f.minimum is not None else -(10 ** (f.precision - f.scale)))
        hi = float(f.maximum if f.maximum is not None else 10 ** (f.precision - f.scale))
        return st.one_of(
            st.decimals(min_value=lo, max_value=hi, places=f.scale),
            st.floats(min_value=lo, max_value=hi).map(lambda x: round(x, f.scale)),
            st.integers(int(lo), int(hi)),
        )
    if t is FieldType.DATETIME:
        zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5))])
        return st.datetimes(timezones=zones).map(lambda d: d.isoformat())
    if t is FieldType.STRING and not f.pattern:
        return st.text(min_size=max(f.min_length or 0, 1), max_size=f.max_length or 255)
    if t is FieldType.TEXT:
        return st.text(min_size=max(f.min_length or 0, 1), max_size=f.max_length or 100)
    if t is FieldType.PHONE:
        return st.from_regex(r"\A\+?(?:[0-9] ?){7,15}\Z")
    if t is FieldType.JSON:
        return json_values.filter(lambda v: v is not None)
    return _valid_ish(f)


def _value(f: FieldDef) -> st.SearchStrategy[Any]:
    return st.one_of(_valid_ish(f), _valid_ish(f), anything)


PAYLOADS = {
    name: st.fixed_dictionaries(
        {}, optional={f.name: _value(f) for f in writable_fields(obj)}
    ).flatmap(
        lambda payload: (
            st.dictionaries(
                st.sampled_from(["id", "resolution", "created_at", "subjct", ""])
                | st.text(max_size=8),
                anything,
                max_size=1,
            ).map(lambda extra: {**payload, **extra})
            | st.just(payload)
        )
    )
    for name, obj in OBJECTS.items()
}
# Mostly-valid payloads: start from a valid one and change a field or two.
VALID_CREATE: dict[str, dict[str, Any]] = {
    "ticket": {"subject": "Printer"},
    "required_ticket": {
        "subject": "ABC-1",
        "body": "It broke",
        "priority": "P2",
        "channels": ["email"],
        "labels": ["vip"],
        "amount": 10,
        "ratio": 0.5,
        "seats": 3,
        "is_vip": False,
        "due_date": "2024-05-01",
        "due_at": "2024-05-01T09:30:00Z",
        "effort": 3600,
        "contact_email": "ann@example.com",
        "contact_phone": "+86 10 1234 5678",
        "website": "https://example.com",
        "customer": 7,
        "extra": {"a": 1},
    },
}


def _near_valid(name: str) -> st.SearchStrategy[dict[str, Any]]:
    """A valid payload with one or two fields changed, mostly to values near the rules."""
    change = st.sampled_from(writable_fields(OBJECTS[name])).flatmap(
        lambda f: st.tuples(st.just(f.name), st.one_of(*[_valid_ish(f)] * 3, anything))
    )
    return st.lists(change, max_size=2).map(lambda changes: {**VALID_CREATE[name], **dict(changes)})


def _valid_payloads(name: str) -> st.SearchStrategy[dict[str, Any]]:
    changes = {f.name: _valid(f) for f in writable_fields(OBJECTS[name])}
    return st.fixed_dictionaries({}, optional=changes).map(
        lambda changed: {**VALID_CREATE[name], **changed}
    )


def _payloads(name: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(PAYLOADS[name], _near_valid(name), _valid_payloads(name))


def _plain(value: Any) -> bool:
    """Decoded JSON of the exact classes, numbers finite (what the shortcut must take)."""
    t = type(value)
    if t is float:
        return math.isfinite(value)
    if t is Decimal:
        return bool(value.is_finite())
    if t is list:
        return all(_plain(v) for v in value)
    if t is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return t in (str, int, bool, type(None))


def _jsonschema_accepts(case: tuple[str, Mode], payload: dict[str, Any]) -> bool | None:
    try:
        return not any(True for _ in JSONSCHEMA[case].iter_errors(payload))
    except (InvalidOperation, ArithmeticError):
        return None  # jsonschema itself cannot compare the value (Decimal NaN and friends)


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("case", CASES, ids=[f"{n}-{m}" for n, m in CASES])
@PROPERTY
@given(data=st.data())
def test_fast_check_accepts_only_what_jsonschema_accepts(
    case: tuple[str, Mode], data: st.DataObject
) -> None:
    payload = data.draw(_payloads(case[0]))
    fast = FAST[case](payload)
    accepted = _jsonschema_accepts(case, payload)
    if fast:
        assert accepted is True, payload
    if accepted and _plain(payload):
        # Every construct of record schemas is modelled exactly: no needless jsonschema runs.
        assert fast, payload


def _outcome(validate: Callable[[Any], dict[str, Any]], payload: Any) -> tuple[str, Any]:
    try:
        return "ok", repr(validate(payload))  # repr: NaN inside json values equals itself
    except ValidationFailed as exc:
        return "failed", exc.issues
    except ArithmeticError as exc:
        return "raised", type(exc)


@pytest.mark.parametrize("name", list(OBJECTS))
@PROPERTY
@given(data=st.data())
def test_validation_outcome_is_the_same_with_and_without_the_fast_path(
    name: str, data: st.DataObject
) -> None:
    payload = data.draw(_payloads(name))
    fast, slow = VALIDATORS[name], SLOW_VALIDATORS[name]
    assert _outcome(fast.validate_create, payload) == _outcome(slow.validate_create, payload)
    assert _outcome(fast.validate_update, payload) == _outcome(slow.validate_update, payload)


# -- the shortcut is taken for the payloads requests usually carry ------------------------

TYPICAL = [
    ("ticket", "create", {"subject": "Printer"}),
    ("ticket", "create", {"subject": "Printer", "priority": "P1", "body": None}),
    (
        "ticket",
        "create",
        {
            "subject": "Printer jams",
            "body": "Since Monday \U0001f5a8",
            "priority": "P2",
            "category": None,
            "channels": ["email", "chat"],
            "labels": ["vip", "new"],
            "amount": 12.34,
            "seats": 3,
            "is_vip": True,
            "due_date": "2024-02-29",
            "due_at": "2024-05-01T09:30:00+08:00",
            "effort": 3600,
            "contact_email": "ann.lee+x@example.co.uk",
            "contact_phone": "(555) 123-4567",
            "website": "https://example.com/a?b=c",
            "customer": 42,
            "extra": {"nested": [1, "two", None]},
            "code": "ABC-12",
        },
    ),
    ("ticket", "create", {"subject": "Printer", "amount": Decimal("999999.99"), "seats": 1.0}),
    ("ticket", "create", {"subject": "Printer", "seats": Decimal("3.00"), "amount": 0}),
    ("ticket", "update", {}),
    ("ticket", "update", {"priority": "P4", "channels": None, "extra": None}),
    ("ticket", "update", {"due_at": "2024-05-01 09:30:00.123Z", "effort": 0}),
    ("required_ticket", "create", VALID_CREATE["required_ticket"]),
    ("required_ticket", "update", {"amount": Decimal("-0"), "ratio": -1.5, "extra": 0}),
]


@pytest.mark.parametrize(("name", "mode", "payload"), TYPICAL)
def test_typical_valid_payloads_skip_jsonschema(
    name: str, mode: Mode, payload: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert FAST[name, mode].complete
    assert FAST[name, mode](payload)

    def no_jsonschema(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("jsonschema ran for a payload the fast check should take")

    monkeypatch.setattr(RecordSchemaValidator, "iter_errors", no_jsonschema)
    validator = VALIDATORS[name]
    result = (validator.validate_create if mode == "create" else validator.validate_update)(payload)
    assert set(result) >= set(payload)


class _Text(str):
    pass


@pytest.mark.parametrize(
    "payload",
    [
        {"subject": "Printer", "amount": math.nan},
        {"subject": "Printer", "amount": Decimal("NaN")},
        {"subject": "Printer", "amount": Decimal("Infinity")},
        {"subject": "Printer", "seats": math.inf},
        {"subject": _Text("Printer")},  # not exactly str: jsonschema decides
        {"subject": "Printer", "channels": ("email",)},
        {"subject": "Printer", "resolution": "done"},
        {"subject": "Printer", "seats": True},
        {"subject": "Printer", "amount": 1.005},
        {"subject": "Printer", "priority": None},
        {"subject": "Pr"},
        {"subject": "x" * 21},
        {"subject": "Printer", "labels": ["x" * 65]},
        {"subject": "Printer", "labels": ["vip", "vip"]},
        {"subject": "Printer", "amount": 0.125},
        {},
    ],
)
def test_doubtful_or_invalid_payloads_go_to_jsonschema(payload: dict[str, Any]) -> None:
    assert not FAST["ticket", "create"](payload)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "anyOf": [{"required": ["a"]}]},
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}}},
        {"type": "object", "properties": {"a": {"enum": ["x"]}}},
        {"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}},
        {"type": "object", "properties": {"a": {"not": {"type": "string"}}}},
        {"type": "object", "properties": {"a": {"items": False}}},
        {"type": "object", "patternProperties": {"^x": {}}, "additionalProperties": False},
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"type": "object", "properties": {"a": {"minimum": math.nan}}},
        {"type": "thing"},
    ],
)
def test_schemas_the_compiler_does_not_model_are_never_taken(schema: dict[str, Any]) -> None:
    fast = compile_fast_check(schema, record_format_checker())
    assert not fast.complete
    assert not fast({"a": "x"})
    assert not fast({})


def test_keys_jsonschema_ignores_are_ignored() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"a": {"title": "A", "x-reference": {"object": "b"}, "examples": [1]}},
        "x-note": "annotation",
    }
    fast = compile_fast_check(schema, record_format_checker())
    assert fast.complete
    assert fast({"a": object()})  # an empty schema accepts anything, in jsonschema too
