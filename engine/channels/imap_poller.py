"""The IMAP/IMAPS poller the worker runs: fetches new mail by UID, hands each message to intake,
then moves it to the processed folder (never deletes it unless moving needs to).

Where it got to is kept per mailbox in ``flowdesk_mailbox_state`` (UIDVALIDITY and the last
UID handled), so a restart neither loses nor repeats a message; a message handed to intake
twice is ignored as a duplicate anyway (same Message-ID).
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sqlalchemy import insert, select, update

from engine.channels.intake import MailIntake
from engine.errors import BadRequest
from engine.packs.channel_definition import EmailChannel
from engine.runtime.clock import Clock
from engine.runtime.effects.channel_replies import channel_tables

__all__ = ["ImapSettings", "ImapPoller", "PollResult"]

_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


@dataclass(frozen=True, slots=True)
class ImapSettings:
    """One polled mailbox: ``imaps://user@host:993/INBOX`` plus the password."""

    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    ssl: bool = True
    processed_folder: str | None = "Processed"
    timeout: float = 30.0

    @classmethod
    def for_channel(cls, channel: EmailChannel, environ: Mapping[str, str]
                    ) -> ImapSettings | None:
        """The settings the channel's mailbox names, ``None`` when no IMAP URL is set."""
        url = environ.get(channel.mailbox["imap_url"])
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise BadRequest(
                f"{channel.mailbox['imap_url']} must look like imaps://user@host:993/INBOX "
                f"(or imap://...), got {url!r}", code="mail_settings_invalid")
        processed = environ.get(channel.mailbox["processed_folder"], "Processed")
        return cls(host=parts.hostname, port=parts.port or (993 if parts.scheme == "imaps"
                                                            else 143),
                   user=unquote(parts.username),
                   password=environ.get(channel.mailbox["imap_password"])
                   or unquote(parts.password or ""),
                   folder=unquote(parts.path.lstrip("/")) or "INBOX",
                   ssl=parts.scheme == "imaps", processed_folder=processed or None)

    @property
    def mailbox_key(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"[:380]


@dataclass(frozen=True, slots=True)
class PollResult:
    fetched: int
    outcomes: tuple[str, ...]


class ImapPoller:
    """Polls one channel's mailbox."""

    def __init__(self, intake: MailIntake, channel: str, settings: ImapSettings,
                 clock: Clock, *, ssl_context: ssl.SSLContext | None = None,
                 batch: int = 50) -> None:
        self.intake, self.channel, self.settings, self.clock = intake, channel, settings, clock
        self.ssl_context = ssl_context
        self.batch = batch
        self.state = channel_tables()["flowdesk_mailbox_state"]

    def _connect(self) -> imaplib.IMAP4:
        s = self.settings
        if s.ssl:
            return imaplib.IMAP4_SSL(s.host, s.port, ssl_context=self.ssl_context,
                                     timeout=s.timeout)
        return imaplib.IMAP4(s.host, s.port, timeout=s.timeout)

    def poll_once(self) -> PollResult:
        """Fetch and hand over every message newer than the last UID handled."""
        s = self.settings
        imap = self._connect()
        try:
            imap.login(s.user, s.password)
            status, data = imap.select(_quote(s.folder))
            if status != "OK":
                raise BadRequest(f"IMAP folder {s.folder!r} cannot be opened: {data!r}",
                                 code="mail_settings_invalid")
            validity = self._uid_validity(imap)
            last = self._last_uid(validity)
            _, found = imap.uid("SEARCH", f"UID {last + 1}:*")
            uids = sorted(int(u) for u in (found[0] or b"").split() if int(u) > last)
            uids = uids[: self.batch]
            if uids and s.processed_folder:
                imap.create(_quote(s.processed_folder))  # fails harmlessly when it exists
            outcomes: list[str] = []
            _, capabilities = imap.capability()  # after login: the full list
            can_move = b"MOVE" in b" ".join(c for c in capabilities if isinstance(c, bytes))
            for uid in uids:
                _, parts = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                if raw is not None:
                    outcomes.append(self.intake.receive(self.channel, bytes(raw), "imap").status)
                self._processed(imap, uid, can_move)
                self._save(validity, uid)
            return PollResult(len(uids), tuple(outcomes))
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                imap.logout()

    def _processed(self, imap: imaplib.IMAP4, uid: int, can_move: bool) -> None:
        folder = self.settings.processed_folder
        if not folder:
            imap.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
            return
        if can_move:
            imap.uid("MOVE", str(uid), _quote(folder))
            return
        status, _ = imap.uid("COPY", str(uid), _quote(folder))
        if status == "OK":
            imap.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)")
            imap.expunge()

    @staticmethod
    def _uid_validity(imap: imaplib.IMAP4) -> int:
        _, data = imap.response("UIDVALIDITY")
        if data and data[0]:
            return int(data[0])
        _, status = imap.status("INBOX", "(UIDVALIDITY)")
        match = _UIDVALIDITY.search(status[0] if status and status[0] else b"")
        return int(match.group(1)) if match else 0

    def _last_uid(self, validity: int) -> int:
        t = self.state
        with self.intake.records.database.connect() as conn:
            row = conn.execute(select(t.c.uid_validity, t.c.last_uid).where(
                t.c.mailbox == self._key())).first()
        if row is None or row.uid_validity != validity:
            return 0  # a new mailbox, or the server renumbered it: start over (duplicates
            # are recognised by Message-ID)
        return int(row.last_uid)

    def _save(self, validity: int, uid: int) -> None:
        t, now = self.state, self.clock.now()
        with self.intake.records.database.begin() as conn:
            changed = conn.execute(update(t).where(t.c.mailbox == self._key()).values(
                uid_validity=validity, last_uid=uid, polled_at=now)).rowcount
            if not changed:
                conn.execute(insert(t).values(mailbox=self._key(), uid_validity=validity,
                                              last_uid=uid, polled_at=now))

    def _key(self) -> str:
        return f"{self.channel}:{self.settings.mailbox_key}"

    def run_forever(self, stop: threading.Event, interval: float = 30.0,
                    on_error: object = None) -> None:
        """Poll every ``interval`` seconds until ``stop`` is set; a failed poll is reported
        (``on_error(exc)``) and retried at the next interval."""
        while not stop.is_set():
            try:
                self.poll_once()
            except (imaplib.IMAP4.error, OSError, BadRequest) as exc:
                if callable(on_error):
                    on_error(exc)
            stop.wait(interval)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
