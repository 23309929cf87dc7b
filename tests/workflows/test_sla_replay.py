"""``flowdesk sla replay``: clocks rebuilt from the audit history agree with the clocks the
runtime kept; after a policy change the replay reports, writes and re-schedules the clocks that
differ, and a second replay changes nothing (tests/packs/automation_lab: lab hours 09:00-17:00
Berlin, standard resolution 16 h, urgent 4 h on 24x7)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select

from engine.cli import main
from engine.errors import BadRequest, NotFound
from engine.jobs.worker import Worker
from engine.packs import load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime
from engine.runtime.sla_replay import ClockDifference, SlaReplay

from .lab import (  # noqa: F401 (fixtures)
    LAB,
    create,
    lab_hooks,
    lab_mailer,
    lab_registry,
    lab_runtime,
    lab_worker,
    take,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def update(runtime: Runtime, record_id: int, **values: Any) -> dict[str, Any]:
    current = runtime.records.get("incident", record_id)
    return runtime.records.update("incident", record_id, values,
                                  expected_version=current["version"], actor="alice")


def replay_of(runtime: Runtime, pack: Path = LAB, batch_size: int = 2) -> SlaReplay:
    # Small batches: the tests cross batch boundaries.
    return SlaReplay(load_registry([pack]), runtime.database, runtime.records, runtime.clock,
                     batch_size=batch_size)


def lab_with(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the lab pack whose SLA file has ``old`` replaced by ``new``."""
    pack = tmp_path / "lab"
    shutil.copytree(LAB, pack)
    sla = pack / "sla" / "incident.yaml"
    text = sla.read_text(encoding="utf-8")
    assert old in text
    sla.write_text(text.replace(old, new), encoding="utf-8")
    return pack


def tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key))]
                for name, t in metadata.tables.items()}


def busy_history(runtime: Runtime, worker: Worker, clock: ManualClock) -> list[int]:
    """Records with every kind of clock movement, timers fired by the worker in between."""
    plain = create(runtime)  # Monday 10:00 Berlin, standard
    urgent = create(runtime, severity="urgent")
    paused = create(runtime)
    hot = create(runtime, severity="urgent")  # stays solved: archiving urgent is refused
    take(runtime, hot, "start")
    take(runtime, paused, "start")
    clock.advance(hours=1, minutes=30)
    take(runtime, paused, "wait")
    update(runtime, plain["id"], responded_at=clock.now().isoformat())
    clock.advance(hours=1)
    update(runtime, plain["id"], customer_replied_at=clock.now().isoformat())
    worker.run_due()  # urgent's first response breached (30 min), escalated by automation
    clock.set(utc(2026, 3, 3, 8, 0))  # Tuesday 09:00 Berlin
    take(runtime, paused, "resume")
    update(runtime, urgent["id"], severity="normal")  # back to standard, elapsed kept
    take(runtime, urgent, "start")
    clock.set(utc(2026, 3, 3, 10, 15))
    worker.run_due()  # 50 % warnings
    take(runtime, paused, "solve")  # archived by an automation in the same change
    take(runtime, hot, "solve")
    update(runtime, plain["id"], customer_replied_at=clock.now().isoformat())  # reset
    clock.set(utc(2026, 3, 4, 12, 0))
    worker.run_due()  # breaches
    take(runtime, hot, "reopen")
    removed = create(runtime)
    runtime.records.delete("incident", removed["id"], actor="alice")
    return [plain["id"], urgent["id"], paused["id"], hot["id"]]


def test_replaying_unchanged_rules_finds_every_clock_as_the_runtime_stored_it(
        runtime: Runtime, worker: Worker, clock: ManualClock) -> None:
    ids = busy_history(runtime, worker, clock)
    clock.advance(hours=3)
    seen: list[ClockDifference] = []
    report = replay_of(runtime).replay(dry_run=True, on_difference=seen.append)
    assert seen == []
    assert (report.records, report.changed_clocks, report.skipped_deleted) == (4, 0, 1)
    assert report.clocks == 9  # next_response only where a customer replied
    assert report.summary() == (
        "replayed 4 record(s), 9 clock(s): 0 clock(s) of 0 record(s) differ (0 newly "
        "breached, 0 no longer breached); 1 deleted record(s) skipped; dry run: nothing "
        "written")
    assert ids


def test_a_shorter_target_is_reported_written_rescheduled_and_a_second_replay_changes_nothing(
        runtime: Runtime, worker: Worker, clock: ManualClock, tmp_path: Path) -> None:
    record = create(runtime)  # Monday 10:00 Berlin; resolution due Wednesday 10:00 Berlin
    done = create(runtime)
    clock.advance(hours=2)
    take(runtime, done, "start")
    take(runtime, done, "solve")  # resolution met after 2 h
    clock.advance(hours=1)  # Monday 13:00 Berlin
    pack = lab_with(tmp_path, "resolution: 16h", "resolution: 1h30m")
    replay = replay_of(runtime, pack)
    lines: list[str] = []
    report = replay.replay(on_difference=lambda d: lines.append(
        d.describe(clock.now(), replay.calendars)))
    # The open record: 1 h 30 from Monday 10:00 Berlin; the solved one breached at 11:30.
    assert lines == [
        f"incident {record['id']} resolution: due 2026-03-04T09:00:00Z -> "
        "2026-03-02T10:30:00Z; running -> running, breached",
        f"incident {done['id']} resolution: met -> breached",
    ]
    assert (report.changed_clocks, report.changed_records, report.newly_breached,
            report.batches_written) == (2, 2, 2, 1)
    with runtime.database.connect() as conn:
        found = replay.sla.clocks(conn, "incident", record["id"], clock.now())
    resolution = {c["metric"]: c for c in found}["resolution"]
    assert (resolution["target_seconds"], resolution["due_at"], resolution["breached_at"]) == (
        5400, "2026-03-02T10:30:00Z", None)
    # The old timers are cancelled; the breach (already due) and the warnings run at once.
    group = f"sla:incident:{record['id']}:resolution"
    pending = [j for j in jobs_of(runtime, group) if j["status"] == "pending"]
    assert sorted((j["payload"]["fraction"], j["run_at"]) for j in pending) == [
        (0.5, clock.now()), (0.8, clock.now()), (1.0, clock.now())]
    notes = [e.note for e in runtime.records.history("incident", record["id"])
             if e.actor == "sla-replay"]
    assert notes == ["SLA resolution: replayed (due 2026-03-04T09:00:00Z -> "
                     "2026-03-02T10:30:00Z; running -> running, breached)"]
    again = replay_of(runtime, pack).replay()
    assert (again.changed_clocks, again.batches_written) == (0, 0)
    # The timers fire once: breach marked, the automation escalates; still nothing to change.
    worker_for(runtime, pack).run_due()
    assert runtime.records.get("incident", record["id"])["escalated"] is True
    third = replay_of(runtime, pack).replay(dry_run=True)
    assert third.changed_clocks == 0


def jobs_of(runtime: Runtime, group: str) -> list[dict[str, Any]]:
    t = runtime.outbox.table
    with runtime.database.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(t).where(t.c.cancel_group == group).order_by(t.c.id)).mappings()]


def worker_for(runtime: Runtime, pack: Path) -> Worker:
    from engine.runtime.factory import build_runtime

    changed = build_runtime(load_registry([pack]), runtime.database, runtime.clock,
                            environ={"LAB_HOOK_SECRET": "k"})
    return Worker(changed, "replay-test-worker")


def test_a_dry_run_writes_nothing(runtime: Runtime, worker: Worker, clock: ManualClock,
                                  tmp_path: Path) -> None:
    busy_history(runtime, worker, clock)
    pack = lab_with(tmp_path, "calendar: always_on\n    targets", "calendar: lab_hours\n"
                    "    targets")
    before = tables(runtime.database)
    report = replay_of(runtime, pack).replay(dry_run=True)
    assert report.changed_clocks > 0 and report.batches_written == 0
    assert tables(runtime.database) == before


def test_a_policy_on_another_calendar_moves_due_dates_on_that_calendar(
        runtime: Runtime, clock: ManualClock, tmp_path: Path) -> None:
    record = create(runtime, severity="urgent")  # Monday 10:00 Berlin, 4 h on 24x7
    clock.advance(hours=1)
    pack = lab_with(tmp_path, "calendar: always_on\n    targets", "calendar: lab_hours\n"
                    "    targets")
    seen: list[ClockDifference] = []
    replay_of(runtime, pack).replay(object_name="incident", on_difference=seen.append)
    # On lab hours 4 h from Monday 10:00 Berlin is 14:00 Berlin; 30 min is 10:30 (as on 24x7).
    due = {d.metric: d.replayed.calendar for d in seen if d.replayed is not None}
    assert due == {"resolution": "lab_hours", "first_response": "lab_hours"}
    with runtime.database.connect() as conn:
        found = {c["metric"]: c for c in
                 replay_of(runtime, pack).sla.clocks(conn, "incident", record["id"],
                                                     clock.now())}
    assert found["resolution"]["due_at"] == "2026-03-02T13:00:00Z"
    assert found["resolution"]["elapsed_seconds"] == 3600


def test_a_clock_the_new_rules_never_start_is_removed_with_its_timers(
        runtime: Runtime, clock: ManualClock, tmp_path: Path) -> None:
    record = create(runtime)
    clock.advance(minutes=10)
    pack = lab_with(tmp_path, "targets: {first_response: 4h, next_response: 8h, "
                    "resolution: 16h}", "targets: {first_response: 4h, next_response: 8h}")
    seen: list[ClockDifference] = []
    replay_of(runtime, pack).replay(on_difference=seen.append)
    assert [(d.metric, d.replayed) for d in seen] == [("resolution", None)]
    with runtime.database.connect() as conn:
        assert {c["metric"] for c in runtime.sla.clocks(
            conn, "incident", record["id"], clock.now())} == {"first_response"}
    group = f"sla:incident:{record['id']}:resolution"
    assert {j["status"] for j in jobs_of(runtime, group)} == {"cancelled"}


def test_replay_refuses_an_object_without_an_sla(runtime: Runtime) -> None:
    with pytest.raises(NotFound) as caught:
        replay_of(runtime).replay(object_name="incidnet")
    assert caught.value.code == "sla_replay_unknown_object"
    assert caught.value.message == (
        "no SLA measures object 'incidnet' (did you mean 'incident'?); objects with an SLA: "
        "incident")


def test_replay_refuses_a_database_without_the_flowdesk_tables(tmp_path: Path) -> None:
    from engine.objects.storage import create_database_engine
    from engine.runtime.factory import build_runtime

    empty = create_database_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    registry = load_registry([LAB])
    runtime = build_runtime(registry, empty, ManualClock(utc(2026, 3, 2)), environ={})
    with pytest.raises(BadRequest) as caught:
        SlaReplay(registry, empty, runtime.records, runtime.clock).replay()
    assert caught.value.code == "sla_replay_no_schema"
    assert caught.value.message == (
        "the database has no flowdesk_audit, flowdesk_sla_clocks, flowdesk_jobs table(s); run "
        "'flowdesk apply' with the same packs first")
    empty.dispose()


def test_replay_refuses_a_batch_size_below_one(runtime: Runtime) -> None:
    with pytest.raises(BadRequest) as caught:
        replay_of(runtime, batch_size=0)
    assert (caught.value.code, caught.value.message) == (
        "sla_replay_bad_batch", "the batch size must be at least 1, got 0")


def test_the_command_prints_each_changed_clock_and_a_summary(
        runtime: Runtime, db_url: str, tmp_path: Path, clock: ManualClock,
        capsys: pytest.CaptureFixture[str]) -> None:
    record = create(runtime)
    clock.advance(hours=1)
    take(runtime, record, "start")
    take(runtime, record, "solve")  # met after 1 h
    pack = lab_with(tmp_path, "resolution: 16h", "resolution: 30m")
    args = ["sla", "replay", str(pack), "--db", db_url]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"incident {record['id']} resolution: met -> breached",
        "replayed 1 record(s), 2 clock(s): 1 clock(s) of 1 record(s) differ (1 newly "
        "breached, 0 no longer breached); dry run: nothing written",
    ]
    assert main(args) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("written in 1 transaction(s)")
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().out == (
        "replayed 1 record(s), 2 clock(s): 0 clock(s) of 0 record(s) differ (0 newly "
        "breached, 0 no longer breached); written in 0 transaction(s)\n")


def test_the_command_reports_an_unknown_object(runtime: Runtime, db_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sla", "replay", str(LAB), "--db", db_url, "--object", "nope"]) == 1
    assert capsys.readouterr().err == (
        "error: no SLA measures object 'nope'; objects with an SLA: incident\n")


def test_elapsed_time_is_kept_in_whole_seconds_as_the_runtime_stores_it(
        runtime: Runtime, clock: ManualClock) -> None:
    record = create(runtime)
    clock.advance(seconds=10, microseconds=700_000)
    take(runtime, record, "start")
    take(runtime, record, "wait")  # 10.7 s elapsed: stored as 10
    clock.advance(hours=1)
    take(runtime, record, "resume")
    clock.advance(seconds=5, microseconds=600_000)
    take(runtime, record, "solve")
    assert replay_of(runtime).replay(dry_run=True).changed_clocks == 0
    with runtime.database.connect() as conn:
        stored = runtime.sla.load(conn, "incident", record["id"])
    assert stored["resolution"].elapsed == timedelta(seconds=15)
