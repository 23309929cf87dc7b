"""Authentication events in the audit trail: logins, failed logins, logouts, tokens created
and revoked, users created and their roles changed.

They share ``flowdesk_audit`` with record changes under the object name ``@auth`` (no pack
object can take it: object names are identifiers), with the user's id as the record id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from engine.runtime.audit import AuditEntry, AuditTrail, HistoryEntry
from engine.runtime.clock import Clock

__all__ = ["AUTH_OBJECT", "AuthEvents"]

AUTH_OBJECT = "@auth"


class AuthEvents:
    """Writes and reads auth events; each is written inside the caller's transaction."""

    def __init__(self, audit: AuditTrail, clock: Clock) -> None:
        self._audit = audit
        self._clock = clock

    def log(self, conn: Connection, action: str, *, user_id: int, actor: str,
            change_id: str, details: dict[str, Any] | None = None,
            note: str | None = None) -> None:
        """Record ``action`` (``login``, ``login_failed``, ...) about user ``user_id``."""
        self._audit.write(conn, [AuditEntry(AUTH_OBJECT, user_id, action, None, None,
                                            details, note)],
                          change_id=change_id, actor=actor[:128], at=self._clock.now())

    def recent(self, conn: Connection, limit: int = 100) -> list[HistoryEntry]:
        """The latest auth events, newest first."""
        t = self._audit.table
        rows = conn.execute(select(t).where(t.c.object == AUTH_OBJECT)
                            .order_by(t.c.id.desc()).limit(limit))
        return [HistoryEntry(id=r.id, change_id=r.change_id, action=r.action, field=r.field,
                             old=r.old_value, new=r.new_value, actor=r.actor, at=r.at,
                             note=r.note) for r in rows]
