"""``/api/objects``: which objects the packs declare, and how to render and validate each."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from engine.api.errors import ERROR_RESPONSES
from engine.objects.forms import form_schemas, object_json_schema
from engine.objects.forms.field_schema import json_default
from engine.objects.model import FieldDef, ObjectType, Text
from engine.runtime.factory import Runtime

__all__ = ["objects_router"]

Locale = Annotated[
    Literal["en", "zh-CN"], Query(description="Language of labels and help texts.")
]


def _text(value: Text | None, locale: str) -> str | None:
    return value.get(locale) if value is not None else None


def _field(f: FieldDef, locale: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": f.name,
        "type": str(f.type),
        "label": f.label.get(locale),
        "help": _text(f.help, locale),
        "required": f.required,
        "unique": f.unique,
        "read_only": f.read_only or f.system,
        "system": f.system,
        "default": json_default(f),
    }
    if f.options:
        out["options"] = [
            {"value": o.value, "label": o.label.get(locale), "color": o.color} for o in f.options
        ]
    if f.reference_to:
        out["reference_to"] = f.reference_to
        out["on_delete"] = f.on_delete
    return out


def _summary(obj: ObjectType, locale: str) -> dict[str, Any]:
    return {
        "name": obj.name,
        "label": obj.label.get(locale),
        "plural": obj.plural.get(locale),
        "description": _text(obj.description, locale),
    }


def objects_router(runtime: Runtime) -> APIRouter:
    registry = runtime.registry
    router = APIRouter(prefix="/api/objects", tags=["objects"], responses=ERROR_RESPONSES)

    @router.get("", summary="List the objects the loaded packs declare")
    def list_objects(locale: Locale = "en") -> dict[str, Any]:
        return {"items": [_summary(obj, locale) for obj in registry.objects.values()]}

    @router.get(
        "/{object_name}",
        summary="An object's fields, payload JSON Schemas, and its default form for rjsf",
    )
    def describe_object(object_name: str, locale: Locale = "en") -> dict[str, Any]:
        obj = registry.object(object_name)
        form = registry.default_form(obj.name)
        if form is not None:
            schema, ui_schema = form_schemas(form, obj, locale=locale)
        else:
            schema, ui_schema = object_json_schema(obj, locale=locale, mode="create"), {}
        return {
            **_summary(obj, locale),
            "title_field": obj.title_field,
            "fields": [_field(f, locale) for f in obj.fields.values()],
            "form": form.name if form is not None else None,
            "schema": schema,
            "uiSchema": ui_schema,
            "payload_schemas": {
                "create": object_json_schema(obj, locale=locale, mode="create"),
                "update": object_json_schema(obj, locale=locale, mode="update"),
            },
        }

    return router
