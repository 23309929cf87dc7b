"""The automation lab pack (tests/packs/automation_lab) on a database, and small helpers that
tests of automations and SLA clocks share."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from engine.jobs.worker import Worker
from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.packs.registry import Registry
from engine.runtime.clock import ManualClock
from engine.runtime.effects import MemoryMailer, MemoryWebhookSender
from engine.runtime.factory import Runtime, build_runtime

LAB = Path(__file__).resolve().parent.parent / "packs" / "automation_lab"
#: A Monday, 10:00 in Berlin.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", name="lab")
def lab_registry() -> Registry:
    return load_registry([LAB])


@pytest.fixture(name="mailer")
def lab_mailer() -> MemoryMailer:
    return MemoryMailer()


@pytest.fixture(name="hooks")
def lab_hooks() -> MemoryWebhookSender:
    return MemoryWebhookSender()


@pytest.fixture(name="runtime")
def lab_runtime(db_engine: Engine, lab: Registry, clock: ManualClock, mailer: MemoryMailer,
            hooks: MemoryWebhookSender) -> Iterator[Runtime]:
    ensure_schema(db_engine, lab.objects, lab.packs, now=T0)
    yield build_runtime(lab, db_engine, clock, mailer=mailer, mail_sender="desk@lab.test",
                        webhook_sender=hooks, environ={"LAB_HOOK_SECRET": "k"})


@pytest.fixture(name="worker")
def lab_worker(runtime: Runtime) -> Worker:
    return Worker(runtime, "test-worker")


def jobs(runtime: Runtime, **where: Any) -> list[dict[str, Any]]:
    t = runtime.outbox.table
    query = select(t).order_by(t.c.id)
    for name, value in where.items():
        query = query.where(t.c[name] == value)
    with runtime.database.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def history(runtime: Runtime, record_id: int, object_name: str = "incident") -> list[Any]:
    return runtime.records.history(object_name, record_id)


def notes(runtime: Runtime, record_id: int, action: str = "comment") -> list[str]:
    """The record's history notes of ``action``, without the SLA automations' comments (the
    lab's SLA clocks run in every test; tests/workflows/test_sla.py looks at those)."""
    return [e.note or "" for e in history(runtime, record_id)
            if e.action == action and not (e.note or "").startswith("SLA ")]


def create(runtime: Runtime, **values: Any) -> dict[str, Any]:
    return runtime.records.create("incident", {"title": "Printer jam", **values}, "alice")


def take(runtime: Runtime, record: dict[str, Any], name: str) -> dict[str, Any]:
    current = runtime.records.get("incident", record["id"])
    return runtime.transitions.transition("incident", record["id"], name,
                                          expected_version=current["version"], actor="alice")


