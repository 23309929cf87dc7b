"""On PostgreSQL, processes assigning at the same time never push an agent over capacity:
each locks the chosen agent's profile row and recounts before writing."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
from sqlalchemy import select

from engine.objects.storage import create_database_engine
from engine.runtime.clock import ManualClock
from tests.conftest import pg_url_with_schema

# Imported by its full name: spawned workers unpickle the target by it.
from tests.workflows.routing_lab import (
    MONDAY,
    add_agent,
    add_teams,
    assign_in_process,
    inquiry,
    lab_runtime,
)

PROCESSES = 4
PER_PROCESS = 6
CAPACITY = 4


@pytest.mark.postgres
def test_parallel_processes_never_push_an_agent_over_capacity(
        pg_schema: tuple[str, str]) -> None:
    url = pg_url_with_schema(*pg_schema)
    database = create_database_engine(url)
    runtime = lab_runtime(database, ManualClock(MONDAY))
    add_teams(runtime)
    for name in ("ann", "bob"):
        add_agent(runtime, name, ["billing"], capacity=CAPACITY)
    ids = [inquiry(runtime, topic="billing") for _ in range(PROCESSES * PER_PROCESS)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    out = context.Queue()
    workers = [context.Process(target=assign_in_process,
                               args=(url, ids[n::PROCESSES], barrier, out))
               for n in range(PROCESSES)]
    for w in workers:
        w.start()
    results = [out.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    chosen = Counter(name for batch in results for name in batch)
    assert chosen == {"ann": CAPACITY, "bob": CAPACITY, None: len(ids) - 2 * CAPACITY}
    table = runtime.records.table("inquiry")
    with database.connect() as conn:
        stored = Counter(conn.execute(select(table.c.owner)).scalars())
    assert stored == chosen
    database.dispose()
