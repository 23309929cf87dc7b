"""The API calls behind the workspace's queue view, with 100k tickets on PostgreSQL, against a
plain SQL ``SELECT ... ORDER BY updated_at DESC LIMIT 50`` on the same table (the baseline,
measured in the same run).

The bench creates a database of its own (named ``flowdesk_queue_bench_<pid>``, next to the
one ``FLOWDESK_TEST_DATABASE_URL`` names) and drops it at the end. It loads the default pack,
writes ``--tickets`` tickets in batched Core inserts (200 customers, 4 team queues, 20
assignees, all statuses, a running resolution clock in ``flowdesk_sla_clocks`` for each open
ticket, a tenth of them past a warning), analyzes, then asks the real ASGI app (TestClient,
API tokens) as an agent (two teams) and as a supervisor, ``--repeat`` times each:
``GET /api/views`` (with counts), ``GET /api/views/{name}/records?limit=50`` for
my_open_work, a team queue and sla_at_risk, and ``GET /api/records/ticket?limit=50&sort=-
updated_at``. Prints p50/p95/p99 per call and p95 / baseline p95.

Budget (issue 16): each call p95 <= 50 ms. Printed, not asserted.

    .venv/bin/python bench/queue_api.py [--tickets 100000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import MetaData, Table, create_engine, insert, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.api.app import create_app  # noqa: E402
from engine.objects.storage.sla_table import SLA_CLOCKS  # noqa: E402
from engine.runtime.clock import ManualClock  # noqa: E402
from engine.runtime.factory import Runtime, build_engine  # noqa: E402
from tests.auth_helpers import bearer  # noqa: E402

PACK = REPO / "packs" / "service_default"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
QUEUES = ("billing", "technical", "on_site", "general")
OPEN = ("new", "open", "pending_customer", "pending_third_party")
STATUSES = OPEN + ("resolved", "closed", "closed", "closed")  # most history is closed
PRIORITIES = ("P1", "P2", "P3", "P3", "P4")
BATCH = 5000
BUDGET_MS = 50.0


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A new empty database beside ``url``'s, dropped on exit; yields its URL."""
    base = make_url(url)
    name = f"flowdesk_queue_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def load(runtime: Runtime, tickets: int) -> None:
    """Customers, tickets and the open tickets' resolution clocks, in batches."""
    table = runtime.records.table("ticket")
    clock_table = Table(SLA_CLOCKS, MetaData(), autoload_with=runtime.database)
    customer_ids = [runtime.records.create("customer", {"name": f"Customer {i}"}, "bench")["id"]
                    for i in range(200)]
    for start in range(0, tickets, BATCH):
        rows, ages = [], []
        for i in range(start, min(start + BATCH, tickets)):
            age = timedelta(minutes=(tickets - i) * 3)
            ages.append(age)
            status = STATUSES[i % len(STATUSES)]
            rows.append({
                "subject": f"Request {i}: printer not working", "description": "x" * 200,
                "priority": PRIORITIES[i % 5], "status": status, "channel": "email",
                "category": "general", "language": "en", "escalated": False,
                "reopen_count": 0, "customer": customer_ids[i % 200],
                "queue": QUEUES[i % 4] if i % 10 else None,
                "assignee": f"agent{i % 20}" if i % 7 else None,
                "due_at": NOW - age + timedelta(days=3) if status in OPEN else None,
                "created_at": NOW - age, "updated_at": NOW - age / 2,
                "created_by": "bench", "version": 1})
        with runtime.database.begin() as conn:
            ids = [r[0] for r in conn.execute(insert(table).returning(table.c.id), rows)]
            clock_rows = [{
                "object": "ticket", "record_id": rid, "metric": "resolution",
                "policy": "bench", "calendar": "always",
                "status": "paused" if row["status"] == "pending_customer" else "running",
                "target_seconds": 3 * 86400, "started_at": row["created_at"],
                "running_since": row["created_at"], "elapsed_seconds": 0,
                "paused_seconds": 0, "due_at": row["due_at"],
                "warned": [50] if rid % 10 == 0 else [], "updated_at": row["updated_at"],
            } for rid, row in zip(ids, rows, strict=True) if row["status"] in OPEN]
            if clock_rows:
                conn.execute(insert(clock_table), clock_rows)
    with runtime.database.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def timings(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm up
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    url = os.environ.get("FLOWDESK_TEST_DATABASE_URL", DEFAULT_URL)
    with scratch_database(url) as db_url:
        runtime = build_engine([PACK], db_url, clock=ManualClock(NOW))
        try:
            started = time.perf_counter()
            load(runtime, args.tickets)
            print(f"loaded {args.tickets} tickets in {time.perf_counter() - started:.1f} s "
                  f"(PostgreSQL, repeat {args.repeat})")
            for queue in QUEUES:
                runtime.auth.users.create_team(queue)
            app = create_app(runtime)
            users = {"agent": ("agent1", ["agent"], {"teams": ["billing", "technical"]}),
                     "supervisor": ("super", ["supervisor"], {})}
            results: list[tuple[str, str, list[float]]] = []
            with runtime.database.connect() as conn:
                base = timings(lambda: conn.execute(text(
                    "SELECT * FROM obj_ticket ORDER BY updated_at DESC LIMIT 50")).all(),
                    args.repeat)
            results.append(("-", "baseline SQL ORDER BY updated_at LIMIT 50", base))
            for role, (name, roles, extra) in users.items():
                with TestClient(app, headers=bearer(runtime, name, roles, **extra)) as client:
                    def get(path: str, c: TestClient = client) -> Callable[[], object]:
                        def call() -> object:
                            answer = c.get(path)
                            if answer.status_code != 200:
                                raise SystemExit(f"{path}: {answer.status_code} {answer.text}")
                            return answer
                        return call
                    calls = ["/api/views", "/api/views/my_open_work/records?limit=50",
                             "/api/views/sla_at_risk/records?limit=50",
                             "/api/records/ticket?limit=50&sort=-updated_at"]
                    if role == "agent":
                        calls.insert(2, "/api/views/team_queue:billing/records?limit=50")
                    for path in calls:
                        results.append((role, path, timings(get(path), args.repeat)))
        finally:
            runtime.close()
    base95 = pct(base, 95)
    print(f"{'as':<11}{'call':<52}{'p50':>7}{'p95':>7}{'p99':>7}{'x base':>8}  budget")
    for role, path, values in results:
        p95 = pct(values, 95)
        verdict = "-" if role == "-" else ("ok" if p95 <= BUDGET_MS else "MISSED")
        print(f"{role:<11}{path:<52}{pct(values, 50):>7.1f}{p95:>7.1f}{pct(values, 99):>7.1f}"
              f"{p95 / base95:>8.1f}  {verdict}")
    print(f"(ms; budget p95 <= {BUDGET_MS:.0f} ms per call)")


if __name__ == "__main__":
    main()
