"""The reports lab pack on one database, seeded with seven requests and their SLA clocks whose
report figures the tests compute by hand (see the table below)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from engine.runtime.principal import Principal
from engine.runtime.reports import ReportResult, ReportRunner, UserReports
from engine.runtime.sla import sla_table
from tests.auth_helpers import CHEAP_HASHER

LAB = Path(__file__).resolve().parents[1] / "packs" / "reports_lab"
#: When the reports run (a Tuesday).
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


M, H = timedelta(minutes=1), timedelta(hours=1)

# id kind      state assignee owner opened (UTC)       responded   resolved    due_on
#    handling reopens rating amount urgent
REQUESTS: list[dict[str, Any]] = [
    dict(kind="software", state="done", assignee="ann", owner=1, opened_at=at("2026-03-02T08:00"),
         responded_at=at("2026-03-02T08:30"), resolved_at=at("2026-03-02T12:00"),
         due_on=date(2026, 3, 5), handling=timedelta(seconds=600), reopen_count=0, rating=9,
         amount=Decimal("10.50"), urgent=True),
    dict(kind="software", state="done", assignee="bob", owner=1, opened_at=at("2026-03-03T23:30"),
         responded_at=at("2026-03-04T01:00"), resolved_at=at("2026-03-04T09:30"),
         due_on=date(2026, 3, 6), handling=timedelta(seconds=1200), reopen_count=1, rating=5,
         amount=Decimal("20.25"), urgent=False),
    dict(kind="hardware", state="open", assignee="ann", owner=2, opened_at=at("2026-03-08T10:00"),
         responded_at=at("2026-03-08T10:15"), due_on=date(2026, 3, 12), reopen_count=0),
    dict(kind="hardware", state="done", assignee=None, owner=2, opened_at=at("2026-03-09T22:00"),
         resolved_at=at("2026-03-10T00:00"), handling=timedelta(seconds=300), reopen_count=0,
         rating=10, amount=Decimal("5.00"), urgent=False),
    dict(kind="other", state="new", assignee="bob", owner=1, opened_at=at("2026-03-10T04:30"),
         due_on=date(2026, 3, 10), reopen_count=0),
    dict(kind="software", state="new", assignee=None, owner=3, opened_at=at("2026-02-28T20:00"),
         due_on=date(2026, 3, 8), reopen_count=0, rating=6),
    dict(kind=None, state="open", assignee=None, owner=3, opened_at=at("2026-02-20T00:00"),
         due_on=date(2026, 3, 1), reopen_count=0),
]

# record id -> {metric: (status, breached)}; request 7 has no clocks.
CLOCKS: dict[int, dict[str, tuple[str, bool]]] = {
    1: {"resolution": ("stopped", False), "first_response": ("stopped", False)},
    2: {"resolution": ("stopped", True), "first_response": ("stopped", True)},
    3: {"resolution": ("running", False), "first_response": ("stopped", True)},
    4: {"resolution": ("stopped", False), "first_response": ("running", True)},
    5: {"resolution": ("running", True), "first_response": ("running", True)},
    6: {"resolution": ("cancelled", False)},
}

_FIELDS = ("kind", "state", "assignee", "owner", "opened_at", "responded_at", "resolved_at",
           "due_on", "handling", "reopen_count", "rating", "amount", "urgent")


def lab_runtime(db: Engine, requests: Iterable[dict[str, Any]] = REQUESTS,
                clocks: dict[int, dict[str, tuple[str, bool]]] | None = None) -> Runtime:
    """The lab pack on ``db`` with ``requests`` (ids from 1) and SLA ``clocks``."""
    registry = load_registry([LAB])
    ensure_schema(db, registry.objects, registry.packs, now=NOW)
    runtime = build_runtime(registry, db, ManualClock(NOW), password_hasher=CHEAP_HASHER,
                            secret_key=b"k" * 32)
    table = runtime.records.table("lab_request")
    rows = [{"id": i, "title": f"request {i}", "created_at": r["opened_at"],
             "updated_at": r["opened_at"], "version": 1, **dict.fromkeys(_FIELDS), **r}
            for i, r in enumerate(requests, start=1)]
    clock_rows = [
        {"object": "lab_request", "record_id": rid, "metric": metric, "policy": "standard",
         "calendar": "round_the_clock", "status": status, "target_seconds": 3600,
         "started_at": NOW, "elapsed_seconds": 0, "paused_seconds": 0, "warned": [],
         "breached_at": NOW if breached else None, "updated_at": NOW}
        for rid, metrics in (CLOCKS if clocks is None else clocks).items()
        for metric, (status, breached) in metrics.items()]
    with db.begin() as conn:
        if rows:
            conn.execute(insert(table), rows)
        if clock_rows:
            conn.execute(insert(sla_table()), clock_rows)
    return runtime


ADMIN = Principal(user_id=1, name="root", roles=frozenset({"admin"}))


def principal(role: str, **attributes: Any) -> Principal:
    return Principal(user_id=2, name=f"a {role}", roles=frozenset({role}),
                     attributes=attributes)


def reports_for(runtime: Runtime, who: Principal = ADMIN) -> UserReports:
    return UserReports(ReportRunner(runtime.registry, runtime.records),
                       runtime.access.for_user(who))


def run(runtime: Runtime, name: str, who: Principal = ADMIN,
        **params: str) -> ReportResult:
    return reports_for(runtime, who).run(name, list(params.items()))


def table(result: ReportResult, *names: str) -> list[tuple[Any, ...]]:
    """The rows as tuples of the named columns (all, in order, when none are named)."""
    names = names or tuple(c.name for c in result.columns)
    return [tuple(row[n] for n in names) for row in result.rows]
