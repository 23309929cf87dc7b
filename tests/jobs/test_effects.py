"""The built-in effect kinds: signed webhooks and emails, and which failures are retried."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from engine.jobs.worker import Worker
from engine.runtime.clock import ManualClock
from engine.runtime.effects import MemoryMailer, MemoryWebhookSender, WebhookResponse
from engine.runtime.effects.mail import SmtpSettings
from engine.runtime.factory import Runtime, build_runtime
from tests.jobs.conftest import SECRET, SECRET_ENV
from tests.runtime.record_objects import T0, registry

Enqueue = Callable[..., int | None]
Row = Callable[[int], dict[str, Any]]

HOOK = {"url": "https://hooks.example.com/in", "body": {"event": "created", "id": 7, "名": "ü"},
        "secret_env": SECRET_ENV}


def receiver_accepts(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """What a receiver does, written from docs/jobs.md without the engine's code."""
    timestamp = headers["X-Flowdesk-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(headers["X-Flowdesk-Signature"], "sha256=" + expected.hexdigest())


def test_a_webhook_is_signed_so_that_a_receiver_can_verify_it(
    worker: Worker, hooks: MemoryWebhookSender, enqueue: Enqueue
) -> None:
    job_id = enqueue("webhook", HOOK, key="ticket-7-created")
    assert worker.run_due().done == 1
    [(url, body, headers)] = hooks.posts
    assert url == HOOK["url"]
    assert json.loads(body) == HOOK["body"]
    assert headers["X-Flowdesk-Timestamp"] == str(int(T0.timestamp()))
    assert headers["Idempotency-Key"] == "ticket-7-created"
    assert headers["Content-Type"] == "application/json"
    assert receiver_accepts(headers, body, SECRET)
    assert not receiver_accepts(headers, body, "another secret")
    assert not receiver_accepts(headers, body.replace(b"7", b"8"), SECRET)
    assert job_id is not None


def test_a_webhook_without_a_key_uses_the_job_id_as_idempotency_key(
    worker: Worker, hooks: MemoryWebhookSender, enqueue: Enqueue
) -> None:
    job_id = enqueue("webhook", HOOK)
    worker.run_due()
    assert hooks.posts[0][2]["Idempotency-Key"] == f"job-{job_id}"


@pytest.mark.parametrize(
    ("status", "outcome", "code"),
    [
        (200, "done", None),
        (204, "done", None),
        (400, "dead", "webhook_rejected"),
        (401, "dead", "webhook_rejected"),
        (404, "dead", "webhook_rejected"),
        (408, "pending", "webhook_failed"),
        (429, "pending", "webhook_failed"),
        (500, "pending", "webhook_failed"),
        (503, "pending", "webhook_failed"),
        (302, "dead", "webhook_rejected"),  # redirects are never followed
    ],
)
def test_4xx_answers_are_permanent_except_408_and_429_and_the_rest_is_retried(
    worker: Worker, hooks: MemoryWebhookSender, enqueue: Enqueue, job_row: Row,
    status: int, outcome: str, code: str | None,
) -> None:
    hooks.answer = lambda url, body, headers: WebhookResponse(status, b"nope")
    job_id = enqueue("webhook", HOOK)
    assert job_id is not None
    worker.run_due()
    row = job_row(job_id)
    assert row["status"] == outcome
    if code is None:
        assert row["last_error"] is None
    else:
        assert row["last_error"].startswith(f"[{code}] POST {HOOK['url']}")
        assert f" {status}" in row["last_error"]


def test_a_network_error_is_retried(
    worker: Worker, hooks: MemoryWebhookSender, enqueue: Enqueue, job_row: Row
) -> None:
    def unreachable(url: str, body: bytes, headers: Mapping[str, str]) -> WebhookResponse:
        raise ConnectionRefusedError("connection refused")

    hooks.answer = unreachable
    job_id = enqueue("webhook", HOOK)
    assert job_id is not None
    worker.run_due()
    row = job_row(job_id)
    assert row["status"] == "pending"
    assert row["last_error"] == (
        f"[webhook_failed] POST {HOOK['url']} failed: connection refused")


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        ({**HOOK, "secret_env": "FLOWDESK_NOT_SET"}, "pending",
         "[webhook_secret_missing] the webhook secret variable FLOWDESK_NOT_SET is not set in "
         "the worker's environment; set it (the job is retried)"),
        ({**HOOK, "url": "ftp://x"}, "dead",
         "[job_payload_invalid] a webhook url must start with https:// or http://, got 'ftp://x'"),
        ({"url": HOOK["url"], "body": {}}, "dead",
         "[job_payload_invalid] a webhook job needs 'secret_env' as text, got None"),
    ],
)
def test_a_webhook_job_with_a_bad_payload_or_no_secret_says_why(
    worker: Worker, hooks: MemoryWebhookSender, enqueue: Enqueue, job_row: Row,
    payload: dict[str, Any], status: str, error: str,
) -> None:
    job_id = enqueue("webhook", payload)
    assert job_id is not None
    worker.run_due()
    assert (job_row(job_id)["status"], job_row(job_id)["last_error"]) == (status, error)
    assert hooks.posts == []


def test_an_email_job_sends_one_message_whose_id_comes_from_the_key(
    worker: Worker, mailer: MemoryMailer, enqueue: Enqueue
) -> None:
    enqueue("email", {"to": ["a@example.com", "b@example.com"], "cc": "c@example.com",
                      "subject": "Your request", "body": "Hello", "html": "<p>Hello</p>"},
            key="mail-1", object="account", record_id=3)
    enqueue("email", {"to": "a@example.com", "subject": "Again", "body": "Hi"}, key="mail-2")
    assert worker.run_due().done == 2
    (first, key1), (second, key2) = mailer.sent
    assert (key1, key2) == ("mail-1", "mail-2")
    assert first["From"] == "desk@example.com"
    assert first["To"] == "a@example.com, b@example.com"
    assert first["Cc"] == "c@example.com"
    assert first["Subject"] == "Your request"
    assert first["X-Flowdesk-Record"] == "account/3"
    assert first.get_body(("plain",)).get_content().strip() == "Hello"
    assert first.get_body(("html",)).get_content().strip() == "<p>Hello</p>"
    assert first["Message-ID"] != second["Message-ID"]
    assert first["Message-ID"].startswith("<mail-1.")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"subject": "s", "body": "b"},
         "[job_payload_invalid] an email job needs 'to' (an address or a list of them)"),
        ({"to": "nobody", "subject": "s", "body": "b"},
         "[job_payload_invalid] email 'to' must be an address or a list of addresses, "
         "got 'nobody'"),
        ({"to": "a@example.com", "body": "b"},
         "[job_payload_invalid] an email job needs 'subject' as text, got None"),
    ],
)
def test_an_email_job_with_a_bad_payload_is_dead_with_the_reason(
    worker: Worker, mailer: MemoryMailer, enqueue: Enqueue, job_row: Row,
    payload: dict[str, Any], error: str,
) -> None:
    job_id = enqueue("email", payload)
    assert job_id is not None
    worker.run_due()
    assert (job_row(job_id)["status"], job_row(job_id)["last_error"]) == ("dead", error)
    assert mailer.sent == []


def test_without_a_mail_server_email_jobs_are_dead_and_say_how_to_configure_one(
    runtime: Runtime, enqueue: Enqueue, job_row: Row
) -> None:
    bare = build_runtime(registry(), runtime.database, ManualClock(T0), environ={})
    job_id = enqueue("email", {"to": "a@example.com", "subject": "s", "body": "b"})
    assert job_id is not None
    Worker(bare).run_due()
    row = job_row(job_id)
    assert row["status"] == "dead"
    assert row["last_error"].startswith("[email_not_configured] no mail server is configured;")


def test_smtp_settings_come_from_the_environment() -> None:
    assert SmtpSettings.from_env({}) is None
    settings = SmtpSettings.from_env({
        "FLOWDESK_SMTP_HOST": "mail.example.com", "FLOWDESK_SMTP_PORT": "587",
        "FLOWDESK_SMTP_USER": "desk", "FLOWDESK_SMTP_PASSWORD": "pw",
        "FLOWDESK_SMTP_STARTTLS": "true", "FLOWDESK_MAIL_FROM": "desk@example.com",
    })
    assert settings == SmtpSettings("mail.example.com", 587, "desk", "pw", True, False,
                                    "desk@example.com")
