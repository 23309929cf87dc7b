"""The worker runs due jobs, retries failures with backoff and keeps the dead visible."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine.jobs.retry import RetryPolicy
from engine.jobs.worker import Worker
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime
from engine.runtime.job_errors import JobFailed
from engine.runtime.outbox import Job
from engine.runtime.unit_of_work import UnitOfWork, unit_of_work
from tests.runtime.record_objects import T0

Enqueue = Callable[..., int | None]
Row = Callable[[int], dict[str, Any]]


@pytest.mark.parametrize(
    ("attempt", "seconds"),
    [(1, 30), (2, 60), (3, 120), (4, 240), (7, 1920), (8, 3600), (40, 3600)],
)
def test_backoff_doubles_from_the_base_up_to_the_cap(attempt: int, seconds: int) -> None:
    assert RetryPolicy().delay(attempt) == timedelta(seconds=seconds)


def test_only_due_jobs_run_in_run_at_order(
    worker: Worker, clock: ManualClock, enqueue: Enqueue, ran: list[tuple[int, int]], job_row: Row
) -> None:
    late = enqueue("note", run_at=T0 + timedelta(minutes=10))
    second = enqueue("note", run_at=T0 - timedelta(minutes=1))
    first = enqueue("note", run_at=T0 - timedelta(minutes=2))
    assert worker.run_due().done == 2
    assert ran == [(first, 1), (second, 1)]
    assert job_row(late)["status"] == "pending"
    row = job_row(first)
    assert (row["status"], row["attempts"], row["finished_at"], row["locked_by"]) == (
        "done", 1, T0, "test-worker")
    clock.advance(minutes=10)
    assert worker.run_due().done == 1
    assert job_row(late)["status"] == "done"


def test_a_failing_job_is_retried_on_the_backoff_schedule_then_dead(
    worker: Worker, clock: ManualClock, enqueue: Enqueue, ran: list[tuple[int, int]], job_row: Row
) -> None:
    job_id = enqueue("note", {"fail": "always"}, max_attempts=3)
    assert job_id is not None
    schedule = []
    for _ in range(2):
        result = worker.run_due()
        assert (result.retried, result.dead) == (1, 0)
        row = job_row(job_id)
        schedule.append(row["run_at"] - clock.now())
        assert row["status"] == "pending"
        assert row["last_error"] == "RuntimeError: asked to fail: always"
        # Not due yet: a second pass at the same instant runs nothing.
        assert worker.run_due().ran == 0
        clock.set(row["run_at"])
    assert schedule == [timedelta(seconds=30), timedelta(seconds=60)]
    assert worker.run_due().dead == 1
    row = job_row(job_id)
    assert (row["status"], row["attempts"], row["finished_at"]) == ("dead", 3, clock.now())
    assert ran == [(job_id, 1), (job_id, 2), (job_id, 3)]
    clock.advance(hours=5)
    assert worker.run_due().ran == 0


def test_a_permanent_failure_is_dead_at_once(
    runtime: Runtime, clock: ManualClock, enqueue: Enqueue, job_row: Row
) -> None:
    def refuse(job: Job, uow: UnitOfWork) -> None:
        raise JobFailed("the address does not exist", code="email_rejected", retryable=False)

    job_id = enqueue("refuse")
    assert job_id is not None
    assert Worker(runtime, handlers={"refuse": refuse}).run_due().dead == 1
    row = job_row(job_id)
    assert (row["status"], row["attempts"]) == ("dead", 1)
    assert row["last_error"] == "[email_rejected] the address does not exist"


def test_a_job_of_an_unknown_kind_is_dead_with_a_clear_error(
    runtime: Runtime, enqueue: Enqueue, job_row: Row
) -> None:
    job_id = enqueue("sms", {"to": "+1"})
    assert job_id is not None
    worker = Worker(runtime, handlers={"email": lambda j, u: None, "webhook": lambda j, u: None})
    assert worker.run_due().dead == 1
    row = job_row(job_id)
    assert (row["status"], row["attempts"]) == ("dead", 1)
    assert row["last_error"] == (
        "[job_unknown_kind] no handler for job kind 'sms' in this worker "
        "(known kinds: email, webhook)"
    )


def test_what_a_handler_writes_commits_with_the_job_or_not_at_all(
    runtime: Runtime, enqueue: Enqueue, job_row: Row
) -> None:
    calls: list[int] = []

    def write_then_maybe_fail(job: Job, uow: UnitOfWork) -> None:
        uow.log("account", 1, "touched", note=f"job {job.id} attempt {job.attempts}")
        runtime.outbox.enqueue(uow, "note", {}, key=f"follow-up-{job.id}")
        calls.append(job.id)
        if job.payload.get("fail"):
            raise RuntimeError("fails after writing")

    ok = enqueue("write", {})
    bad = enqueue("write", {"fail": True}, max_attempts=1)
    worker = Worker(runtime, handlers={"write": write_then_maybe_fail, "note": lambda j, u: None})
    result = worker.run_due(limit=2)
    assert (result.done, result.dead) == (1, 1)
    assert job_row(bad)["status"] == "dead"
    audit = runtime.audit.table
    follow = runtime.outbox.table
    with runtime.database.connect() as conn:
        notes = conn.execute(select(audit.c.note, audit.c.actor)).all()
        keys = conn.execute(select(follow.c.key).where(follow.c.key.is_not(None))).scalars().all()
    assert notes == [(f"job {ok} attempt 1", "system")]
    assert keys == [f"follow-up-{ok}"]


def test_jobs_enqueued_by_a_job_for_now_run_in_the_same_pass(
    runtime: Runtime, enqueue: Enqueue
) -> None:
    seen: list[str] = []

    def chain(job: Job, uow: UnitOfWork) -> None:
        seen.append(job.payload["step"])
        if job.payload["step"] == "a":
            runtime.outbox.enqueue(uow, "chain", {"step": "b"})

    enqueue("chain", {"step": "a"})
    assert Worker(runtime, handlers={"chain": chain}).run_due().done == 2
    assert seen == ["a", "b"]


def test_run_due_stops_at_the_limit(worker: Worker, enqueue: Enqueue) -> None:
    for _ in range(7):
        enqueue("note")
    assert worker.run_due(limit=3).done == 3
    assert worker.run_due().done == 4


def test_an_engine_restart_runs_the_timers_that_came_due_while_it_was_down(
    make_runtime: Callable[[ManualClock], Runtime], ran: list[tuple[int, int]], job_row: Row,
) -> None:
    before = make_runtime(ManualClock(T0))
    with unit_of_work(before.database, before.clock, before.audit, "tester") as uow:
        soon = before.outbox.enqueue(uow, "note", {}, run_at=T0 + timedelta(hours=1))
        overdue = before.outbox.enqueue(uow, "note", {}, run_at=T0 + timedelta(hours=3))
        future = before.outbox.enqueue(uow, "note", {}, run_at=T0 + timedelta(days=2))
    assert Worker(before).run_due().ran == 0
    # The engine is down; a new one starts over the same database four hours later.
    after = make_runtime(ManualClock(T0 + timedelta(hours=4)))
    assert Worker(after, "restarted").run_due().done == 2
    assert [job_id for job_id, _ in ran] == [soon, overdue]
    assert job_row(future)["status"] == "pending"


def test_run_forever_runs_jobs_until_stopped(runtime: Runtime, enqueue: Enqueue) -> None:
    stop = threading.Event()
    seen: list[int] = []

    def last(job: Job, uow: UnitOfWork) -> None:
        seen.append(job.id)
        if job.payload.get("stop"):
            stop.set()

    first = enqueue("last", {})
    second = enqueue("last", {"stop": True})
    Worker(runtime, handlers={"last": last}, batch_size=1).run_forever(stop, poll_interval=0)
    assert seen == [first, second]


def test_on_postgresql_the_lease_bounds_how_long_a_claim_may_idle(
    runtime: Runtime, enqueue: Enqueue
) -> None:
    if runtime.database.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; there is no claim to release")
    settings: list[str] = []

    def show(job: Job, uow: UnitOfWork) -> None:
        settings.append(uow.conn.exec_driver_sql(
            "SHOW idle_in_transaction_session_timeout").scalar_one())

    enqueue("show", {})
    Worker(runtime, handlers={"show": show}, lease=timedelta(seconds=42)).run_due()
    assert settings == ["42s"]
