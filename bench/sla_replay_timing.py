"""The ``replay`` section of ``bench/sla_routing.py``: ``flowdesk sla replay`` over 100,000
records.

A SQLite file (in a temporary folder) with the automation lab pack (tests/packs/automation_lab:
three metrics, two policies on a Berlin office calendar and 24x7) and the audit history of
``records`` incidents, seeded in bulk with Core inserts: a create, then on average about four
changes each (started, answered, a customer reply, pending and back, solved and archived,
a severity change), spread over 2026. Measured, in records per second:

- the first replay, which finds no stored clock and writes them all (with their timers), a
  batch of 1,000 records per transaction;
- a second replay (a dry run), which finds nothing to change: the read-and-recompute path;
- the baseline, in the same run: the obvious implementation, which reads each record's history
  with its own query (``AuditTrail.history``) and replays it the same way (on a sample).

Both sides must give the same clocks for every sampled record.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from engine.objects.storage import create_database_engine, ensure_schema
from engine.packs import load_registry
from engine.packs.registry import Registry
from engine.runtime.audit import AuditTrail
from engine.runtime.clock import ManualClock
from engine.runtime.factory import build_runtime
from engine.runtime.sla_history import RecordChange, RecordHistory
from engine.runtime.sla_replay import SlaReplay

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "tests" / "packs" / "automation_lab"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
NOW = datetime(2027, 1, 1, tzinfo=UTC)
BASELINE_SAMPLE = 2_000

#: (workload, n, per second, baseline n, baseline per second, note)
Measured = tuple[str, int, float, int, float, str]


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _history(record_id: int, rng: random.Random) -> list[dict[str, Any]]:
    """One incident's audit rows: a create and a random walk through its workflow."""
    at = START + timedelta(minutes=rng.randrange(340 * 24 * 60))
    severity = rng.choice(("low", "normal", "normal", "high", "urgent"))
    rows: list[dict[str, Any]] = []

    def change(action: str, values: dict[str, Any], gap_minutes: int) -> None:
        nonlocal at
        at += timedelta(minutes=rng.randrange(1, gap_minutes))
        change_id = str(uuid.uuid4())
        if action == "create":
            rows.append({"change_id": change_id, "object": "incident", "record_id": record_id,
                         "action": "create", "field": None, "old_value": None,
                         "new_value": values, "actor": "bench", "at": at, "note": None})
            return
        for name, value in values.items():
            rows.append({"change_id": change_id, "object": "incident", "record_id": record_id,
                         "action": action, "field": name, "old_value": None,
                         "new_value": value, "actor": "bench", "at": at, "note": None})

    change("create", {"title": f"Incident {record_id}", "severity": severity,
                      "phase": "fresh", "escalated": False, "bounces": 0}, 2)
    change("transition", {"phase": "working"}, 180)
    if rng.random() < 0.8:
        change("update", {"responded_at": _iso(at + timedelta(minutes=1))}, 240)
    if rng.random() < 0.4:
        change("update", {"customer_replied_at": _iso(at + timedelta(minutes=1))}, 600)
    if rng.random() < 0.3:
        change("transition", {"phase": "waiting"}, 300)
        change("transition", {"phase": "working"}, 3000)
    if rng.random() < 0.2:
        change("update", {"severity": rng.choice(("urgent", "normal"))}, 300)
    if rng.random() < 0.7:
        change("transition", {"phase": "solved"}, 2000)
        if severity != "urgent":
            rows[-1:] = [rows[-1], {**rows[-1], "new_value": "archived"}]
    return rows


def seed(database: Engine, registry: Registry, records: int, rng: random.Random) -> int:
    """Write the audit history of ``records`` incidents; returns the number of rows."""
    ensure_schema(database, registry.objects, registry.packs, now=START)
    audit = AuditTrail().table
    total = 0
    chunk: list[dict[str, Any]] = []
    with database.begin() as conn:
        for record_id in range(1, records + 1):
            chunk += _history(record_id, rng)
            if len(chunk) >= 20_000:
                conn.execute(insert(audit), chunk)
                total += len(chunk)
                chunk = []
        if chunk:
            conn.execute(insert(audit), chunk)
            total += len(chunk)
    return total


def _baseline(replay: SlaReplay, ids: list[int]) -> dict[int, Any]:
    """Per record: its history with its own query, then the same replay."""
    definition = replay.definitions("incident")[0]
    obj = replay.registry.objects["incident"]
    trail = replay.audit
    out = {}
    with replay.database.connect() as conn:
        load = replay.records.loader(conn)
        for record_id in ids:
            entries = trail.history(conn, "incident", record_id)
            changes: list[RecordChange] = []
            for e in entries:
                if e.action not in ("create", "update", "assign", "transition"):
                    continue
                values = (dict(e.new) if e.action == "create" else
                          {e.field: e.new} if e.field in obj.fields else {})
                converted = {k: _stored(obj, k, v) for k, v in values.items()}
                if changes and changes[-1].change_id == e.change_id:
                    merged = {**changes[-1].values, **converted}
                    changes[-1] = RecordChange(e.change_id, e.at, e.actor, merged,
                                               changes[-1].creating)
                else:
                    changes.append(RecordChange(e.change_id, e.at, e.actor, converted,
                                                e.action == "create"))
            history = RecordHistory("incident", record_id, tuple(changes))
            out[record_id] = replay.replay_history(definition, obj, history, load, NOW)
    return out


def _stored(obj: Any, name: str, value: Any) -> Any:
    from engine.objects.values import from_json

    return from_json(value, obj.fields[name])


def measure(records: int, seed_value: int) -> list[Measured]:
    registry = load_registry([LAB])
    rng = random.Random(seed_value)
    with tempfile.TemporaryDirectory() as folder:
        database = create_database_engine(f"sqlite:///{Path(folder) / 'replay.db'}")
        try:
            started = time.perf_counter()
            rows = seed(database, registry, records, rng)
            seeded = time.perf_counter() - started
            runtime = build_runtime(registry, database, ManualClock(NOW), environ={})
            replay = SlaReplay(registry, database, runtime.records, runtime.clock)

            started = time.perf_counter()
            first = replay.replay()
            first_s = time.perf_counter() - started
            assert first.records == records and first.changed_clocks == first.clocks

            started = time.perf_counter()
            second = replay.replay(dry_run=True)
            second_s = time.perf_counter() - started
            assert second.changed_clocks == 0, second.summary()

            sample = rng.sample(range(1, records + 1), min(BASELINE_SAMPLE, records))
            started = time.perf_counter()
            naive = _baseline(replay, sample)
            naive_s = time.perf_counter() - started
            with database.connect() as conn:
                for record_id in sample[:200]:
                    assert naive[record_id] == replay.sla.load(conn, "incident", record_id)
        finally:
            database.dispose()
    naive_rate = len(sample) / naive_s
    note = (f"{rows:,} audit rows, {first.clocks:,} clocks; seeded in {seeded:.0f} s; "
            "SQLite file")
    return [
        ("first replay: writes every clock", records, records / first_s, len(sample),
         naive_rate, note),
        ("second replay: nothing to change", records, records / second_s, len(sample),
         naive_rate, f"dry run; {first_s:.0f} s then {second_s:.0f} s for {records:,}"),
    ]
