"""Generated MIME never crashes intake: whatever arrives is parsed, or refused as unreadable
and quarantined; intake always answers with an outcome and keeps the bytes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.channels.noise import classify
from engine.channels.parsed_mail import UnreadableMail, parse_mail
from engine.objects.storage.database import create_database_engine
from engine.packs import Registry
from tests.channels.conftest import DESK, Desk, make_desk

CHARSETS = ["utf-8", "gbk", "gb2312", "gb18030", "big5", "iso-8859-1", "iso-2022-jp", "utf-7",
            "x-bogus", "", "ks_c_5601-1987", "us-ascii"]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "bogus"]
TYPES = ["text/plain", "text/html", "multipart/alternative", "multipart/mixed",
         "multipart/related", "multipart/report; report-type=delivery-status",
         "message/rfc822", "message/delivery-status", "application/octet-stream", "image/png",
         "text/rfc822-headers", "garbage"]
HEADER_NAMES = ["From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References",
                "Date", "Auto-Submitted", "Precedence", "Content-Disposition", "Content-ID",
                "X-Auto-Response-Suppress", "List-Id", "Reply-To", "Delivered-To"]

header_text = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    st.builds(lambda cs, enc, t: f"=?{cs}?{enc}?{t}?=", st.sampled_from(CHARSETS),
              st.sampled_from(["B", "Q", "X", ""]), st.text(max_size=30)),
    st.builds(lambda n, a: f'"{n}" <{a}>', st.text(max_size=20), st.emails()),
)


@st.composite
def mime_part(draw: st.DrawFn, depth: int = 0) -> bytes:
    ctype = draw(st.sampled_from(TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    lines = [f"Content-Type: {ctype}; charset=\"{charset}\"",
             f"Content-Transfer-Encoding: {draw(st.sampled_from(ENCODINGS))}"]
    for _ in range(draw(st.integers(0, 3))):
        lines.append(f"{draw(st.sampled_from(HEADER_NAMES))}: {draw(header_text)}")
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    if ctype.startswith("multipart") and depth < 3:
        boundary = draw(st.sampled_from(["b1", "==x", "", "a b"]))
        head = head.replace(b"Content-Type: " + ctype.encode(),
                            f'Content-Type: {ctype}; boundary="{boundary}"'.encode(), 1)
        parts = draw(st.lists(mime_part(depth + 1), max_size=3))
        body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
        if draw(st.booleans()):
            body += b"--" + boundary.encode() + b"--\r\n"
        return head + b"\r\n\r\n" + body
    return head + b"\r\n\r\n" + draw(st.binary(max_size=300))


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    headers = []
    for name in draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=10)):
        headers.append(f"{name}: {draw(header_text)}".encode("utf-8", "surrogateescape"))
    return b"\r\n".join(headers) + b"\r\n" + draw(mime_part())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_parsing_generated_mail_reads_it_or_calls_it_unreadable(raw: bytes) -> None:
    try:
        mail = parse_mail(raw)
    except UnreadableMail as exc:
        assert exc.code == "mail_unreadable"
        return
    assert "@" in mail.sender
    classify(mail, [DESK])
    assert isinstance(mail.reply, str) and isinstance(mail.text, str)


@pytest.fixture(scope="module")
def shared_desk(pack_registry: Registry, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Desk]:
    engine = create_database_engine(f"sqlite:///{tmp_path_factory.mktemp('gen')}/gen.db")
    yield make_desk(pack_registry, engine)
    engine.dispose()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=messages())
def test_intake_answers_every_generated_message_and_keeps_its_bytes(
        shared_desk: Desk, raw: bytes) -> None:
    outcome = shared_desk.receive(raw)
    assert outcome.status in ("created", "appended", "ignored", "quarantined")
    assert shared_desk.intake.raw("email", outcome.inbound_id) == raw
