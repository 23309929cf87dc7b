"""Building inbound test mail the way clients write it."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

__all__ = ["mail", "reply_to"]


def mail(
    subject: str = "Printer on fire",
    body: str = "The office printer is smoking. Please help.",
    *,
    sender: str = "Wang Wei <wang@customer.example>",
    to: str = "support@desk.example",
    message_id: str | None = "<first-1@customer.example>",
    cc: str | None = None,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    if cc:
        m["Cc"] = cc
    m["Subject"] = subject
    m["Date"] = formatdate(1772416800)
    if message_id:
        m["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        m[name] = value
    m.set_content(body)
    if html is not None:
        m.add_alternative(html, subtype="html")
    return m


def reply_to(received: EmailMessage, body: str, *, message_id: str,
             sender: str = "Wang Wei <wang@customer.example>",
             keep_headers: bool = True, subject: str | None = None) -> EmailMessage:
    """The customer's reply to a message the desk sent, as a mail client writes it."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = str(received["Reply-To"] or received["From"])
    m["Subject"] = subject if subject is not None else f"Re: {received['Subject']}"
    m["Message-ID"] = message_id
    if keep_headers:
        m["In-Reply-To"] = str(received["Message-ID"])
        m["References"] = " ".join(filter(None, [str(received.get("References") or ""),
                                                 str(received["Message-ID"])]))
    quoted = "\n".join("> " + line for line in received.get_body(("plain",)).get_content()
                       .splitlines())  # type: ignore[union-attr]
    m.set_content(f"{body}\n\nOn Mon, 2 Mar 2026, Desk <support@desk.example> wrote:\n{quoted}\n")
    return m
