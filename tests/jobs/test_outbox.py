"""The outbox writes jobs in the command's own transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.errors import BadRequest
from engine.objects.storage import plan
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime
from engine.runtime.unit_of_work import unit_of_work
from tests.runtime.record_objects import OBJECTS, T0


def _count(runtime: Runtime, **where: Any) -> int:
    t = runtime.outbox.table
    query = select(func.count()).select_from(t)
    for column, value in where.items():
        query = query.where(t.c[column] == value)
    with runtime.database.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_the_job_table_is_part_of_the_schema_and_plan_stays_empty(runtime: Runtime) -> None:
    assert plan(runtime.database, OBJECTS).is_empty


def test_enqueue_writes_a_pending_job_due_now(
    runtime: Runtime, enqueue: Callable[..., int | None],
    job_row: Callable[[int], dict[str, Any]],
) -> None:
    job_id = enqueue("note", {"x": 1}, object="account", record_id=7)
    assert job_id is not None
    row = job_row(job_id)
    assert (row["kind"], row["payload"], row["status"], row["attempts"], row["max_attempts"]) == (
        "note", {"x": 1}, "pending", 0, 5)
    assert row["run_at"] == T0 and row["created_at"] == T0
    assert (row["object"], row["record_id"]) == ("account", 7)


def test_a_command_that_rolls_back_leaves_no_job(runtime: Runtime) -> None:
    with (
        pytest.raises(RuntimeError, match="boom"),
        unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow,
    ):
        runtime.outbox.enqueue(uow, "note", {})
        raise RuntimeError("boom")
    assert _count(runtime) == 0


def test_a_duplicate_key_is_a_no_op_and_keeps_the_transaction_usable(runtime: Runtime) -> None:
    with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
        first = runtime.outbox.enqueue(uow, "note", {"n": 1}, key="k-1")
        second = runtime.outbox.enqueue(uow, "note", {"n": 2}, key="k-1")
        # On PostgreSQL a failed INSERT would have aborted the transaction; this must still run.
        third = runtime.outbox.enqueue(uow, "note", {"n": 3}, key="k-2")
    assert first is not None and second is None and third is not None
    with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
        assert runtime.outbox.enqueue(uow, "note", {"n": 4}, key="k-1") is None
    assert _count(runtime) == 2
    assert _count(runtime, key="k-1") == 1


def test_jobs_without_a_key_never_collide(enqueue: Callable[..., int | None],
                                          runtime: Runtime) -> None:
    ids = {enqueue("note") for _ in range(3)}
    assert None not in ids and len(ids) == 3


def test_cancel_by_group_cancels_only_that_groups_pending_jobs(
    runtime: Runtime, clock: ManualClock, enqueue: Callable[..., int | None],
    job_row: Callable[[int], dict[str, Any]],
) -> None:
    later = T0 + timedelta(hours=1)
    a = enqueue("note", run_at=later, cancel_group="sla:account:1")
    b = enqueue("note", run_at=later, cancel_group="sla:account:1")
    other = enqueue("note", run_at=later, cancel_group="sla:account:2")
    clock.advance(minutes=5)
    with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
        assert runtime.outbox.cancel(uow, "sla:account:1") == 2
    with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
        assert runtime.outbox.cancel(uow, "sla:account:1") == 0
    assert [job_row(i)["status"] for i in (a, b, other)] == ["cancelled", "cancelled", "pending"]
    assert job_row(a)["finished_at"] == T0 + timedelta(minutes=5)


def test_max_attempts_below_one_is_refused(runtime: Runtime) -> None:
    refused = "max_attempts of a 'note' job must be at least 1, got 0"
    with (
        pytest.raises(BadRequest, match=refused),
        unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow,
    ):
        runtime.outbox.enqueue(uow, "note", {}, max_attempts=0)
