"""Real worker processes: killed with SIGKILL mid-batch and restarted, and four at once over
10,000 jobs on PostgreSQL. Nothing is lost and no work is done twice.

The worker runs a batch in one transaction, so a kill rolls back every job of the batch that
was in flight: internal work (rows in ``test_job_effects``) appears exactly once, and a
webhook already posted in that batch is posted again after the restart with the same
``Idempotency-Key``, which is how the receiver recognises the repeat.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from engine.runtime.unit_of_work import unit_of_work
from tests.jobs.webhook_receiver import running_receiver
from tests.jobs.worker_entry import EFFECT_KIND, EFFECTS
from tests.runtime.record_objects import create_schema, registry

REPO = Path(__file__).resolve().parents[2]
SECRET_ENV = "FLOWDESK_TEST_HOOK_SECRET"
SECRET = "process-test-secret"
#: Long past, so every job is due for the workers' real clock.
PAST = datetime(2020, 1, 1, tzinfo=UTC)


def _start_worker(db: Engine, name: str, batch: int) -> subprocess.Popen[bytes]:
    url = db.url.render_as_string(hide_password=False)
    # The receiver is on loopback, which webhooks reach only when the operator allows it.
    env = {**os.environ, SECRET_ENV: SECRET, "FLOWDESK_WEBHOOK_ALLOW_PRIVATE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.worker_entry", url, name, str(batch)],
        cwd=REPO, env=env, stderr=subprocess.PIPE,
    )


def _finish(process: subprocess.Popen[bytes]) -> None:
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()


def _setup(db: Engine) -> Runtime:
    create_schema(db)
    EFFECTS.metadata.create_all(db)
    return build_runtime(registry(), db, ManualClock(PAST), environ={})


def _jobs(runtime: Runtime) -> list[tuple[int, str, str, int, str | None]]:
    t = runtime.outbox.table
    with runtime.database.connect() as conn:
        rows = conn.execute(
            select(t.c.id, t.c.kind, t.c.status, t.c.attempts, t.c.key).order_by(t.c.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _effects(runtime: Runtime) -> list[int]:
    with runtime.database.connect() as conn:
        return list(conn.execute(select(EFFECTS.c.job_id).order_by(EFFECTS.c.job_id)).scalars())


def test_a_worker_killed_mid_batch_and_restarted_loses_no_job_and_repeats_no_effect(
    db_engine: Engine,
) -> None:
    runtime = _setup(db_engine)
    batch = 4
    with running_receiver(SECRET, hold_at=7) as receiver:
        with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
            for i in range(24):
                at = PAST + timedelta(seconds=i)
                if i % 2:
                    runtime.outbox.enqueue(uow, EFFECT_KIND, {}, run_at=at)
                else:
                    runtime.outbox.enqueue(
                        uow, "webhook", {"url": receiver.url, "body": {"n": i},
                                         "secret_env": SECRET_ENV},
                        run_at=at, key=f"hook-{i}")
        hooks = {key for _, kind, _, _, key in _jobs(runtime) if kind == "webhook"}

        first = _start_worker(db_engine, "first", batch)
        assert receiver.reached.wait(60), "the worker never reached the 7th webhook"
        # The 7th webhook is in flight, its batch uncommitted: kill the worker right there.
        os.kill(first.pid, signal.SIGKILL)
        first.wait(30)
        before_kill = set(receiver.deliveries)
        receiver.release.set()

        at_kill = _jobs(runtime)
        done_at_kill = {job_id for job_id, _, status, _, _ in at_kill if status == "done"}
        assert 0 < len(done_at_kill) < len(at_kill), "kill some but not all of the work"
        assert all(status in ("done", "pending") for _, _, status, _, _ in at_kill)
        # Internal work committed exactly with its job: effects == internal jobs done.
        assert set(_effects(runtime)) == {
            job_id for job_id, kind, _, _, _ in at_kill
            if kind == EFFECT_KIND and job_id in done_at_kill}

        _finish(_start_worker(db_engine, "second", batch))

    jobs = _jobs(runtime)
    # No job lost: all done; no attempt counted twice (the killed attempt rolled back).
    assert [(status, attempts) for _, _, status, attempts, _ in jobs] == [("done", 1)] * 24
    # Internal effects: exactly one row per internal job (job_id is the table's key).
    assert _effects(runtime) == [job_id for job_id, kind, _, _, _ in jobs if kind == EFFECT_KIND]
    # Webhooks: every key arrived, correctly signed. The only repeats are the webhooks posted in
    # the batch the kill interrupted (delivered before the kill, job not committed); each of
    # them arrived exactly twice, with the same key, so a receiver deduplicating on the key
    # applies every effect exactly once.
    counts = receiver.counts
    assert set(counts) == hooks and receiver.bad_signatures == 0
    committed_hooks = {key for job_id, kind, _, _, key in at_kill
                       if kind == "webhook" and job_id in done_at_kill}
    repeated = {key for key, n in counts.items() if n > 1}
    assert repeated == before_kill - committed_hooks
    assert repeated and all(counts[key] == 2 for key in repeated)
    assert len(repeated) <= batch


@pytest.mark.postgres
@pytest.mark.slow
def test_four_worker_processes_run_10000_jobs_each_exactly_once(db_engine: Engine) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("concurrent worker processes are a PostgreSQL deployment")
    runtime = _setup(db_engine)
    total = 10_000
    with unit_of_work(runtime.database, runtime.clock, runtime.audit, "tester") as uow:
        uow.conn.execute(runtime.outbox.table.insert(), [
            {"kind": EFFECT_KIND, "payload": {"n": i}, "status": "pending",
             "run_at": PAST + timedelta(milliseconds=i), "attempts": 0, "max_attempts": 5,
             "created_at": PAST}
            for i in range(total)
        ])
    workers = [_start_worker(db_engine, f"w{i}", 50) for i in range(4)]
    for process in workers:
        _finish(process)

    t = runtime.outbox.table
    with runtime.database.connect() as conn:
        states = dict(conn.execute(
            select(t.c.status, func.count()).group_by(t.c.status)).all())
        max_attempts = conn.execute(select(func.max(t.c.attempts))).scalar_one()
        effects, distinct = conn.execute(
            select(func.count(), func.count(EFFECTS.c.job_id.distinct()))).one()
        by_worker = dict(conn.execute(
            select(EFFECTS.c.worker, func.count()).group_by(EFFECTS.c.worker)).all())
    assert states == {"done": total}
    assert max_attempts == 1
    assert effects == distinct == total
    assert len(by_worker) >= 2, f"the work was not shared: {by_worker}"
