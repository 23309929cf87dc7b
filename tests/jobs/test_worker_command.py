"""``flowdesk worker`` and the worker thread of ``flowdesk serve``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cli import main
from engine.cli._serve import wants_worker
from engine.objects.storage import create_database_engine
from engine.runtime.clock import ManualClock
from engine.runtime.factory import build_engine
from engine.runtime.unit_of_work import unit_of_work
from tests.jobs.webhook_receiver import running_receiver

PACK = Path(__file__).resolve().parents[1] / "packs" / "equipment_loans"
PAST = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("choice", "dialect", "runs"),
    [(None, "sqlite", True), (None, "postgresql", False), (True, "postgresql", True),
     (False, "sqlite", False)],
)
def test_serve_runs_a_worker_thread_by_default_only_on_sqlite(
    choice: bool | None, dialect: str, runs: bool
) -> None:
    assert wants_worker(choice, dialect) is runs


def test_worker_once_runs_due_jobs_and_reports_what_happened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    assert main(["worker", str(PACK), "--db", url, "--once", "--name", "w1"]) == 0
    assert "w1: ran 0 job(s)" in capsys.readouterr().err
    runtime = build_engine([PACK], url, clock=ManualClock(PAST), migrate=False)
    with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
        job_id = runtime.outbox.enqueue(uow, "sms", {})
    assert main(["worker", str(PACK), "--db", url, "--once", "--name", "w1"]) == 0
    assert "w1: ran 1 job(s): 0 done, 0 to retry, 1 dead" in capsys.readouterr().err
    t = runtime.outbox.table
    with runtime.database.connect() as conn:
        row = conn.execute(select(t.c.status, t.c.locked_by).where(t.c.id == job_id)).one()
    assert tuple(row) == ("dead", "w1")
    runtime.close()


def test_worker_processes_share_the_due_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("FLOWDESK_TEST_HOOK_SECRET", "cli-secret")
    monkeypatch.setenv("FLOWDESK_WEBHOOK_ALLOW_PRIVATE", "1")  # the receiver is on loopback
    runtime = build_engine([PACK], url, clock=ManualClock(PAST))
    with running_receiver("cli-secret") as receiver:
        with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
            for i in range(6):
                runtime.outbox.enqueue(uow, "webhook", {
                    "url": receiver.url, "body": {"i": i},
                    "secret_env": "FLOWDESK_TEST_HOOK_SECRET"}, key=f"cli-{i}")
        code = main(["worker", str(PACK), "--db", url, "--once", "--processes", "2",
                     "--batch", "1", "--name", "pool"])
        assert code == 0
        counts = receiver.counts
    assert counts == {f"cli-{i}": 1 for i in range(6)}
    assert receiver.bad_signatures == 0
    t = runtime.outbox.table
    with create_database_engine(url).connect() as conn:
        states = conn.execute(
            select(t.c.status, t.c.locked_by).where(t.c.kind == "webhook")).all()
    assert len(states) == 6 and {status for status, _ in states} == {"done"}
    assert {worker for _, worker in states} <= {"pool-1", "pool-2"}
    runtime.close()
