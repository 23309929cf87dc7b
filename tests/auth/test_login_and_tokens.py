"""Logging in and out, sessions with CSRF, API tokens with scopes, brute-force limits, the
protection of every route, and the audit trail of it all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.api.auth import PUBLIC_ROUTES
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer

PASSWORD = "correct horse battery"


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    runtime.auth.users.create("ada", roles=["admin"], password=PASSWORD, actor="test")
    return create_app(runtime, public_rate_limit=20)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def login(client: TestClient, name: str = "ada", password: str = PASSWORD) -> Any:
    return client.post("/api/auth/login", json={"name": name, "password": password})


def events(runtime: Runtime) -> list[tuple[str, str | None]]:
    with runtime.database.connect() as conn:
        return [(e.action, e.actor) for e in reversed(runtime.auth.users.events.recent(conn))]


def test_every_route_but_the_public_ones_needs_a_credential(app: FastAPI) -> None:
    @app.get("/api/added-later")  # a router added by someone else, later
    def added() -> dict[str, str]:
        return {"secret": "data"}

    with TestClient(app, raise_server_exceptions=False) as client:
        for route in app.routes:
            for method in getattr(route, "methods", set()) - {"HEAD"}:
                path = route.path.replace("{", "").replace("}", "")  # type: ignore[attr-defined]
                if (method, route.path) in PUBLIC_ROUTES or route.path.startswith(  # type: ignore[attr-defined]
                        ("/docs", "/redoc", "/openapi")):
                    continue
                response = client.request(method, path)
                assert response.status_code == 401, (method, path, response.text)
                assert response.json()["error"]["code"] == "not_authenticated"
                assert response.headers["WWW-Authenticate"] == 'Bearer realm="flowdesk"'
        assert client.get("/api/health").status_code == 200


def test_login_sets_an_httponly_lax_cookie_and_answers_the_csrf_token(
        client: TestClient) -> None:
    response = login(client)
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("flowdesk_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session
    body = response.json()
    assert body["user"]["name"] == "ada" and body["via"] == "session"
    assert client.get("/api/auth/me").json()["user"]["roles"] == ["admin"]


def test_unsafe_requests_with_the_cookie_need_the_csrf_header(client: TestClient) -> None:
    csrf = login(client).json()["csrf_token"]
    refused = client.post("/api/records/account", json={"name": "A"})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "a request with the session cookie must send the X-CSRF-Token header the login "
        "answered with")
    wrong = client.post("/api/records/account", json={"name": "A"},
                        headers={"X-CSRF-Token": "0" * 64})
    assert wrong.json()["error"]["code"] == "csrf_failed"
    ok = client.post("/api/records/account", json={"name": "A"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201 and ok.json()["created_by"] == "ada"


def test_a_bearer_token_needs_no_csrf(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/api/records/account", json={"name": "A"},
                           headers=bearer(runtime, "ada"))
    assert response.status_code == 201


def test_logout_ends_the_session(client: TestClient, runtime: Runtime) -> None:
    csrf = login(client).json()["csrf_token"]
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("flowdesk_session", "stale")  # even if the browser kept it
    assert client.get("/api/auth/me").status_code == 401
    assert ("logout", "ada") in events(runtime)


def test_a_wrong_password_does_not_say_which_part_was_wrong(client: TestClient) -> None:
    for name, password in (("ada", "wrong password"), ("nobody", PASSWORD)):
        response = login(client, name, password)
        assert response.status_code == 401
        assert response.json()["error"] == {"code": "login_failed", "details": [],
                                             "message": "wrong user name or password"}


def test_login_brute_force_is_throttled_per_account(
        client: TestClient, clock: ManualClock) -> None:
    for _ in range(5):
        assert login(client, password="guess").status_code == 401
    throttled = login(client)  # even the right password, now
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "900"
    assert throttled.json()["error"] == {
        "code": "login_throttled", "details": [],
        "message": "too many failed logins for this account; try again in 900 seconds"}
    clock.advance(minutes=15, seconds=1)
    assert login(client).status_code == 200


def test_login_brute_force_is_throttled_per_address(
        runtime: Runtime, client: TestClient) -> None:
    runtime.auth.throttle.per_address = 3
    for name in ("a1", "a2", "a3"):
        assert login(client, name, "guess").status_code == 401
    response = login(client, "a4", "guess")
    assert response.status_code == 429
    assert "your address" in response.json()["error"]["message"]


def test_public_endpoints_are_rate_limited(client: TestClient, clock: ManualClock) -> None:
    for _ in range(20):
        assert client.get("/api/health").status_code == 200
    limited = client.get("/api/health")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert limited.json()["error"]["message"] == "too many requests; try again in 60 seconds"
    clock.advance(seconds=60)
    assert client.get("/api/health").status_code == 200


def test_tokens_are_shown_once_listed_without_secret_and_revocable(
        client: TestClient, runtime: Runtime, clock: ManualClock) -> None:
    admin = bearer(runtime, "ada")
    created = client.post("/api/auth/tokens", json={"name": "ci", "scopes": ["read"]},
                          headers=admin)
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("fd_" + created.json()["prefix"] + "_")
    token = {"Authorization": f"Bearer {secret}"}
    clock.advance(minutes=2)
    assert client.get("/api/records/account", headers=token).status_code == 200
    listed = client.get("/api/auth/tokens", headers=admin).json()["items"]
    mine = next(t for t in listed if t["id"] == created.json()["id"])
    assert "secret" not in mine and mine["last_used_at"] == "2026-03-02T09:02:00Z"
    revoked = client.delete(f"/api/auth/tokens/{mine['id']}", headers=admin)
    assert revoked.json()["revoked_at"] == "2026-03-02T09:02:00Z"
    assert client.get("/api/records/account", headers=token).status_code == 401


def test_token_scopes_limit_what_it_may_do(client: TestClient, runtime: Runtime) -> None:
    reader = bearer(runtime, "ada", scopes=["read"])
    assert client.get("/api/records/account", headers=reader).status_code == 200
    write = client.post("/api/records/account", json={"name": "A"}, headers=reader)
    assert write.status_code == 403
    assert write.json()["error"] == {
        "code": "scope_denied", "details": [],
        "message": "this token lacks the 'write' scope (it has: read)"}
    assert client.get("/api/admin/users", headers=reader).json()["error"]["code"] == (
        "scope_denied")
    wider = client.post("/api/auth/tokens", json={"name": "x", "scopes": ["write"]},
                        headers=reader)
    assert wider.status_code == 403
    assert wider.json()["error"]["message"] == "you may not create a token with scope(s) write"


def test_admins_manage_users_and_role_changes_are_audited(
        client: TestClient, runtime: Runtime) -> None:
    admin = bearer(runtime, "ada")
    made = client.post("/api/admin/users", json={"name": "bo", "roles": ["admin"],
                                                 "password": "short"}, headers=admin)
    assert made.status_code == 422
    assert made.json()["error"]["details"] == [{"loc": ["body", "password"], "type":
                                               "password_too_short", "msg":
                                               "a password needs at least 8 characters"}]
    made = client.post("/api/admin/users", json={"name": "bo", "roles": ["admin"]},
                       headers=admin)
    assert made.status_code == 201
    twice = client.post("/api/admin/users", json={"name": "bo", "roles": ["admin"]},
                        headers=admin)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "user_exists"
    unknown = client.patch(f"/api/admin/users/{made.json()['id']}", json={"roles": ["admn"]},
                           headers=admin)
    assert unknown.json()["error"]["details"][0]["msg"] == (
        "unknown role 'admn' (did you mean 'admin'?); roles: admin")
    off = client.patch(f"/api/admin/users/{made.json()['id']}", json={"active": False},
                       headers=admin)
    assert off.json()["active"] is False
    assert ("user_created", "ada") in events(runtime)
    assert ("user_deactivated", "ada") in events(runtime)


def test_auth_events_are_audited(client: TestClient, runtime: Runtime) -> None:
    login(client, password="nope")
    csrf = login(client).json()["csrf_token"]
    made = client.post("/api/auth/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": csrf})
    client.delete(f"/api/auth/tokens/{made.json()['id']}", headers={"X-CSRF-Token": csrf})
    client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert events(runtime)[-5:] == [("login_failed", "ada"), ("login", "ada"),
                                    ("token_created", "ada"), ("token_revoked", "ada"),
                                    ("logout", "ada")]
    listed = client.get("/api/admin/auth-events", headers=bearer(runtime, "ada")).json()
    assert listed["items"][0]["action"] == "token_created"  # the bearer() call just now


def test_a_deactivated_users_credentials_stop_working(
        client: TestClient, runtime: Runtime) -> None:
    token = bearer(runtime, "ada")
    user = runtime.auth.users.by_name("ada")
    assert user is not None
    runtime.auth.users.update(user.id, active=False, actor="t")
    assert client.get("/api/auth/me", headers=token).status_code == 401
    assert login(client).status_code == 401


def test_sessions_end_after_being_idle(client: TestClient, clock: ManualClock) -> None:
    login(client)
    clock.advance(timedelta(hours=11))
    assert client.get("/api/auth/me").status_code == 200
    clock.advance(timedelta(hours=12))
    assert client.get("/api/auth/me").status_code == 401
