"""From object types to SQLAlchemy ``Table``s: one real table per object, one column per field."""

from __future__ import annotations

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

__all__ = ["column_type", "object_table", "build_metadata", "index_name", "DEFAULT_STRING_LENGTH"]

DEFAULT_STRING_LENGTH = 255
_FIXED_LENGTHS = {FieldType.EMAIL: 320, FieldType.PHONE: 64, FieldType.URL: 2048}

_ON_DELETE_SQL = {"restrict": "RESTRICT", "set_null": "SET NULL", "cascade": "CASCADE"}


def column_type(f: FieldDef) -> TypeEngine[object]:
    """The SQL type that stores field ``f``."""
    t = f.type
    if f.name == "id":
        return IdInteger
    if t is FieldType.STRING:
        return String(f.max_length or DEFAULT_STRING_LENGTH)
    if t in _FIXED_LENGTHS:
        return String(_FIXED_LENGTHS[t])
    if t is FieldType.TEXT:
        return Text()
    if t is FieldType.INTEGER:
        return IdInteger
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
        return String(64)
    if t is FieldType.REFERENCE:
        return IdInteger
    # multi_enum, tags, json
    return JSON()


def index_name(table: str, fields: tuple[str, ...] | list[str], unique: bool = False) -> str:
    prefix = "uq" if unique else "ix"
    return f"{prefix}_{table}_{'_'.join(fields)}"[:63]


def object_table(obj: ObjectType, metadata: MetaData) -> Table:
    """Declare ``obj``'s table on ``metadata`` (referenced tables are named, not required)."""
    columns: list[Column[object]] = []
    for f in obj.fields.values():
        args: list[object] = []
        if f.type is FieldType.REFERENCE and f.reference_to:
            args.append(
                ForeignKey(
                    f"obj_{f.reference_to}.id",
                    ondelete=_ON_DELETE_SQL[f.on_delete],
                    name=f"fk_{obj.table_name}_{f.name}"[:63],
                )
            )
        columns.append(
            Column(
                f.name,
                column_type(f),
                *args,
                primary_key=f.name == "id",
                autoincrement=f.name == "id",
                nullable=not (f.system or f.required) or f.name == "created_by",
            )
        )
    table = Table(obj.table_name, metadata, *columns)
    for f in obj.custom_fields:
        if f.unique:
            Index(index_name(obj.table_name, [f.name], True), table.c[f.name], unique=True)
        elif f.indexed or f.type is FieldType.REFERENCE:
            Index(index_name(obj.table_name, [f.name]), table.c[f.name])
    for ix in obj.indexes:
        Index(ix.name, *(table.c[n] for n in ix.fields), unique=ix.unique)
    return table


def build_metadata(objects: dict[str, ObjectType] | object) -> MetaData:
    """A ``MetaData`` holding one table per object type in ``objects`` (a name → type mapping)."""
    metadata = MetaData()
    for obj in objects.values():  # type: ignore[attr-defined]
        object_table(obj, metadata)
    return metadata
