"""The real senders: SMTP answers mapped to retryable or permanent failures, and urllib
returning HTTP error statuses as answers."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest

from engine.runtime.effects import SmtpMailer, SmtpSettings, UrllibWebhookSender
from engine.runtime.job_errors import JobFailed


class FakeSmtp:
    """Stands in for smtplib.SMTP; ``fail`` is raised from send_message."""

    fail: BaseException | None = None
    sent: list[EmailMessage] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.address = (host, port)

    def __enter__(self) -> FakeSmtp:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def send_message(self, message: EmailMessage) -> None:
        if FakeSmtp.fail is not None:
            raise FakeSmtp.fail
        FakeSmtp.sent.append(message)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeSmtp]]:
    FakeSmtp.fail, FakeSmtp.sent = None, []
    monkeypatch.setattr(smtplib, "SMTP", FakeSmtp)
    yield FakeSmtp


def _message() -> EmailMessage:
    message = EmailMessage()
    message["To"] = "a@example.com"
    message["Subject"] = "s"
    message.set_content("b")
    return message


def test_smtp_sends_with_a_message_id_from_the_key(smtp: type[FakeSmtp]) -> None:
    mailer = SmtpMailer(SmtpSettings("mail.example.com"))
    mailer.send(_message(), "sla:7 warning")
    mailer.send(_message(), "sla:7 warning")
    first, again = smtp.sent
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].startswith("<sla-7-warning.")
    assert first["Message-ID"].endswith("@mail.example.com>")


@pytest.mark.parametrize(
    ("error", "code", "retryable"),
    [
        (smtplib.SMTPDataError(554, b"rejected as spam"), "email_rejected", False),
        (smtplib.SMTPDataError(451, b"try later"), "email_failed", True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}),
         "email_rejected", False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (452, b"mailbox full")}),
         "email_failed", True),
        (ConnectionRefusedError("refused"), "email_failed", True),
    ],
)
def test_smtp_failures_are_permanent_on_5xx_and_retried_otherwise(
    smtp: type[FakeSmtp], error: BaseException, code: str, retryable: bool
) -> None:
    smtp.fail = error
    with pytest.raises(JobFailed) as caught:
        SmtpMailer(SmtpSettings("mail.example.com")).send(_message(), "k")
    assert (caught.value.code, caught.value.retryable) == (code, retryable)


@pytest.mark.parametrize("status", [200, 404, 503])
def test_urllib_sender_returns_http_error_statuses_as_answers(status: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"answer")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        answer = UrllibWebhookSender(allow_private=True).post(
            url, b"{}", {"Content-Type": "application/json"}, 5)
    finally:
        server.shutdown()
        server.server_close()
    assert (answer.status, answer.body) == (status, b"answer")


def test_urllib_sender_raises_on_a_network_error() -> None:
    with pytest.raises(OSError):
        UrllibWebhookSender(allow_private=True).post("http://127.0.0.1:9/", b"{}", {}, 2)
