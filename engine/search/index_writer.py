"""Keeping the search index in step with the records, inside the command that changes them.

The record service calls :class:`SearchIndexWriter` as it writes (see
``RecordService.index_with``), on the command's own connection: a record, its index rows and
its audit rows commit together, so a search never finds what a rolled-back command wrote, nor
misses what a committed one did. Deleting a record deletes its rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, MetaData, Table, bindparam, cast, delete, insert, select
from sqlalchemy.dialects.postgresql import TSVECTOR

from engine.objects.model import ObjectType
from engine.objects.storage.search_table import add_search_table
from engine.search.tokenizer import document_tokens

__all__ = ["SearchIndexWriter", "field_text", "tsvector_literal", "search_index_table"]

#: PostgreSQL keeps positions up to 16383; later tokens share the last position.
_MAX_POSITION = 16383
#: Tokens kept per field (a tsvector holds at most 1 MB; bodies this long are rare).
_MAX_TOKENS = 20000


def search_index_table() -> Table:
    """The ``flowdesk_search`` table, for statements."""
    return add_search_table(MetaData())


def field_text(value: Any) -> str:
    """The text a field value is indexed as (tags: their words)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value if v is not None)
    return str(value)


def tsvector_literal(tokens: Iterable[str]) -> str:
    """``tokens`` as PostgreSQL's ``tsvector`` input text, each at its position. Cast rather
    than parsed by ``to_tsvector``: PostgreSQL's parser depends on the database's locale (under
    ``C`` it drops Chinese), the cast keeps every token exactly as the tokenizer made it."""
    parts = []
    for position, token in enumerate(tokens, 1):
        quoted = token.replace("\\", "\\\\").replace("'", "''")
        parts.append(f"'{quoted}':{min(position, _MAX_POSITION)}")
    return " ".join(parts)


class SearchIndexWriter:
    """Writes the index rows of the searchable objects of ``objects``."""

    def __init__(self, objects: Mapping[str, ObjectType], dialect: str) -> None:
        self._fields = {name: tuple(f.field for f in obj.search)
                        for name, obj in objects.items() if obj.search}
        self._postgres = dialect == "postgresql"
        self.table = search_index_table()
        t = self.table
        values: dict[str, Any] = {"object": bindparam("object"),
                                  "record_id": bindparam("record_id"),
                                  "field": bindparam("field"), "tokens": bindparam("tokens")}
        if self._postgres:
            values["document"] = cast(bindparam("vector"), TSVECTOR)
        self._insert = insert(t).values(values)
        self._delete_fields = delete(t).where(
            t.c.object == bindparam("o"), t.c.record_id == bindparam("r"),
            t.c.field.in_(bindparam("fields", expanding=True)))
        self._delete_record = delete(t).where(t.c.object == bindparam("o"),
                                              t.c.record_id == bindparam("r"))

    def covers(self, object_name: str) -> bool:
        return object_name in self._fields

    def fields(self, object_name: str) -> tuple[str, ...]:
        return self._fields.get(object_name, ())

    def written(self, conn: Connection, object_name: str, record_id: int,
                row: Mapping[str, Any], changed: Iterable[str] | None = None) -> None:
        """Re-index the searchable fields of a record just written (``changed``: only those
        fields changed; ``None``: a new record, every field)."""
        fields = self._fields.get(object_name)
        if not fields:
            return
        if changed is None:
            todo = fields
        else:
            changed_set = set(changed)
            todo = tuple(f for f in fields if f in changed_set)
            if not todo:
                return
            conn.execute(self._delete_fields, {"o": object_name, "r": record_id,
                                               "fields": list(todo)})
        rows = list(self._rows(object_name, record_id, row, todo))
        if rows:
            conn.execute(self._insert, rows)

    def write_new(self, conn: Connection, object_name: str,
                  records: Iterable[Mapping[str, Any]]) -> None:
        """Index many new records at once (imports, benchmarks): one INSERT for all rows."""
        fields = self._fields.get(object_name, ())
        rows = [r for record in records
                for r in self._rows(object_name, int(record["id"]), record, fields)]
        if rows:
            conn.execute(self._insert, rows)

    def deleted(self, conn: Connection, object_name: str, record_id: int) -> None:
        """Drop a deleted record's rows."""
        if object_name in self._fields:
            conn.execute(self._delete_record, {"o": object_name, "r": record_id})

    def _rows(self, object_name: str, record_id: int, row: Mapping[str, Any],
              fields: Iterable[str]) -> Iterator[dict[str, Any]]:
        for name in fields:
            tokens = document_tokens(field_text(row.get(name)))[:_MAX_TOKENS]
            if not tokens:
                continue
            out = {"object": object_name, "record_id": record_id, "field": name,
                   "tokens": " ".join(tokens)}
            if self._postgres:
                out["vector"] = tsvector_literal(tokens)
            yield out

    def reindex(self, conn: Connection, object_name: str, table: Table,
                batch: int = 1000) -> int:
        """Rebuild one object's rows from its table; returns how many records were read."""
        fields = self._fields.get(object_name)
        if not fields:
            return 0
        conn.execute(delete(self.table).where(self.table.c.object == object_name))
        count = 0
        columns = [table.c.id, *(table.c[f] for f in fields)]
        result = conn.execute(
            select(*columns).order_by(table.c.id).execution_options(yield_per=batch))
        pending: list[dict[str, Any]] = []
        for record in result.mappings():
            count += 1
            pending.extend(self._rows(object_name, int(record["id"]), dict(record), fields))
            if len(pending) >= batch:
                conn.execute(self._insert, pending)
                pending = []
        if pending:
            conn.execute(self._insert, pending)
        return count
