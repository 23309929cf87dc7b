"""After an error the connection stays usable: a keep-alive client's next request goes over
the same connection, against a real server (uvicorn, in a thread)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from engine.api.app import create_app
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer

from .test_api_errors import error_of


class _Server(uvicorn.Server):
    """uvicorn that says when it listens (instead of the test polling for it)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@pytest.fixture
def served(runtime: Runtime) -> Iterator[tuple[str, FastAPI]]:
    """The API served over TCP on a free local port; yields its base URL and the app."""
    app = create_app(runtime)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    server = _Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        assert server.ready.wait(timeout=60), "the server did not start"
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", app
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        listener.close()


def _local_port(response: httpx.Response) -> Any:
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]


def test_after_a_500_the_next_request_goes_over_the_same_connection(
    runtime: Runtime, served: tuple[str, FastAPI]
) -> None:
    url, app = served

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with httpx.Client(base_url=url, headers=bearer(runtime, "alice")) as client:
        failed = client.get("/api/boom")
        assert failed.status_code == 500
        assert error_of(failed)["code"] == "internal_error"
        assert failed.headers.get("connection", "").lower() != "close"
        after = client.get("/api/records/account")
        assert after.status_code == 200
        assert _local_port(after) == _local_port(failed)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/records/account", b'{"name": "a\\u0000"}'),
    ("POST", "/api/records/account", b"[" * 100 + b"]" * 100),
    ("GET", "/api/records/account?offset=9223372036854775808", None),
    ("GET", "/api/records/acount", None),
])
def test_after_a_refused_request_the_connection_stays_usable(
    runtime: Runtime, served: tuple[str, FastAPI], method: str, path: str, body: bytes | None
) -> None:
    url, _ = served
    headers = {**bearer(runtime, "alice"), "Content-Type": "application/json"}
    with httpx.Client(base_url=url, headers=headers) as client:
        refused = client.request(method, path, content=body)
        assert 400 <= refused.status_code < 500
        after = client.get("/api/records/account")
        assert after.status_code == 200
        assert _local_port(after) == _local_port(refused)
