"""SIGTERM and SIGINT as a request to stop: ``flowdesk worker`` and ``flowdesk serve`` finish
what they have in hand instead of dying mid-batch (a supervisor's SIGKILL may follow)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["on_stop_signals"]


@contextmanager
def on_stop_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Call ``stop`` on SIGTERM and SIGINT while inside; the previous handlers come back
    after (the commands also run inside other programs, tests among them)."""

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop()

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; its owner handles signals
        return
    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
