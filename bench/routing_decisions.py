"""The routing section of ``bench/sla_routing.py``: one assignment decision among 1,000 agents.

A SQLite database with the default pack, 1,000 agents in one team (random skills, capacities
and availability) and 20,000 tickets, a quarter of them open and assigned. The measured side
is :meth:`Router.decide` (members and profiles in one query, open work per agent in one
indexed ``GROUP BY``, then the pure ranking); the baseline is the obvious implementation in the
same run: read every ticket and count open work in a Python loop, then look each member's
profile up one query at a time. Both must choose the same agent for every record.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from engine.objects.storage import create_database_engine, ensure_schema
from engine.objects.storage.agent_tables import AGENT_PROFILES
from engine.objects.storage.identity_tables import TEAM_MEMBERS, TEAMS, USERS
from engine.packs import load_registry
from engine.rules_dsl import EvalContext
from engine.runtime.clock import ManualClock
from engine.runtime.factory import build_runtime
from engine.runtime.routing import Router
from engine.runtime.users import identity_tables
from engine.workflows.assignment import AgentState, choose_agent

ROOT = Path(__file__).resolve().parent.parent
AGENTS = 1_000
TICKETS = 20_000
QUEUE = "general"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LANGUAGES = ("en", "zh-CN")

#: (workload, n, per second, baseline n, baseline per second, note)
Measured = tuple[str, int, float, int, float, str]


def _seed(conn: Connection, ticket_table: Any, rng: random.Random) -> None:
    tables = identity_tables()
    users, teams, members, profiles = (tables[USERS], tables[TEAMS], tables[TEAM_MEMBERS],
                                       tables[AGENT_PROFILES])
    team_id = conn.execute(insert(teams).values(name=QUEUE, created_at=NOW)
                           ).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(insert(users), [
        {"id": i + 1, "name": f"agent{i:04d}", "roles": ["agent"], "attributes": {},
         "active": True, "created_at": NOW, "updated_at": NOW} for i in range(AGENTS)])
    conn.execute(insert(members), [{"team_id": team_id, "user_id": i + 1}
                                   for i in range(AGENTS)])
    conn.execute(insert(profiles), [
        {"user_id": i + 1, "skills": rng.sample(LANGUAGES, rng.randint(1, 2)),
         "capacity": rng.randint(3, 12),
         "availability": rng.choice(("online", "online", "online", "away", "offline")),
         "calendar": None, "updated_at": NOW,
         "last_assigned_at": None if rng.random() < 0.2 else
         NOW.replace(hour=rng.randint(0, 9), minute=rng.randint(0, 59))}
        for i in range(AGENTS)])
    rows = []
    for i in range(TICKETS):
        is_open = rng.random() < 0.25
        rows.append({
            "subject": f"ticket {i}", "priority": "P3", "channel": "web",
            "category": "general", "escalated": False, "reopen_count": 0,
            "status": rng.choice(("new", "open", "pending_customer")) if is_open
            else rng.choice(("resolved", "closed")),
            "assignee": f"agent{rng.randrange(AGENTS):04d}", "queue": QUEUE,
            "language": rng.choice(LANGUAGES), "created_at": NOW, "updated_at": NOW,
            "created_by": "bench", "version": 1})
    conn.execute(insert(ticket_table), rows)


def _naive_choice(conn: Connection, router: Router, table: Any,
                  row: Mapping[str, Any]) -> str | None:
    """The baseline: count open work over every ticket in Python, then one query per
    member's profile, then the same ranking."""
    policy = router.policy("ticket")
    loads: dict[str, int] = {}
    for assignee, status in conn.execute(select(table.c.assignee, table.c.status)):
        if assignee is not None and status in policy.open_states:
            loads[assignee] = loads.get(assignee, 0) + 1
    tables = identity_tables()
    users, members, profiles = tables[USERS], tables[TEAM_MEMBERS], tables[AGENT_PROFILES]
    match = policy.match(row, EvalContext(now=NOW))  # the bench's records have no customer
    agents = []
    for user_id, name in conn.execute(select(users.c.id, users.c.name).join(
            members, members.c.user_id == users.c.id)):
        p = conn.execute(select(profiles).where(profiles.c.user_id == user_id)).one()
        agents.append(AgentState(
            name=name, teams=frozenset({QUEUE}), skills=frozenset(p.skills),
            capacity=p.capacity, availability=p.availability, calendar=p.calendar,
            load=loads.get(name, 0), last_assigned_at=p.last_assigned_at))
    return choose_agent(match.queue, match.skills, agents, NOW,
                        router.registry.calendars).assignee


def _rate(fn: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - started)


def measure(n: int, seed: int) -> list[Measured]:
    """Decisions per second, ours and the baseline's, after checking they agree."""
    rng = random.Random(seed)
    registry = load_registry([ROOT / "packs" / "service_default"])
    with tempfile.TemporaryDirectory() as folder:
        database = create_database_engine(f"sqlite:///{folder}/bench.db")
        ensure_schema(database, registry.objects, registry.packs, now=NOW)
        runtime = build_runtime(registry, database, ManualClock(NOW))
        router = runtime.router
        table = runtime.records.table("ticket")
        with database.begin() as conn:
            _seed(conn, table, rng)
        records = [{"subject": "x", "category": "general", "language": rng.choice(LANGUAGES),
                    "customer": None, "status": "new", "id": None} for _ in range(20)]
        with database.connect() as conn:
            for record in records:
                ours = router.decide(conn, "ticket", record, NOW).assignee
                assert ours == _naive_choice(conn, router, table, record), "the two sides disagree"
            decisions = max(20, n // 200)
            ours_rate = _rate(lambda: router.decide(conn, "ticket", records[0], NOW),
                              decisions)
            naive_n = max(5, decisions // 20)
            naive_rate = _rate(lambda: _naive_choice(conn, router, table, records[0]), naive_n)
            states = [AgentState(f"agent{i:04d}", frozenset({QUEUE}), frozenset(LANGUAGES),
                                 10, "online", load=rng.randrange(10)) for i in range(AGENTS)]
            queue = registry.routing_for("ticket").queues[QUEUE]  # type: ignore[union-attr]
            pure_n = decisions * 5
            pure_rate = _rate(lambda: choose_agent(queue, ("en",), states, NOW, {}), pure_n)
        database.dispose()
    return [
        (f"decide among {AGENTS:,} agents (SQLite)", decisions, ours_rate, naive_n,
         naive_rate, f"{TICKETS:,} tickets; baseline: Python scan + query per agent"),
        (f"rank {AGENTS:,} loaded agents (pure)", pure_n, pure_rate, naive_n, naive_rate,
         "choose_agent alone, same baseline"),
    ]
