"""Record creation through the runtime against plain SQLAlchemy Core inserts.

Both sides write one ticket-like row per transaction into a fresh database. The runtime also
validates the payload, converts values and writes the audit rows (one per non-empty field) in
the same transaction; the baseline inserts ready-made Python values. Goal: the runtime keeps
at least 40% of the baseline's rate.

    .venv/bin/python bench/records.py [--n 20000] [--pg URL]

PostgreSQL runs when ``--pg`` or ``FLOWDESK_TEST_DATABASE_URL`` names a server; each side gets
a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from engine.objects.model import (
    SYSTEM_FIELDS,
    EnumOption,
    FieldDef,
    FieldType,
    ObjectType,
    Text,
    frozen_map,
)
from engine.objects.storage import build_metadata, create_database_engine, ensure_schema
from engine.packs.registry import PackInfo, Registry
from engine.runtime.clock import ManualClock
from engine.runtime.records import RecordService

GOAL = 0.40
START = datetime(2026, 1, 1, tzinfo=UTC)


def _field(name: str, type_: str, **kw: Any) -> FieldDef:
    return FieldDef(name, FieldType(type_), Text(name), **kw)


def _options(*values: str) -> tuple[EnumOption, ...]:
    return tuple(EnumOption(v, Text(v)) for v in values)


ITEM = ObjectType(
    name="bench_item",
    label=Text("Bench item"),
    plural=Text("Bench items"),
    fields=frozen_map({f.name: f for f in (
        *SYSTEM_FIELDS,
        _field("subject", "string", required=True, max_length=200),
        _field("description", "text"),
        _field("priority", "enum", options=_options("P1", "P2", "P3", "P4"), default="P3"),
        _field("status", "enum", options=_options("new", "open", "closed"), default="new"),
        _field("channel", "enum", options=_options("email", "phone", "web")),
        _field("requester_email", "email"),
        _field("tags", "tags"),
        _field("due_at", "datetime"),
        _field("effort", "integer", minimum=0),
        _field("escalated", "boolean", default=False),
    )}),
)
PAYLOAD: dict[str, Any] = {
    "subject": "Printer on floor 3 jams on every second page",
    "description": "Since Monday the printer jams. Tried a new paper tray; no change.",
    "priority": "P2",
    "channel": "email",
    "requester_email": "someone@example.com",
    "tags": ["hardware", "printer"],
    "due_at": "2026-01-02T09:00:00Z",
    "effort": 3,
}


@dataclass(frozen=True)
class _Pack:
    name: str = "bench"
    version: str = "1.0.0"


def _registry() -> Registry:
    return Registry(packs=(PackInfo("bench", "1.0.0", Path(".")),),
                    objects=frozen_map({ITEM.name: ITEM}))


def _raw_row(i: int) -> dict[str, Any]:
    now = START + timedelta(seconds=i)
    return {
        "created_at": now, "updated_at": now, "created_by": "bench", "version": 1,
        "subject": PAYLOAD["subject"], "description": PAYLOAD["description"],
        "priority": "P2", "status": "new", "channel": "email",
        "requester_email": PAYLOAD["requester_email"], "tags": ["hardware", "printer"],
        "due_at": datetime(2026, 1, 2, 9, tzinfo=UTC), "effort": 3, "escalated": False,
    }


def run_raw(engine: Engine, n: int) -> float:
    """Seconds to insert ``n`` rows with Core, one transaction each."""
    table = build_metadata({ITEM.name: ITEM}).tables[ITEM.table_name]
    insert = table.insert()
    rows = [_raw_row(i) for i in range(n)]
    started = time.perf_counter()
    for row in rows:
        with engine.begin() as conn:
            conn.execute(insert, row)
    return time.perf_counter() - started


def run_runtime(engine: Engine, n: int) -> float:
    """Seconds to create ``n`` records through the runtime (validation, audit)."""
    records = RecordService(_registry(), engine, ManualClock(START))
    started = time.perf_counter()
    for _ in range(n):
        records.create(ITEM.name, PAYLOAD, "bench")
    return time.perf_counter() - started


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_database_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        ensure_schema(engine, {ITEM.name: ITEM}, [_Pack()], now=START)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_database(url: str) -> Iterator[Engine]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_database_engine(url, schema=schema)
    try:
        ensure_schema(engine, {ITEM.name: ITEM}, [_Pack()], now=START)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def measure(name: str, database: Callable[[], Any], n: int) -> tuple[str, float, float]:
    # Each side gets a fresh database, so neither inserts into a bigger table.
    with database() as engine:
        raw = n / run_raw(engine, n)
    with database() as engine:
        runtime = n / run_runtime(engine, n)
    return name, raw, runtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="records per side")
    parser.add_argument("--pg", default=os.environ.get("FLOWDESK_TEST_DATABASE_URL", ""),
                        help="PostgreSQL URL (default: $FLOWDESK_TEST_DATABASE_URL)")
    args = parser.parse_args()
    results = [measure("sqlite", sqlite_database, args.n)]
    if args.pg:
        results.append(measure("postgresql", lambda: postgres_database(args.pg), args.n))
    print(f"{'database':<12}{'rows':>8}{'core rows/s':>14}{'runtime rows/s':>17}{'ratio':>8}"
          f"  goal >= {GOAL:.0%}")
    for name, raw, runtime in results:
        ratio = runtime / raw
        verdict = "ok" if ratio >= GOAL else "BELOW GOAL"
        print(f"{name:<12}{args.n:>8}{raw:>14,.0f}{runtime:>17,.0f}{ratio:>8.2f}  {verdict}")


if __name__ == "__main__":
    main()
