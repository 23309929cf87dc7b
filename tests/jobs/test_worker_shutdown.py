"""SIGTERM under a backlog: ``flowdesk worker`` and the worker thread of ``flowdesk serve``
finish the job in hand, release the rest of their claimed batch and exit 0 at once, so a
supervisor's SIGKILL that follows finds nothing in flight. No job is lost and none runs twice:
the jobs left pending run later, each delivered exactly once.

Exit times are printed (``-s`` shows them); the only bound asserted is a hang guard.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cli import main
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_engine
from engine.runtime.unit_of_work import unit_of_work
from tests.jobs.webhook_receiver import Receiver, running_receiver

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "tests" / "packs" / "equipment_loans"
PAST = datetime(2020, 1, 1, tzinfo=UTC)
SECRET_ENV = "FLOWDESK_TEST_HOOK_SECRET"
SECRET = "shutdown-secret"
BACKLOG = 300
#: Each delivery takes this long at the receiver: the backlog is ~15 s of work.
DELAY = 0.05
#: Not a speed requirement: only a guard against a worker that never stops.
HANG_GUARD = 20.0
_CLI = "import sys; from engine.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture
def backlog(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Runtime, Receiver]]:
    """A database with ``BACKLOG`` due webhooks to a slow local receiver."""
    monkeypatch.setenv("FLOWDESK_WEBHOOK_ALLOW_PRIVATE", "1")  # the receiver is on loopback
    monkeypatch.setenv(SECRET_ENV, SECRET)
    runtime = build_engine([PACK], db_url, clock=ManualClock(PAST), environ={})
    with running_receiver(SECRET, delay=DELAY) as receiver:
        with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
            for i in range(BACKLOG):
                runtime.outbox.enqueue(uow, "webhook", {
                    "url": receiver.url, "body": {"i": i}, "secret_env": SECRET_ENV},
                    run_at=PAST + timedelta(milliseconds=i), key=f"k-{i}")
        yield runtime, receiver
    runtime.close()


def _env() -> dict[str, str]:
    return {**os.environ, SECRET_ENV: SECRET, "FLOWDESK_WEBHOOK_ALLOW_PRIVATE": "1"}


def _terminate_when_busy(process: subprocess.Popen[bytes], receiver: Receiver,
                         what: str) -> tuple[int, float]:
    """Wait for 20 deliveries, SIGTERM the process; (deliveries at the signal, exit time)."""
    deadline = time.monotonic() + 60
    while len(receiver.deliveries) < 20:
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, f"the {what} never started on the backlog"
        time.sleep(0.02)
    at_signal = len(receiver.deliveries)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the {what} was still running {HANG_GUARD} s after SIGTERM")
    took = time.monotonic() - started
    print(f"\n{what}: exited {took:.2f} s after SIGTERM with "
          f"{BACKLOG - at_signal} of {BACKLOG} jobs still due")
    assert process.returncode == 0, err.decode()
    return at_signal, took


def _check_nothing_lost_nothing_twice(runtime: Runtime, receiver: Receiver,
                                      at_signal: int, db_url: str) -> None:
    t = runtime.outbox.table
    with runtime.database.connect() as conn:
        rows = conn.execute(select(t.c.key, t.c.status, t.c.attempts)).all()
    done = {key for key, status, _ in rows if status == "done"}
    released = [(key, status, attempts) for key, status, attempts in rows if status != "done"]
    delivered = receiver.counts
    # It stopped: at most the job in hand ran after the signal; the rest stayed due.
    assert len(delivered) <= at_signal + 1
    assert released, "the whole backlog ran: SIGTERM was not heard"
    # What was delivered is exactly what committed as done, once each.
    assert set(delivered) == done and set(delivered.values()) == {1}
    # The released jobs are due again, untouched (no attempt spent on them).
    assert {(status, attempts) for _, status, attempts in released} == {("pending", 0)}

    # Another worker takes them at once and each is delivered exactly once.
    assert main(["worker", str(PACK), "--db", db_url, "--once", "--batch", "50"]) == 0
    assert receiver.counts == {f"k-{i}": 1 for i in range(BACKLOG)}
    assert receiver.bad_signatures == 0


def test_worker_on_sigterm_finishes_the_job_in_hand_releases_its_batch_and_exits(
    backlog: tuple[Runtime, Receiver], db_url: str
) -> None:
    runtime, receiver = backlog
    process = subprocess.Popen(
        [sys.executable, "-c", _CLI, "worker", str(PACK), "--db", db_url, "--batch", "50",
         "--name", "stopping"],
        cwd=REPO, env=_env(), stderr=subprocess.PIPE)
    at_signal, _ = _terminate_when_busy(process, receiver, "flowdesk worker")
    _check_nothing_lost_nothing_twice(runtime, receiver, at_signal, db_url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_on_sigterm_stops_its_worker_thread_after_the_job_in_hand(
    backlog: tuple[Runtime, Receiver], db_url: str
) -> None:
    runtime, receiver = backlog
    env = {**_env(), "FLOWDESK_SECRET_KEY": "k" * 40}
    process = subprocess.Popen(
        [sys.executable, "-c", _CLI, "serve", str(PACK), "--db", db_url, "--worker",
         "--port", str(_free_port())],
        cwd=REPO, env=env, stderr=subprocess.PIPE)
    at_signal, _ = _terminate_when_busy(process, receiver, "flowdesk serve")
    _check_nothing_lost_nothing_twice(runtime, receiver, at_signal, db_url)
