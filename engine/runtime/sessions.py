"""Login sessions for the web UI: a random secret in an HttpOnly cookie, its SHA-256 digest in
``flowdesk_sessions``, so logging out (or an admin deactivating the user) ends it at once.

The CSRF token of a session is an HMAC of its secret under the server's secret key: the page
reads it from the login answer (or a readable cookie) and echoes it in a header on every
unsafe request, which a cross-site form cannot do.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import Engine, delete, insert, select, update

from engine.errors import Unauthorized
from engine.objects.storage.identity_tables import SESSIONS
from engine.runtime.api_tokens import digest
from engine.runtime.clock import Clock
from engine.runtime.principal import Principal
from engine.runtime.users import User, UserDirectory, identity_tables

__all__ = ["SessionStore", "SESSION_IDLE", "SESSION_MAX"]

#: A session ends after this long without a request...
SESSION_IDLE = timedelta(hours=12)
#: ...and after this long in any case.
SESSION_MAX = timedelta(days=7)
_TOUCH_EVERY = timedelta(minutes=1)


class SessionStore:
    def __init__(self, database: Engine, clock: Clock, users: UserDirectory,
                 secret_key: bytes) -> None:
        if len(secret_key) < 16:
            raise ValueError("the secret key must be at least 16 bytes")
        self._db = database
        self._clock = clock
        self._users = users
        self._key = secret_key
        self._table = identity_tables()[SESSIONS]

    def csrf_token(self, session_secret: str) -> str:
        """The CSRF token that belongs to the session ``session_secret``."""
        return hmac.new(self._key, session_secret.encode("utf-8"), hashlib.sha256).hexdigest()

    def open(self, user: User) -> str:
        """Start a session for ``user``; returns its secret (the cookie's value)."""
        secret = secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._db.begin() as conn:
            # Expired sessions of anyone are swept here, where a write happens anyway.
            conn.execute(delete(self._table).where(self._table.c.expires_at <= now))
            conn.execute(insert(self._table).values(
                user_id=user.id, secret_hash=digest(secret), created_at=now,
                expires_at=now + SESSION_MAX, last_seen_at=now))
        return secret

    def resolve(self, secret: str) -> Principal:
        """The principal of a session cookie; :class:`Unauthorized` if it ended."""
        t = self._table
        now = self._clock.now()
        with self._db.connect() as conn:
            row = conn.execute(select(t).where(t.c.secret_hash == digest(secret))).first()
        if row is None or row.expires_at <= now or now - row.last_seen_at >= SESSION_IDLE:
            raise Unauthorized("the session has ended; log in again", code="not_authenticated")
        user = self._users.get(row.user_id)
        if not user.active:
            raise Unauthorized("the user is deactivated", code="not_authenticated")
        if now - row.last_seen_at >= _TOUCH_EVERY:
            with self._db.begin() as conn:
                conn.execute(update(t).where(t.c.id == row.id).values(last_seen_at=now))
        return self._users.principal(user, via="session", credential_id=row.id)

    def close(self, session_id: int) -> None:
        with self._db.begin() as conn:
            conn.execute(delete(self._table).where(self._table.c.id == session_id))
