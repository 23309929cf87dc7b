"""SLA clocks follow the record: started, paused, stopped, reset and re-targeted by its changes,
counted on business calendars, with durable warning and breach timers that automations act on
(tests/packs/automation_lab/sla/incident.yaml: lab hours are 09:00-17:00 Berlin, Mon-Fri)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from engine.jobs.worker import Worker
from engine.runtime.clock import ManualClock
from engine.runtime.effects import MemoryMailer
from engine.runtime.factory import Runtime

from .lab import (  # noqa: F401
    T0,
    create,
    history,
    jobs,
    lab_hooks,
    lab_mailer,
    lab_registry,
    lab_runtime,
    lab_worker,
    take,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def clocks(runtime: Runtime, record_id: int) -> dict[str, dict[str, Any]]:
    with runtime.database.connect() as conn:
        return {c["metric"]: c for c in runtime.sla.clocks(conn, "incident", record_id,
                                                             runtime.clock.now())}


def update(runtime: Runtime, record_id: int, **values: Any) -> dict[str, Any]:
    current = runtime.records.get("incident", record_id)
    return runtime.records.update("incident", record_id, values,
                                  expected_version=current["version"], actor="alice")


def sla_notes(runtime: Runtime, record_id: int) -> list[str]:
    return [e.note or "" for e in history(runtime, record_id)
            if (e.note or "").startswith("SLA ")]


def test_a_new_record_gets_its_policy_clocks_on_the_business_calendar(runtime: Runtime) -> None:
    record = create(runtime)  # Monday 10:00 Berlin, standard policy
    found = clocks(runtime, record["id"])
    assert set(found) == {"first_response", "resolution"}  # no customer reply yet
    first = found["first_response"]
    assert (first["policy"], first["status"], first["target_seconds"]) == (
        "standard", "running", 4 * 3600)
    assert first["due_at"] == "2026-03-02T13:00:00Z"  # 14:00 Berlin
    # 16 h: the rest of Monday (7 h), Tuesday (8 h) and Wednesday 09:00-10:00.
    assert found["resolution"]["due_at"] == "2026-03-04T09:00:00Z"


def test_the_acknowledgement_promises_the_first_response_time(runtime: Runtime) -> None:
    create(runtime, reporter_email="rita@example.com")
    [email] = jobs(runtime, kind="email")
    assert "First response by 2026-03-02T13:00:00Z." in email["payload"]["body"]


def test_a_response_stops_the_first_response_clock_as_met(runtime: Runtime,
                                                          clock: ManualClock) -> None:
    record = create(runtime)
    clock.advance(hours=2)
    update(runtime, record["id"], responded_at=clock.now().isoformat())
    first = clocks(runtime, record["id"])["first_response"]
    assert (first["status"], first["met"], first["elapsed_seconds"]) == ("stopped", True, 7200)
    assert first["due_at"] is None
    # Its timers are cancelled: nothing will warn about or breach it.
    group = f"sla:incident:{record['id']}:first_response"
    assert {j["status"] for j in jobs(runtime, cancel_group=group)} == {"cancelled"}


def test_pending_pauses_resolution_and_resuming_moves_the_due_date(runtime: Runtime,
                                                                   clock: ManualClock) -> None:
    record = create(runtime)
    take(runtime, record, "start")
    clock.advance(hours=1)  # 1 business hour elapsed
    take(runtime, record, "wait")
    assert clocks(runtime, record["id"])["resolution"]["status"] == "paused"
    assert clocks(runtime, record["id"])["resolution"]["due_at"] is None
    clock.set(utc(2026, 3, 4, 9, 0))  # Wednesday 10:00 Berlin
    take(runtime, record, "resume")
    resolution = clocks(runtime, record["id"])["resolution"]
    assert resolution["status"] == "running"
    assert resolution["elapsed_seconds"] == 3600
    assert resolution["paused_seconds"] == 15 * 3600  # Monday 6 h, Tuesday 8 h, Wednesday 1 h
    # 15 h to go from Wednesday 10:00: 7 h Wednesday, 8 h Thursday -> Thursday 17:00 Berlin.
    assert resolution["due_at"] == "2026-03-05T16:00:00Z"


def test_a_priority_change_keeps_the_elapsed_time(runtime: Runtime, clock: ManualClock) -> None:
    record = create(runtime)
    clock.advance(hours=2)  # 2 business hours of the standard policy's 16
    update(runtime, record["id"], severity="urgent")
    resolution = clocks(runtime, record["id"])["resolution"]
    assert (resolution["policy"], resolution["target_seconds"]) == ("urgent", 4 * 3600)
    assert resolution["elapsed_seconds"] == 7200
    # Urgent runs on the 24x7 calendar: two hours left from now.
    assert resolution["due_at"] == "2026-03-02T13:00:00Z"
    assert "SLA resolution: now under policy 'urgent' (elapsed time kept)" in sla_notes(
        runtime, record["id"])


def test_a_reopened_record_runs_on_without_the_time_it_was_resolved(
        runtime: Runtime, clock: ManualClock) -> None:
    # Urgent: 4 h on the 24x7 calendar (and archiving is refused, so it stays solved).
    record = create(runtime, severity="urgent")
    take(runtime, record, "start")
    clock.advance(hours=1)
    take(runtime, record, "solve")
    resolution = clocks(runtime, record["id"])["resolution"]
    assert (resolution["status"], resolution["met"], resolution["elapsed_seconds"]) == (
        "stopped", True, 3600)
    clock.advance(hours=5)
    take(runtime, record, "reopen")
    resolution = clocks(runtime, record["id"])["resolution"]
    assert (resolution["status"], resolution["elapsed_seconds"]) == ("running", 3600)
    assert resolution["due_at"] == "2026-03-02T18:00:00Z"  # now (15:00Z) + the 3 h left


def test_a_customer_reply_starts_and_resets_the_next_response_clock(
        runtime: Runtime, clock: ManualClock) -> None:
    record = create(runtime)
    update(runtime, record["id"], responded_at=clock.now().isoformat())
    clock.advance(hours=1)
    update(runtime, record["id"], customer_replied_at=clock.now().isoformat())
    nxt = clocks(runtime, record["id"])["next_response"]
    assert (nxt["status"], nxt["started_at"]) == ("running", "2026-03-02T10:00:00Z")
    clock.advance(hours=2)
    update(runtime, record["id"], responded_at=clock.now().isoformat())
    nxt = clocks(runtime, record["id"])["next_response"]
    assert (nxt["status"], nxt["met"], nxt["elapsed_seconds"]) == ("stopped", True, 7200)
    clock.advance(hours=1)
    update(runtime, record["id"], customer_replied_at=clock.now().isoformat())
    nxt = clocks(runtime, record["id"])["next_response"]
    assert (nxt["status"], nxt["elapsed_seconds"], nxt["started_at"]) == (
        "running", 0, "2026-03-02T13:00:00Z")


def test_warnings_and_breach_fire_from_durable_timers_and_reach_automations(
        runtime: Runtime, worker: Worker, clock: ManualClock) -> None:
    record = create(runtime)
    group = f"sla:incident:{record['id']}:resolution"
    pending = sorted((j["payload"]["fraction"], j["run_at"])
                     for j in jobs(runtime, cancel_group=group, status="pending"))
    # 50% = 8 business hours (Monday's 7, then Tuesday 10:00 Berlin), 80% = 12.8 h (Tuesday
    # 14:48 Berlin), 100% = 16 h (Wednesday 10:00 Berlin).
    assert pending == [(0.5, utc(2026, 3, 3, 9, 0)), (0.8, utc(2026, 3, 3, 13, 48)),
                       (1.0, utc(2026, 3, 4, 9, 0))]
    clock.set(utc(2026, 3, 3, 9, 0))
    worker.run_due()
    assert "SLA resolution at 50%, due 2026-03-04T09:00:00Z" in sla_notes(runtime, record["id"])
    clock.set(utc(2026, 3, 4, 9, 0))
    worker.run_due()
    after = runtime.records.get("incident", record["id"])
    assert after["escalated"] is True  # breach_escalate ran on the sla_breached event
    notes = sla_notes(runtime, record["id"])
    assert "SLA resolution: breached" in notes
    assert "SLA resolution breached (policy standard)" in notes
    resolution = clocks(runtime, record["id"])["resolution"]
    assert resolution["breached_at"] == "2026-03-04T09:00:00Z"
    assert resolution["breached"] is True


def test_a_timer_for_a_clock_that_was_paused_meanwhile_does_not_breach(
        runtime: Runtime, worker: Worker, clock: ManualClock) -> None:
    record = create(runtime, severity="urgent")  # 4 h on 24x7
    take(runtime, record, "start")
    clock.advance(hours=1)
    take(runtime, record, "wait")
    clock.advance(hours=10)
    worker.run_due()
    resolution = clocks(runtime, record["id"])["resolution"]
    assert (resolution["status"], resolution["breached_at"]) == ("paused", None)
    assert runtime.records.get("incident", record["id"])["escalated"] is False


def test_restart_catches_up_on_breaches_that_came_due_meanwhile(
        runtime: Runtime, worker: Worker, clock: ManualClock, mailer: MemoryMailer) -> None:
    record = create(runtime, severity="urgent")
    clock.advance(days=2)
    worker.run_due()
    found = clocks(runtime, record["id"])
    assert found["first_response"]["breached_at"] == "2026-03-02T09:30:00Z"
    assert found["resolution"]["breached_at"] == "2026-03-02T13:00:00Z"
    assert T0 + timedelta(days=2) == clock.now()


def test_the_api_shows_every_clock_and_hides_records_the_user_may_not_read(
        runtime: Runtime, clock: ManualClock) -> None:
    from fastapi.testclient import TestClient

    from engine.api.app import create_app
    from tests.auth_helpers import bearer

    record = create(runtime)
    clock.advance(hours=1)
    with TestClient(create_app(runtime), raise_server_exceptions=False,
                    headers=bearer(runtime, "admin")) as client:
        response = client.get(f"/api/records/incident/{record['id']}/sla")
        assert response.status_code == 200
        body = response.json()
        assert body["sla"] == "incident_sla"
        assert [c["metric"] for c in body["clocks"]] == ["first_response", "resolution"]
        first = body["clocks"][0]
        assert (first["elapsed_seconds"], first["remaining_seconds"], first["percent"]) == (
            3600, 3 * 3600, 25.0)
        missing = client.get("/api/records/incident/999/sla")
        assert (missing.status_code, missing.json()["error"]["code"]) == (404, "record_not_found")
        anonymous = client.get(f"/api/records/incident/{record['id']}/sla",
                               headers={"Authorization": ""})
        assert anonymous.status_code == 401


def test_a_clock_changed_twice_in_one_command_keeps_its_timers(
        runtime: Runtime, clock: ManualClock) -> None:
    record = create(runtime)
    clock.advance(hours=1)
    # One command re-targets the clocks twice (urgent, then back to standard): the second
    # rescheduling must not be lost to the first one's cancelled timers.
    with runtime.records.command("alice") as uow:
        runtime.records.update_in(uow, "incident", record["id"], {"severity": "urgent"})
        runtime.records.update_in(uow, "incident", record["id"], {"severity": "normal"})
        runtime.records.settle(uow)
    group = f"sla:incident:{record['id']}:resolution"
    pending = jobs(runtime, cancel_group=group, status="pending")
    assert sorted(j["payload"]["fraction"] for j in pending) == [0.5, 0.8, 1.0]
    assert clocks(runtime, record["id"])["resolution"]["policy"] == "standard"


def test_deleting_a_record_drops_its_clocks_and_cancels_its_timers(runtime: Runtime) -> None:
    record = create(runtime, reporter_email="rita@example.com")
    take(runtime, record, "start")
    take(runtime, record, "wait")  # state timers of the waiting automations, too
    assert jobs(runtime, object="incident", record_id=record["id"], status="pending")
    runtime.records.delete("incident", record["id"], actor="alice")
    assert clocks(runtime, record["id"]) == {}
    pending = jobs(runtime, object="incident", record_id=record["id"], status="pending")
    # Only the acknowledgement email, decided before the deletion, is still to go out.
    assert [j["kind"] for j in pending] == ["email"]
