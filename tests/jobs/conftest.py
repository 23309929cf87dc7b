from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from sqlalchemy import Engine, select

from engine.jobs.worker import Worker
from engine.runtime.clock import ManualClock
from engine.runtime.effects import MemoryMailer, MemoryWebhookSender
from engine.runtime.factory import Runtime, build_runtime
from engine.runtime.outbox import JobHandler
from engine.runtime.unit_of_work import UnitOfWork, unit_of_work
from tests.runtime.record_objects import T0, create_schema, registry

SECRET_ENV = "FLOWDESK_TEST_HOOK_SECRET"
SECRET = "s3cr3t-for-tests"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def mailer() -> MemoryMailer:
    return MemoryMailer()


@pytest.fixture
def hooks() -> MemoryWebhookSender:
    return MemoryWebhookSender()


@pytest.fixture
def ran() -> list[tuple[int, int]]:
    """(job id, attempt) of every run of the ``note`` test kind."""
    return []


@pytest.fixture
def extra_handlers(ran: list[tuple[int, int]]) -> dict[str, JobHandler]:
    def note(job: Any, uow: UnitOfWork) -> None:
        ran.append((job.id, job.attempts))
        if job.payload.get("fail"):
            raise RuntimeError(f"asked to fail: {job.payload['fail']}")

    return {"note": note}


@pytest.fixture
def make_runtime(
    db_engine: Engine,
    mailer: MemoryMailer,
    hooks: MemoryWebhookSender,
    extra_handlers: Mapping[str, JobHandler],
) -> Callable[[ManualClock], Runtime]:
    create_schema(db_engine)

    def make(clock: ManualClock) -> Runtime:
        return build_runtime(
            registry(), db_engine, clock,
            job_handlers=extra_handlers, mailer=mailer, mail_sender="desk@example.com",
            webhook_sender=hooks, environ={SECRET_ENV: SECRET},
        )

    return make


@pytest.fixture
def runtime(make_runtime: Callable[[ManualClock], Runtime], clock: ManualClock) -> Runtime:
    return make_runtime(clock)


@pytest.fixture
def worker(runtime: Runtime) -> Iterator[Worker]:
    yield Worker(runtime, "test-worker", batch_size=5)


@pytest.fixture
def enqueue(runtime: Runtime) -> Callable[..., int | None]:
    """Enqueue one job in a command of its own."""

    def put(kind: str, payload: Mapping[str, Any] | None = None, **kw: Any) -> int | None:
        with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
            return runtime.outbox.enqueue(uow, kind, payload or {}, **kw)

    return put


@pytest.fixture
def job_row(runtime: Runtime) -> Callable[[int], dict[str, Any]]:
    def read(job_id: int) -> dict[str, Any]:
        t = runtime.outbox.table
        with runtime.database.connect() as conn:
            return dict(conn.execute(select(t).where(t.c.id == job_id)).mappings().one())

    return read
