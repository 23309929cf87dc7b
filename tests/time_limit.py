"""A test-level time limit (SIGALRM) for tests of bounds: a bound that does not hold fails its
test instead of hanging the suite. A call stuck inside C is stopped once it hands control back
to Python. Main thread only (as pytest runs tests with ``-p no:xdist`` or in xdist workers)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def time_limit(seconds: int, what: str) -> Iterator[None]:
    """Raise ``TimeoutError`` naming ``what`` if the block runs longer than ``seconds``."""

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"{what} ran past the test's {seconds} s limit")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
