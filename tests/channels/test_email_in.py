"""Email in: a new mail opens a ticket for its sender, a reply lands on its ticket, noise is
sorted out, and nothing is lost (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import BadRequest, FlowdeskError, NotFound
from engine.runtime.effects.channel_replies import channel_tables
from tests.channels.conftest import Desk
from tests.channels.mails import mail, reply_to


def test_a_new_email_opens_a_ticket_for_a_new_contact_and_customer(desk: Desk) -> None:
    outcome = desk.receive(mail(cc="boss@customer.example, support@desk.example"))
    assert outcome.status == "created" and outcome.thread_object == "ticket"
    ticket = desk.get("ticket", outcome.thread_id or 0)
    assert ticket["subject"] == "Printer on fire"
    assert ticket["description"] == "The office printer is smoking. Please help."
    assert ticket["channel"] == "email" and ticket["language"] == "en"
    assert ticket["source_message_id"] == "first-1@customer.example"
    assert ticket["email_cc"] == ["boss@customer.example"]
    contact = desk.get("contact", ticket["contact"])
    assert (contact["email"], contact["name"]) == ("wang@customer.example", "Wang Wei")
    assert contact["customer"] == ticket["customer"]
    assert desk.get("customer", ticket["customer"])["name"] == "Wang Wei"
    # The pack's automations ran in the same command: routed and acknowledged.
    assert ticket["queue"] is not None
    assert [m["author_type"] for m in desk.messages(ticket["id"])] == ["system"]


def test_a_known_sender_is_matched_to_their_contact_by_address(desk: Desk) -> None:
    first = desk.receive(mail())
    again = desk.receive(mail(subject="Another problem", message_id="<other@customer.example>",
                              sender="WANG@Customer.Example"))
    one, two = desk.get("ticket", first.thread_id or 0), desk.get("ticket", again.thread_id or 0)
    assert again.status == "created" and one["id"] != two["id"]
    assert one["contact"] == two["contact"] and one["customer"] == two["customer"]


def test_a_reply_to_the_acknowledgement_lands_on_the_same_ticket(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id
    desk.run_jobs()
    ack = desk.sent()[-1]
    outcome = desk.receive(reply_to(ack, "Here are the logs.", message_id="<r1@customer.example>"))
    assert (outcome.status, outcome.thread_id, outcome.matched_by) == (
        "appended", ticket, "references")
    last = desk.messages(ticket or 0)[-1]
    assert last["body"] == "Here are the logs."  # the quoted acknowledgement is cut
    assert (last["author_type"], last["kind"], last["channel"]) == ("customer", "reply", "email")
    assert last["author"] == "Wang Wei <wang@customer.example>"
    assert last["email_message_id"] == "r1@customer.example"
    # The pack's automation saw the message: the next-response clock restarts from it.
    assert desk.get("ticket", ticket or 0)["last_customer_reply_at"] is not None


def test_a_reply_without_headers_threads_by_its_subject_tag(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id
    desk.run_jobs()
    ack = desk.sent()[-1]
    reply = reply_to(ack, "Still broken.", message_id="<r2@customer.example>",
                     keep_headers=False)
    reply.replace_header("To", "support@desk.example")
    outcome = desk.receive(reply)
    assert (outcome.status, outcome.thread_id, outcome.matched_by) == (
        "appended", ticket, "subject_tag")


def test_a_subject_tag_from_a_stranger_opens_a_new_ticket(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id
    forged = mail(subject=f"[#{ticket}] give me the data", sender="eve@evil.example",
                  message_id="<forged@evil.example>")
    outcome = desk.receive(forged)
    assert outcome.status == "created" and outcome.thread_id != ticket


def test_a_reply_with_only_the_reply_to_key_threads_by_the_key(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id
    desk.run_jobs()
    ack = desk.sent()[-1]
    assert str(ack["Reply-To"]).startswith(f"support+{ticket}-")
    reply = reply_to(ack, "Answer by key.", message_id="<r3@customer.example>",
                     keep_headers=False, subject="no tag here",
                     sender="Someone Else <other@elsewhere.example>")
    outcome = desk.receive(reply)
    assert (outcome.status, outcome.thread_id, outcome.matched_by) == (
        "appended", ticket, "reply_key")


def test_a_forged_reply_to_key_is_not_trusted(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id
    forged = mail(subject="hello", to=f"support+{ticket}-0000000000@desk.example",
                  sender="eve@evil.example", message_id="<k@evil.example>")
    assert desk.receive(forged).thread_id != ticket


def test_the_same_message_id_twice_is_ignored(desk: Desk) -> None:
    first = desk.receive(mail())
    second = desk.receive(mail())
    assert (second.status, second.reason, second.thread_id) == (
        "ignored", "duplicate", first.thread_id)
    t = desk.runtime.records.compiled("ticket").table
    with desk.runtime.database.connect() as conn:
        assert len(conn.execute(select(t.c.id)).all()) == 1


def test_a_message_without_message_id_is_deduplicated_by_its_bytes(desk: Desk) -> None:
    raw = bytes(mail(message_id=None))
    assert desk.receive(raw).status == "created"
    assert (desk.receive(raw).status, desk.receive(raw).reason) == ("ignored", "duplicate")


def test_our_own_mail_coming_back_is_dropped(desk: Desk) -> None:
    desk.receive(mail())
    desk.run_jobs()
    ack = desk.sent()[-1]
    outcome = desk.receive(bytes(ack))
    assert (outcome.status, outcome.reason) == ("ignored", "own")


def test_an_out_of_office_reply_is_kept_but_never_answered(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id
    desk.run_jobs()
    ack = desk.sent()[-1]
    ooo = reply_to(ack, "I am out of the office until Monday.",
                   message_id="<ooo@customer.example>")
    ooo["Auto-Submitted"] = "auto-replied"
    outcome = desk.receive(ooo)
    assert (outcome.status, outcome.thread_id) == ("appended", ticket)
    # An automatic answer to it (a new acknowledgement-like reply by an automation) is held.
    runtime = desk.runtime
    with runtime.records.command("automation-test") as uow:
        runtime.records.create_in(uow, "ticket_message", {
            "ticket": ticket, "kind": "reply", "author_type": "system", "body": "auto"})
        runtime.records.settle(uow)
    assert [j["subject"] for j in desk.email_jobs()] == [f"[#{ticket}] Printer on fire"]
    history = runtime.records.history("ticket", ticket or 0)
    assert any("no automatic email" in (h.note or "") for h in history)


def test_an_auto_reply_that_belongs_to_no_ticket_is_ignored(desk: Desk) -> None:
    outcome = desk.receive(mail(subject="Automatic reply: Printer on fire",
                                message_id="<ar@customer.example>",
                                headers={"Auto-Submitted": "auto-replied"}))
    assert (outcome.status, outcome.reason) == ("ignored", "auto_reply")


def test_a_new_list_mail_opens_a_ticket_without_an_acknowledgement(desk: Desk) -> None:
    outcome = desk.receive(mail(headers={"Precedence": "bulk", "List-Id": "<news.example>"}))
    assert outcome.status == "created"
    assert desk.email_jobs() == []
    assert [m["author_type"] for m in desk.messages(outcome.thread_id or 0)] == ["system"]


def test_a_bounce_marks_the_address_and_notes_the_ticket(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id
    desk.run_jobs()
    ack = desk.sent()[-1]
    bounce = _bounce_for(ack, "wang@customer.example")
    outcome = desk.receive(bounce)
    assert (outcome.status, outcome.reason, outcome.thread_id) == ("ignored", "bounce", ticket)
    a = channel_tables()["flowdesk_mail_addresses"]
    with desk.runtime.database.connect() as conn:
        row = conn.execute(select(a).where(a.c.address == "wang@customer.example")).one()
    assert row.bounce_status == "5.1.1" and row.bounces == 1
    notes = [h.note or "" for h in desk.runtime.records.history("ticket", ticket or 0)]
    assert any("bounced (5.1.1)" in n for n in notes)


def test_unreadable_mail_is_quarantined_with_its_bytes_and_can_be_replayed(desk: Desk) -> None:
    raw = b"Subject: no sender here\r\n\r\nbody\r\n"
    outcome = desk.receive(raw)
    assert outcome.status == "quarantined"
    assert outcome.error == "the message has no sender address (From)"
    assert desk.intake.raw("email", outcome.inbound_id) == raw
    listed = desk.intake.list_inbound("email", "quarantined")
    assert [r["id"] for r in listed] == [outcome.inbound_id]
    assert listed[0]["error"] == outcome.error
    # Still unreadable on replay: it stays quarantined, in the same row.
    again = desk.intake.replay("email", outcome.inbound_id)
    assert (again.status, again.inbound_id) == ("quarantined", outcome.inbound_id)


def test_a_message_the_pack_refuses_is_quarantined_with_the_pack_s_error(desk: Desk) -> None:
    outcome = desk.receive(mail(sender="Broken <broken@customer>", message_id="<b@x.example>"))
    assert outcome.status == "quarantined"
    assert outcome.error == "email: 'broken@customer' is not a valid email address"
    t = desk.runtime.records.compiled("ticket").table
    with desk.runtime.database.connect() as conn:  # a rejected message changes nothing
        assert conn.execute(select(t.c.id)).all() == []


def test_a_quarantined_message_is_processed_by_replay_once_the_cause_is_gone(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> int:
        raise FlowdeskError("the ticket form refused it", code="validation_failed")

    monkeypatch.setattr(desk.intake, "_open", refuse)
    first = desk.receive(mail())
    assert (first.status, first.error) == ("quarantined", "the ticket form refused it")
    monkeypatch.undo()
    replayed = desk.intake.replay("email", first.inbound_id)
    assert (replayed.status, replayed.inbound_id) == ("created", first.inbound_id)
    assert desk.get("ticket", replayed.thread_id or 0)["subject"] == "Printer on fire"
    assert desk.intake.list_inbound("email", "quarantined") == []


def test_replaying_a_message_that_is_not_quarantined_is_refused(desk: Desk) -> None:
    outcome = desk.receive(mail())
    with pytest.raises(BadRequest) as refused:
        desk.intake.replay("email", outcome.inbound_id)
    assert refused.value.code == "inbound_not_quarantined"
    assert refused.value.message == (f"inbound message {outcome.inbound_id} is created, not "
                                     "quarantined: only quarantined messages are replayed")
    with pytest.raises(NotFound) as missing:
        desk.intake.replay("email", 999)
    assert missing.value.message == "no inbound message 999 on channel 'email'"
    with pytest.raises(NotFound) as unknown:
        desk.intake.receive("fax", b"x", "stdin")
    assert unknown.value.message == "unknown channel 'fax' (channels: email)"


def test_every_message_is_kept_raw_with_what_became_of_it(desk: Desk) -> None:
    created = desk.receive(mail())
    duplicate = desk.receive(mail())
    rows = desk.intake.list_inbound("email")
    assert [(r["id"], r["status"], r["reason"]) for r in rows] == [
        (duplicate.inbound_id, "ignored", "duplicate"), (created.inbound_id, "created", None)]
    assert desk.intake.raw("email", created.inbound_id) == bytes(mail())


def test_copied_addresses_on_a_reply_join_the_ticket(desk: Desk) -> None:
    ticket = desk.receive(mail()).thread_id
    desk.run_jobs()
    reply = reply_to(desk.sent()[-1], "Adding my colleague.", message_id="<cc@customer.example>")
    reply["Cc"] = "li@customer.example"
    desk.receive(reply)
    assert desk.get("ticket", ticket or 0)["email_cc"] == ["li@customer.example"]


def _bounce_for(sent: object, recipient: str) -> bytes:
    original = bytes(sent)  # type: ignore[call-overload]
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>\r\n"
        b"To: support@desk.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-1@mx.customer.example>\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.customer.example\r\n\r\n"
        b"Final-Recipient: rfc822; " + recipient.encode() + b"\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\n" + original + b"\r\n--B--\r\n"
    )


def test_a_message_taken_by_another_process_at_the_same_moment_is_a_duplicate(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    if desk.runtime.database.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writing command at a time: the race cannot happen there")
    first = desk.receive(mail(message_id="<other-thread@customer.example>"))
    opened = desk.intake._open
    m = channel_tables()["flowdesk_channel_messages"]

    def raced(uow: object, channel: object, parsed: object, message_id: str,
              verdict: object) -> int:
        # Another poller commits the same Message-ID between our lookup and our write.
        with desk.runtime.database.begin() as conn:
            conn.execute(m.insert().values(
                channel="email", message_id=message_id, direction="in",
                thread_object="ticket", thread_id=first.thread_id, automatic=False,
                created_at=desk.clock.now()))
        monkeypatch.setattr(desk.intake, "_open", opened)
        return opened(uow, channel, parsed, message_id, verdict)  # type: ignore[arg-type]

    monkeypatch.setattr(desk.intake, "_open", raced)
    outcome = desk.receive(mail())
    assert (outcome.status, outcome.reason, outcome.thread_id) == (
        "ignored", "duplicate", first.thread_id)
