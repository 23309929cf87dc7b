"""The notes automations and SLA clocks write into a record's history are desk talk: a role
that the object hides fields from (a portal customer) never sees them; staff do."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engine.api.app import create_app
from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.effects import MemoryMailer, MemoryWebhookSender
from engine.runtime.factory import build_runtime
from tests.auth_helpers import CHEAP_HASHER, bearer
from tests.runtime.record_objects import T0

SERVICE = Path(__file__).resolve().parents[2] / "packs" / "service_default"


def test_customers_do_not_see_automation_and_sla_notes(db_engine: Engine) -> None:
    registry = load_registry([SERVICE])
    ensure_schema(db_engine, registry.objects, registry.packs, now=T0)
    clock = ManualClock(T0)
    runtime = build_runtime(registry, db_engine, clock, mailer=MemoryMailer(),
                            webhook_sender=MemoryWebhookSender(), environ={},
                            password_hasher=CHEAP_HASHER)
    runtime.auth.users.create("sue", roles=["supervisor"], actor="t", email="sue@desk.example")
    mine = runtime.records.create("customer", {"name": "Mine Ltd", "tier": "gold"}, "t")
    contact = runtime.records.create("contact", {"customer": mine["id"], "name": "Wang",
                                                 "email": "wang@mine.example"}, "t")
    ticket = runtime.records.create("ticket", {"subject": "Down", "priority": "P2",
                                               "customer": mine["id"],
                                               "contact": contact["id"]}, "t")
    url = f"/api/records/ticket/{ticket['id']}/history"
    app = create_app(runtime)
    staff = TestClient(app, headers=bearer(runtime, "boss", ["supervisor"]))
    customer = TestClient(app, headers=bearer(runtime, "portal", ["customer"],
                                              attributes={"customer": mine["id"]}))
    desk = {e["action"] for e in staff.get(url).json()["items"]}
    assert {"sla", "email_queued"} <= desk  # the clocks started; the acknowledgement queued
    seen = customer.get(url).json()["items"]
    assert seen and not {e["action"] for e in seen} & {"sla", "email_queued", "comment",
                                                         "automation_error"}
    assert "wang@mine.example" not in str(seen) and "sue@desk.example" not in str(seen)
