"""Time as a parameter: every part of the engine asks an injected ``Clock``, never the OS.

``SystemClock`` is the real one; ``ManualClock`` is for tests and scenario runs, which set and
advance time instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock", "ManualClock", "FixedClock"]


@runtime_checkable
class Clock(Protocol):
    """Something that tells the current time as an aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at.isoformat()} given; pass an aware one")
    return at


class ManualClock:
    """A clock that stands still until told otherwise: ``set`` it or ``advance`` it."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, by: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``by`` (or ``timedelta(**kwargs)``) and return the new time."""
        step = by if by is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("a clock cannot go backwards; use set() to jump")
        self._at += step
        return self._at


#: A clock fixed at one instant is a manual clock nobody advances.
FixedClock = ManualClock
