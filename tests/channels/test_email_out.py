"""Email out: every public reply on a ticket goes to the requester and the copied addresses
through the outbox, threaded, in the recipient's language and time zone; automated mail is
marked and held back where it would loop (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import insert

from engine.cli._mail import demo_mailbox
from engine.runtime.effects import MailboxMailer, default_mailer
from engine.runtime.effects.channel_replies import channel_tables
from engine.runtime.outbox import Job
from tests.channels.conftest import DESK, T0, Desk
from tests.channels.mails import mail


def _agent_reply(desk: Desk, ticket: int, body: str, kind: str = "reply") -> None:
    desk.runtime.records.create("ticket_message", {
        "ticket": ticket, "kind": kind, "body": body, "author": "li.na",
        "author_type": "agent"}, "li.na")


def _ids(header: object) -> list[str]:
    return str(header or "").split()


def test_an_agent_reply_reaches_the_requester_and_copied_addresses_threaded(
        desk: Desk) -> None:
    opened = desk.receive(mail(cc="boss@customer.example"))
    ticket = opened.thread_id or 0
    desk.run_jobs()
    ack = desk.sent()[-1]
    _agent_reply(desk, ticket, "Please switch it off.\nThen unplug <all> cables.")
    desk.run_jobs()
    reply = desk.sent()[-1]
    assert str(reply["To"]) == "wang@customer.example"
    assert str(reply["Cc"]) == "boss@customer.example"
    assert str(reply["From"]) == DESK
    assert str(reply["Subject"]) == f"[#{ticket}] Printer on fire"
    assert str(reply["Reply-To"]).startswith(f"support+{ticket}-")
    assert reply["Auto-Submitted"] is None  # a person wrote it
    # Threaded: it answers the acknowledgement, and references the whole conversation.
    assert str(reply["In-Reply-To"]) == str(ack["Message-ID"])
    assert _ids(reply["References"]) == ["<first-1@customer.example>", str(ack["Message-ID"])]
    assert str(reply["Message-ID"]).endswith("@desk.example>")
    assert reply.get_content_type() == "multipart/alternative"
    text = reply.get_body(("plain",))
    html = reply.get_body(("html",))
    assert text is not None and html is not None
    assert "Please switch it off.\nThen unplug <all> cables." in text.get_content()
    assert "Please switch it off.<br>\nThen unplug &lt;all&gt; cables." in html.get_content()
    assert str(reply["X-Flowdesk-Channel"]) == "email"


def test_an_internal_note_is_never_emailed(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id or 0
    desk.run_jobs()
    before = len(desk.sent())
    _agent_reply(desk, ticket, "Customer seems upset; handle with care.", kind="note")
    desk.run_jobs()
    assert len(desk.sent()) == before


def test_the_acknowledgement_is_automated_mail_answering_the_customer(desk: Desk) -> None:
    desk.receive(mail())
    desk.run_jobs()
    ack = desk.sent()[-1]
    assert str(ack["Auto-Submitted"]) == "auto-replied"
    assert str(ack["X-Auto-Response-Suppress"]) == "All"
    assert str(ack["In-Reply-To"]) == "<first-1@customer.example>"


def _customer(desk: Desk, language: str | None, email: str | None) -> tuple[int, int]:
    values = {"name": "Acme", "tier": "gold"}
    if language:
        values["language"] = language
    customer = desk.runtime.records.create("customer", values, "admin")
    contact = {"customer": customer["id"], "name": "Wang Wei"}
    if email:
        contact["email"] = email
    made = desk.runtime.records.create("contact", contact, "admin")
    return int(customer["id"]), int(made["id"])


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "An agent will answer by 2 Mar 2026 11:00 (UTC+08:00)."),
    ("zh-CN", "客服将在 2026年3月2日 11:00（UTC+08:00） 前回复。"),
])
def test_dates_in_mail_are_in_the_recipient_s_time_zone_and_language(
        desk: Desk, language: str, expected: str) -> None:
    customer, contact = _customer(desk, language, "wang@acme.example")
    ticket = desk.runtime.records.create("ticket", {
        "subject": "Invoice is wrong", "priority": "P2", "customer": customer,
        "contact": contact}, "admin")
    desk.run_jobs()
    ack = desk.sent()[-1]
    text = ack.get_body(("plain",))
    assert text is not None and expected in text.get_content()
    assert str(ack["Auto-Submitted"]) == "auto-generated"  # it answers no email
    assert str(ack["Subject"]) == f"[#{ticket['id']}] Invoice is wrong"


def test_a_requester_without_an_address_gets_no_mail_and_the_history_says_why(
        desk: Desk) -> None:
    customer, contact = _customer(desk, "en", None)
    ticket = desk.runtime.records.create("ticket", {
        "subject": "Call me", "customer": customer, "contact": contact}, "admin")
    assert desk.email_jobs() == []
    notes = [h.note or "" for h in desk.runtime.records.history("ticket", ticket["id"])]
    assert "channel 'email': no email sent: the requester has no email address" in notes


def test_automated_mail_to_one_address_is_limited_per_hour(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id or 0  # the acknowledgement is the first
    records = desk.runtime.records
    for i in range(6):
        with records.command("automation") as uow:
            records.create_in(uow, "ticket_message", {
                "ticket": ticket, "kind": "reply", "author_type": "system",
                "body": f"reminder {i}"})
            records.settle(uow)
    assert len(desk.email_jobs()) == 5
    notes = [h.note or "" for h in records.history("ticket", ticket)]
    assert ("channel 'email': no automatic email to wang@customer.example: 5 automatic emails "
            "went to it in the last hour (the channel allows 5)") in notes
    # An hour later the address may get automatic mail again; a person's reply always goes.
    desk.clock.advance(timedelta(hours=1, seconds=1))
    _agent_reply(desk, ticket, "A person answers.")
    with records.command("automation") as uow:
        records.create_in(uow, "ticket_message", {
            "ticket": ticket, "kind": "reply", "author_type": "system", "body": "later"})
        records.settle(uow)
    assert len(desk.email_jobs()) == 7


def test_no_automatic_mail_goes_to_a_bounced_address(desk: Desk) -> None:
    a = channel_tables()["flowdesk_mail_addresses"]
    with desk.runtime.database.begin() as conn:
        conn.execute(insert(a).values(address="wang@customer.example", bounced_at=T0,
                                      bounce_status="5.1.1", bounces=1))
    ticket = desk.receive(mail()).thread_id or 0
    assert desk.email_jobs() == []
    notes = [h.note or "" for h in desk.runtime.records.history("ticket", ticket)]
    assert ("channel 'email': no automatic email to wang@customer.example: mail to the "
            "address bounced (5.1.1)") in notes


def test_the_demo_mailbox_keeps_each_message_as_an_eml_file(tmp_path: Path) -> None:
    mailer = MailboxMailer(tmp_path / "mailbox")
    message = EmailMessage()
    message["Subject"] = "hello"
    message.set_content("hi")
    mailer.send(message, "channel:abc@desk.example")
    mailer.send(message, "channel:abc@desk.example")  # a resend replaces itself
    files = sorted((tmp_path / "mailbox").iterdir())
    assert [f.name for f in files] == ["channel-abc-desk.example.eml"]
    assert b"Subject: hello" in files[0].read_bytes()


def test_demo_mode_without_smtp_delivers_to_a_mailbox_beside_the_database(
        tmp_path: Path) -> None:
    env: dict[str, str] = {}
    folder = demo_mailbox(env, f"sqlite:///{tmp_path}/flowdesk.db")
    assert folder == tmp_path / "flowdesk-mailbox"
    mailer, sender = default_mailer(env)
    assert isinstance(mailer, MailboxMailer) and mailer.folder == folder
    assert env["FLOWDESK_MAIL_ADDRESS"] == "support@flowdesk.localhost"
    configured = {"FLOWDESK_SMTP_HOST": "smtp.example"}
    assert demo_mailbox(configured, "sqlite:///x.db") is None


def test_an_email_job_with_threading_fields_becomes_those_headers() -> None:
    from engine.runtime.effects import email_message

    job = Job(id=1, kind="email", payload={
        "to": ["a@example.com"], "subject": "s", "body": "b", "message_id": "m1@desk",
        "in_reply_to": "p@x", "references": ["f@x", "p@x"], "reply_to": "s+1-ab@desk",
        "auto_submitted": "auto-generated", "headers": {"X-Loop": "s@desk",
                                                          "Bcc": "sneaky@x"}},
        run_at=T0, attempts=1, max_attempts=5, key=None, object=None, record_id=None)
    message = email_message(job, "s@desk")
    assert str(message["Message-ID"]) == "<m1@desk>"
    assert str(message["In-Reply-To"]) == "<p@x>"
    assert str(message["References"]) == "<f@x> <p@x>"
    assert str(message["Reply-To"]) == "s+1-ab@desk"
    assert str(message["Auto-Submitted"]) == "auto-generated"
    assert str(message["X-Loop"]) == "s@desk"
    assert message["Bcc"] is None  # only X- headers may be added by a payload
