"""The routing lab pack on a database: a runtime, agents in teams, and records to route."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.runtime.clock import Clock
from engine.runtime.factory import Runtime, build_runtime
from tests.auth_helpers import CHEAP_HASHER

REPO = Path(__file__).resolve().parent.parent.parent
LAB = REPO / "tests" / "packs" / "routing_lab"
#: A Monday, inside the lab's day_shift calendar.
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TEAMS = ("vip", "billing", "tech", "rota")


def lab_runtime(database: Engine, clock: Clock, *, migrate: bool = True) -> Runtime:
    registry = load_registry([LAB])
    if migrate:
        ensure_schema(database, registry.objects, registry.packs, now=MONDAY)
    return build_runtime(registry, database, clock, password_hasher=CHEAP_HASHER)


def add_teams(runtime: Runtime) -> None:
    for team in TEAMS:
        runtime.auth.users.create_team(team)


def add_agent(runtime: Runtime, name: str, teams: Sequence[str], *, roles: Sequence[str] =
              ("helper",), availability: str = "online", **profile: Any) -> None:
    """A user in ``teams`` with a profile (capacity 5 unless given)."""
    runtime.auth.users.create(name, roles=list(roles), teams=list(teams), actor="test")
    runtime.router.set_profile(name, "test", availability=availability,
                               capacity=profile.pop("capacity", 5), **profile)


def inquiry(runtime: Runtime, **values: Any) -> int:
    record = runtime.records.create("inquiry", {"subject": "Help"} | values, "test")
    return int(record["id"])


def assign_in_process(url: str, ids: list[int], barrier: Any, out: Any) -> None:
    """A worker process: its own engine and runtime; waits for the others, then routes
    ``ids`` one command each and puts the assignees on ``out``."""
    from engine.objects.storage import create_database_engine
    from engine.runtime.clock import ManualClock

    database = create_database_engine(url)
    runtime = lab_runtime(database, ManualClock(MONDAY), migrate=False)
    barrier.wait(timeout=60)
    chosen = [runtime.router.assign("inquiry", rid, "worker").assignee for rid in ids]
    database.dispose()
    out.put(chosen)
