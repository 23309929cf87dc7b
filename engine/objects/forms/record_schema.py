"""The JSON Schema of a record payload: what the API accepts for creating or updating.

The server validates requests with exactly this schema (see ``engine.objects.validation``) and
the browser validates forms with a part of it (``form_schemas``), so both agree.
"""

from __future__ import annotations

from typing import Any, Literal

from engine.objects.forms.field_schema import field_json_schema
from engine.objects.model import FieldDef, ObjectType

__all__ = [
    "object_json_schema",
    "writable_fields",
    "is_required_in_payload",
    "Mode",
    "JSON_SCHEMA_DIALECT",
]

Mode = Literal["create", "update"]
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def writable_fields(obj: ObjectType) -> tuple[FieldDef, ...]:
    """The fields users may set, in field order: custom fields neither read-only nor computed
    (the engine sets those)."""
    return tuple(f for f in obj.custom_fields if not f.read_only and f.computed is None)


def is_required_in_payload(f: FieldDef, mode: Mode) -> bool:
    """Whether a payload must name ``f``: only on create, and only when nothing fills it in."""
    return mode == "create" and f.required and f.default is None


def object_json_schema(
    obj: ObjectType, *, locale: str = "en", mode: Mode = "create"
) -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of a payload creating or updating records of ``obj``.

    Every writable field is a property; system and read-only fields are not, and
    ``additionalProperties: false`` refuses them. ``create`` lists required fields (those
    without a default) in ``required`` and shows defaults; ``update`` requires nothing, but a
    required field still may not be set to ``null`` or emptied. Titles and descriptions come
    from the labels in ``locale`` (English where a text has no translation).
    """
    if mode not in ("create", "update"):
        raise ValueError(f"mode must be 'create' or 'update', not {mode!r}")
    fields = writable_fields(obj)
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": obj.label.get(locale),
        "type": "object",
    }
    if obj.description is not None:
        schema["description"] = obj.description.get(locale)
    schema["properties"] = {
        f.name: field_json_schema(
            f, locale=locale, nullable=not f.required, with_default=mode == "create"
        )
        for f in fields
    }
    required = [f.name for f in fields if is_required_in_payload(f, mode)]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema
