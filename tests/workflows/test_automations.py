"""Automations run in the command that triggers them, write durable jobs for what happens
later, stop runaway cascades, and keep timers in step with the record
(tests/packs/automation_lab)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.errors import ValidationFailed
from engine.jobs.worker import Worker
from engine.objects.storage import ensure_schema
from engine.packs import compile_registry
from engine.packs.loader import load_packs
from engine.packs.registry import Registry
from engine.rules_dsl import INTEGER, STRING
from engine.runtime.clock import ManualClock
from engine.runtime.effects import MemoryMailer, MemoryWebhookSender
from engine.runtime.factory import Runtime, build_runtime
from engine.workflows.action_registry import ActionCall, ActionRegistry
from engine.workflows.automation import MAX_CASCADE_DEPTH

from .lab import (  # noqa: F401
    LAB,
    T0,
    create,
    history,
    jobs,
    lab_hooks,
    lab_mailer,
    lab_registry,
    lab_runtime,
    lab_worker,
    notes,
    take,
)

# -- change triggers ----------------------------------------------------------------------------


def test_created_record_queues_the_acknowledgement_and_creates_a_note(runtime: Runtime) -> None:
    record = create(runtime, reporter_email="rita@example.com")
    [email] = jobs(runtime, kind="email")
    assert email["payload"]["to"] == ["rita@example.com"]
    assert email["payload"]["subject"] == f"[#{record['id']}] Printer jam"
    assert 'We received your incident "Printer jam" (severity normal)' in email["payload"]["body"]
    assert (email["object"], email["record_id"]) == ("incident", record["id"])
    page = runtime.records.list("incident_note")
    assert [(n["incident"], n["public"], n["body"]) for n in page.items] == [
        (record["id"], True, f"Acknowledged #{record['id']} at 2026-03-02 09:00")]
    [created] = [e for e in runtime.records.history("incident_note", page.items[0]["id"])]
    assert created.note == "automation 'acknowledge'"


def test_condition_false_runs_nothing(runtime: Runtime) -> None:
    create(runtime)  # no reporter email: the acknowledgement's condition is false
    assert jobs(runtime, kind="email") == []
    assert runtime.records.list("incident_note").total == 0


def test_a_refused_command_leaves_no_job_and_no_related_record(runtime: Runtime) -> None:
    with pytest.raises(ValidationFailed):
        create(runtime, reporter_email="rita@example.com", severity="catastrophic")
    assert jobs(runtime) == []
    assert runtime.records.list("incident_note").total == 0


def test_update_trigger_sees_old_values_and_its_changes_are_returned(runtime: Runtime) -> None:
    record = create(runtime)
    updated = runtime.records.update("incident", record["id"], {"severity": "urgent"},
                                     expected_version=record["version"], actor="alice")
    assert updated["escalated"] is True
    assert updated["owner"] == "duty-manager"
    assert updated["version"] == record["version"] + 3  # the user's change, set, assign
    assert notes(runtime, record["id"]) == [
        "Escalated: severity went from normal to urgent",
        "automation 'notify_desk': nobody to notify (no active user with an email)"]
    actions = [(e.action, e.field, e.note) for e in history(runtime, record["id"])
               if e.field in ("escalated", "owner")]
    assert actions == [("update", "escalated", "automation 'escalate_urgent'"),
                       ("assign", "owner", "automation 'escalate_urgent'")]


def test_update_of_other_fields_does_not_fire_a_field_filtered_trigger(runtime: Runtime) -> None:
    record = create(runtime, severity="urgent")
    runtime.records.update("incident", record["id"], {"title": "Printer on fire"},
                           expected_version=record["version"], actor="alice")
    assert runtime.records.get("incident", record["id"])["escalated"] is False


def test_an_automation_loop_stops_at_the_documented_depth(runtime: Runtime) -> None:
    record = create(runtime)
    updated = runtime.records.update("incident", record["id"], {"bounces": 1},
                                     expected_version=record["version"], actor="alice")
    # The user's change plus one change per level of automation.
    assert updated["bounces"] == 1 + MAX_CASCADE_DEPTH
    [error] = notes(runtime, record["id"], "automation_error")
    assert f"automations triggered each other {MAX_CASCADE_DEPTH} levels deep" in error
    assert "automation 'bounce' did not run" in error


def test_a_refused_action_is_undone_and_written_to_history(runtime: Runtime,
                                                           hooks: MemoryWebhookSender) -> None:
    record = create(runtime, severity="urgent")
    take(runtime, record, "start")
    solved = take(runtime, record, "solve")
    # archive's guard refuses urgent incidents: the user's transition stands ...
    assert solved["phase"] == "solved"
    # ... the automation's comment before the refused transition is undone with it ...
    assert notes(runtime, record["id"]) == []
    [error] = notes(runtime, record["id"], "automation_error")
    assert error.startswith("automation 'archive_when_solved' failed and changed nothing: ")
    assert "guard 'severity != \"urgent\"'" in error and "[guard_failed]" in error
    # ... and other automations of the same change still ran.
    [hook] = jobs(runtime, kind="webhook")
    assert hook["payload"]["body"]["data"] == {"title": "Printer jam", "severity": "urgent",
                                               "waited": 0.0}


def test_transition_trigger_takes_a_following_transition(runtime: Runtime) -> None:
    record = create(runtime)
    take(runtime, record, "start")
    result = take(runtime, record, "solve")
    assert result["phase"] == "archived"
    transitions = [e.note for e in history(runtime, record["id"]) if e.field == "phase"]
    assert transitions[-1] == ("transition 'archive': solved -> archived "
                               "(automation 'archive_when_solved')")


def test_webhook_job_is_signed_when_the_worker_sends_it(runtime: Runtime, worker: Worker,
                                                        hooks: MemoryWebhookSender) -> None:
    record = create(runtime)
    take(runtime, record, "start")
    take(runtime, record, "solve")
    worker.run_due()
    [(url, body, headers)] = hooks.posts
    assert url == "https://hooks.example.test/solved"
    assert json.loads(body)["automation"] == "notify_solved"
    assert headers["X-Flowdesk-Signature"].startswith("sha256=")


# -- timers ---------------------------------------------------------------------------------------


def test_entering_a_state_starts_a_timer_and_leaving_cancels_it(runtime: Runtime) -> None:
    record = create(runtime, reporter_email="rita@example.com")
    take(runtime, record, "start")
    take(runtime, record, "wait")
    [reminder] = jobs(runtime, kind="automation.timer", status="pending",
                      cancel_group=f"automation.timer:waiting_reminder:incident:{record['id']}")
    assert reminder["run_at"] == T0 + timedelta(days=3)
    take(runtime, record, "resume")
    assert jobs(runtime, kind="automation.timer", status="pending") == []
    assert {j["status"] for j in jobs(runtime, kind="automation.timer")} == {"cancelled"}


def test_a_due_timer_fires_when_the_record_is_still_there(runtime: Runtime, worker: Worker,
                                                          clock: ManualClock,
                                                          mailer: MemoryMailer) -> None:
    record = create(runtime, reporter_email="rita@example.com")
    take(runtime, record, "start")
    take(runtime, record, "wait")
    worker.run_due()
    mailer.sent.clear()  # the acknowledgement
    clock.advance(days=3)
    worker.run_due()
    [(message, _key)] = mailer.sent
    assert message["Subject"] == "Still waiting on you: Printer jam"
    assert message["To"] == "rita@example.com"


def test_business_time_timer_counts_only_opening_hours(runtime: Runtime, worker: Worker,
                                                       clock: ManualClock) -> None:
    record = create(runtime)
    take(runtime, record, "start")
    take(runtime, record, "wait")  # Monday 10:00 Berlin
    [autosolve] = jobs(runtime, kind="automation.timer",
                       cancel_group=f"automation.timer:waiting_autosolve:incident:{record['id']}")
    # 40 business hours on 09:00-17:00: the rest of Monday (7 h), Tuesday to Friday (32 h),
    # and the first hour of the next Monday.
    assert autosolve["run_at"] == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    clock.set(datetime(2026, 3, 9, 8, 59, tzinfo=UTC))
    worker.run_due()
    assert runtime.records.get("incident", record["id"])["phase"] == "waiting"
    clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    worker.run_due()
    # Solved by the timer, then archived by the transition automation it triggered.
    assert runtime.records.get("incident", record["id"])["phase"] == "archived"


def test_a_timer_whose_record_left_the_state_does_nothing(runtime: Runtime, worker: Worker,
                                                          clock: ManualClock) -> None:
    record = create(runtime)
    take(runtime, record, "start")
    take(runtime, record, "wait")
    take(runtime, record, "resume")
    take(runtime, record, "wait")  # a new timer; the first was cancelled
    pending = jobs(runtime, kind="automation.timer", status="pending")
    assert len(pending) == 2  # reminder and autosolve, restarted
    clock.advance(days=14)
    worker.run_due()
    assert runtime.records.get("incident", record["id"])["phase"] == "archived"


def test_field_timer_follows_the_field(runtime: Runtime, worker: Worker,
                                       clock: ManualClock) -> None:
    due = T0 + timedelta(hours=5)
    record = create(runtime, due_at=due.isoformat())
    [timer] = jobs(runtime, kind="automation.timer", status="pending")
    assert timer["run_at"] == due - timedelta(hours=1)
    later = due + timedelta(days=1)
    runtime.records.update("incident", record["id"], {"due_at": later.isoformat()},
                           expected_version=record["version"], actor="alice")
    [timer] = jobs(runtime, kind="automation.timer", status="pending")
    assert timer["run_at"] == later - timedelta(hours=1)
    clock.set(due)
    worker.run_due()
    assert notes(runtime, record["id"]) == []
    clock.set(later - timedelta(hours=1))
    worker.run_due()
    assert notes(runtime, record["id"]) == ["Due within the hour: 2026-03-03T14:00:00Z"]


def test_timers_that_came_due_while_the_engine_was_down_fire_on_restart(
        runtime: Runtime, lab: Registry, db_engine: Engine, mailer: MemoryMailer) -> None:
    record = create(runtime, reporter_email="rita@example.com")
    take(runtime, record, "start")
    take(runtime, record, "wait")
    # A new engine over the same database, started a week later.
    later = ManualClock(T0 + timedelta(days=8))
    restarted = build_runtime(lab, db_engine, later, mailer=mailer, mail_sender="desk@lab.test",
                              webhook_sender=MemoryWebhookSender(),
                              environ={"LAB_HOOK_SECRET": "k"})
    Worker(restarted, "after-restart").run_due()
    subjects = [m["Subject"] for m, _ in mailer.sent]
    assert "Still waiting on you: Printer jam" in subjects
    assert restarted.records.get("incident", record["id"])["phase"] == "archived"


# -- schedules ------------------------------------------------------------------------------------


def test_schedule_keeps_one_pending_tick_and_runs_over_matching_records(
        runtime: Runtime, worker: Worker, clock: ManualClock) -> None:
    assert runtime.automations.start_schedules() == 1
    assert runtime.automations.start_schedules() == 0  # idempotent
    [tick] = jobs(runtime, kind="automation.schedule", status="pending")
    # Next Monday 09:00 in Berlin (T0 is Monday 10:00 Berlin).
    assert tick["run_at"] == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    working = create(runtime, title="Working one")
    take(runtime, working, "start")
    fresh = create(runtime, title="Fresh one")
    clock.set(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    worker.run_due()
    assert notes(runtime, working["id"]) == ["Weekly review: still working on Working one"]
    assert notes(runtime, fresh["id"]) == []
    [next_tick] = jobs(runtime, kind="automation.schedule", status="pending")
    assert next_tick["run_at"] == datetime(2026, 3, 16, 8, 0, tzinfo=UTC)


def test_ticks_missed_while_down_run_once(runtime: Runtime, worker: Worker,
                                          clock: ManualClock) -> None:
    runtime.automations.start_schedules()
    working = create(runtime)
    take(runtime, working, "start")
    clock.set(datetime(2026, 4, 1, 12, 0, tzinfo=UTC))  # three Mondays later
    worker.run_due()
    assert len(notes(runtime, working["id"])) == 1
    [next_tick] = jobs(runtime, kind="automation.schedule", status="pending")
    assert next_tick["run_at"] == datetime(2026, 4, 6, 7, 0, tzinfo=UTC)  # CEST: 09:00 = 07:00Z


# -- developer actions -----------------------------------------------------------------------------


def test_a_registered_action_runs_with_its_typed_arguments(
        tmp_path: Path, db_engine: Engine, clock: ManualClock) -> None:
    calls: list[tuple[str, int, dict[str, object]]] = []

    def page_on_call(call: ActionCall) -> None:
        calls.append((call.object, call.record_id, dict(call.args)))
        call.enqueue("pager", {"team": call.args["team"]}, key=f"page:{call.record_id}")
        call.comment(f"paged {call.args['team']}")

    actions = ActionRegistry()
    actions.register("page_on_call", {"team": STRING, "minutes": INTEGER}, page_on_call,
                     optional=("minutes",))
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    (pack / "automations" / "page.yaml").write_text(
        "automation: page\nobject: incident\nwhen: {type: created}\n"
        "condition: severity == \"urgent\"\n"
        "actions:\n  - {type: call, action: page_on_call, args: {team: '\"net-\" + title'}}\n",
        encoding="utf-8")
    registry = compile_registry(load_packs([pack]), actions=actions)
    ensure_schema(db_engine, registry.objects, registry.packs, now=T0)
    runtime = build_runtime(registry, db_engine, clock, actions=actions,
                            mailer=MemoryMailer(), webhook_sender=MemoryWebhookSender())
    record = create(runtime, severity="urgent", title="core")
    create(runtime, severity="low")
    assert calls == [("incident", record["id"], {"team": "net-core", "minutes": None})]
    [page] = jobs(runtime, kind="pager")
    assert (page["payload"], page["record_id"]) == ({"team": "net-core"}, record["id"])
    assert "paged net-core (automation 'page')" in notes(runtime, record["id"])


def test_a_second_domain_runs_its_own_schedule(db_engine: Engine) -> None:
    from engine.packs import load_registry

    loans = load_registry([LAB.parent / "equipment_loans"])
    ensure_schema(db_engine, loans.objects, loans.packs, now=T0)
    clock = ManualClock(T0)
    runtime = build_runtime(loans, db_engine, clock, mailer=MemoryMailer(),
                            webhook_sender=MemoryWebhookSender())
    runtime.automations.start_schedules()
    item = runtime.records.create("equipment", {"name": "Oscilloscope",
                                                "category": "measurement"}, "lab")
    who = runtime.records.create("borrower", {"name": "Ada", "email": "ada@lab.test"}, "lab")
    loan = runtime.records.create("loan", {"equipment": item["id"], "borrower": who["id"],
                                           "borrowed_at": T0.isoformat(),
                                           "due_back": "2026-03-03"}, "lab")
    loan = runtime.transitions.transition("loan", loan["id"], "hand_out",
                                          expected_version=loan["version"], actor="lab")
    worker = Worker(runtime, "loans")
    clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))  # 08:00 Berlin, the due day: not late
    worker.run_due()
    assert runtime.records.get("loan", loan["id"])["state"] == "out"
    clock.set(datetime(2026, 3, 4, 7, 0, tzinfo=UTC))
    worker.run_due()
    assert runtime.records.get("loan", loan["id"])["state"] == "overdue"
    [email] = jobs(runtime, kind="email")
    assert email["payload"]["to"] == ["ada@lab.test"]
    assert email["payload"]["body"] == "It was due back on 2026-03-03."


def test_update_related_changes_the_referenced_record(runtime: Runtime) -> None:
    record = create(runtime, reporter_email="rita@example.com")
    # The acknowledgement created a public note; the note's automation updated the incident.
    acknowledged = f"Acknowledged #{record['id']} at 2026-03-02 09:00"
    assert record["summary"] == f"Last public note: {acknowledged}"
    [entry] = [e for e in history(runtime, record["id"]) if e.field == "summary"]
    assert (entry.note or "").startswith("automation 'note_summary' on incident_note ")
    private = runtime.records.create("incident_note", {"incident": record["id"], "body": "x"}, "al")
    assert private["public"] is False
    assert runtime.records.get("incident", record["id"])["summary"] == record["summary"]


def test_notify_emails_desk_users_by_name_and_role(runtime: Runtime) -> None:
    users = runtime.auth.users
    users.create("duty-manager", roles=["admin"], actor="t", email="duty@lab.test")
    users.create("boss", roles=["admin"], actor="t", email="boss@lab.test")
    users.create("quiet", roles=["admin"], actor="t")  # no address: left out
    record = create(runtime)
    runtime.records.update("incident", record["id"], {"severity": "urgent"},
                           expected_version=record["version"], actor="alice")
    [email] = jobs(runtime, kind="email")
    assert email["payload"]["to"] == ["boss@lab.test", "duty@lab.test"]
    assert email["payload"]["subject"] == "Printer jam is yours, duty-manager"


def test_a_template_that_fails_at_run_time_refuses_its_automation_only(
        tmp_path: Path, db_engine: Engine, clock: ManualClock) -> None:
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    # `old` is null when a record is created: `old.title` cannot render.
    (pack / "automations" / "broken_template.yaml").write_text(
        "automation: broken_template\nobject: incident\nwhen: {type: created}\n"
        "actions:\n  - {type: comment, text: 'was {{ old.title }}'}\n", encoding="utf-8")
    registry = compile_registry(load_packs([pack]))
    ensure_schema(db_engine, registry.objects, registry.packs, now=T0)
    runtime = build_runtime(registry, db_engine, clock, mailer=MemoryMailer(),
                            webhook_sender=MemoryWebhookSender())
    record = create(runtime, reporter_email="rita@example.com")
    [error] = notes(runtime, record["id"], "automation_error")
    assert error.startswith("automation 'broken_template' failed and changed nothing: "
                            "template failed: ")
    assert error.endswith("[template_failed]")
    assert len(jobs(runtime, kind="email")) == 1  # the other automations ran
