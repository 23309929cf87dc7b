"""Email out: every public message on a channel's thread, an agent's or an automation's, becomes
an ``email`` outbox job in the same transaction, threaded.

The runner calls :meth:`ChannelReplies.on_change` for each change before automations see it.
For a new public message written by an agent or an automation, it finds the recipients (the
thread's person and its copied addresses), gives the message a ``Message-ID`` (kept in
``flowdesk_channel_messages``), points ``In-Reply-To``/``References`` at the thread's earlier
messages, tags the subject, signs a plus-address Reply-To, marks automated mail
``Auto-Submitted``, renders the pack's text and HTML templates in the recipient's language, and
shows dates in the recipient's time zone. Automated mail is not sent in answer to automatic
mail, not to bounced addresses, and at most ``auto_replies_per_hour`` an hour per address.
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateError
from sqlalchemy import Connection, MetaData, Table, func, insert, select

from engine.objects.storage.channel_tables import (
    CHANNEL_MESSAGES,
    MAIL_ADDRESSES,
    add_channel_tables,
)
from engine.objects.values import record_to_json
from engine.packs.channel_definition import EmailChannel
from engine.packs.registry import Registry
from engine.runtime.events import RecordEvent
from engine.runtime.outbox import Outbox
from engine.runtime.records import RecordService
from engine.runtime.unit_of_work import UnitOfWork

__all__ = ["ChannelReplies", "ChannelAddress", "channel_tables", "thread_key",
           "subject_tag", "local_dates", "MAX_REFERENCES"]

#: How many earlier Message-IDs a reply's References lists (the first and the latest).
MAX_REFERENCES = 20
_ISO = re.compile(
    r"\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})\b")


def channel_tables() -> dict[str, Table]:
    """The channel tables, declared on a fresh ``MetaData``."""
    metadata = MetaData()
    add_channel_tables(metadata)
    return dict(metadata.tables)


@dataclass(frozen=True, slots=True)
class ChannelAddress:
    """The desk's address for a channel, from the setting the pack names (else
    ``FLOWDESK_MAIL_FROM``, else ``flowdesk@localhost``)."""

    address: str

    @classmethod
    def for_channel(cls, channel: EmailChannel, environ: Mapping[str, str]) -> ChannelAddress:
        value = environ.get(channel.mailbox["address"]) or environ.get("FLOWDESK_MAIL_FROM")
        return cls((value or "flowdesk@localhost").strip().lower())

    @property
    def local(self) -> str:
        return self.address.split("@")[0].split("+")[0]

    @property
    def domain(self) -> str:
        return self.address.split("@")[-1]

    def with_key(self, key: str) -> str:
        return f"{self.local}+{key}@{self.domain}"


def subject_tag(channel: EmailChannel, number: int) -> str:
    return channel.subject_tag.replace("{number}", str(number))


def thread_key(number: int, first_message_id: str) -> str:
    """The plus-address key of a thread: its number and a digest of its first Message-ID
    (which only those who received the thread's mail know)."""
    digest = hashlib.sha256(first_message_id.encode("utf-8")).hexdigest()[:10]
    return f"{number}-{digest}"


def local_dates(text: str, zone: ZoneInfo, locale: str) -> str:
    """``text`` with every ISO 8601 timestamp that carries an offset (as templates render
    datetimes) shown in ``zone``, written for ``locale``."""

    def local(match: re.Match[str]) -> str:
        offset = match.group(3)
        if offset != "Z" and ":" not in offset:
            offset = offset[:3] + ":" + offset[3:]
        try:
            moment = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}"
                                            f"{'+00:00' if offset == 'Z' else offset}")
        except ValueError:
            return match.group(0)
        at = moment.astimezone(zone)
        utc = at.strftime("%z")
        utc = f"UTC{utc[:3]}:{utc[3:]}"
        if locale.lower().startswith("zh"):
            return f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}（{utc}）"
        return f"{at.day} {at:%b} {at.year} {at:%H:%M} ({utc})"

    return _ISO.sub(local, text)


class ChannelReplies:
    """Turns new public messages into threaded outbound email jobs (see the module)."""

    def __init__(self, registry: Registry, records: RecordService, outbox: Outbox,
                 environ: Mapping[str, str]) -> None:
        self.registry, self.records, self.outbox = registry, records, outbox
        self.channels = tuple(registry.channels.values())
        self.addresses = {c.name: ChannelAddress.for_channel(c, environ)
                          for c in self.channels}
        tables = channel_tables()
        self.messages, self.mail_addresses = tables[CHANNEL_MESSAGES], tables[MAIL_ADDRESSES]
        #: Objects whose changes this looks at.
        self.watched = frozenset(c.message_object for c in self.channels)

    def on_change(self, uow: UnitOfWork, event: RecordEvent) -> None:
        """Queue the email a newly created public message needs."""
        if event.kind != "created" or event.object not in self.watched:
            return
        for channel in self.channels:
            if channel.message_object == event.object and channel.is_public(event.new):
                kind = channel.author_kind(event.new)
                if kind in ("agent", "automated"):
                    self._send(uow, channel, event, automated=kind == "automated")

    # -- one message ---------------------------------------------------------------------------

    def _send(self, uow: UnitOfWork, channel: EmailChannel, event: RecordEvent, *,
              automated: bool) -> None:
        message = event.new
        thread_id = message.get(channel.message_thread)
        if thread_id is None:
            return
        conn = uow.conn
        thread_c = self.records.compiled(channel.thread_object)
        thread = self.records.load_row(conn, thread_c, int(thread_id))
        person = self._row(conn, channel.person_object,
                            thread.get(channel.thread_requester) if channel.thread_requester
                            else None)
        organization_id = (person or {}).get(channel.person_organization or "") or (
            thread.get(channel.thread_organization) if channel.thread_organization else None)
        organization = self._row(conn, channel.organization_object, organization_id)
        to = _email(person, channel.person_email)
        cc = [a for a in (thread.get(channel.thread_cc) or []) if isinstance(a, str)
              and "@" in a and a.lower() != (to or "").lower()] if channel.thread_cc else []
        desk = self.addresses[channel.name]
        cc = [a for a in cc if a.lower() != desk.address]

        def note(text: str) -> None:
            uow.log(channel.thread_object, int(thread_id), "comment",
                    note=f"channel '{channel.name}': {text}")

        if to is None:
            note("no email sent: the requester has no email address")
            return
        if automated:
            why = self._hold_automatic(conn, channel, int(thread_id), to, uow.now)
            if why:
                note(f"no automatic email to {to}: {why}")
                return
        history = self._history(conn, channel, thread)
        message_id = f"{uuid.uuid4().hex}.{channel.message_object}{event.record_id}" \
                     f"@{desk.domain}"
        locale = _first(person, channel.person_language, organization,
                        channel.organization_language, thread, channel.thread_language) or "en"
        zone = ZoneInfo(_first(person, channel.person_time_zone, organization,
                               channel.organization_time_zone, None, None)
                        or channel.time_zones.get(locale) or channel.default_time_zone)
        number = int(thread_id)
        tag = subject_tag(channel, number)
        body = local_dates(str(message.get(channel.message_body) or ""), zone, locale)
        context = {
            "message": record_to_json(self.registry.objects[channel.message_object], message),
            "thread": record_to_json(thread_c.obj, thread),
            "subject": _untagged(str(thread.get(channel.thread_subject) or ""), tag),
            "body": body, "body_html": html.escape(body).replace("\n", "<br>\n"),
            "tag": tag, "locale": locale, "channel": channel.name,
        }
        try:
            subject = channel.templates["subject"].render(context).strip()
            text = channel.templates["text"].render(context)
            rendered_html = channel.templates["html"].render(context) \
                if "html" in channel.templates else None
        except (TemplateError, TypeError, ValueError) as exc:
            note(f"no email sent: its template failed: {exc}")
            return
        if tag not in subject:
            subject = f"{tag} {subject}"
        first = history[0] if history else message_id
        payload: dict[str, Any] = {
            "to": [to], "cc": cc, "subject": " ".join(subject.split())[:900],
            "body": text, "html": rendered_html,
            "message_id": message_id,
            "in_reply_to": history[-1] if history else None,
            "references": _references(history),
            "reply_to": desk.with_key(thread_key(number, first))
            if channel.plus_addressing else desk.address,
            "from": desk.address,
            "auto_submitted": ("auto-replied" if self._answers_inbound(conn, channel, number)
                               else "auto-generated") if automated else None,
            "headers": {"X-Flowdesk-Channel": channel.name, "X-Loop": desk.address},
        }
        conn.execute(insert(self.messages).values(
            channel=channel.name, message_id=message_id, direction="out",
            thread_object=channel.thread_object, thread_id=number,
            object=channel.message_object, record_id=event.record_id, address=to.lower(),
            automatic=automated, created_at=uow.now))
        self.outbox.enqueue(uow, "email", payload, key=f"channel:{message_id}",
                            object=channel.thread_object, record_id=number)
        uow.log(channel.thread_object, number, "email_queued",
                note=f"channel '{channel.name}': to {', '.join([to, *cc])}: {payload['subject']}")

    def _row(self, conn: Connection, object_name: str | None, record_id: Any
             ) -> dict[str, Any] | None:
        if object_name is None or record_id is None:
            return None
        c = self.records.compiled(object_name)
        row = conn.execute(select(c.table).where(c.table.c.id == int(record_id))).first()
        return dict(row._mapping) if row is not None else None

    def _history(self, conn: Connection, channel: EmailChannel, thread: Mapping[str, Any]
                 ) -> list[str]:
        """The thread's earlier Message-IDs, oldest first."""
        m = self.messages
        ids = [r.message_id for r in conn.execute(
            select(m.c.message_id).where(m.c.thread_object == channel.thread_object,
                                         m.c.thread_id == int(thread["id"]))
            .order_by(m.c.id))]
        opening = thread.get(channel.thread_message_id) if channel.thread_message_id else None
        if opening and opening not in ids:
            ids.insert(0, str(opening).strip("<>"))
        return ids

    def _answers_inbound(self, conn: Connection, channel: EmailChannel, number: int) -> bool:
        m = self.messages
        last = conn.execute(select(m.c.direction).where(
            m.c.thread_object == channel.thread_object, m.c.thread_id == number)
            .order_by(m.c.id.desc()).limit(1)).scalar_one_or_none()
        return last == "in"

    def _hold_automatic(self, conn: Connection, channel: EmailChannel, number: int,
                        address: str, now: datetime) -> str | None:
        """Why an automatic email to ``address`` must not go, or ``None``."""
        m, a = self.messages, self.mail_addresses
        last_in = conn.execute(select(m.c.automatic).where(
            m.c.thread_object == channel.thread_object, m.c.thread_id == number,
            m.c.direction == "in").order_by(m.c.id.desc()).limit(1)).scalar_one_or_none()
        if last_in:
            return "the mail it would answer was automatic or asked for no automatic answer"
        bounced = conn.execute(select(a.c.bounce_status).where(
            a.c.address == address.lower(), a.c.bounced_at.is_not(None))).first()
        if bounced is not None:
            return f"mail to the address bounced ({bounced.bounce_status or 'failed'})"
        sent = conn.execute(select(func.count()).select_from(m).where(
            m.c.address == address.lower(), m.c.direction == "out", m.c.automatic.is_(True),
            m.c.created_at > now - timedelta(hours=1))).scalar_one()
        if sent >= channel.auto_replies_per_hour:
            return (f"{sent} automatic emails went to it in the last hour (the channel allows "
                    f"{channel.auto_replies_per_hour})")
        return None


def _email(row: Mapping[str, Any] | None, field: str | None) -> str | None:
    if row is None or field is None:
        return None
    value = row.get(field)
    return value.strip() if isinstance(value, str) and "@" in value else None


def _first(*pairs: Any) -> str | None:
    for row, field in zip(pairs[::2], pairs[1::2], strict=True):
        if row is not None and field is not None and isinstance(row.get(field), str) \
                and row.get(field):
            return str(row[field])
    return None


def _untagged(subject: str, tag: str) -> str:
    return " ".join(subject.replace(tag, " ").split())


def _references(history: list[str]) -> list[str]:
    if len(history) <= MAX_REFERENCES:
        return history
    return [history[0], *history[-(MAX_REFERENCES - 1):]]
