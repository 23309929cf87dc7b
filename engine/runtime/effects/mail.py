"""Outbound email: the ``Mailer`` protocol, an SMTP mailer, a local mailbox (a folder of
``.eml`` files, for demos), an in-memory one for tests, and the built-in ``email`` job kind.

A job that names its ``message_id`` (channel replies do) is sent with it; otherwise the job's
idempotency key becomes the ``Message-ID``. Either way a message resent after a worker crash
(sent, but the job not yet marked done) is recognisably the same message.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol

from engine.runtime.job_errors import JobFailed
from engine.runtime.outbox import Job, JobHandler
from engine.runtime.unit_of_work import UnitOfWork

__all__ = [
    "Mailer",
    "SmtpSettings",
    "SmtpMailer",
    "MemoryMailer",
    "UnconfiguredMailer",
    "MailboxMailer",
    "message_id_for",
    "email_message",
    "email_job_handler",
    "EMAIL_KIND",
]

EMAIL_KIND = "email"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class Mailer(Protocol):
    """Something that delivers an email; raising means it was not delivered."""

    def send(self, message: EmailMessage, idempotency_key: str) -> None: ...


def message_id_for(idempotency_key: str, domain: str) -> str:
    """A stable ``Message-ID`` for a key: the same key always gives the same id."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:16]
    readable = _SAFE.sub("-", idempotency_key)[:64]
    return f"<{readable}.{digest}@{domain}>"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send mail. ``from_env`` reads ``FLOWDESK_SMTP_*``."""

    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    sender: str = "flowdesk@localhost"
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """Settings from ``FLOWDESK_SMTP_HOST`` (required), ``_PORT``, ``_USER``,
        ``_PASSWORD``, ``_STARTTLS``, ``_SSL`` and ``FLOWDESK_MAIL_FROM``; ``None`` without a
        host."""
        host = env.get("FLOWDESK_SMTP_HOST")
        if not host:
            return None
        flag = {"1", "true", "yes", "on"}
        return cls(
            host=host,
            port=int(env.get("FLOWDESK_SMTP_PORT") or 25),
            username=env.get("FLOWDESK_SMTP_USER") or None,
            password=env.get("FLOWDESK_SMTP_PASSWORD") or None,
            starttls=env.get("FLOWDESK_SMTP_STARTTLS", "").lower() in flag,
            ssl=env.get("FLOWDESK_SMTP_SSL", "").lower() in flag,
            sender=env.get("FLOWDESK_MAIL_FROM") or "flowdesk@localhost",
        )


class SmtpMailer:
    """Sends through an SMTP server (``smtplib``), one connection per message. A 5xx answer is
    permanent; a 4xx answer or a network error is retryable."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        s = self.settings
        _ensure_message_id(message, idempotency_key, s.host)
        try:
            smtp_class = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
            with smtp_class(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls and not s.ssl:
                    smtp.starttls()
                if s.username:
                    smtp.login(s.username, s.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            transient = any(400 <= code < 500 for code, _ in exc.recipients.values())
            raise JobFailed(
                f"the mail server refused the recipients: {exc.recipients}",
                code="email_failed" if transient else "email_rejected",
                retryable=transient,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise JobFailed(
                f"the mail server answered {exc.smtp_code}: {exc.smtp_error!r}",
                code="email_rejected" if exc.smtp_code >= 500 else "email_failed",
                retryable=exc.smtp_code < 500,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise JobFailed(
                f"could not reach the mail server {s.host}:{s.port}: {exc}", code="email_failed"
            ) from exc


@dataclass
class MemoryMailer:
    """Keeps every message instead of sending it (tests, dry runs). ``fail_with`` makes the
    next sends raise it."""

    sent: list[tuple[EmailMessage, str]] = field(default_factory=list)
    fail_with: BaseException | None = None

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        _ensure_message_id(message, idempotency_key, "memory")
        self.sent.append((message, idempotency_key))


def _ensure_message_id(message: EmailMessage, idempotency_key: str, domain: str) -> None:
    if message["Message-ID"] is None:
        message["Message-ID"] = message_id_for(idempotency_key, domain)


class MailboxMailer:
    """Delivers into a local folder, one ``.eml`` file per message (``flowdesk serve --demo``
    shows the whole conversation without a mail server). The file is named after the
    idempotency key, so a resent message replaces itself."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        _ensure_message_id(message, idempotency_key, "mailbox.localhost")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = _SAFE.sub("-", idempotency_key)[:120] + ".eml"
            partial = self.folder / f".{name}.partial"
            partial.write_bytes(bytes(message))
            os.replace(partial, self.folder / name)
        except OSError as exc:
            raise JobFailed(f"could not write to the mailbox folder {self.folder}: {exc}",
                            code="email_failed") from exc


class UnconfiguredMailer:
    """The mailer when no SMTP server is configured: every email job fails for good, visibly,
    until one is configured and the job retried (``POST /api/jobs/{id}/retry``)."""

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        raise JobFailed(
            "no mail server is configured; set FLOWDESK_SMTP_HOST (and FLOWDESK_MAIL_FROM) "
            "or pass --smtp-host, then retry the job",
            code="email_not_configured",
            retryable=False,
        )


def _addresses(payload: Mapping[str, Any], key: str, *, required: bool) -> list[str]:
    value = payload.get(key)
    if value is None or value == [] or value == "":
        if required:
            raise JobFailed(
                f"an email job needs '{key}' (an address or a list of them)",
                code="job_payload_invalid",
                retryable=False,
            )
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(a, str) and "@" in a for a in items):
        raise JobFailed(
            f"email '{key}' must be an address or a list of addresses, got {value!r}",
            code="job_payload_invalid",
            retryable=False,
        )
    return list(items)


def _text(payload: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = payload.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise JobFailed(
            f"an email job needs '{key}' as text, got {value!r}",
            code="job_payload_invalid",
            retryable=False,
        )
    return value


def email_message(job: Job, sender: str) -> EmailMessage:
    """The message an ``email`` job describes: ``to``, optional ``cc``, ``subject``, ``body``
    (plain text), optional ``html``. A job about a record names it in ``X-Flowdesk-Record``.
    Threaded replies add ``message_id``, ``in_reply_to``, ``references`` (a list),
    ``reply_to``, ``from``, ``auto_submitted`` and extra ``headers``."""
    p = job.payload
    message = EmailMessage()
    message["From"] = _text(p, "from", required=False) or sender
    message["To"] = ", ".join(_addresses(p, "to", required=True))
    cc = _addresses(p, "cc", required=False)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = _text(p, "subject", required=True) or ""
    message.set_content(_text(p, "body", required=True) or "")
    html = _text(p, "html", required=False)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if job.object is not None and job.record_id is not None:
        message["X-Flowdesk-Record"] = f"{job.object}/{job.record_id}"
    _thread_headers(message, p, job.run_at)
    return message


def _thread_headers(message: EmailMessage, p: Mapping[str, Any], when: Any) -> None:
    message_id = _text(p, "message_id", required=False)
    if message_id:
        message["Message-ID"] = f"<{message_id.strip('<>')}>"
        message["Date"] = formatdate(when.timestamp(), localtime=False) \
            if hasattr(when, "timestamp") else formatdate()
    parent = _text(p, "in_reply_to", required=False)
    if parent:
        message["In-Reply-To"] = f"<{parent.strip('<>')}>"
    references = p.get("references") or []
    if isinstance(references, list) and references:
        message["References"] = " ".join(f"<{str(r).strip('<>')}>" for r in references)
    reply_to = _addresses(p, "reply_to", required=False)
    if reply_to:
        message["Reply-To"] = ", ".join(reply_to)
    auto = _text(p, "auto_submitted", required=False)
    if auto:
        message["Auto-Submitted"] = auto
        message["X-Auto-Response-Suppress"] = "All"
    headers = p.get("headers") or {}
    if isinstance(headers, Mapping):
        for name, value in headers.items():
            if isinstance(name, str) and isinstance(value, str) and name.lower().startswith(
                    "x-"):
                message[name] = value


def email_job_handler(mailer: Mailer, sender: str) -> JobHandler:
    """The handler of the built-in ``email`` job kind."""

    def send_email(job: Job, uow: UnitOfWork) -> None:
        mailer.send(email_message(job, sender), job.idempotency_key)

    return send_email
