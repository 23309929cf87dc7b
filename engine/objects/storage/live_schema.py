"""What the database holds now: the tables, columns, indexes and foreign keys of the tables the
engine owns (``obj_*`` and ``flowdesk_*``), read by SQLAlchemy reflection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, inspect
from sqlalchemy.types import TypeEngine

__all__ = [
    "LiveColumn",
    "LiveIndex",
    "LiveForeignKey",
    "LiveTable",
    "read_live_schema",
    "OWNED_PREFIXES",
    "OBJECT_TABLE_PREFIX",
]

OBJECT_TABLE_PREFIX = "obj_"
#: Tables the engine creates and may alter; anything else in the database is left alone.
OWNED_PREFIXES = (OBJECT_TABLE_PREFIX, "flowdesk_")


@dataclass(frozen=True, slots=True)
class LiveColumn:
    name: str
    type: TypeEngine[Any]
    nullable: bool
    primary_key: bool


@dataclass(frozen=True, slots=True)
class LiveIndex:
    name: str
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True, slots=True)
class LiveForeignKey:
    name: str | None
    column: str
    referred_table: str
    #: ``RESTRICT``, ``SET NULL``, ``CASCADE`` or ``NO ACTION``.
    ondelete: str


@dataclass(frozen=True, slots=True)
class LiveTable:
    name: str
    columns: Mapping[str, LiveColumn]
    indexes: Mapping[str, LiveIndex]
    foreign_keys: tuple[LiveForeignKey, ...]


def read_live_schema(conn: Connection) -> dict[str, LiveTable]:
    """The engine-owned tables in ``conn``'s default schema, by name."""
    inspector = inspect(conn)
    names = [n for n in inspector.get_table_names() if n.startswith(OWNED_PREFIXES)]
    if not names:
        return {}
    # The get_multi_* calls read every table in one query per kind on PostgreSQL.
    columns = inspector.get_multi_columns(filter_names=names)
    pks = inspector.get_multi_pk_constraint(filter_names=names)
    indexes = inspector.get_multi_indexes(filter_names=names)
    fks = inspector.get_multi_foreign_keys(filter_names=names)
    tables: dict[str, LiveTable] = {}
    for name in names:
        key = (None, name)
        pk = set(pks[key]["constrained_columns"] if key in pks else ())
        tables[name] = LiveTable(
            name=name,
            columns={
                c["name"]: LiveColumn(c["name"], c["type"], bool(c["nullable"]), c["name"] in pk)
                for c in columns.get(key, [])
            },
            indexes={
                ix["name"]: LiveIndex(
                    ix["name"], tuple(str(c) for c in ix["column_names"]), bool(ix["unique"])
                )
                for ix in indexes.get(key, [])
                if ix["name"]
            },
            foreign_keys=tuple(
                LiveForeignKey(
                    fk["name"],
                    fk["constrained_columns"][0],
                    fk["referred_table"],
                    (fk.get("options") or {}).get("ondelete", "NO ACTION").upper(),
                )
                for fk in fks.get(key, [])
                if len(fk["constrained_columns"]) == 1
            ),
        )
    return tables
