"""One command, one transaction: the connection, who acts, when, and what to log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from engine.runtime.audit import AuditEntry, AuditTrail
from engine.runtime.clock import Clock
from engine.runtime.events import RecordEvent

__all__ = ["UnitOfWork", "unit_of_work"]


@dataclass(slots=True)
class UnitOfWork:
    """The state of one running command. Every write goes through ``conn``; audit rows wait in
    ``entries`` until the command is about to commit. ``now`` is read once, so every row a
    command touches carries the same time."""

    conn: Connection
    actor: str
    now: datetime
    change_id: str
    entries: list[AuditEntry] = field(default_factory=list)
    #: Changes automations have not looked at yet.
    events: list[RecordEvent] = field(default_factory=list)
    #: While an automation runs: its cascade depth and name, stamped on the events it causes.
    depth: int = 0
    cause: str | None = None

    def log(
        self,
        object_name: str,
        record_id: int,
        action: str,
        field: str | None = None,
        old: Any = None,
        new: Any = None,
        note: str | None = None,
    ) -> None:
        self.entries.append(AuditEntry(object_name, record_id, action, field, old, new, note))

    def emit(self, kind: str, object_name: str, record_id: int, old: dict[str, Any] | None,
             new: dict[str, Any], changed: frozenset[str], **transition: str | None) -> None:
        """Record a change for the automations, stamped with the running cascade depth."""
        self.events.append(RecordEvent(kind, object_name, record_id, old, dict(new), changed,
                                       depth=self.depth, cause=self.cause, **transition))


@contextmanager
def unit_of_work(
    engine: Engine, clock: Clock, audit: AuditTrail, actor: str
) -> Iterator[UnitOfWork]:
    """Run a command: begin, yield the unit, write its audit rows, commit. Any exception rolls
    back everything, the audit rows included."""
    with engine.begin() as conn:
        uow = UnitOfWork(conn, actor, clock.now(), str(uuid.uuid4()))
        yield uow
        audit.write(conn, uow.entries, change_id=uow.change_id, actor=actor, at=uow.now)
