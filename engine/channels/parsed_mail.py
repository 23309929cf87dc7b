"""One inbound email parsed at the edge: Python's ``email`` package (``policy.default``) reads
the MIME structure; this module turns it into the few things intake needs.

Parsing never raises for odd mail (broken MIME is read as far as it goes, and its defects are
listed); :class:`UnreadableMail` is raised only when there is nothing to work with (no sender,
or not a message at all), and intake quarantines it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from engine.channels.charsets import decode_bytes, decode_header_text
from engine.channels.html_text import html_to_text
from engine.channels.reply_text import is_forward, reply_part
from engine.errors import FlowdeskError

__all__ = ["ParsedMail", "Attachment", "Bounce", "UnreadableMail", "parse_mail",
           "MAX_TEXT_CHARS"]

#: Longest text kept in a record's body; the raw message keeps the rest.
MAX_TEXT_CHARS = 60_000
_ID = re.compile(r"<([^<>\s]{1,500})>")


class _HeaderClasses(HeaderRegistry):
    """``policy.default``'s header registry, remembering the class it makes per header name
    (the standard one builds a new class for every header it reads: most of parsing time)."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


#: ``policy.default`` with the remembering header registry (a cache of classes, same results).
POLICY = policy.default.clone(header_factory=_HeaderClasses())


class UnreadableMail(FlowdeskError):
    """Mail intake cannot read the message at all (it is quarantined)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="mail_unreadable")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file in a message (its bytes stay in the kept raw message)."""

    name: str
    content_type: str
    size: int
    inline: bool
    content_id: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "content_type": self.content_type, "size": self.size,
                "inline": self.inline}


@dataclass(frozen=True, slots=True)
class Bounce:
    """A delivery status notification: who could not be reached, and why."""

    recipients: tuple[str, ...]
    status: str
    detail: str
    original_message_id: str | None


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None
    #: ``In-Reply-To`` then ``References`` (newest first), without angle brackets.
    parents: tuple[str, ...]
    subject: str
    sender: str
    sender_name: str
    #: Every address the message was sent to (To, Cc, Delivered-To, X-Original-To).
    recipients: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    text: str
    reply: str
    attachments: tuple[Attachment, ...]
    bounce: Bounce | None
    #: Lower-cased header name -> the header's text, for loop and noise checks.
    headers: dict[str, str]
    defects: tuple[str, ...]


def _ids(value: str) -> list[str]:
    found = _ID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]
    return found


def _header(msg: Message, name: str) -> str:
    for key, raw in msg.raw_items():
        if key.lower() == name:
            return decode_header_text(str(raw))
    return ""


def _addresses(msg: Message, *names: str) -> list[str]:
    values = []
    for key, raw in msg.raw_items():
        if key.lower() in names:
            values.append(decode_header_text(str(raw)))
    return [a.lower() for _, a in getaddresses(values) if "@" in a]


def parse_mail(raw: bytes) -> ParsedMail:
    """Read one RFC 822 message."""
    if not raw.strip():
        raise UnreadableMail("the message is empty")
    msg = message_from_bytes(raw, policy=POLICY)
    if not msg.keys():
        raise UnreadableMail("no headers: this is not an email message")
    name, sender = parseaddr(_header(msg, "from") or _header(msg, "sender")
                             or _header(msg, "return-path"))
    if "@" not in sender:
        raise UnreadableMail("the message has no sender address (From)")
    subject = _header(msg, "subject")[:512]
    message_ids = _ids(_header(msg, "message-id"))
    parents = _ids(_header(msg, "in-reply-to")) + list(reversed(_ids(_header(msg,
                                                                              "references"))))
    date = None
    try:
        parsed_date = parsedate_to_datetime(_header(msg, "date"))
        date = parsed_date.astimezone(UTC) if parsed_date.tzinfo else parsed_date.replace(
            tzinfo=UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    plain, html, attachments = _bodies(msg)
    text = plain if plain.strip() else html_to_text(html) if html else ""
    text = _clean(text)[:MAX_TEXT_CHARS]
    headers = {k.lower(): decode_header_text(str(v)) for k, v in msg.raw_items()}
    return ParsedMail(
        message_id=message_ids[0] if message_ids else None,
        parents=tuple(dict.fromkeys(parents)),
        subject=subject,
        sender=sender.lower(),
        sender_name=name.strip().strip('"') or sender.split("@")[0],
        recipients=tuple(dict.fromkeys(_addresses(
            msg, "to", "cc", "delivered-to", "x-original-to", "envelope-to"))),
        cc=tuple(dict.fromkeys(_addresses(msg, "cc"))),
        date=date,
        text=text,
        reply=reply_part(text, forward=is_forward(subject, text)),
        attachments=tuple(attachments),
        bounce=_bounce(msg),
        headers=headers,
        defects=tuple(type(d).__name__ for part in msg.walk() for d in part.defects),
    )


def _payload_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    return decode_bytes(data, part.get_content_charset())


def _bodies(msg: Message) -> tuple[str, str, list[Attachment]]:
    """The first text/plain and text/html bodies (outside attachments and forwarded
    messages' own attachments), and the files."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = part.get_filename()
        is_file = disposition == "attachment" or (filename is not None and not
                                                   ctype.startswith("text/"))
        if ctype in ("message/delivery-status", "text/rfc822-headers"):
            continue
        if not is_file and ctype == "text/plain" and not plain:
            plain.append(_payload_text(part))
            continue
        if not is_file and ctype == "text/html" and not html:
            html.append(_payload_text(part))
            continue
        if not is_file and ctype.startswith("text/"):
            continue
        data = part.get_payload(decode=True)
        size = len(data) if isinstance(data, bytes) else 0
        cid = part.get("Content-ID")
        name = decode_header_text(filename) if filename else (
            (cid or "").strip("<> ") or f"part.{ctype.split('/')[-1]}")
        attachments.append(Attachment(
            name=name[:255], content_type=ctype, size=size,
            inline=disposition == "inline" or (cid is not None and disposition != "attachment"),
            content_id=cid.strip("<> ") if cid else None))
    return (plain[0] if plain else "", html[0] if html else "", attachments)


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or ch >= " ")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _bounce(msg: Message) -> Bounce | None:
    if msg.get_content_type() != "multipart/report":
        return None
    params = dict(msg.get_params() or [])
    if params.get("report-type", "").lower() != "delivery-status":
        return None
    recipients: list[str] = []
    status, detail, original = "", "", None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for block in _status_blocks(part):
                action = block.get("action", "").lower()
                if action and action not in ("failed", "delayed"):
                    continue
                rcpt = block.get("final-recipient") or block.get("original-recipient") or ""
                address = rcpt.split(";")[-1].strip().strip("<>").lower()
                if "@" in address:
                    recipients.append(address)
                status = status or block.get("status", "")
                detail = detail or block.get("diagnostic-code", "")
        elif ctype in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _original_id(part)
    if not recipients:
        return None
    return Bounce(tuple(dict.fromkeys(recipients)), status[:32], detail[:1000], original)


def _status_blocks(part: Message) -> list[dict[str, str]]:
    payload = part.get_payload()
    blocks: list[dict[str, str]] = []
    if isinstance(payload, list):  # parsed into one message per field block
        for sub in payload:
            if isinstance(sub, Message):
                blocks.append({k.lower(): str(v) for k, v in sub.items()})
        return blocks
    text = payload if isinstance(payload, str) else ""
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        block: dict[str, str] = {}
        for line in chunk.split("\n"):
            if ":" in line and not line.startswith((" ", "\t")):
                key, _, value = line.partition(":")
                block[key.strip().lower()] = value.strip()
        blocks.append(block)
    return blocks


def _original_id(part: Message) -> str | None:
    payload = part.get_payload()
    inner: Message | None = None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
    elif isinstance(payload, str):
        inner = message_from_bytes(payload.encode("utf-8", "surrogateescape"),
                                   policy=policy.default)
    if inner is None:
        return None
    ids = _ids(str(inner.get("Message-ID", "")))
    return ids[0] if ids else None


def as_email_message(raw: bytes) -> EmailMessage:
    """The message as Python's ``email`` package reads it (``policy.default``)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message
