"""Which conversation an inbound message belongs to, in this order (as GitLab and Zammad do):

1. ``In-Reply-To`` / ``References`` against the Message-IDs the channel has seen or sent (and
   those the pack's own message-id fields hold);
2. the subject tag (``[#123]``), when the sender belongs to that thread (its requester, an
   address copied on it, or a person of the same organization): a tag alone is easy to forge;
3. the reply-to key (``support+123-abcdef0123@example.com``), signed by the thread's first
   Message-ID.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from engine.channels.parsed_mail import ParsedMail
from engine.packs.channel_definition import EmailChannel
from engine.runtime.effects.channel_replies import ChannelAddress, channel_tables, thread_key
from engine.runtime.records import RecordService

__all__ = ["ThreadMatch", "ThreadFinder"]


@dataclass(frozen=True, slots=True)
class ThreadMatch:
    thread_id: int
    #: ``references``, ``subject_tag`` or ``reply_key``.
    by: str


class ThreadFinder:
    """Finds the thread of a message for one channel."""

    def __init__(self, channel: EmailChannel, records: RecordService,
                 desk: ChannelAddress) -> None:
        self.channel, self.records, self.desk = channel, records, desk
        self.messages = channel_tables()["flowdesk_channel_messages"]
        prefix, _, suffix = channel.subject_tag.partition("{number}")
        self.tag = re.compile(re.escape(prefix) + r"(\d{1,18})" + re.escape(suffix))
        self.key = re.compile(
            re.escape(desk.local) + r"\+(\d{1,18})-([0-9a-f]{10})@" + re.escape(desk.domain),
            re.I)

    def find(self, conn: Connection, mail: ParsedMail) -> ThreadMatch | None:
        by_id = self.by_references(conn, mail.parents)
        if by_id is not None:
            return ThreadMatch(by_id, "references")
        for match in self.tag.finditer(mail.subject):
            number = int(match.group(1))
            if self._exists(conn, number) and self._belongs(conn, number, mail.sender):
                return ThreadMatch(number, "subject_tag")
        for address in mail.recipients:
            key = self.key.fullmatch(address)
            if key is None:
                continue
            number = int(key.group(1))
            first = self._first_message_id(conn, number)
            if first is not None and thread_key(number, first) == f"{number}-{key.group(2)}":
                return ThreadMatch(number, "reply_key")
        return None

    def by_references(self, conn: Connection, parents: Iterable[str]) -> int | None:
        ids = [p for p in parents if p][:50]
        if not ids:
            return None
        m, ch = self.messages, self.channel
        row = conn.execute(select(m.c.thread_id).where(
            m.c.channel == ch.name, m.c.thread_object == ch.thread_object,
            m.c.message_id.in_(ids)).order_by(m.c.id.desc()).limit(1)).first()
        if row is not None:
            return int(row.thread_id)
        # Messages the pack stored itself (imported, or written before the channel existed).
        bracketed = ids + [f"<{i}>" for i in ids]
        if ch.thread_message_id:
            t = self.records.compiled(ch.thread_object).table
            found = conn.execute(select(t.c.id).where(
                t.c[ch.thread_message_id].in_(bracketed)).limit(1)).scalar_one_or_none()
            if found is not None:
                return int(found)
        if ch.message_message_id:
            t = self.records.compiled(ch.message_object).table
            found = conn.execute(select(t.c[ch.message_thread]).where(
                t.c[ch.message_message_id].in_(bracketed),
                t.c[ch.message_thread].is_not(None)).limit(1)).scalar_one_or_none()
            if found is not None:
                return int(found)
        return None

    def _exists(self, conn: Connection, number: int) -> bool:
        t = self.records.compiled(self.channel.thread_object).table
        return conn.execute(select(t.c.id).where(t.c.id == number)).first() is not None

    def _first_message_id(self, conn: Connection, number: int) -> str | None:
        m = self.messages
        return conn.execute(select(m.c.message_id).where(
            m.c.thread_object == self.channel.thread_object, m.c.thread_id == number)
            .order_by(m.c.id).limit(1)).scalar_one_or_none()

    def _belongs(self, conn: Connection, number: int, sender: str) -> bool:
        """Whether ``sender`` is the thread's requester, copied on it, or a person of its
        organization."""
        ch = self.channel
        t = self.records.compiled(ch.thread_object).table
        row = conn.execute(select(t).where(t.c.id == number)).first()
        if row is None:
            return False
        thread = row._mapping
        if ch.thread_cc and sender in [str(a).lower() for a in thread[ch.thread_cc] or []]:
            return True
        if ch.person_object is None or ch.person_email is None:
            return False
        c = self.records.compiled(ch.person_object).table
        people = select(c).where(func.lower(c.c[ch.person_email]) == sender)
        for person in conn.execute(people):
            if ch.thread_requester and person._mapping["id"] == thread[ch.thread_requester]:
                return True
            if ch.person_organization and ch.thread_organization and \
                    person._mapping[ch.person_organization] is not None and \
                    person._mapping[ch.person_organization] == thread[ch.thread_organization]:
                return True
        return False
