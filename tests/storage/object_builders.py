"""Hand-built object types for storage tests (no pack files needed), and small database helpers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, inspect, select

from engine.objects.model import SYSTEM_FIELDS, FieldDef, FieldType, IndexDef, ObjectType, Text
from engine.objects.storage import apply, plan, schema_metadata

NOW = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Pack:
    """Stands in for ``engine.packs.PackInfo`` (only name and version are recorded)."""

    name: str = "test_pack"
    version: str = "1.0.0"


PACKS = (Pack(),)


def field(name: str, type: str = "string", **kw: Any) -> FieldDef:
    return FieldDef(name, FieldType(type), Text(name), **kw)


def obj(name: str, *fields: FieldDef, indexes: tuple[IndexDef, ...] = ()) -> ObjectType:
    return ObjectType(
        name=name,
        label=Text(name),
        plural=Text(name + "s"),
        fields={f.name: f for f in (*SYSTEM_FIELDS, *fields)},
        indexes=indexes,
    )


def objects(*objs: ObjectType) -> Mapping[str, ObjectType]:
    return {o.name: o for o in objs}


def migrate(
    engine: Engine, objs: Mapping[str, ObjectType], *, allow_data_loss: bool = True
) -> None:
    """Bring ``engine`` to ``objs`` whatever it takes (test set-up)."""
    apply(engine, plan(engine, objs), packs=PACKS, allow_data_loss=allow_data_loss, now=NOW)


def insert(engine: Engine, objs: Mapping[str, ObjectType], name: str, /, **values: Any) -> int:
    """Insert one record of object ``name``, filling the engine's own fields."""
    table = schema_metadata(objs).tables[f"obj_{name}"]
    row = {"created_at": NOW, "updated_at": NOW, "version": 1, **values}
    with engine.begin() as conn:
        return int(conn.execute(table.insert().values(row)).inserted_primary_key[0])


def rows(
    engine: Engine, objs: Mapping[str, ObjectType], name: str, *columns: str
) -> list[tuple[Any, ...]]:
    """The values of ``columns`` of object ``name``, by id."""
    table = schema_metadata(objs).tables[f"obj_{name}"]
    with engine.connect() as conn:
        query = select(*(table.c[c] for c in columns)).order_by(table.c.id)
        return [tuple(r) for r in conn.execute(query)]


def live_columns(engine: Engine, table: str) -> list[str]:
    return [c["name"] for c in inspect(engine).get_columns(table)]
