"""Object types as the rule DSL sees them: each object becomes a ``RecordType``."""

from __future__ import annotations

from collections.abc import Mapping

from engine.objects.model import FieldDef, FieldType, ObjectType
from engine.rules_dsl.types import (
    ANY,
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INTEGER,
    STRING,
    DslType,
    EnumType,
    ListType,
    RecordType,
    RefType,
)

__all__ = ["field_dsl_type", "record_types"]

_SIMPLE: dict[FieldType, DslType] = {
    FieldType.STRING: STRING,
    FieldType.TEXT: STRING,
    FieldType.EMAIL: STRING,
    FieldType.PHONE: STRING,
    FieldType.URL: STRING,
    FieldType.INTEGER: INTEGER,
    FieldType.DECIMAL: DECIMAL,
    FieldType.BOOLEAN: BOOLEAN,
    FieldType.DATE: DATE,
    FieldType.DATETIME: DATETIME,
    FieldType.DURATION: DURATION,
    FieldType.JSON: ANY,
    # Tags are free text; their options are only suggestions.
    FieldType.TAGS: ListType(STRING),
}


def field_dsl_type(f: FieldDef) -> DslType:
    if f.type is FieldType.ENUM:
        return EnumType(f.option_values)
    if f.type is FieldType.MULTI_ENUM:
        return ListType(EnumType(f.option_values))
    if f.type is FieldType.REFERENCE:
        assert f.reference_to is not None
        return RefType(f.reference_to)
    return _SIMPLE[f.type]


def record_types(objects: Mapping[str, ObjectType]) -> dict[str, RecordType]:
    """One record type per object, fields (system ones included) typed for the DSL."""
    return {
        name: RecordType(name, {f.name: field_dsl_type(f) for f in obj.fields.values()})
        for name, obj in objects.items()
    }
