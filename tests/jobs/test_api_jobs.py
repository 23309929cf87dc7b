"""``/api/jobs``: list, read and retry jobs over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.jobs.worker import Worker
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer
from tests.runtime.record_objects import T0

Enqueue = Callable[..., int | None]
Row = Callable[[int], dict[str, Any]]


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False,
                    headers=bearer(runtime, "admin")) as test_client:
        yield test_client


def test_dead_jobs_are_listed_and_a_retry_runs_them_again(
    client: TestClient, worker: Worker, clock: ManualClock, enqueue: Enqueue,
    ran: list[tuple[int, int]],
) -> None:
    dead = enqueue("note", {"fail": "once"}, max_attempts=1)
    enqueue("note", {})
    worker.run_due()
    listing = client.get("/api/jobs", params={"status": "dead", "kind": "note"}).json()
    assert listing["total"] == 1
    [item] = listing["items"]
    assert (item["id"], item["status"], item["attempts"]) == (dead, "dead", 1)
    assert item["last_error"] == "RuntimeError: asked to fail: once"
    assert item["run_at"] == "2026-03-02T09:00:00Z"

    clock.advance(minutes=3)
    answer = client.post(f"/api/jobs/{dead}/retry")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["attempts"], body["run_at"], body["finished_at"]) == (
        "pending", 0, "2026-03-02T09:03:00Z", None)
    worker.handlers = {"note": lambda job, uow: ran.append((job.id, job.attempts))}
    assert worker.run_due().done == 1
    assert client.get(f"/api/jobs/{dead}").json()["status"] == "done"
    assert ran[-1] == (dead, 1)


def test_retrying_a_job_that_is_not_dead_or_cancelled_is_409(
    client: TestClient, enqueue: Enqueue
) -> None:
    job_id = enqueue("note")
    answer = client.post(f"/api/jobs/{job_id}/retry")
    assert answer.status_code == 409
    assert answer.json()["error"] == {
        "code": "job_not_retryable",
        "message": f"job {job_id} is pending; only a dead or cancelled job can be retried",
        "details": [],
    }


@pytest.mark.parametrize("path", ["/api/jobs/999", "/api/jobs/999/retry"])
def test_an_unknown_job_is_404(client: TestClient, path: str) -> None:
    answer = (client.post if path.endswith("retry") else client.get)(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "job_not_found"
    assert answer.json()["error"]["message"] == "no job with id 999"


def test_listing_pages_newest_first_and_rejects_an_unknown_status(
    client: TestClient, enqueue: Enqueue
) -> None:
    ids = [enqueue("note", run_at=T0) for _ in range(5)]
    page = client.get("/api/jobs", params={"limit": 2, "offset": 1}).json()
    assert [i["id"] for i in page["items"]] == [ids[3], ids[2]]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    bad = client.get("/api/jobs", params={"status": "lost"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "validation_failed"
    assert bad.json()["error"]["details"][0]["loc"] == ["query", "status"]
