"""From object types to SQLAlchemy ``Table``s: one real table per object, one column per field."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from engine.objects.model import FieldDef, FieldType, ObjectType
from engine.objects.storage.columns import DurationSeconds, IdInteger, UtcDateTime
from engine.objects.storage.system_tables import add_system_tables

__all__ = [
    "column_type",
    "column_is_nullable",
    "object_table",
    "build_metadata",
    "schema_metadata",
    "index_name",
    "foreign_key_name",
    "ON_DELETE_SQL",
    "DEFAULT_STRING_LENGTH",
    "MAX_IDENTIFIER_LENGTH",
]

DEFAULT_STRING_LENGTH = 255
#: PostgreSQL cuts identifiers at 63 bytes; longer generated names are shortened with a hash.
MAX_IDENTIFIER_LENGTH = 63
_FIXED_LENGTHS = {FieldType.EMAIL: 320, FieldType.PHONE: 64, FieldType.URL: 2048}
#: Enum option values are at most 64 characters (see the pack format).
_ENUM_LENGTH = 64

ON_DELETE_SQL = {"restrict": "RESTRICT", "set_null": "SET NULL", "cascade": "CASCADE"}


def column_type(f: FieldDef) -> TypeEngine[Any]:
    """The SQL type that stores field ``f``."""
    t = f.type
    if f.name == "id" or t in (FieldType.INTEGER, FieldType.REFERENCE):
        return IdInteger
    if t is FieldType.STRING:
        return String(f.max_length or DEFAULT_STRING_LENGTH)
    if t in _FIXED_LENGTHS:
        return String(_FIXED_LENGTHS[t])
    if t is FieldType.TEXT:
        return Text()
    if t is FieldType.DECIMAL:
        return Numeric(f.precision, f.scale, asdecimal=True)
    if t is FieldType.BOOLEAN:
        return Boolean()
    if t is FieldType.DATE:
        return Date()
    if t is FieldType.DATETIME:
        return UtcDateTime()
    if t is FieldType.DURATION:
        return DurationSeconds()
    if t is FieldType.ENUM:
        return String(_ENUM_LENGTH)
    # multi_enum, tags, json
    return JSON()


def column_is_nullable(f: FieldDef) -> bool:
    """Whether ``f``'s column accepts NULL: required and engine-owned fields do not, except
    ``created_by`` (records made by the engine itself have no author)."""
    if f.name == "created_by":
        return True
    return not (f.system or f.required)


def _short_name(name: str) -> str:
    if len(name) <= MAX_IDENTIFIER_LENGTH:
        return name
    # Keep the readable start and a hash of the whole, so two long names never collide.
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER_LENGTH - 9]}_{digest}"


def index_name(table: str, fields: Sequence[str], unique: bool = False) -> str:
    """The generated name of an index (``ix_``) or unique index (``uq_``) over ``fields``."""
    prefix = "uq" if unique else "ix"
    return _short_name(f"{prefix}_{table}_{'_'.join(fields)}")


def foreign_key_name(table: str, field: str) -> str:
    """The name of the foreign key a reference field ``field`` of ``table`` gets."""
    return _short_name(f"fk_{table}_{field}")


def object_table(obj: ObjectType, metadata: MetaData) -> Table:
    """Declare ``obj``'s table on ``metadata`` (referenced tables are named, not required).

    Uniqueness is a unique *index*, not a constraint: both databases reflect and alter indexes
    the same way, and SQLite can add or drop one without rebuilding the table.
    """
    columns: list[Column[Any]] = []
    for f in obj.fields.values():
        args: list[Any] = []
        if f.type is FieldType.REFERENCE and f.reference_to:
            args.append(
                ForeignKey(
                    f"obj_{f.reference_to}.id",
                    ondelete=ON_DELETE_SQL[f.on_delete],
                    name=foreign_key_name(obj.table_name, f.name),
                )
            )
        columns.append(
            Column(
                f.name,
                column_type(f),
                *args,
                primary_key=f.name == "id",
                autoincrement=f.name == "id",
                nullable=column_is_nullable(f),
            )
        )
    table = Table(obj.table_name, metadata, *columns)
    wanted: dict[str, tuple[tuple[str, ...], bool]] = {}
    for f in obj.custom_fields:
        if f.unique:
            wanted[index_name(obj.table_name, [f.name], True)] = ((f.name,), True)
        elif f.indexed or f.type is FieldType.REFERENCE:
            wanted[index_name(obj.table_name, [f.name])] = ((f.name,), False)
    # A declared index may repeat a field's own (same generated name); the declared one wins.
    for ix in obj.indexes:
        wanted[ix.name] = (ix.fields, ix.unique)
    for name, (fields, unique) in wanted.items():
        Index(name, *(table.c[n] for n in fields), unique=unique)
    return table


def build_metadata(objects: Mapping[str, ObjectType]) -> MetaData:
    """A ``MetaData`` holding one table per object type in ``objects`` (a name → type mapping)."""
    metadata = MetaData()
    for obj in objects.values():
        object_table(obj, metadata)
    return metadata


def schema_metadata(objects: Mapping[str, ObjectType]) -> MetaData:
    """Every table a database needs for ``objects``: theirs plus the engine's own."""
    metadata = build_metadata(objects)
    add_system_tables(metadata)
    return metadata
