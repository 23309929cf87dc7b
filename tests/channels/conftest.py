"""A desk on the default pack for channel tests: SQLite and PostgreSQL, a manual clock, a
memory mailer, and the mail intake."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import Engine, select

from engine.channels.intake import IntakeOutcome, MailIntake
from engine.jobs.worker import Worker
from engine.objects.storage import ensure_schema
from engine.packs import Registry, load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.effects import Mailer, MemoryMailer
from engine.runtime.factory import Runtime, build_runtime
from tests.conftest import REPO

#: Monday 2026-03-02 10:00 in Shanghai: business hours.
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DESK = "support@desk.example"
ENV = {"FLOWDESK_MAIL_ADDRESS": DESK, "FLOWDESK_MAIL_INBOUND_TOKEN": "relay-token-123"}


@pytest.fixture(scope="session")
def pack_registry() -> Registry:
    return load_registry([REPO / "packs" / "service_default"])


@dataclass
class Desk:
    """A running desk: records, intake, the mail it sent."""

    runtime: Runtime
    intake: MailIntake
    mailer: MemoryMailer
    clock: ManualClock

    def receive(self, raw: bytes | EmailMessage, source: str = "stdin") -> IntakeOutcome:
        data = bytes(raw) if isinstance(raw, EmailMessage) else raw
        return self.intake.receive("email", data, source)

    def run_jobs(self) -> None:
        Worker(self.runtime, "test-worker").run_due()

    def sent(self) -> list[EmailMessage]:
        """What the worker sent, as the recipient reads it (parsed back from bytes)."""
        out = []
        for message, _key in self.mailer.sent:
            parsed = message_from_bytes(bytes(message), policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            out.append(parsed)
        return out

    def email_jobs(self) -> list[dict[str, Any]]:
        t = self.runtime.outbox.table
        with self.runtime.database.connect() as conn:
            return [dict(p) for p in conn.execute(
                select(t.c.payload).where(t.c.kind == "email").order_by(t.c.id)).scalars()]

    def get(self, object_name: str, record_id: int) -> dict[str, Any]:
        return self.runtime.records.get(object_name, record_id)

    def messages(self, ticket: int) -> list[dict[str, Any]]:
        """The ticket's messages, oldest first, as stored rows."""
        t = self.runtime.records.compiled("ticket_message").table
        with self.runtime.database.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(t).where(t.c.ticket == ticket).order_by(t.c.id))]


def make_desk(registry: Registry, engine: Engine, env: dict[str, str] | None = None,
              mailer: Mailer | None = None) -> Desk:
    clock = ManualClock(T0)
    ensure_schema(engine, registry.objects, registry.packs, now=T0)
    memory = MemoryMailer()
    environ = dict(ENV if env is None else env)
    runtime = build_runtime(registry, engine, clock, mailer=mailer or memory,
                            mail_sender=DESK, environ=environ)
    return Desk(runtime, MailIntake(registry, runtime.records, environ), memory, clock)


@pytest.fixture
def desk(pack_registry: Registry, db_engine: Engine) -> Iterator[Desk]:
    yield make_desk(pack_registry, db_engine)
