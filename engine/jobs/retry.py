"""When a failed job runs again: exponential backoff with deterministic delays, capped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempt ``n`` failed → the next one waits ``base * 2**(n-1)``, at most ``cap``. No
    jitter: schedules are reproducible, and the claim query's ``SKIP LOCKED`` already spreads
    retries over workers."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int) -> timedelta:
        """The wait after failed attempt number ``attempt`` (1 for the first)."""
        if attempt < 1:
            raise ValueError(f"attempts count from 1, got {attempt}")
        # Past 2**30 the cap has long been reached; stop before the multiplication overflows.
        factor = 2 ** min(attempt - 1, 30)
        return min(self.cap, self.base * factor)
