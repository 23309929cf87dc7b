from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.runtime.clock import Clock, ManualClock, SystemClock

T = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def test_system_clock_tells_aware_utc_time() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert isinstance(SystemClock(), Clock)


def test_manual_clock_stands_still_until_advanced_or_set() -> None:
    clock = ManualClock(T)
    assert clock.now() == T == clock.now()
    assert clock.advance(minutes=5) == T + timedelta(minutes=5)
    assert clock.advance(timedelta(hours=1)) == T + timedelta(hours=1, minutes=5)
    clock.set(T)
    assert clock.now() == T


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda c: c.set(datetime(2026, 1, 1)), "naive datetime"),
        (lambda c: c.advance(seconds=-1), "cannot go backwards"),
        (lambda c: ManualClock(datetime(2026, 1, 1)), "naive datetime"),
    ],
    ids=["set naive", "advance backwards", "start naive"],
)
def test_manual_clock_refuses_naive_times_and_going_back(action, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        action(ManualClock(T))
