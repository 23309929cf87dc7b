"""``/api/records/{object}/{id}/transitions`` over HTTP, with the API's one error shape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """A client logged in as an admin."""
    with TestClient(create_app(runtime), raise_server_exceptions=False,
                    headers=bearer(runtime, "admin")) as test_client:
        yield test_client


def _new_task(client: TestClient) -> int:
    response = client.post("/api/records/task", json={"title": "Fix it", "points": 2})
    assert response.status_code == 201 and response.json()["stage"] == "todo"
    return int(response.json()["id"])


def test_list_and_take_transitions(client: TestClient, runtime: Runtime) -> None:
    task = _new_task(client)
    listed = client.get(f"/api/records/task/{task}/transitions").json()
    assert [t["name"] for t in listed["transitions"]] == ["start", "drop"]
    assert listed["transitions"][0]["label"] == {"en": "Start", "zh-CN": "开始"}
    response = client.post(f"/api/records/task/{task}/transitions/start", json={"version": 1})
    assert response.status_code == 200 and response.headers["ETag"] == '"2"'
    assert response.json()["stage"] == "doing"
    response = client.post(f"/api/records/task/{task}/transitions/submit",
                           json={"version": 2, "values": {"reviewer": "carol"}},
                           headers=bearer(runtime, "dora"))
    assert response.json()["stage"] == "review"
    history = client.get(f"/api/records/task/{task}/history").json()["items"]
    assert history[-1]["actor"] == "dora" and history[-1]["action"] == "transition"


@pytest.mark.parametrize(("path", "body", "status", "code", "loc"), [
    ("approve", {"version": 1}, 409, "transition_not_allowed", None),
    ("start", {"version": 7}, 409, "stale_version", None),
    ("strat", {"version": 1}, 404, "unknown_transition", None),
    ("start", {}, 422, "validation_failed", ["body", "version"]),
    ("start", {"version": 1, "extra": 1}, 422, "validation_failed", ["body", "extra"]),
    ("drop", {"version": 1}, 422, "validation_failed", ["body", "values", "reason"]),
    ("drop", {"version": 1, "values": {"stage": "done", "reason": "x"}}, 422,
     "status_field_managed", ["body", "values", "stage"]),
])
def test_refusals_have_the_api_error_shape(
    client: TestClient, path: str, body: dict[str, object], status: int, code: str,
    loc: list[str] | None,
) -> None:
    task = _new_task(client)
    response = client.post(f"/api/records/task/{task}/transitions/{path}", json=body)
    assert response.status_code == status, response.json()
    error = response.json()["error"]
    assert error["code"] == code
    if loc is not None:
        assert [d["loc"] for d in error["details"]] == [loc]


def test_guard_failure_is_a_409_naming_the_false_part(client: TestClient) -> None:
    task = _new_task(client)
    client.post(f"/api/records/task/{task}/transitions/start", json={"version": 1})
    response = client.post(f"/api/records/task/{task}/transitions/submit",
                           json={"version": 2, "values": {"reviewer": "c", "points": 9}})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "guard_failed"
    assert "'points <= 8' is false" in response.json()["error"]["message"]


def test_patching_the_status_field_is_refused(client: TestClient) -> None:
    task = _new_task(client)
    response = client.patch(f"/api/records/task/{task}", json={"version": 1, "stage": "done"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "status_field_managed"
    assert error["details"][0]["loc"] == ["body", "stage"]
    assert "transitions" in error["message"]
