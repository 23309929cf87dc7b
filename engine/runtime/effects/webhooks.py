"""Outbound webhooks: the ``WebhookSender`` protocol, an HTTP sender that posts only to checked
public addresses (see ``docs/jobs.md``), an in-memory one for tests, HMAC signing and the
built-in ``webhook`` job kind.

Every request carries ``X-Flowdesk-Timestamp``, ``X-Flowdesk-Signature: sha256=<hex>`` (HMAC-
SHA256 with the secret over ``timestamp + "." + body``) and ``Idempotency-Key``; see
``docs/jobs.md`` for how a receiver checks them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.runtime.effects.webhook_connection import Resolver, post_to_checked_address
from engine.runtime.job_errors import JobFailed
from engine.runtime.outbox import Job, JobHandler
from engine.runtime.unit_of_work import UnitOfWork

__all__ = [
    "WebhookResponse",
    "WebhookSender",
    "UrllibWebhookSender",
    "MemoryWebhookSender",
    "sign_webhook",
    "webhook_body",
    "webhook_job_handler",
    "is_permanent_status",
    "WEBHOOK_KIND",
    "DEFAULT_WEBHOOK_TIMEOUT",
]

WEBHOOK_KIND = "webhook"
DEFAULT_WEBHOOK_TIMEOUT = 10.0
_MAX_ANSWER_BYTES = 4096


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    """The receiver's answer: its status and the start of its body (for the error text)."""

    status: int
    body: bytes = b""
    location: str | None = None
    """Where a redirect (3xx) pointed; webhooks never follow one."""


class WebhookSender(Protocol):
    """Posts a body to a URL; raises on a network error, returns any HTTP answer."""

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> WebhookResponse: ...


class UrllibWebhookSender:
    """Posts with ``http.client`` to an address checked first (:mod:`.webhook_connection`):
    public addresses only unless ``allow_private``; redirects are answers, never followed.
    HTTP error statuses are answers, not exceptions."""

    def __init__(self, *, allow_private: bool = False, resolve: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self._resolve = resolve

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> WebhookResponse:
        status, answer, location = post_to_checked_address(
            url, body, headers, timeout, allow_private=self.allow_private,
            resolve=self._resolve, max_answer_bytes=_MAX_ANSWER_BYTES)
        return WebhookResponse(status, answer, location)


@dataclass
class MemoryWebhookSender:
    """Records every post; answers with ``answer(url, body, headers)`` (200 by default)."""

    posts: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)
    answer: Callable[[str, bytes, Mapping[str, str]], WebhookResponse] | None = None

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
    ) -> WebhookResponse:
        self.posts.append((url, body, dict(headers)))
        return self.answer(url, body, headers) if self.answer else WebhookResponse(200)


def sign_webhook(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with ``secret`` over ``timestamp + "." + body``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_body(value: Any) -> bytes:
    """The exact bytes posted for a JSON value (compact, keys sorted, UTF-8)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def is_permanent_status(status: int) -> bool:
    """A 4xx answer other than 408 (timeout) and 429 (too many requests) will not change."""
    return 400 <= status < 500 and status not in (408, 429)


def _payload_text(job: Job, key: str) -> str:
    value = job.payload.get(key)
    if not isinstance(value, str) or not value:
        raise JobFailed(
            f"a webhook job needs '{key}' as text, got {value!r}",
            code="job_payload_invalid",
            retryable=False,
        )
    return value


def webhook_job_handler(
    sender: WebhookSender,
    environ: Mapping[str, str],
    *,
    timeout: float = DEFAULT_WEBHOOK_TIMEOUT,
) -> JobHandler:
    """The handler of the built-in ``webhook`` job kind. Its payload holds ``url``, ``body``
    (any JSON value) and ``secret_env``: the *name* of the environment variable that holds the
    signing secret, read from ``environ`` when the job runs (never stored in the job)."""

    def post_webhook(job: Job, uow: UnitOfWork) -> None:
        url = _payload_text(job, "url")
        if not url.startswith(("https://", "http://")):
            raise JobFailed(
                f"a webhook url must start with https:// or http://, got {url!r}",
                code="job_payload_invalid",
                retryable=False,
            )
        secret_env = _payload_text(job, "secret_env")
        secret = environ.get(secret_env)
        if not secret:
            raise JobFailed(
                f"the webhook secret variable {secret_env} is not set in the worker's "
                "environment; set it (the job is retried)",
                code="webhook_secret_missing",
            )
        body = webhook_body(job.payload.get("body"))
        timestamp = str(int(uow.now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Flowdesk-Webhook/1",
            "X-Flowdesk-Timestamp": timestamp,
            "X-Flowdesk-Signature": sign_webhook(secret, timestamp, body),
            "Idempotency-Key": job.idempotency_key,
        }
        try:
            answer = sender.post(url, body, headers, timeout)
        except OSError as exc:
            raise JobFailed(f"POST {url} failed: {exc}", code="webhook_failed") from exc
        if 200 <= answer.status < 300:
            return
        excerpt = answer.body[:200].decode("utf-8", "replace")
        if 300 <= answer.status < 400:
            raise JobFailed(
                f"POST {url} answered {answer.status}, a redirect to {answer.location!r}; "
                "webhooks do not follow redirects: point the webhook at the final address",
                code="webhook_rejected",
                retryable=False,
            )
        if is_permanent_status(answer.status):
            raise JobFailed(
                f"POST {url} was refused with {answer.status} (not retried): {excerpt}",
                code="webhook_rejected",
                retryable=False,
            )
        raise JobFailed(
            f"POST {url} answered {answer.status} (will retry): {excerpt}", code="webhook_failed"
        )

    return post_webhook
