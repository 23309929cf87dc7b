"""Email in: one raw message becomes one command in one transaction.

The message is parsed at the edge, then, in one transaction: it is kept raw
(``flowdesk_inbound_mail``), its Message-ID recorded (a second copy is ignored), its thread
found (see :mod:`engine.channels.threads`) or a new one created with the sender's person and
organization found or created, the message appended, and the automations run. Noise is sorted out
first (see :mod:`engine.channels.noise`). Anything that fails, unreadable mail or a record the
pack refuses, is quarantined in a transaction of its own: kept with its bytes and the error,
visible, and replayable.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.channels.noise import Verdict, classify
from engine.channels.parsed_mail import ParsedMail, parse_mail
from engine.channels.threads import ThreadFinder, ThreadMatch
from engine.errors import BadRequest, FlowdeskError, NotFound
from engine.objects.model import FieldType
from engine.packs.channel_definition import EmailChannel
from engine.packs.registry import Registry
from engine.runtime.effects.channel_replies import ChannelAddress, channel_tables
from engine.runtime.records import RecordService
from engine.runtime.unit_of_work import UnitOfWork

__all__ = ["MailIntake", "IntakeOutcome", "MAX_MESSAGE_BYTES", "INBOUND_STATUSES"]

#: Largest raw message accepted (a 20 MB attachment is about 27 MB once base64-encoded).
MAX_MESSAGE_BYTES = 48 * 1024 * 1024
INBOUND_STATUSES = ("created", "appended", "ignored", "quarantined")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    """What happened to one message. ``status``: ``created`` (a new thread), ``appended`` (a
    message on a thread), ``ignored`` (``reason``: duplicate, own, bounce, auto_reply) or
    ``quarantined`` (``error`` says why)."""

    inbound_id: int
    status: str
    reason: str | None = None
    error: str | None = None
    thread_object: str | None = None
    thread_id: int | None = None
    message_object: str | None = None
    message_id: int | None = None
    matched_by: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


class MailIntake:
    """Receives raw email for the channels of ``registry``."""

    def __init__(self, registry: Registry, records: RecordService,
                 environ: Mapping[str, str]) -> None:
        self.registry, self.records = registry, records
        tables = channel_tables()
        self.messages = tables["flowdesk_channel_messages"]
        self.inbound = tables["flowdesk_inbound_mail"]
        self.addresses = tables["flowdesk_mail_addresses"]
        self.desks = {name: ChannelAddress.for_channel(c, environ)
                      for name, c in registry.channels.items()}
        self.finders = {name: ThreadFinder(c, records, self.desks[name])
                        for name, c in registry.channels.items()}

    def channel(self, name: str) -> EmailChannel:
        channel = self.registry.channels.get(name)
        if channel is None:
            known = ", ".join(sorted(self.registry.channels)) or "none"
            raise NotFound(f"unknown channel '{name}' (channels: {known})",
                           code="unknown_channel")
        return channel

    # -- receiving ---------------------------------------------------------------------------

    def receive(self, channel_name: str, raw: bytes, source: str) -> IntakeOutcome:
        """Take one raw RFC 822 message from ``source`` (``stdin``, ``http``, ``imap``)."""
        channel = self.channel(channel_name)
        if len(raw) > MAX_MESSAGE_BYTES:
            raise BadRequest(f"the message is {len(raw)} bytes; the largest accepted is "
                             f"{MAX_MESSAGE_BYTES}", code="mail_too_large")
        return self._process(channel, raw, source, existing=None)

    def replay(self, channel_name: str, inbound_id: int) -> IntakeOutcome:
        """Process a quarantined message again (after the pack or the data was fixed)."""
        channel = self.channel(channel_name)
        i = self.inbound
        with self.records.database.connect() as conn:
            row = conn.execute(select(i.c.raw, i.c.status).where(
                i.c.id == inbound_id, i.c.channel == channel.name)).first()
        if row is None:
            raise NotFound(f"no inbound message {inbound_id} on channel '{channel.name}'",
                           code="inbound_not_found")
        if row.status != "quarantined":
            raise BadRequest(f"inbound message {inbound_id} is {row.status}, not quarantined: "
                             "only quarantined messages are replayed",
                             code="inbound_not_quarantined")
        return self._process(channel, bytes(row.raw), "replay", existing=inbound_id)

    def _process(self, channel: EmailChannel, raw: bytes, source: str,
                 existing: int | None) -> IntakeOutcome:
        try:
            mail = parse_mail(raw)
        except FlowdeskError as exc:
            return self._quarantine(channel, raw, source, None, exc.message, existing)
        except Exception as exc:  # noqa: BLE001 - nothing is lost: any failure quarantines
            return self._quarantine(channel, raw, source, None,
                                    f"the message could not be parsed: {exc!r}", existing)
        try:
            try:
                with self.records.command(f"channel:{channel.name}") as uow:
                    return self._take(uow, channel, mail, raw, source, existing)
            except IntegrityError:
                # Another process took the same Message-ID at the same moment (two pollers,
                # a relay retrying): once more, it is found and ignored as a duplicate.
                with self.records.command(f"channel:{channel.name}") as uow:
                    return self._take(uow, channel, mail, raw, source, existing)
        except FlowdeskError as exc:
            return self._quarantine(channel, raw, source, mail, exc.message, existing)
        except Exception as exc:  # noqa: BLE001 - nothing is lost: any failure quarantines
            return self._quarantine(channel, raw, source, mail, f"intake failed: {exc!r}",
                                    existing)

    def _take(self, uow: UnitOfWork, channel: EmailChannel, mail: ParsedMail, raw: bytes,
              source: str, existing: int | None) -> IntakeOutcome:
        conn = uow.conn
        message_id = mail.message_id or f"sha256-{hashlib.sha256(raw).hexdigest()}@flowdesk"
        m = self.messages
        seen = conn.execute(select(m.c.thread_id).where(
            m.c.channel == channel.name, m.c.message_id == message_id)).first()
        verdict = classify(mail, [self.desks[channel.name].address])
        if verdict.kind == "own":
            return self._keep(conn, uow, channel, mail, raw, source, existing, "ignored",
                              reason="own")
        if seen is not None:
            return self._keep(conn, uow, channel, mail, raw, source, existing, "ignored",
                              reason="duplicate", thread=int(seen.thread_id))
        if verdict.kind == "bounce":
            return self._bounced(uow, channel, mail, raw, source, existing)
        match = self.finders[channel.name].find(conn, mail)
        if match is None and verdict.kind == "auto_reply":
            return self._keep(conn, uow, channel, mail, raw, source, existing, "ignored",
                              reason="auto_reply")
        if match is not None:
            record_id = self._append(uow, channel, mail, match, message_id, verdict)
            self.records.settle(uow)
            outcome = self._keep(conn, uow, channel, mail, raw, source, existing, "appended",
                                 thread=match.thread_id, by=match.by)
            return _with_message(outcome, channel, record_id)
        thread_id = self._open(uow, channel, mail, message_id, verdict)
        self.records.settle(uow)
        return self._keep(conn, uow, channel, mail, raw, source, existing, "created",
                          thread=thread_id)

    # -- new threads and messages -------------------------------------------------------------

    def _open(self, uow: UnitOfWork, channel: EmailChannel, mail: ParsedMail,
              message_id: str, verdict: Verdict) -> int:
        ch = channel
        thread_c = self.records.compiled(ch.thread_object)
        person_id, organization_id = self._requester(uow, ch, mail)
        values: dict[str, Any] = dict(ch.thread_values)
        subject_field = thread_c.obj.fields[ch.thread_subject]
        subject = " ".join(mail.subject.split()) or "(no subject)"
        values[ch.thread_subject] = subject[: subject_field.max_length or 200]
        if ch.thread_body:
            values[ch.thread_body] = _cut(mail.reply or mail.text or subject,
                                          thread_c.obj.fields[ch.thread_body].max_length)
        if ch.thread_requester and person_id is not None:
            values[ch.thread_requester] = person_id
        if ch.thread_organization and organization_id is not None:
            values[ch.thread_organization] = organization_id
        if ch.thread_cc:
            cc = self._copied(ch, mail)
            if cc:
                values[ch.thread_cc] = cc
        if ch.thread_language:
            language = _language(thread_c.obj.fields[ch.thread_language].option_values,
                                 mail.subject + " " + mail.text)
            if language:
                values[ch.thread_language] = language
        if ch.thread_message_id:
            values[ch.thread_message_id] = message_id[:512]
        record = self.records.create_in(uow, ch.thread_object,
                                        thread_c.validator.validate_create(values),
                                        note=f"email from {mail.sender}")
        thread_id = int(record["id"])
        self._remember(uow, ch, message_id, thread_id, None, None, mail.sender, verdict)
        return thread_id

    def _append(self, uow: UnitOfWork, channel: EmailChannel, mail: ParsedMail,
                match: ThreadMatch, message_id: str, verdict: Verdict) -> int:
        ch = channel
        c = self.records.compiled(ch.message_object)
        values: dict[str, Any] = dict(ch.message_values)
        values[ch.message_thread] = match.thread_id
        values[ch.message_body] = _cut(mail.reply or mail.text or mail.subject or "(empty)",
                                       c.obj.fields[ch.message_body].max_length)
        if ch.message_author:
            author = f"{mail.sender_name} <{mail.sender}>" if mail.sender_name else mail.sender
            values[ch.message_author] = author[: c.obj.fields[ch.message_author].max_length
                                               or 320]
        if ch.message_author_type and "requester" in ch.authors:
            values[ch.message_author_type] = ch.authors["requester"]
        if ch.message_message_id:
            values[ch.message_message_id] = message_id[:512]
        if ch.message_attachments and mail.attachments:
            values[ch.message_attachments] = [a.as_json() for a in mail.attachments]
        record = self.records.create_in(uow, ch.message_object,
                                        c.validator.validate_create(values),
                                        note=f"email from {mail.sender}")
        record_id = int(record["id"])
        self._remember(uow, ch, message_id, match.thread_id, ch.message_object, record_id,
                       mail.sender, verdict)
        self._copy_addresses(uow, ch, match.thread_id, mail)
        return record_id

    def _remember(self, uow: UnitOfWork, ch: EmailChannel, message_id: str, thread_id: int,
                  object_name: str | None, record_id: int | None, sender: str,
                  verdict: Verdict) -> None:
        uow.conn.execute(insert(self.messages).values(
            channel=ch.name, message_id=message_id, direction="in",
            thread_object=ch.thread_object, thread_id=thread_id, object=object_name,
            record_id=record_id, address=sender[:320], automatic=verdict.no_auto_response,
            created_at=uow.now))

    def _copied(self, ch: EmailChannel, mail: ParsedMail) -> list[str]:
        """The addresses copied on ``mail``, less the sender and the desk's own."""
        desk = self.desks[ch.name]
        return [a for a in mail.cc if a != mail.sender and a != desk.address
                and not a.startswith(desk.local + "+")][:20]

    def _copy_addresses(self, uow: UnitOfWork, ch: EmailChannel, thread_id: int,
                        mail: ParsedMail) -> None:
        """Addresses newly copied on a reply join the thread's copied addresses."""
        if not ch.thread_cc:
            return
        thread_c = self.records.compiled(ch.thread_object)
        row = self.records.load_row(uow.conn, thread_c, thread_id)
        current = [str(a) for a in row.get(ch.thread_cc) or []]
        added = [a for a in self._copied(ch, mail) if a not in current]
        if added:
            self.records.update_in(uow, ch.thread_object, thread_id,
                                   {ch.thread_cc: (current + added)[:50]},
                                   note=f"copied on an email from {mail.sender}")

    def _requester(self, uow: UnitOfWork, ch: EmailChannel, mail: ParsedMail
                   ) -> tuple[int | None, int | None]:
        """The sender's person and organization: found by address, else created."""
        if ch.person_object is None or ch.person_email is None:
            return None, None
        person_c = self.records.compiled(ch.person_object)
        t = person_c.table
        found = uow.conn.execute(select(t).where(
            func.lower(t.c[ch.person_email]) == mail.sender).order_by(t.c.id).limit(1)).first()
        if found is not None:
            person = found._mapping
            organization = person[ch.person_organization] if ch.person_organization else None
            return int(person["id"]), int(organization) if organization is not None else None
        organization_id: int | None = None
        if ch.organization_object and ch.organization_name:
            organization_c = self.records.compiled(ch.organization_object)
            values: dict[str, Any] = {ch.organization_name: _cut(
                mail.sender_name or mail.sender,
                organization_c.obj.fields[ch.organization_name].max_length)}
            if ch.organization_email:
                values[ch.organization_email] = mail.sender
            organization = self.records.create_in(uow, ch.organization_object,
                                              organization_c.validator.validate_create(values),
                                              note=f"email from {mail.sender}")
            organization_id = int(organization["id"])
        values = {ch.person_email: mail.sender}
        if ch.person_name:
            values[ch.person_name] = _cut(mail.sender_name or mail.sender,
                                           person_c.obj.fields[ch.person_name].max_length)
        if ch.person_organization and organization_id is not None:
            values[ch.person_organization] = organization_id
        if ch.person_language:
            field = person_c.obj.fields[ch.person_language]
            language = _language(field.option_values, mail.subject + " " + mail.text) \
                if field.type == FieldType.ENUM else None
            if language:
                values[ch.person_language] = language
        created = self.records.create_in(uow, ch.person_object,
                                          person_c.validator.validate_create(values),
                                          note=f"email from {mail.sender}")
        return int(created["id"]), organization_id

    # -- bounces, keeping and quarantine ------------------------------------------------------

    def _bounced(self, uow: UnitOfWork, channel: EmailChannel, mail: ParsedMail, raw: bytes,
                 source: str, existing: int | None) -> IntakeOutcome:
        conn = uow.conn
        bounce = mail.bounce
        thread: int | None = None
        if bounce is not None:
            a = self.addresses
            for address in bounce.recipients:
                changed = conn.execute(update(a).where(a.c.address == address).values(
                    bounced_at=uow.now, bounce_status=bounce.status or None,
                    bounce_detail=bounce.detail or None, bounces=a.c.bounces + 1)).rowcount
                if not changed:
                    conn.execute(insert(a).values(
                        address=address, bounced_at=uow.now, bounce_status=bounce.status or None,
                        bounce_detail=bounce.detail or None, bounces=1))
            if bounce.original_message_id:
                thread = self.finders[channel.name].by_references(
                    conn, [bounce.original_message_id])
            if thread is not None:
                uow.log(channel.thread_object, thread, "comment",
                        note=f"channel '{channel.name}': mail to "
                             f"{', '.join(bounce.recipients)} bounced ({bounce.status}): "
                             f"{bounce.detail[:200]}")
        return self._keep(conn, uow, channel, mail, raw, source, existing, "ignored",
                          reason="bounce", thread=thread)

    def _keep(self, conn: Connection, uow: UnitOfWork, channel: EmailChannel,
              mail: ParsedMail | None, raw: bytes, source: str, existing: int | None,
              status: str, *, reason: str | None = None, error: str | None = None,
              thread: int | None = None, by: str | None = None) -> IntakeOutcome:
        i = self.inbound
        thread_object = channel.thread_object if thread is not None else None
        row: dict[str, Any] = {
            "channel": channel.name, "source": source, "received_at": uow.now,
            "message_id": (mail.message_id or "")[:512] or None if mail else None,
            "sender": mail.sender[:320] if mail else None,
            "subject": mail.subject[:512] if mail else None,
            "status": status, "reason": reason, "error": error,
            "thread_object": thread_object,
            "thread_id": thread, "size": len(raw),
        }
        if existing is None:
            inbound_id = int(conn.execute(insert(i).values(raw=raw, **row)
                                          .returning(i.c.id)).scalar_one())
        else:
            row.pop("received_at")
            conn.execute(update(i).where(i.c.id == existing).values(**row))
            inbound_id = existing
        return IntakeOutcome(inbound_id, status, reason=reason, error=error,
                             thread_object=thread_object, thread_id=thread,
                             matched_by=by)

    def _quarantine(self, channel: EmailChannel, raw: bytes, source: str,
                    mail: ParsedMail | None, error: str, existing: int | None
                    ) -> IntakeOutcome:
        with self.records.command(f"channel:{channel.name}") as uow:
            return self._keep(uow.conn, uow, channel, mail, raw, source, existing,
                              "quarantined", error=error[:4000])

    # -- reading -----------------------------------------------------------------------------

    def list_inbound(self, channel_name: str, status: str | None = None, limit: int = 50,
                     offset: int = 0) -> list[dict[str, Any]]:
        """Kept inbound messages, newest first (without their bytes)."""
        channel = self.channel(channel_name)
        if status is not None and status not in INBOUND_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(INBOUND_STATUSES)}, got "
                             f"{status!r}", code="inbound_bad_status")
        i = self.inbound
        query = select(*[c for c in i.c if c.name != "raw"]).where(i.c.channel == channel.name)
        if status is not None:
            query = query.where(i.c.status == status)
        query = query.order_by(i.c.id.desc()).limit(max(1, min(limit, 500))).offset(
            max(0, offset))
        with self.records.database.connect() as conn:
            return [_jsonable(dict(r._mapping)) for r in conn.execute(query)]

    def raw(self, channel_name: str, inbound_id: int) -> bytes:
        channel = self.channel(channel_name)
        i = self.inbound
        with self.records.database.connect() as conn:
            raw = conn.execute(select(i.c.raw).where(
                i.c.id == inbound_id, i.c.channel == channel.name)).scalar_one_or_none()
        if raw is None:
            raise NotFound(f"no inbound message {inbound_id} on channel '{channel.name}'",
                           code="inbound_not_found")
        return bytes(raw)


def _with_message(outcome: IntakeOutcome, channel: EmailChannel, record_id: int
                  ) -> IntakeOutcome:
    return IntakeOutcome(outcome.inbound_id, outcome.status, outcome.reason, outcome.error,
                         outcome.thread_object, outcome.thread_id, channel.message_object,
                         record_id, outcome.matched_by)


def _cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _language(options: tuple[str, ...], text: str) -> str | None:
    chinese = len(_CJK.findall(text)) >= 2
    for option in options:
        if chinese and option.lower().startswith("zh"):
            return option
        if not chinese and option.lower() in ("en", "en-us", "en-gb"):
            return option
    return None


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
