"""``/api/objects``: which objects the packs declare, and how to render and validate each."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.objects.forms import form_schemas, object_json_schema
from engine.objects.forms.field_schema import json_default
from engine.objects.model import FieldDef, ObjectType, Text
from engine.runtime.access import UserAccess
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


Access = Annotated[UserAccess, Depends(current_access)]
Purpose = Annotated[
    Literal["create", "edit", "view", "portal"],
    Query(description="Which of the object's forms: the first one declared for this purpose, "
          "else its edit form (`form_purpose` in the answer says which one came)."),
]


def _without_fields(schema: dict[str, Any], ui: dict[str, Any],
                    hidden: frozenset[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A form's schemas without the fields hidden from the user."""
    if not hidden:
        return schema, ui
    schema = {**schema,
              "properties": {k: v for k, v in schema.get("properties", {}).items()
                             if k not in hidden},
              "required": [k for k in schema.get("required", []) if k not in hidden]}
    ui = {k: v for k, v in ui.items() if k not in hidden}
    if "ui:order" in ui:
        ui["ui:order"] = [k for k in ui["ui:order"] if k not in hidden]
    if "ui:sections" in ui:
        ui["ui:sections"] = [{**s, "fields": [f for f in s["fields"] if f not in hidden]}
                             for s in ui["ui:sections"]]
    return schema, ui


def _conversation(obj: ObjectType) -> dict[str, Any] | None:
    """Where the object's conversation lives (``conversation:`` in the pack), for the UI."""
    c = obj.conversation
    if c is None:
        return None
    return {"object": c.object, "reference": c.reference, "body": c.body, "kind": c.kind,
            "public": c.public, "internal": c.internal}


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
    def list_objects(access: Access, locale: Locale = "en") -> dict[str, Any]:
        """The objects the user may read."""
        return {"items": [_summary(a.obj, locale) for a in access.readable_objects()]}

    @router.get(
        "/{object_name}",
        summary="An object's fields, payload JSON Schemas, and its default form for rjsf",
    )
    def describe_object(
        object_name: str, access: Access, locale: Locale = "en", purpose: Purpose = "edit"
    ) -> dict[str, Any]:
        seen = access.access(object_name)
        obj = seen.view  # the object without the fields hidden from this user
        form = registry.default_form(obj.name, purpose, access.principal.roles)
        if form is not None:
            schema, ui_schema = _without_fields(
                *form_schemas(form, seen.obj, locale=locale), seen.hidden)
        else:
            schema, ui_schema = object_json_schema(obj, locale=locale, mode="create"), {}
        return {
            **_summary(obj, locale),
            "title_field": obj.title_field,
            "fields": [_field(f, locale) for f in obj.fields.values()],
            "form": form.name if form is not None else None,
            "form_purpose": form.purpose if form is not None else None,
            "conversation": _conversation(obj),
            "schema": schema,
            "uiSchema": ui_schema,
            "payload_schemas": {
                "create": object_json_schema(obj, locale=locale, mode="create"),
                "update": object_json_schema(obj, locale=locale, mode="update"),
            },
        }

    return router
