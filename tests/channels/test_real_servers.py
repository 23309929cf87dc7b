"""Email against real servers: SMTP (aiosmtpd) out, IMAP and IMAPS (Dovecot) in, and the whole
conversation loop the demo shows (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engine.api.app import create_app
from engine.channels.imap_poller import ImapPoller, ImapSettings
from engine.packs import Registry
from engine.runtime.effects import SmtpMailer, SmtpSettings
from tests.channels.conftest import DESK, ENV, Desk, make_desk
from tests.channels.mails import mail, reply_to
from tests.channels.servers import Dovecot, SmtpServer, dovecot_server, smtp_server

USERS = {"desk": "desk-secret", "customer": "customer-secret"}
CUSTOMER = "customer@customer.example"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server(USERS) as server:
        yield server


@pytest.fixture
def mailboxes(dovecot: Dovecot) -> Iterator[Dovecot]:
    """Both mailboxes empty at the start of a test."""
    for user in USERS:
        client = dovecot.imap(user)
        try:
            for folder in ("INBOX", "Processed"):
                status, count = client.select(f'"{folder}"')
                if status == "OK" and int(count[0] or 0) > 0:
                    client.store("1:*", "+FLAGS", "(\\Deleted)")
                    client.expunge()
        finally:
            client.logout()
    yield dovecot


@pytest.fixture
def smtp_desk(pack_registry: Registry, db_engine: Engine, smtp: SmtpServer) -> Desk:
    mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", port=smtp.port, sender=DESK))
    return make_desk(pack_registry, db_engine, mailer=mailer)


def _poller(desk: Desk, server: Dovecot, *, secure: bool = False) -> ImapPoller:
    scheme, port = ("imaps", server.ssl_port) if secure else ("imap", server.port)
    env = {**ENV, "FLOWDESK_IMAP_URL": f"{scheme}://desk@127.0.0.1:{port}/INBOX",
           "FLOWDESK_IMAP_PASSWORD": USERS["desk"]}
    settings = ImapSettings.for_channel(desk.runtime.registry.channels["email"], env)
    assert settings is not None
    return ImapPoller(desk.intake, "email", settings, desk.clock,
                      ssl_context=server.ssl_context)


def _parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_replies_go_out_through_a_real_smtp_server_threaded(smtp_desk: Desk,
                                                            smtp: SmtpServer) -> None:
    ticket = smtp_desk.receive(mail()).thread_id
    smtp_desk.run_jobs()
    assert len(smtp.received) == 1
    recipients, raw = smtp.received[0]
    ack = _parse(raw)
    assert recipients == ["wang@customer.example"]
    assert str(ack["Subject"]) == f"[#{ticket}] Printer on fire"
    assert str(ack["In-Reply-To"]) == "<first-1@customer.example>"
    assert str(ack["Auto-Submitted"]) == "auto-replied"


def test_the_poller_takes_new_mail_moves_it_to_processed_and_remembers_where_it_got_to(
        desk: Desk, mailboxes: Dovecot) -> None:
    mailboxes.deliver("desk", bytes(mail()))
    mailboxes.deliver("desk", bytes(mail(subject="Second", message_id="<second@c.example>")))
    poller = _poller(desk, mailboxes)
    first = poller.poll_once()
    assert (first.fetched, first.outcomes) == (2, ("created", "created"))
    assert mailboxes.messages("desk") == []
    assert len(mailboxes.messages("desk", "Processed")) == 2  # moved, never deleted
    mailboxes.deliver("desk", bytes(mail(subject="Third", message_id="<third@c.example>")))
    again = poller.poll_once()
    assert (again.fetched, again.outcomes) == (1, ("created",))
    assert poller.poll_once().fetched == 0


def test_the_poller_reads_over_imaps(desk: Desk, mailboxes: Dovecot) -> None:
    mailboxes.deliver("desk", bytes(mail()))
    result = _poller(desk, mailboxes, secure=True).poll_once()
    assert result.outcomes == ("created",)


def test_a_customer_emails_the_desk_and_the_conversation_goes_round(
        pack_registry: Registry, db_engine: Engine, smtp: SmtpServer,
        mailboxes: Dovecot) -> None:
    """The demo's loop: a customer emails the desk; the ticket appears, routed, with an
    acknowledgement; the agent's reply arrives threaded in the customer's mailbox; the
    customer's answer lands on the same ticket; resolved, the survey link in the customer's
    mailbox records their rating."""
    mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", port=smtp.port, sender=DESK))
    desk = make_desk(pack_registry, db_engine, mailer=mailer)

    def deliver(recipients: list[str], raw: bytes) -> None:  # the MTA's local delivery
        for rcpt in recipients:
            mailboxes.deliver("customer" if rcpt == CUSTOMER else "desk", raw)

    smtp.deliver = deliver
    poller = _poller(desk, mailboxes)
    # 1. A customer emails the desk.
    mailboxes.deliver("desk", bytes(mail(
        subject="发票抬头错误", body="我们的发票抬头写错了，请重新开具。",
        sender=f"Zhang San <{CUSTOMER}>", message_id="<loop-1@customer.example>")))
    assert poller.poll_once().outcomes == ("created",)
    # 2. The ticket appears, routed, with an acknowledgement in the customer's mailbox.
    records = desk.runtime.records
    ticket = records.list("ticket").items[0]
    assert ticket["queue"] == "general" and ticket["language"] == "zh-CN"  # routed
    desk.run_jobs()
    inbox = [_parse(raw) for raw in mailboxes.messages("customer")]
    assert [str(m["Subject"]) for m in inbox] == [f"[#{ticket['id']}] 发票抬头错误"]
    ack = inbox[0]
    ack_text = ack.get_body(("plain",))
    assert ack_text is not None and "我们已收到您的请求" in ack_text.get_content()
    # 3. The agent's reply arrives threaded in the customer's mailbox.
    records.create("ticket_message", {"ticket": ticket["id"], "kind": "reply",
                                      "author": "li.na", "author_type": "agent",
                                      "body": "已为您重新开具发票，请查收。"}, "li.na")
    desk.run_jobs()
    inbox = [_parse(raw) for raw in mailboxes.messages("customer")]
    answer = inbox[-1]
    assert str(answer["In-Reply-To"]) == str(ack["Message-ID"])
    assert str(answer["References"]).split() == ["<loop-1@customer.example>",
                                                 str(ack["Message-ID"])]
    assert str(answer["Subject"]) == f"[#{ticket['id']}] 发票抬头错误"
    # 4. The customer's email reply lands on the same ticket.
    mailboxes.deliver("desk", bytes(reply_to(answer, "收到，谢谢！",
                                             message_id="<loop-2@customer.example>",
                                             sender=f"Zhang San <{CUSTOMER}>")))
    assert poller.poll_once().outcomes == ("appended",)
    messages = desk.messages(ticket["id"])
    assert [(m["author_type"], m["body"]) for m in messages][-2:] == [
        ("agent", "已为您重新开具发票，请查收。"), ("customer", "收到，谢谢！")]
    assert len(records.list("ticket").items) == 1
    # 5. Resolved: the CSAT link in the customer's mailbox records an answer.
    for name in ("start", "resolve"):
        current = records.get("ticket", ticket["id"])
        desk.runtime.transitions.transition("ticket", ticket["id"], name,
                                            expected_version=current["version"], actor="li.na")
    desk.run_jobs()
    survey = _parse(mailboxes.messages("customer")[-1])
    assert str(survey["Subject"]).startswith(f"[#{ticket['id']}] How did we do?")
    body = survey.get_body(("plain",))
    assert body is not None
    token = re.search(r"/portal/survey/(\S+)", body.get_content())
    assert token is not None
    client = TestClient(create_app(desk.runtime))
    answer = client.post(f"/api/surveys/{token.group(1)}", json={"values": {"score": 5}})
    assert answer.status_code == 201, answer.text
    assert records.get("ticket", ticket["id"])["satisfaction"] == 5
