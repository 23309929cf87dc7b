"""Effects on the outside world (email, webhooks) behind small protocols, each with an
in-memory version for tests, and the built-in job kinds that use them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine.runtime.effects.mail import (
    EMAIL_KIND,
    MailboxMailer,
    Mailer,
    MemoryMailer,
    SmtpMailer,
    SmtpSettings,
    UnconfiguredMailer,
    email_job_handler,
    email_message,
    message_id_for,
)
from engine.runtime.effects.webhooks import (
    DEFAULT_WEBHOOK_TIMEOUT,
    WEBHOOK_KIND,
    MemoryWebhookSender,
    UrllibWebhookSender,
    WebhookResponse,
    WebhookSender,
    is_permanent_status,
    sign_webhook,
    webhook_body,
    webhook_job_handler,
)
from engine.runtime.outbox import JobHandler

__all__ = [
    "Mailer",
    "SmtpSettings",
    "SmtpMailer",
    "MemoryMailer",
    "MailboxMailer",
    "UnconfiguredMailer",
    "email_message",
    "email_job_handler",
    "message_id_for",
    "WebhookResponse",
    "WebhookSender",
    "UrllibWebhookSender",
    "MemoryWebhookSender",
    "sign_webhook",
    "webhook_body",
    "webhook_job_handler",
    "is_permanent_status",
    "effect_job_handlers",
    "default_mailer",
    "EMAIL_KIND",
    "WEBHOOK_KIND",
    "DEFAULT_WEBHOOK_TIMEOUT",
    "MAILBOX_DIR_ENV",
]

#: A folder to deliver mail into (``.eml`` files) instead of an SMTP server.
MAILBOX_DIR_ENV = "FLOWDESK_MAILBOX_DIR"


def default_mailer(environ: Mapping[str, str]) -> tuple[Mailer, str]:
    """The mailer ``environ`` configures (``FLOWDESK_SMTP_*``) and its sender address; without
    a host, the local mailbox ``FLOWDESK_MAILBOX_DIR`` names, else a mailer that fails every
    email job visibly."""
    settings = SmtpSettings.from_env(environ)
    if settings is None:
        sender = environ.get("FLOWDESK_MAIL_FROM") or "flowdesk@localhost"
        folder = environ.get(MAILBOX_DIR_ENV)
        if folder:
            return MailboxMailer(Path(folder)), sender
        return UnconfiguredMailer(), sender
    return SmtpMailer(settings), settings.sender


def effect_job_handlers(
    mailer: Mailer,
    sender: str,
    webhook_sender: WebhookSender,
    environ: Mapping[str, str],
) -> dict[str, JobHandler]:
    """The built-in job kinds: ``email`` and ``webhook``."""
    return {
        EMAIL_KIND: email_job_handler(mailer, sender),
        WEBHOOK_KIND: webhook_job_handler(webhook_sender, environ),
    }
