"""Every failure has one shape: {"error": {"code", "message", "details": [{"loc", "msg"}]}}."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer

from .conftest import MAX_BODY


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    for detail in body["error"]["details"]:
        assert {"loc", "msg"} <= set(detail)
    return body["error"]  # type: ignore[no-any-return]


def _chunks() -> Iterator[bytes]:
    for _ in range(5):
        yield b" " * (MAX_BODY // 4)


# method, url, keyword arguments, status, code, (loc, msg) of the first detail or None
CASES: list[tuple[str, str, dict[str, Any], int, str, tuple[list[Any], str] | None]] = [
    ("GET", "/api/nowhere", {}, 404, "not_found", None),
    ("PUT", "/api/records/account/1", {"json": {}}, 405, "method_not_allowed", None),
    ("POST", "/api/records/account", {"content": b"{not json"}, 400, "bad_json", None),
    ("POST", "/api/records/account", {"content": b""}, 400, "bad_json", None),
    ("POST", "/api/records/account", {"content": b"\xff\xfe"}, 400, "bad_json", None),
    ("POST", "/api/records/account", {"content": b'{"score": NaN}'}, 400, "bad_json", None),
    ("POST", "/api/records/account", {"json": [1, 2]}, 422, "validation_failed",
     (["body"], "expected a JSON object, got list")),
    ("POST", "/api/records/acount", {"json": {}}, 404, "unknown_object", None),
    ("GET", "/api/records/acount", {}, 404, "unknown_object", None),
    ("GET", "/api/objects/acount", {}, 404, "unknown_object", None),
    ("POST", "/api/records/account", {"json": {"name": 5}}, 422, "validation_failed",
     (["body", "name"], "expected text, got the number 5")),
    ("POST", "/api/records/account", {"json": {"name": "x", "scroe": 1}}, 422,
     "validation_failed",
     (["body", "scroe"], "unknown field 'scroe' on 'account' (did you mean 'score'?)")),
    ("GET", "/api/records/account/abc", {}, 422, "validation_failed",
     (["path", "record_id"], "Input should be a valid integer, unable to parse string as an "
                             "integer")),
    ("GET", "/api/records/account/999", {}, 404, "record_not_found", None),
    ("GET", "/api/records/account?scor=1", {}, 422, "validation_failed",
     (["query", "scor"], "unknown field 'scor' on object 'account' (did you mean 'score'?)")),
    ("GET", "/api/records/account?limit=9999", {}, 422, "validation_failed",
     (["query", "limit"], "expected a whole number between 1 and 500")),
    ("GET", "/api/objects/account?locale=fr", {}, 422, "validation_failed", None),
    ("PATCH", "/api/records/account/1", {"json": {"score": 1}}, 422, "validation_failed",
     (["body", "version"], "required: send the version you last read, so that a concurrent "
                           "change is detected instead of overwritten")),
    ("PATCH", "/api/records/account/1", {"json": {"version": "1"}}, 422, "validation_failed",
     (["body", "version"], "expected the record's version, a whole number from 1 to "
                           "9223372036854775807")),
    ("DELETE", "/api/records/account/1?version=x", {}, 422, "validation_failed", None),
    ("POST", "/api/records/account", {"content": b"x" * (MAX_BODY + 1)}, 413,
     "payload_too_large", None),
    ("POST", "/api/records/account", {"content": _chunks}, 413, "payload_too_large", None),
    ("POST", "/api/records/account", {"json": {"name": "x"},
                                      "headers": {"Authorization": "Bearer fd_" + "a" * 300}},
     401, "not_authenticated", None),
]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code", "first"),
    CASES,
    ids=[f"{c[0]} {c[1]} -> {c[4]}" + (" chunked" if c[2].get("content") is _chunks else "")
         for c in CASES],
)
def test_bad_requests_get_the_error_shape_never_a_500(
    client: TestClient, method: str, url: str, kwargs: dict[str, Any], status: int, code: str,
    first: tuple[list[Any], str] | None,
) -> None:
    client.post("/api/records/account", json={"name": "exists"})  # record 1
    if kwargs.get("content") is _chunks:
        kwargs = {"content": _chunks()}
    response = client.request(method, url, **kwargs)
    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["code"] == code
    assert error["message"]
    if first is not None:
        assert (error["details"][0]["loc"], error["details"][0]["msg"]) == first


def test_405_lists_every_allowed_method(client: TestClient) -> None:
    response = client.put("/api/records/account/1", json={})
    assert response.headers["allow"] == "DELETE, GET, PATCH"


def test_unexpected_errors_are_500_in_the_same_shape(runtime: Runtime) -> None:
    app = create_app(runtime)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    with TestClient(app, raise_server_exceptions=False,
                    headers=bearer(runtime, "alice")) as client:
        response = client.get("/api/boom")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "secret" not in error["message"]
