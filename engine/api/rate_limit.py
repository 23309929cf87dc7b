"""A per-client request limit for the public endpoints (those answered without logging in),
counted in fixed windows of the injected clock. Kept in the process: each API process limits
on its own (login attempts, which matter more, are counted in the database)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from engine.errors import TooManyRequests
from engine.runtime.clock import Clock

__all__ = ["RequestRateLimiter"]


class RequestRateLimiter:
    """At most ``limit`` requests per client per ``window``; the next one gets 429."""

    def __init__(self, clock: Clock, *, limit: int = 60,
                 window: timedelta = timedelta(minutes=1), max_clients: int = 10_000) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self._max_clients = max_clients
        self._counts: dict[str, tuple[datetime, int]] = {}

    def hit(self, client: str) -> None:
        """Count one request of ``client``; raise :class:`TooManyRequests` past the limit."""
        now = self._clock.now()
        start, count = self._counts.get(client, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        if count >= self.limit:
            wait = math.ceil((start + self.window - now).total_seconds())
            raise TooManyRequests(f"too many requests; try again in {max(1, wait)} seconds",
                                  retry_after=wait)
        if len(self._counts) >= self._max_clients and client not in self._counts:
            # Forget windows that are over, so a flood of addresses cannot grow this forever.
            self._counts = {k: v for k, v in self._counts.items() if now - v[0] < self.window}
        self._counts[client] = (start, count + 1)
