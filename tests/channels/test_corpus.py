"""The corpus (``corpus/*.eml``): real-world-shaped mail from Outlook, Gmail, Apple Mail, QQ
Mail, Foxmail and 163, in GBK/GB18030/Big5 and more, HTML-only, with inline images, forwards,
auto-replies, bounces and broken MIME. Each has its expected outcome in ``expected.yaml``:
what parsing reads out of it, and what intake makes of it when the whole corpus is fed, in
order, into one desk (SQLite and PostgreSQL). A 20 MB attachment is made by the test."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.channels.noise import classify
from engine.channels.parsed_mail import UnreadableMail, parse_mail
from tests.channels.conftest import DESK, Desk

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: list[dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))


def test_the_corpus_has_forty_messages_or_more_each_with_its_outcome() -> None:
    files = sorted(p.name for p in CORPUS.glob("*.eml"))
    assert len(files) >= 40
    assert files == [e["file"] for e in EXPECTED]


@pytest.mark.parametrize("case", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_parsing_reads_what_the_sender_wrote(case: dict[str, Any]) -> None:
    raw = (CORPUS / case["file"]).read_bytes()
    if case.get("unreadable"):
        with pytest.raises(UnreadableMail) as unreadable:
            parse_mail(raw)
        if "error" in case:
            assert unreadable.value.message == case["error"]
        return
    mail = parse_mail(raw)
    if "subject" in case:
        assert mail.subject == case["subject"]
    if "sender" in case:
        assert mail.sender == case["sender"]
    if "reply" in case:
        assert mail.reply == case["reply"]
    for text in case.get("reply_contains", []) if isinstance(
            case.get("reply_contains"), list) else [case.get("reply_contains")] * (
            "reply_contains" in case):
        assert text in mail.reply
    for text in case.get("reply_excludes", []):
        assert text not in mail.reply
    if "attachments" in case:
        assert [[a.name, a.content_type, a.inline] for a in mail.attachments] == \
            case["attachments"]
    if "cc" in case:
        assert [a for a in mail.cc if a != DESK] == case["cc"]
    if "bounce" in case:
        assert mail.bounce is not None and list(mail.bounce.recipients) == case["bounce"]
    assert classify(mail, [DESK]).kind == case.get("kind")
    assert "\x00" not in mail.text and "\ufffd" not in mail.subject


def test_the_corpus_fed_in_order_lands_where_each_message_belongs(desk: Desk) -> None:
    seen = []
    for case in EXPECTED:
        outcome = desk.receive((CORPUS / case["file"]).read_bytes())
        got = {"status": outcome.status}
        want = {"status": case["status"]}
        for key, value in (("reason", outcome.reason), ("by", outcome.matched_by)):
            if key in case:
                got[key], want[key] = value, case[key]
        if case["status"] == "appended":
            got["thread"], want["thread"] = outcome.thread_id, 1
        seen.append((case["file"], got == want, got, want))
    wrong = [(f, got, want) for f, ok, got, want in seen if not ok]
    assert wrong == []
    quarantined = desk.intake.list_inbound("email", "quarantined")
    assert len(quarantined) == sum(1 for e in EXPECTED if e["status"] == "quarantined")


def test_a_20_mb_attachment_is_taken_and_its_bytes_kept(desk: Desk) -> None:
    payload = base64.encodebytes(os.urandom(20 * 1024 * 1024)).decode()
    raw = ("From: Big <big@files.example>\r\nTo: support@desk.example\r\n"
           "Subject: Full memory dump\r\nMessage-ID: <big@files.example>\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
           "Content-Type: text/plain\r\n\r\nThe dump is attached.\r\n--b\r\n"
           'Content-Type: application/octet-stream; name="dump.bin"\r\n'
           'Content-Disposition: attachment; filename="dump.bin"\r\n'
           "Content-Transfer-Encoding: base64\r\n\r\n" + payload.replace("\n", "\r\n") +
           "--b--\r\n").encode()
    outcome = desk.receive(raw)
    assert outcome.status == "created"
    assert desk.get("ticket", outcome.thread_id or 0)["description"] == "The dump is attached."
    assert desk.intake.raw("email", outcome.inbound_id) == raw
    mail = parse_mail(raw)
    assert [(a.name, a.size) for a in mail.attachments] == [("dump.bin", 20 * 1024 * 1024)]
