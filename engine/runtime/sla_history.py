"""Records' lives read back from the audit trail, in batches, for SLA replays.

The trail holds every initial value of a record in its ``create`` row and every later change
of a field in an ``update``, ``assign`` or ``transition`` row; rows of one change share a
``change_id`` (one command, one instant). :func:`read_histories` streams them per object,
ordered by ``(record_id, id)``, a batch of records at a time with two queries per batch (the
records, then their rows): never a query per record, so 100,000 records read in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, select

from engine.errors import ValidationFailed
from engine.objects.model import FieldDef, ObjectType
from engine.objects.values import from_json

__all__ = ["RecordChange", "RecordHistory", "read_histories", "CHANGE_ACTIONS"]

#: Audit actions that change a record's fields (``sla``, ``comment`` and the like do not).
CHANGE_ACTIONS = ("create", "update", "assign", "transition", "delete")


@dataclass(frozen=True, slots=True)
class RecordChange:
    """One change of a record at one instant: the stored values it wrote (all initial values
    when ``creating``), or the record's deletion."""

    change_id: str
    at: datetime
    actor: str | None
    values: Mapping[str, Any]
    creating: bool = False
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class RecordHistory:
    """A record's changes in the order they were made (the first one creates it)."""

    object: str
    record_id: int
    changes: tuple[RecordChange, ...]

    @property
    def deleted(self) -> bool:
        return any(c.deleted for c in self.changes)


def _stored(value: Any, field: FieldDef) -> Any:
    try:
        return from_json(value, field)
    except ValidationFailed:
        # The field changed type since the row was written: the value no longer reads.
        return None


def _changes(obj: ObjectType, rows: list[Any]) -> tuple[RecordChange, ...]:
    out: list[RecordChange] = []
    current: str | None = None
    values: dict[str, Any] = {}
    creating = deleted = False
    at: datetime | None = None
    actor: str | None = None

    def close() -> None:
        if current is not None and at is not None:
            out.append(RecordChange(current, at, actor, values, creating, deleted))

    for row in rows:
        if row.change_id != current:
            close()
            current, values, creating, deleted = row.change_id, {}, False, False
            at, actor = row.at, row.actor
        if row.action == "create":
            creating = True
            for name, value in (row.new_value or {}).items():
                f = obj.fields.get(name)
                if f is not None:
                    values[name] = _stored(value, f)
        elif row.action == "delete":
            deleted = True
        elif row.field is not None and row.field in obj.fields:
            values[row.field] = _stored(row.new_value, obj.fields[row.field])
    close()
    return tuple(out)


def read_histories(
    database: Engine,
    audit: Table,
    obj: ObjectType,
    *,
    batch_size: int = 1000,
    since: datetime | None = None,
) -> Iterator[list[RecordHistory]]:
    """The histories of ``obj``'s records that were created (since ``since``, when given),
    ``batch_size`` records at a time in ``record_id`` order. Each batch is read in its own
    short connection, so a caller may write between batches (SQLite allows one writer)."""
    c = audit.c
    after = 0
    while True:
        created = select(c.record_id).where(c.object == obj.name, c.action == "create",
                                            c.record_id > after)
        if since is not None:
            created = created.where(c.at >= since)
        with database.connect() as conn:
            ids = list(conn.execute(
                created.order_by(c.record_id).limit(batch_size)).scalars())
            if not ids:
                return
            rows = conn.execute(
                select(c.record_id, c.change_id, c.action, c.field, c.new_value, c.at, c.actor)
                .where(c.object == obj.name, c.record_id >= ids[0], c.record_id <= ids[-1],
                       c.action.in_(CHANGE_ACTIONS))
                .order_by(c.record_id, c.id)).all()
        wanted = set(ids)
        by_record: dict[int, list[Any]] = {}
        for row in rows:
            if row.record_id in wanted:
                by_record.setdefault(row.record_id, []).append(row)
        batch = []
        for record_id in ids:
            changes = _changes(obj, by_record.get(record_id, []))
            if changes and changes[0].creating:
                batch.append(RecordHistory(obj.name, record_id, changes))
        yield batch
        after = ids[-1]
