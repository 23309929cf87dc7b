"""A worker process for the process tests: ``python -m tests.jobs.worker_entry URL NAME BATCH``.

Runs every due job, then exits. Besides the built-in kinds it knows ``effect``: an internal
job that inserts one row into ``test_job_effects`` (``job_id`` unique), so a job whose work ran
twice would be seen, either as a second row or as a failed attempt.
"""

from __future__ import annotations

import sys

from sqlalchemy import Column, Integer, MetaData, String, Table

from engine.jobs.worker import Worker
from engine.objects.storage import create_database_engine
from engine.runtime.clock import SystemClock
from engine.runtime.factory import build_runtime
from engine.runtime.outbox import Job
from engine.runtime.unit_of_work import UnitOfWork
from tests.runtime.record_objects import registry

EFFECT_KIND = "effect"
metadata = MetaData()
EFFECTS = Table(
    "test_job_effects",
    metadata,
    Column("job_id", Integer, primary_key=True),
    Column("worker", String(64), nullable=False),
)


def main(argv: list[str]) -> int:
    url, name, batch = argv[0], argv[1], int(argv[2])

    def record_effect(job: Job, uow: UnitOfWork) -> None:
        uow.conn.execute(EFFECTS.insert().values(job_id=job.id, worker=name))

    database = create_database_engine(url)
    runtime = build_runtime(registry(), database, SystemClock(),
                            job_handlers={EFFECT_KIND: record_effect})
    try:
        Worker(runtime, name, batch_size=batch).run_due()
    finally:
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
