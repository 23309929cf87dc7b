"""Which address login throttling and rate limits count a request under: the socket's peer,
unless the operator named that peer as a trusted proxy; X-Forwarded-For from anyone else
(a local process included) is ignored."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.api.trusted_proxies import TrustedProxies
from engine.errors import FlowdeskError
from engine.runtime.factory import Runtime, build_engine

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "tests" / "packs" / "equipment_loans"
_CLI = "import sys; from engine.cli import main; sys.exit(main(sys.argv[1:]))"
PASSWORD = "correct horse battery"


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        # No trusted proxies (the default): the header is ignored, whoever sends it.
        ((), "127.0.0.1", ["6.6.6.6"], "127.0.0.1"),
        ((), "10.0.0.5", ["6.6.6.6"], "10.0.0.5"),
        # A trusted proxy: the right-most address it did not add itself.
        (("10.0.0.0/8",), "10.0.0.5", ["203.0.113.7"], "203.0.113.7"),
        # A client's own forged entries sit left of the real one and are not believed.
        (("10.0.0.0/8",), "10.0.0.5", ["6.6.6.6, 203.0.113.7"], "203.0.113.7"),
        # Chained trusted proxies are skipped, over several header lines too.
        (("10.0.0.0/8",), "10.0.0.5", ["198.51.100.1, 203.0.113.7", "10.1.1.1"],
         "203.0.113.7"),
        # A peer outside the trusted networks: its header is not believed.
        (("10.0.0.0/8",), "192.0.2.9", ["203.0.113.7"], "192.0.2.9"),
        # Garbage in the header: the last trusted hop is what we know.
        (("10.0.0.0/8",), "10.0.0.5", ["not-an-address"], "10.0.0.5"),
        # Only trusted hops: the left-most of them.
        (("10.0.0.0/8",), "10.0.0.5", ["10.9.9.9"], "10.9.9.9"),
        # No header from a trusted proxy: the proxy itself.
        (("10.0.0.0/8",), "10.0.0.5", [], "10.0.0.5"),
        # IPv6, and an IPv4 peer written as an IPv4-mapped IPv6 address.
        (("fd00::/8",), "fd00::1", ["2001:db8::7"], "2001:db8::7"),
        (("10.0.0.0/8",), "::ffff:10.0.0.5", ["203.0.113.7"], "203.0.113.7"),
    ],
)
def test_the_client_address_believes_forwarded_for_only_from_trusted_proxies(
    trusted: tuple[str, ...], peer: str, forwarded: list[str], client: str
) -> None:
    assert TrustedProxies.parse(trusted).client_of(peer, forwarded) == client


def test_a_malformed_trusted_proxy_is_refused_with_its_text() -> None:
    with pytest.raises(FlowdeskError) as caught:
        TrustedProxies.parse(["10.0.0.0/8", "proxy.internal"])
    assert caught.value.code == "trusted_proxy_invalid"
    assert caught.value.message == (
        "trusted proxy 'proxy.internal' is not an address or a network "
        "(e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)")


def test_trusted_proxies_come_from_the_environment_comma_separated() -> None:
    proxies = TrustedProxies.from_env({"FLOWDESK_TRUSTED_PROXIES": "10.0.0.0/8, fd00::/8"})
    assert [str(n) for n in proxies.networks] == ["10.0.0.0/8", "fd00::/8"]
    assert TrustedProxies.from_env({}).networks == ()


def _fail_logins(client: TestClient, count: int, *, rotate: bool) -> list[int]:
    return [client.post("/api/auth/login", json={"name": f"nobody{i}", "password": "x"},
                        headers={"X-Forwarded-For": f"198.51.100.{i if rotate else 1}"}
                        ).status_code
            for i in range(count)]


def test_a_local_client_cannot_escape_the_address_throttle_with_forwarded_for(
    runtime: Runtime,
) -> None:
    runtime.auth.throttle.per_address = 3
    app = create_app(runtime)
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 5000)) as client:
        assert _fail_logins(client, 4, rotate=True) == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_is_throttled_on_its_own(
    runtime: Runtime,
) -> None:
    runtime.auth.throttle.per_address = 3
    app = create_app(runtime, trusted_proxies=TrustedProxies.parse(["127.0.0.1"]))
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 5000)) as client:
        assert _fail_logins(client, 4, rotate=True) == [401] * 4
        assert _fail_logins(client, 4, rotate=False) == [401, 401, 429, 429]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(tmp_path: Path, *options: str) -> Iterator[str]:
    """``flowdesk serve`` on a fresh SQLite database with user ada: its base URL."""
    url = f"sqlite:///{tmp_path / 'proxy.db'}"
    runtime = build_engine([PACK], url)
    runtime.auth.users.create("ada", roles=["admin"], password=PASSWORD, actor="test")
    runtime.close()
    port = _free_port()
    env = {**os.environ, "FLOWDESK_SECRET_KEY": "k" * 40}
    env.pop("FLOWDESK_TRUSTED_PROXIES", None)
    process = subprocess.Popen(
        [sys.executable, "-c", _CLI, "serve", str(PACK), "--db", url, "--no-worker",
         "--port", str(port), *options], cwd=REPO, env=env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[1].decode()
            try:
                httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``flowdesk serve`` with no trusted proxy."""
    with _serving(tmp_path) as base:
        yield base


def test_serve_ignores_forwarded_for_from_a_local_peer_by_default(served: str) -> None:
    # 20 failed logins per address lock the address; rotating the header must not help.
    codes = [httpx.post(f"{served}/api/auth/login", json={"name": f"n{i}", "password": "x"},
                        headers={"X-Forwarded-For": f"198.51.100.{i}"}, timeout=10).status_code
             for i in range(21)]
    assert codes == [401] * 20 + [429]


def test_serve_refuses_a_malformed_trusted_proxy(tmp_path: Path) -> None:
    env = {**os.environ, "FLOWDESK_SECRET_KEY": "k" * 40}
    done = subprocess.run(
        [sys.executable, "-c", _CLI, "serve", str(PACK), "--db",
         f"sqlite:///{tmp_path / 'x.db'}", "--trusted-proxy", "10.0.0.300"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "trusted proxy '10.0.0.300' is not an address or a network" in done.stderr


def test_serve_behind_a_trusted_proxy_sees_the_client_and_the_https_scheme(
    tmp_path: Path
) -> None:
    with _serving(tmp_path, "--trusted-proxy", "127.0.0.1") as base:
        # Each forwarded client has its own address count: 21 failures pass unthrottled.
        codes = {httpx.post(f"{base}/api/auth/login", json={"name": f"n{i}", "password": "x"},
                            headers={"X-Forwarded-For": f"198.51.100.{i}"},
                            timeout=10).status_code for i in range(21)}
        assert codes == {401}
        # TLS ends at the proxy: the session cookie is still Secure.
        answer = httpx.post(f"{base}/api/auth/login",
                            json={"name": "ada", "password": PASSWORD}, timeout=10,
                            headers={"X-Forwarded-Proto": "https",
                                     "X-Forwarded-For": "198.51.100.99"})
        assert answer.status_code == 200
        session = next(c for c in answer.headers.get_list("set-cookie")
                       if c.startswith("flowdesk_session="))
        assert "Secure" in session
