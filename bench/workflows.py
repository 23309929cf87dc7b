"""Workflow machinery against plain SQL doing the same rows' work, section by section.

``jobs``: due jobs run by the worker (claim with ``FOR UPDATE SKIP LOCKED``, a savepoint and a
``UnitOfWork`` per job, status update, one commit per batch) in 1 and 4 processes, against a
baseline measured in the same run: plain Core statements doing each job's row work (the same
effect INSERT and status UPDATE, same batch size, one process) with no worker around them.
Each job's handler inserts one row into a bench table. PostgreSQL only: the section is skipped
with a message when no server is named.

    .venv/bin/python bench/workflows.py [--section jobs] [--jobs 10000] [--batch 50] [--pg URL]

Add a section by writing ``<name>_section(args) -> list[Row]`` and listing it in SECTIONS.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, select, text
from sqlalchemy.engine import make_url

from engine.jobs.worker import Worker
from engine.objects.model import frozen_map
from engine.objects.storage import create_database_engine, ensure_schema
from engine.packs.registry import PackInfo, Registry
from engine.runtime.clock import SystemClock
from engine.runtime.factory import build_runtime
from engine.runtime.outbox import Job, job_table
from engine.runtime.unit_of_work import UnitOfWork

PAST = datetime(2020, 1, 1, tzinfo=UTC)
EFFECTS = Table(
    "bench_job_effects",
    MetaData(),
    Column("job_id", Integer, primary_key=True),
    Column("worker", String(64), nullable=False),
)


@dataclass(frozen=True)
class Row:
    """One line of a section's table; ``ratio`` is against the section's baseline."""

    what: str
    count: int
    per_second: float
    ratio: float


@dataclass(frozen=True)
class _Pack:
    name: str = "bench"
    version: str = "1.0.0"


def _registry() -> Registry:
    return Registry(packs=(PackInfo("bench", "1.0.0", Path(".")),), objects=frozen_map({}))


# -- jobs ------------------------------------------------------------------------------------


@contextmanager
def _postgres_schema(url: str) -> Iterator[tuple[Engine, str]]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_database_engine(url, schema=schema)
    try:
        ensure_schema(engine, {}, [_Pack()], now=PAST)
        EFFECTS.metadata.create_all(engine)
        yield engine, schema
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _fill(engine: Engine, n: int) -> None:
    rows = [
        {"kind": "bench", "payload": {"n": i}, "status": "pending",
         "run_at": PAST + timedelta(milliseconds=i), "attempts": 0, "max_attempts": 5,
         "created_at": PAST}
        for i in range(n)
    ]
    with engine.begin() as conn:
        conn.execute(job_table().insert(), rows)


def _baseline(engine: Engine, n: int, batch: int) -> float:
    """Seconds for plain Core to do the jobs' row work: per job one effect INSERT and one
    status UPDATE, ``batch`` jobs per transaction, ids known up front (no claim query)."""
    jobs = job_table()
    with engine.connect() as conn:
        ids = list(conn.execute(select(jobs.c.id).order_by(jobs.c.id)).scalars())
    started = time.perf_counter()
    for first in range(0, n, batch):
        with engine.begin() as conn:
            for job_id in ids[first:first + batch]:
                conn.execute(EFFECTS.insert().values(job_id=job_id, worker="baseline"))
                conn.execute(jobs.update().where(jobs.c.id == job_id)
                             .values(status="done", attempts=1, finished_at=PAST))
    return time.perf_counter() - started


def _child(url: str, schema: str, name: str, batch: int) -> int:
    """A worker process: build the runtime, say ready, wait for the go line, run all due."""

    def effect(job: Job, uow: UnitOfWork) -> None:
        uow.conn.execute(EFFECTS.insert().values(job_id=job.id, worker=name))

    engine = create_database_engine(url, schema=schema)
    runtime = build_runtime(_registry(), engine, SystemClock(), job_handlers={"bench": effect},
                            environ={})
    worker = Worker(runtime, name, batch_size=batch)
    print("ready", flush=True)
    sys.stdin.readline()
    ran = worker.run_due().done
    print(ran, flush=True)
    runtime.close()
    return 0


def _workers(url: str, schema: str, n_processes: int, batch: int) -> tuple[float, int]:
    """Seconds from 'go' until ``n_processes`` worker processes ran every due job."""
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--jobs-child", url, schema, f"w{i}", str(batch)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for i in range(n_processes)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    ran = 0
    for child in children:
        out, _ = child.communicate(timeout=600)
        ran += int(out.strip() or 0)
    return time.perf_counter() - started, ran


def jobs_section(args: argparse.Namespace) -> list[Row]:
    if not args.pg:
        print("jobs: skipped, no PostgreSQL (set FLOWDESK_TEST_DATABASE_URL or pass --pg)")
        return []
    n, batch = args.jobs, args.batch
    with _postgres_schema(args.pg) as (engine, _):
        _fill(engine, n)
        base = n / _baseline(engine, n, batch)
    rows = [Row(f"plain SQL, 1 process, batch {batch} (baseline)", n, base, 1.0)]
    for processes in (1, 4):
        with _postgres_schema(args.pg) as (engine, schema):
            _fill(engine, n)
            seconds, ran = _workers(args.pg, schema, processes, batch)
            assert ran == n, f"{processes} worker(s) ran {ran} of {n} jobs"
        rate = n / seconds
        rows.append(Row(f"worker, {processes} process(es), batch {batch}", n, rate, rate / base))
    return rows


BENCH_DESK = Path(__file__).resolve().parent / "packs" / "bench_desk"


def transitions_section(args: argparse.Namespace) -> list[Row]:
    """Transitions through the runtime (guard, two automations each: a field update and an
    email job, audit rows, one transaction per transition) against plain Core UPDATEs of the
    same rows, one transaction each, on a SQLite file."""
    import tempfile

    from sqlalchemy import update

    from engine.packs import load_registry

    registry = load_registry([BENCH_DESK])
    n, records = args.transitions, 200
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_database_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        ensure_schema(engine, registry.objects, registry.packs, now=datetime.now(UTC))
        runtime = build_runtime(registry, engine, SystemClock(), environ={})
        ids = [runtime.records.create("work_item", {"title": f"item {i}", "score": 2,
                                                    "owner_email": f"o{i}@example.com"},
                                      "bench")["id"] for i in range(records)]
        table = runtime.records.compiled("work_item").table
        start = time.perf_counter()
        for i in range(n):
            record_id = ids[i % records]
            with engine.begin() as conn:
                conn.execute(update(table).where(table.c.id == record_id).values(
                    state="pong" if (i // records) % 2 == 0 else "ping",
                    touched=table.c.touched + 1, version=table.c.version + 1))
        base = n / (time.perf_counter() - start)
        rows.append(Row("plain UPDATE, 1 tx each (baseline)", n, base, 1.0))
        # The baseline flipped every record an even number of times? Put them all on ping.
        with engine.begin() as conn:
            conn.execute(update(table).values(state="ping"))
        versions = {i: runtime.records.get("work_item", i)["version"] for i in ids}
        start = time.perf_counter()
        for i in range(n):
            record_id = ids[i % records]
            name = "to_pong" if (i // records) % 2 == 0 else "to_ping"
            versions[record_id] = runtime.transitions.transition(
                "work_item", record_id, name, expected_version=versions[record_id],
                actor="bench")["version"]
        rate = n / (time.perf_counter() - start)
        rows.append(Row("transition: guard + 2 automations + audit", n, rate, rate / base))
        engine.dispose()
    return rows


SECTIONS: dict[str, Callable[[argparse.Namespace], list[Row]]] = {
    "jobs": jobs_section, "transitions": transitions_section}


def _print(section: str, rows: list[Row]) -> None:
    if not rows:
        return
    print(f"\n## {section}\n")
    print(f"{'what':<44}{'count':>8}{'per second':>12}{'ratio':>8}")
    for row in rows:
        print(f"{row.what:<44}{row.count:>8}{row.per_second:>12,.0f}{row.ratio:>8.2f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--jobs-child":
        url, schema, name, batch = sys.argv[2:6]
        sys.exit(_child(url, schema, name, int(batch)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs per run")
    parser.add_argument("--batch", type=int, default=50, help="jobs per transaction")
    parser.add_argument("--transitions", type=int, default=2_000,
                        help="transitions per run (transitions section)")
    parser.add_argument("--pg", default=os.environ.get("FLOWDESK_TEST_DATABASE_URL", ""),
                        help="PostgreSQL URL (default: $FLOWDESK_TEST_DATABASE_URL)")
    args = parser.parse_args()
    for section in args.section or list(SECTIONS):
        _print(section, SECTIONS[section](args))


if __name__ == "__main__":
    main()
