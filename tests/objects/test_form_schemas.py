"""Forms as (JSON Schema, uiSchema) pairs for rjsf: layout, widgets, read-only, locales."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.errors import FlowdeskError
from engine.objects.forms import form_schemas, object_json_schema
from engine.objects.model import FormField, FormSection

from .sample import ticket, ticket_form

OBJ = ticket()


def test_fields_follow_the_sections_in_order() -> None:
    schema, ui = form_schemas(ticket_form(), OBJ)
    order = [
        "subject", "priority", "body", "channels",
        "due_at", "seats", "contact_phone", "extra", "code", "amount", "resolution", "created_at",
    ]  # fmt: skip
    assert list(schema["properties"]) == order
    assert ui["ui:order"] == order
    assert ui["ui:sections"] == [
        {
            "title": "Request",
            "description": "Tell us what you need",
            "columns": 2,
            "fields": ["subject", "priority", "body", "channels"],
        },
        {"title": None, "description": None, "columns": 1, "fields": order[4:]},
    ]


@pytest.mark.parametrize(
    ("name", "expected_ui"),
    [
        ("subject", {"ui:title": "Summary", "ui:placeholder": "One line"}),
        ("priority", {"ui:widget": "radio"}),
        ("body", {"ui:widget": "textarea", "ui:help": "What happened?"}),
        ("channels", {"ui:widget": "checkboxes"}),
        ("due_at", {"ui:widget": "datetime"}),
        ("seats", {"ui:widget": "updown", "ui:help": "How many people"}),
        ("contact_phone", {"ui:widget": "text", "ui:options": {"inputType": "tel"}}),
        ("extra", {"ui:field": "json"}),
        ("code", {"ui:widget": "hidden"}),
        ("amount", {"ui:readonly": True}),
        ("resolution", {"ui:readonly": True}),
        ("created_at", {"ui:widget": "datetime", "ui:readonly": True}),
    ],
)
def test_each_field_gets_its_ui_options(name: str, expected_ui: dict[str, Any]) -> None:
    _, ui = form_schemas(ticket_form(), OBJ)
    assert ui[name] == expected_ui


def test_the_form_schema_keeps_the_record_rules_for_its_fields() -> None:
    schema, _ = form_schemas(ticket_form(), OBJ)
    record = object_json_schema(OBJ)["properties"]
    for name in ("subject", "priority", "channels", "seats", "contact_phone", "code"):
        expected = {k: v for k, v in record[name].items() if k != "description"}
        assert schema["properties"][name] == expected
    assert schema["additionalProperties"] is False
    assert "description" not in schema["properties"]["body"]  # moved to ui:help


def test_read_only_fields_are_marked_nullable_and_never_required() -> None:
    schema, _ = form_schemas(ticket_form(), OBJ)
    props = schema["properties"]
    for name in ("amount", "resolution", "created_at"):
        assert props[name]["readOnly"] is True
        assert "null" in props[name]["type"]
        assert name not in schema["required"]
    assert "default" not in props["amount"]


def test_create_forms_require_required_fields_without_defaults_and_show_defaults() -> None:
    schema, ui = form_schemas(ticket_form("create"), OBJ)
    assert schema["required"] == ["subject"]
    assert schema["properties"]["priority"]["default"] == "P3"
    assert schema["properties"]["seats"]["default"] == 1
    assert "ui:submitButtonOptions" not in ui


def test_edit_forms_require_every_required_field_and_show_no_defaults() -> None:
    schema, _ = form_schemas(ticket_form("edit"), OBJ)
    assert schema["required"] == ["subject", "priority"]
    assert all("default" not in p for p in schema["properties"].values())


def test_view_forms_are_read_only_without_a_submit_button() -> None:
    schema, ui = form_schemas(ticket_form("view"), OBJ)
    assert "required" not in schema
    assert all(p.get("readOnly") for p in schema["properties"].values())
    assert all(ui[name].get("ui:readonly") for name in ui["ui:order"])
    assert ui["ui:submitButtonOptions"] == {"norender": True}


def test_labels_follow_the_locale_with_english_fallback() -> None:
    schema, ui = form_schemas(ticket_form(), OBJ, locale="zh-CN")
    assert schema["title"] == "新工单"
    assert schema["properties"]["subject"]["title"] == "中subject"
    assert schema["properties"]["priority"]["oneOf"][3] == {"const": "P4", "title": "Low"}
    assert ui["subject"] == {"ui:title": "摘要", "ui:placeholder": "一句话"}
    assert ui["body"]["ui:help"] == "发生了什么？"
    assert ui["seats"]["ui:help"] == "How many people"
    assert ui["ui:sections"][0]["title"] == "请求"
    assert ui["ui:sections"][0]["description"] == "Tell us what you need"


@pytest.mark.parametrize("purpose", ["create", "edit", "view", "portal"])
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_form_schema_is_valid_draft_2020_12(purpose: str, locale: str) -> None:
    schema, _ = form_schemas(ticket_form(purpose), OBJ, locale=locale)
    Draft202012Validator.check_schema(schema)


def _with_fields(*fields: FormField) -> Any:
    return replace(ticket_form(), sections=(FormSection(fields=fields),))


@pytest.mark.parametrize(
    ("form", "code", "message"),
    [
        (
            _with_fields(FormField("subjet")),
            "unknown_form_field",
            "form 'ticket_create': unknown field 'subjet' on object 'ticket' "
            "(did you mean 'subject'?)",
        ),
        (
            _with_fields(FormField("subject"), FormField("subject")),
            "duplicate_form_field",
            "form 'ticket_create': field 'subject' appears more than once",
        ),
        (
            replace(ticket_form(), object="customer"),
            "form_object_mismatch",
            "form 'ticket_create' edits 'customer', not 'ticket'",
        ),
    ],
)
def test_forms_that_do_not_fit_the_object_are_refused(form: Any, code: str, message: str) -> None:
    with pytest.raises(FlowdeskError) as exc:
        form_schemas(form, OBJ)
    assert exc.value.code == code
    assert exc.value.message == message
