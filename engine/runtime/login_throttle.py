"""Login brute-force protection: failed attempts are counted per account and per client
address over a sliding window, in the database (so every API process sees them), with time
from the injected clock. Past the limit a login is refused with 429 and ``Retry-After``
before the password is even checked."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, delete, func, insert, select

from engine.errors import TooManyRequests
from engine.objects.storage.identity_tables import LOGIN_FAILURES
from engine.runtime.clock import Clock
from engine.runtime.users import identity_tables

__all__ = ["LoginThrottle"]


class LoginThrottle:
    def __init__(self, database: Engine, clock: Clock, *, window: timedelta = timedelta(
            minutes=15), per_account: int = 5, per_address: int = 20) -> None:
        self._db = database
        self._clock = clock
        self.window = window
        self.per_account = per_account
        self.per_address = per_address
        self._table = identity_tables()[LOGIN_FAILURES]

    @staticmethod
    def _keys(name: str, address: str) -> tuple[str, str]:
        return f"user:{name.lower()[:150]}", f"addr:{address[:150]}"

    def _oldest_if_over(self, key: str, limit: int, since: datetime) -> datetime | None:
        t = self._table
        with self._db.connect() as conn:
            count, oldest = conn.execute(
                select(func.count(), func.min(t.c.at)).where(and_(t.c.key == key,
                                                                  t.c.at > since))).one()
        return oldest if count >= limit else None

    def check(self, name: str, address: str) -> None:
        """Raise :class:`TooManyRequests` (``login_throttled``) if the account or the address
        failed too often within the window."""
        now = self._clock.now()
        since = now - self.window
        account, client = self._keys(name, address)
        for key, limit, what in ((account, self.per_account, "this account"),
                                 (client, self.per_address, "your address")):
            oldest = self._oldest_if_over(key, limit, since)
            if oldest is not None:
                wait = math.ceil((oldest + self.window - now).total_seconds())
                raise TooManyRequests(
                    f"too many failed logins for {what}; try again in {max(1, wait)} seconds",
                    retry_after=wait, code="login_throttled")

    def failed(self, name: str, address: str) -> None:
        now = self._clock.now()
        with self._db.begin() as conn:
            conn.execute(delete(self._table).where(self._table.c.at <= now - self.window))
            conn.execute(insert(self._table), [{"key": k, "at": now}
                                                for k in self._keys(name, address)])

    def succeeded(self, name: str) -> None:
        """A right password clears the account's failures (not the address's)."""
        account, _ = self._keys(name, "")
        with self._db.begin() as conn:
            conn.execute(delete(self._table).where(self._table.c.key == account))
