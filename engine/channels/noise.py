"""Loops and noise: which inbound mail is our own, a bounce, an automatic reply or list mail,
and which senders must get no automatic answer (RFC 3834 and the headers clients use)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from engine.channels.parsed_mail import ParsedMail

__all__ = ["Verdict", "classify", "LOOP_HEADER", "CHANNEL_HEADER"]

#: Set on every message we send; a message carrying it came from us.
CHANNEL_HEADER = "x-flowdesk-channel"
LOOP_HEADER = "x-loop"

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response)|autoreply|out of (?:the )?office|"
    r"abwesenheitsnotiz|自动回复|自動回覆|自动答复|休假|不在办公室|Réponse automatique)\s*[:：]?",
    re.I)
_SUPPRESS = {"all", "oof", "autoreply", "autoreplies"}


@dataclass(frozen=True, slots=True)
class Verdict:
    """``kind``: ``None`` for ordinary mail, else ``own``, ``bounce``, ``auto_reply`` or
    ``bulk``. ``no_auto_response``: the sender must get no automatic answer."""

    kind: str | None
    no_auto_response: bool
    why: str = ""


def classify(mail: ParsedMail, own_addresses: Collection[str]) -> Verdict:
    """What kind of mail ``mail`` is, seen from a desk whose addresses are
    ``own_addresses`` (lower case)."""
    h = mail.headers
    own = {a.lower() for a in own_addresses}
    if CHANNEL_HEADER in h or mail.sender in own or any(
            a in h.get(LOOP_HEADER, "").lower() for a in own):
        return Verdict("own", True, "sent by this desk")
    local = mail.sender.split("@")[0]
    if mail.bounce is not None or (
            local in ("mailer-daemon", "postmaster", "mail-daemon") and
            re.search(r"undeliver|delivery|failure|returned|退信|未能送达", mail.subject, re.I)):
        return Verdict("bounce", True, "a delivery status notification")
    auto = h.get("auto-submitted", "").strip().lower()
    precedence = h.get("precedence", "").strip().lower()
    if (auto and auto != "no") or "x-autoreply" in h or "x-autorespond" in h or \
            precedence == "auto_reply" or _AUTO_SUBJECT.match(mail.subject):
        why = f"Auto-Submitted: {auto}" if auto and auto != "no" else "an automatic reply"
        return Verdict("auto_reply", True, why)
    if precedence in ("bulk", "junk", "list") or "list-id" in h or "list-unsubscribe" in h:
        return Verdict("bulk", True, f"list or bulk mail ({precedence or 'List-Id'})")
    suppress = {s.strip().lower() for s in h.get("x-auto-response-suppress", "").split(",")}
    if suppress & _SUPPRESS:
        return Verdict(None, True, "X-Auto-Response-Suppress")
    return Verdict(None, False)
