"""Webhooks go to public addresses only: loopback, private, link-local (cloud metadata),
multicast and reserved targets are refused on the address the host resolves to, redirects are
never followed, and the connection goes to the address that was checked. An operator may allow
private targets (``FLOWDESK_WEBHOOK_ALLOW_PRIVATE=1``), never link-local ones."""

from __future__ import annotations

import ipaddress
import shutil
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from engine.errors import PackError
from engine.jobs.worker import Worker
from engine.packs import compile_registry
from engine.packs.loader import load_packs
from engine.runtime.effects import UrllibWebhookSender
from engine.runtime.effects.webhook_connection import checked_target
from engine.runtime.job_errors import JobFailed
from engine.runtime.unit_of_work import unit_of_work
from engine.workflows.webhook_targets import IpAddress, address_refusal, private_allowed
from tests.jobs.conftest import SECRET_ENV
from tests.workflows.problems import assert_one_problem

Row = Callable[[int], dict[str, Any]]


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata endpoint
        ("100.64.0.1", "not public"),  # carrier-grade NAT
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "private"),  # AWS metadata over IPv6
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback (inside ::ffff:7f00:1)"),
        ("::ffff:169.254.169.254", "link-local (inside ::ffff:a9fe:a9fe)"),
        ("64:ff9b::a9fe:a9fe", "link-local (inside 64:ff9b::a9fe:a9fe)"),  # NAT64
        ("2002:7f00:1::", "loopback (inside 2002:7f00:1::)"),  # 6to4
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_only_public_addresses_are_webhook_targets(address: str, refusal: str | None) -> None:
    assert address_refusal(ipaddress.ip_address(address)) == refusal


@pytest.mark.parametrize(("value", "allowed"), [("1", True), ("true", True), ("yes", True),
                                                ("", False), ("0", False), ("no", False)])
def test_the_operator_setting_allows_private_targets(value: str, allowed: bool) -> None:
    assert private_allowed({"FLOWDESK_WEBHOOK_ALLOW_PRIVATE": value}) is allowed


def _resolver(*addresses: str) -> Callable[[str, int], list[IpAddress]]:
    return lambda host, port: [ipaddress.ip_address(a) for a in addresses]


def test_a_host_is_refused_if_any_address_it_resolves_to_is_not_public() -> None:
    with pytest.raises(JobFailed) as caught:
        checked_target("https://hooks.example.test/in", allow_private=False,
                       resolve=_resolver("93.184.216.34", "10.0.0.7"))
    assert caught.value.code == "webhook_target_refused" and not caught.value.retryable
    assert caught.value.message == (
        "POST https://hooks.example.test/in refused: hooks.example.test is 10.0.0.7, a private "
        "address; webhooks go to public addresses only (an operator may allow private ones: "
        "FLOWDESK_WEBHOOK_ALLOW_PRIVATE=1)")


def test_link_local_targets_are_refused_even_when_private_ones_are_allowed() -> None:
    with pytest.raises(JobFailed) as caught:
        checked_target("http://metadata.example.test/latest", allow_private=True,
                       resolve=_resolver("169.254.169.254"))
    assert caught.value.message == (
        "POST http://metadata.example.test/latest refused: metadata.example.test is "
        "169.254.169.254, a link-local address; webhooks go to public addresses only")


def test_a_host_that_does_not_resolve_is_retried() -> None:
    def fails(host: str, port: int) -> list[IpAddress]:
        raise OSError("Name or service not known")

    with pytest.raises(JobFailed) as caught:
        checked_target("https://nowhere.example.test/", allow_private=False, resolve=fails)
    assert caught.value.code == "webhook_failed" and caught.value.retryable


# -- through the worker, with a real receiver on 127.0.0.1 --------------------------------


class _Receiver:
    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []  # (path, Host header)
        self.url = ""


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    """Answers 200 on /hook and a redirect to the metadata endpoint on /moved."""
    seen = _Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.posts.append((self.path, self.headers.get("Host", "")))
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            else:
                self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    seen.url = f"http://127.0.0.1:{server.server_address[1]}"
    Thread(target=server.serve_forever, daemon=True).start()
    yield seen
    server.shutdown()
    server.server_close()


def _run_hook(worker: Worker, url: str) -> int:
    runtime = worker.runtime
    with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
        job_id = runtime.outbox.enqueue(uow, "webhook", {
            "url": url, "body": {"n": 1}, "secret_env": SECRET_ENV})
    assert job_id is not None
    worker.run_due()
    return job_id


def _worker_with(worker: Worker, sender: UrllibWebhookSender) -> Worker:
    from engine.runtime.effects import webhook_job_handler

    handlers = {**worker.handlers,
                "webhook": webhook_job_handler(sender, {SECRET_ENV: "s"})}
    return Worker(worker.runtime, "hooks", handlers=handlers)


def test_a_webhook_to_a_loopback_receiver_is_dead_without_the_operator_setting(
    worker: Worker, receiver: _Receiver, job_row: Row
) -> None:
    default = _worker_with(worker, UrllibWebhookSender())
    for url in (f"{receiver.url}/hook", receiver.url.replace("127.0.0.1", "localhost") + "/hook"):
        row = job_row(_run_hook(default, url))
        assert row["status"] == "dead"
        assert row["last_error"].startswith(f"[webhook_target_refused] POST {url} refused: ")
        assert "a loopback address; webhooks go to public addresses only" in row["last_error"]
    assert receiver.posts == []

    allowed = _worker_with(worker, UrllibWebhookSender(allow_private=True))
    assert job_row(_run_hook(allowed, f"{receiver.url}/hook"))["status"] == "done"
    assert [path for path, _ in receiver.posts] == ["/hook"]


def test_a_webhook_redirect_is_not_followed_and_the_job_says_where_it_pointed(
    worker: Worker, receiver: _Receiver, job_row: Row
) -> None:
    allowed = _worker_with(worker, UrllibWebhookSender(allow_private=True))
    row = job_row(_run_hook(allowed, f"{receiver.url}/moved"))
    assert row["status"] == "dead"
    assert row["last_error"] == (
        f"[webhook_rejected] POST {receiver.url}/moved answered 302, a redirect to "
        "'http://169.254.169.254/latest/meta-data/'; webhooks do not follow redirects: point "
        "the webhook at the final address")
    assert [path for path, _ in receiver.posts] == ["/moved"]


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    worker: Worker, receiver: _Receiver, job_row: Row
) -> None:
    # The name resolves once, to the receiver's address; a second lookup would fail (the
    # name exists nowhere), so delivery proves the checked address is the one connected to.
    port = int(receiver.url.rsplit(":", 1)[1])
    sender = UrllibWebhookSender(allow_private=True, resolve=_resolver("127.0.0.1"))
    url = f"http://hooks.example.test:{port}/hook"
    assert job_row(_run_hook(_worker_with(worker, sender), url))["status"] == "done"
    assert receiver.posts == [("/hook", f"hooks.example.test:{port}")]


# -- at pack load ------------------------------------------------------------------------------

LAB = Path(__file__).resolve().parents[1] / "packs" / "automation_lab"


@pytest.mark.parametrize(
    ("url", "refusal"),
    [("http://169.254.169.254/latest/meta-data/", "link-local"),
     ("http://[::ffff:169.254.169.254]/", "link-local (inside ::ffff:a9fe:a9fe)"),
     ("http://0.0.0.0:8080/", "unspecified")],
)
def test_a_pack_webhook_to_a_metadata_or_unspecified_address_is_refused_at_load(
    tmp_path: Path, url: str, refusal: str
) -> None:
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    hook = pack / "automations" / "notify_solved.yaml"
    hook.write_text(hook.read_text(encoding="utf-8").replace(
        "https://hooks.example.test/solved", url), encoding="utf-8")
    with pytest.raises(PackError) as info:
        compile_registry(load_packs([pack]))
    assert_one_problem(
        info.value.problems, "webhook_url_refused", "6:10",
        f"webhook: {url} is a {refusal} address (cloud metadata and the like), which "
        "webhooks never reach; give the receiver's public address",
        "automations/notify_solved.yaml")


def test_a_pack_webhook_to_a_private_address_loads_and_is_left_to_the_operator(
    tmp_path: Path
) -> None:
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    hook = pack / "automations" / "notify_solved.yaml"
    hook.write_text(hook.read_text(encoding="utf-8").replace(
        "https://hooks.example.test/solved", "http://10.0.0.5/hook"), encoding="utf-8")
    registry = compile_registry(load_packs([pack]))
    assert "notify_solved" in registry.automations
