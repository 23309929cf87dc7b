"""The audit trail: who changed which field of which record, when, from what to what.

Rows are collected by a :class:`~engine.runtime.unit_of_work.UnitOfWork` while a command runs
and written in one ``executemany`` just before it commits, so the trail and the change it
describes are saved together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table, bindparam, select

from engine.objects.storage.system_tables import AUDIT, add_system_tables

__all__ = ["AuditEntry", "HistoryEntry", "AuditTrail"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the trail as a command produces it. ``old``/``new`` are JSON values; a
    ``delete`` row has no field and keeps the whole deleted record in ``old``."""

    object: str
    record_id: int
    action: str
    field: str | None = None
    old: Any = None
    new: Any = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One row of a record's history as read back."""

    id: int
    change_id: str
    action: str
    field: str | None
    old: Any
    new: Any
    actor: str | None
    at: datetime
    note: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "change_id": self.change_id,
            "action": self.action,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "actor": self.actor,
            "at": self.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "note": self.note,
        }


class AuditTrail:
    """Writes and reads the ``flowdesk_audit`` table. Subclass it to add sinks (tests use a
    failing one to prove a command rolls back as a whole)."""

    def __init__(self, table: Table | None = None) -> None:
        if table is None:
            metadata = MetaData()
            add_system_tables(metadata)
            table = metadata.tables[AUDIT]
        self.table = table
        self._insert = table.insert()
        c = table.c
        self._history = (
            select(table)
            .where(c.object == bindparam("object"), c.record_id == bindparam("record_id"))
            .order_by(c.id)
        )

    def write(
        self,
        conn: Connection,
        entries: Sequence[AuditEntry],
        *,
        change_id: str,
        actor: str,
        at: datetime,
    ) -> None:
        if not entries:
            return
        rows = [
            {
                "change_id": change_id,
                "object": e.object,
                "record_id": e.record_id,
                "action": e.action,
                "field": e.field,
                "old_value": e.old,
                "new_value": e.new,
                "actor": actor,
                "at": at,
                "note": e.note,
            }
            for e in entries
        ]
        # A single row skips the executemany machinery: creates and deletes log one row.
        conn.execute(self._insert, rows[0] if len(rows) == 1 else rows)

    def history(self, conn: Connection, object_name: str, record_id: int) -> list[HistoryEntry]:
        rows = conn.execute(self._history, {"object": object_name, "record_id": record_id})
        return [
            HistoryEntry(
                id=r.id,
                change_id=r.change_id,
                action=r.action,
                field=r.field,
                old=r.old_value,
                new=r.new_value,
                actor=r.actor,
                at=r.at,
                note=r.note,
            )
            for r in rows
        ]
