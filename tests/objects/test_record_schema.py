"""The JSON Schema of record payloads: shape, per-type rules, modes, locales."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.errors import FlowdeskError
from engine.objects.forms import (
    MAX_SAFE_INTEGER,
    PHONE_PATTERN,
    URL_PATTERN,
    object_json_schema,
)
from engine.objects.forms.field_schema import DEFAULT_STRING_MAX_LENGTH, TEXT_MAX_LENGTHS
from engine.objects.model import FieldType
from engine.objects.storage.tables import column_type

from .sample import field, object_type, ticket


def _prop(type_: str, *, required: bool = False, **kw: Any) -> dict[str, Any]:
    obj = object_type("thing", field("f", type_, required=required, **kw))
    props = object_json_schema(obj)["properties"]
    return {k: v for k, v in props["f"].items() if k not in ("title",)}


@pytest.mark.parametrize(
    ("type_", "kw", "expected"),
    [
        ("string", {}, {"type": ["string", "null"], "maxLength": DEFAULT_STRING_MAX_LENGTH}),
        (
            "string",
            {"required": True, "min_length": 2, "max_length": 9, "pattern": "[a-z]+"},
            {"type": "string", "minLength": 2, "maxLength": 9, "pattern": "^(?:[a-z]+)$"},
        ),
        ("string", {"required": True}, {"type": "string", "minLength": 1, "maxLength": 255}),
        ("text", {}, {"type": ["string", "null"]}),
        ("email", {}, {"type": ["string", "null"], "maxLength": 320, "format": "email"}),
        ("phone", {}, {"type": ["string", "null"], "maxLength": 64, "pattern": PHONE_PATTERN}),
        (
            "url",
            {},
            {
                "type": ["string", "null"],
                "maxLength": 2048,
                "pattern": URL_PATTERN,
                "format": "uri",
            },
        ),
        (
            "integer",
            {},
            {
                "type": ["integer", "null"],
                "minimum": -MAX_SAFE_INTEGER,
                "maximum": MAX_SAFE_INTEGER,
            },
        ),
        (
            "integer",
            {"minimum": 1, "maximum": 5},
            {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        ),
        (
            "decimal",
            {"precision": 6, "scale": 2},
            {
                "type": ["number", "null"],
                "exclusiveMinimum": -10_000,
                "exclusiveMaximum": 10_000,
                "x-scale": 2,
            },
        ),
        (
            "decimal",
            {"minimum": 0, "maximum": 99.5},
            {"type": ["number", "null"], "minimum": 0, "maximum": 99.5, "x-scale": 4},
        ),
        ("boolean", {"required": True}, {"type": "boolean"}),
        ("date", {}, {"type": ["string", "null"], "format": "date"}),
        ("datetime", {}, {"type": ["string", "null"], "format": "date-time"}),
        ("duration", {}, {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_SAFE_INTEGER}),
        (
            "duration",
            {"minimum": 60, "maximum": 3600},
            {"type": ["integer", "null"], "minimum": 60, "maximum": 3600},
        ),
        (
            "reference",
            {"reference_to": "customer"},
            {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": MAX_SAFE_INTEGER,
                "x-reference": {"object": "customer"},
            },
        ),
        ("json", {}, {}),
        ("json", {"required": True}, {"not": {"type": "null"}}),
    ],
)
def test_each_field_type_has_its_schema(
    type_: str, kw: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert _prop(type_, **kw) == expected


def test_enum_options_carry_their_labels_and_a_null_choice_when_optional() -> None:
    obj = ticket()
    props = object_json_schema(obj, locale="zh-CN")["properties"]
    assert props["priority"]["type"] == "string"
    assert props["priority"]["oneOf"] == [
        {"const": "P1", "title": "紧急"},
        {"const": "P2", "title": "高"},
        {"const": "P3", "title": "普通"},
        {"const": "P4", "title": "Low"},
    ]
    assert props["category"]["type"] == ["string", "null"]
    assert props["category"]["oneOf"][-1] == {"const": None, "title": "（无）"}


def test_list_fields_are_arrays_of_distinct_items() -> None:
    props = object_json_schema(ticket())["properties"]
    assert props["channels"] == {
        "title": "Channels",
        "type": ["array", "null"],
        "items": {
            "type": "string",
            "oneOf": [
                {"const": "email", "title": "Email"},
                {"const": "phone", "title": "Phone"},
                {"const": "chat", "title": "Chat"},
            ],
        },
        "uniqueItems": True,
    }
    assert props["labels"]["items"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 64,
        "examples": ["vip"],
    }
    required_list = _prop("tags", required=True)
    assert required_list["minItems"] == 1


def test_the_payload_schema_lists_only_writable_fields() -> None:
    schema = object_json_schema(ticket())
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert "id" not in schema["properties"]
    assert "created_at" not in schema["properties"]
    assert "version" not in schema["properties"]
    assert "resolution" not in schema["properties"]  # read-only
    assert list(schema["properties"])[:3] == ["subject", "body", "priority"]


def test_create_requires_required_fields_without_a_default_and_shows_defaults() -> None:
    schema = object_json_schema(ticket(), mode="create")
    assert schema["required"] == ["subject"]
    props = schema["properties"]
    assert props["priority"]["default"] == "P3"
    assert props["priority"]["type"] == "string"  # required: never null
    assert props["seats"]["default"] == 1
    assert props["is_vip"]["default"] is False


def test_update_requires_nothing_but_required_fields_stay_non_null() -> None:
    schema = object_json_schema(ticket(), mode="update")
    assert "required" not in schema
    props = schema["properties"]
    assert props["subject"]["type"] == "string"
    assert props["subject"]["minLength"] == 3
    assert all("default" not in p for p in props.values())


def test_titles_and_descriptions_follow_the_locale_with_english_fallback() -> None:
    en = object_json_schema(ticket())
    zh = object_json_schema(ticket(), locale="zh-CN")
    assert (en["title"], en["description"]) == ("Ticket", "A customer request")
    assert (zh["title"], zh["description"]) == ("中ticket", "客户请求")
    assert en["properties"]["body"]["description"] == "What happened?"
    assert zh["properties"]["body"]["description"] == "发生了什么？"
    assert zh["properties"]["subject"]["title"] == "中subject"
    assert object_json_schema(ticket(), locale="fr")["title"] == "Ticket"


@pytest.mark.parametrize("mode", ["create", "update"])
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_schema_is_valid_draft_2020_12(mode: str, locale: str) -> None:
    Draft202012Validator.check_schema(object_json_schema(ticket(), locale=locale, mode=mode))  # type: ignore[arg-type]


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode must be 'create' or 'update'"):
        object_json_schema(ticket(), mode="patch")  # type: ignore[arg-type]


def test_a_default_that_is_not_a_value_of_the_field_is_refused() -> None:
    obj = object_type("thing", field("when", "date", default="tomorrow"))
    with pytest.raises(FlowdeskError) as exc:
        object_json_schema(obj)
    assert exc.value.code == "invalid_field_default"
    assert "field 'when': default 'tomorrow' is not a valid date value" in exc.value.message


@pytest.mark.parametrize("type_", [FieldType.STRING, *TEXT_MAX_LENGTHS])
def test_text_limits_match_the_storage_column_width(type_: FieldType) -> None:
    f = field("f", type_)
    assert _prop(type_)["maxLength"] == column_type(f).length  # type: ignore[attr-defined]
