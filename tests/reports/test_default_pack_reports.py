"""The default pack's reports: all compile, all run on an empty and on a small seeded database,
and they count what they should (for a portal user, only their customer's tickets)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update

from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from tests.auth_helpers import CHEAP_HASHER
from tests.reports.lab import NOW, at, principal, reports_for, run, table

SERVICE = Path(__file__).resolve().parents[2] / "packs" / "service_default"
REPORTS = ["agent_performance", "average_handling_time", "backlog_by_age", "ces", "csat",
           "first_contact_resolution", "first_response_time", "nps", "resolution_time",
           "sla_compliance", "ticket_volume"]


@pytest.fixture
def desk(db_engine: Engine) -> Runtime:
    registry = load_registry([SERVICE])
    ensure_schema(db_engine, registry.objects, registry.packs, now=NOW)
    return build_runtime(registry, db_engine, ManualClock(NOW), password_hasher=CHEAP_HASHER,
                         secret_key=b"k" * 32)


def _seed(runtime: Runtime) -> dict[str, int]:
    records = runtime.records
    mine = records.create("customer", {"name": "Mine Ltd"}, "seed")["id"]
    theirs = records.create("customer", {"name": "Theirs Ltd"}, "seed")["id"]
    # (customer, channel, category, queue, assignee, stored values set by the engine)
    tickets: list[tuple[int, str, str, dict[str, Any]]] = [
        (mine, "email", "billing", {
            "queue": "billing", "assignee": "ann", "status": "resolved",
            "created_at": at("2026-03-02T09:00"), "first_responded_at": at("2026-03-02T09:30"),
            "resolved_at": at("2026-03-02T13:00"), "agent_reply_count": 1, "reopen_count": 0,
            "handling_seconds": timedelta(minutes=20), "satisfaction": 5}),
        (mine, "phone", "technical", {
            "queue": "billing", "assignee": "ann", "status": "closed",
            "created_at": at("2026-03-03T09:00"), "first_responded_at": at("2026-03-03T10:30"),
            "resolved_at": at("2026-03-04T09:00"), "agent_reply_count": 3, "reopen_count": 1,
            "handling_seconds": timedelta(minutes=40), "satisfaction": 2}),
        (theirs, "email", "billing", {
            "queue": "sales", "assignee": "bob", "status": "open",
            "created_at": at("2026-03-08T12:00"), "first_responded_at": at("2026-03-08T12:15")}),
        (theirs, "web", "general", {"created_at": at("2026-03-10T06:00")}),
    ]
    table = runtime.records.table("ticket")
    created = [records.create("ticket", {"subject": f"{channel} {category}", "priority": "P3",
                                         "customer": customer, "channel": channel,
                                         "category": category}, "seed")["id"]
               for customer, channel, category, _ in tickets]
    with runtime.database.begin() as conn:
        for tid, (*_, engine_values) in zip(created, tickets, strict=True):
            conn.execute(update(table).where(table.c.id == tid).values(**engine_values))
    # February: one passive (7): NPS 0. March: 10, 9, 3: (2 - 1) / 3.
    for kind, score, month in (("nps", 10, "03"), ("nps", 9, "03"), ("nps", 3, "03"),
                               ("nps", 7, "02"), ("ces", 2, "03"), ("ces", 5, "03")):
        records.create("survey_response", {
            "kind": kind, "score": score, "customer": mine, "channel": "email",
            "responded_at": f"2026-{month}-05T10:00:00Z"}, "seed")
    return {"mine": mine, "theirs": theirs}


def test_every_report_of_the_issue_is_declared() -> None:
    registry = load_registry([SERVICE])
    assert sorted(registry.reports) == REPORTS
    for report in registry.reports.values():
        assert report.label.zh_cn, f"{report.name} has no zh-CN label"
        for column in (*report.dimensions, *report.measures):
            assert column.label.zh_cn, f"{report.name}.{column.name} has no zh-CN label"


@pytest.mark.parametrize("name", REPORTS)
def test_each_report_runs_on_an_empty_database(desk: Runtime, name: str) -> None:
    result = run(desk, name)
    assert result.rows == []
    assert all(v in (0, None) for v in result.totals.values())


def test_the_reports_count_the_seeded_desk(desk: Runtime) -> None:
    _seed(desk)
    for name in REPORTS:
        run(desk, name, tz="Asia/Shanghai")  # every report runs with data, in a timezone
    assert run(desk, "ticket_volume").totals == {"tickets": 4, "still_open": 2}
    assert table(run(desk, "ticket_volume", group_by="channel")) == [
        ("email", 2, 1), ("web", 1, 1), ("phone", 1, 0)]
    assert table(run(desk, "first_response_time", group_by="assignee")) == [
        ("ann", 2, 60.0, 1.5), ("bob", 1, 15.0, 0.25), (None, 0, None, None)]
    assert run(desk, "resolution_time").totals == {
        "resolved": 2, "avg_resolution_hours": 14.0, "max_resolution_hours": 24.0}
    assert table(run(desk, "backlog_by_age", group_by="age")) == [("<1d", 1, 0),
                                                                  ("1d-3d", 1, 0)]
    assert run(desk, "first_contact_resolution").totals == {"resolved": 2, "fcr_rate": 50.0}
    assert run(desk, "average_handling_time").totals == {
        "tickets": 2, "aht_minutes": 30.0, "total_hours": 1.0}
    assert run(desk, "csat").totals == {"ratings": 2, "avg_rating": 3.5, "csat_percent": 50.0}
    assert table(run(desk, "nps", group_by="month")) == [("2026-02-01", 1, 0.0, 0, 0),
                                                         ("2026-03-01", 3, 33.3, 2, 1)]
    assert run(desk, "ces").totals == {"responses": 2, "avg_effort": 3.5,
                                       "low_effort_percent": 50.0}
    assert run(desk, "agent_performance", group_by="queue").rows[0] == {
        "queue": "billing", "tickets": 2, "resolved": 2, "avg_first_response_minutes": 60.0,
        "avg_resolution_hours": 14.0, "fcr_rate": 50.0, "aht_minutes": 30.0,
        "avg_csat": 3.5}


def test_a_portal_user_runs_only_reports_on_what_they_see(desk: Runtime) -> None:
    ids = _seed(desk)
    portal = principal("customer", customer=ids["mine"])
    # queue and assignee are hidden from customers, surveys unreadable: only the volume is left
    assert [r.name for r in reports_for(desk, portal).available()] == ["ticket_volume"]
    assert run(desk, "ticket_volume", portal).totals == {"tickets": 2, "still_open": 0}
    agent = principal("agent")
    assert "agent_performance" not in [r.name for r in reports_for(desk, agent).available()]
