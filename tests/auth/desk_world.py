"""The default pack on one database (SQLite, and PostgreSQL when configured) with a user per
role, two customers with a contact and an asset each, and tickets on either side: the world
the permission tests act in. Import ``database_url`` and ``world`` into a test module to use
them (one world per module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_engine
from tests.auth_helpers import bearer
from tests.conftest import PG_URL, fresh_pg_schema, pg_url_with_schema
from tests.runtime.record_objects import T0

SERVICE = Path(__file__).resolve().parents[2] / "packs" / "service_default"
ROLES = ("admin", "supervisor", "agent", "customer")


class World:
    """The default pack on one database, a user per role, and two customers."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        users = runtime.auth.users
        users.create_team("billing")
        users.create_team("sales")
        records = runtime.records
        self.mine = records.create("customer", {"name": "Mine Ltd"}, "setup")["id"]
        self.theirs = records.create("customer", {"name": "Theirs Ltd"}, "setup")["id"]
        #: customer id -> one of its contacts, one of its assets
        self.contact = {c: records.create("contact", {"customer": c, "name": f"Pat {c}",
                                                      "email": f"pat{c}@x.org"}, "setup")["id"]
                        for c in (self.mine, self.theirs)}
        self.asset = {c: records.create("asset", {"customer": c, "name": f"Printer {c}",
                                                  "serial_number": f"SN-{c}"}, "setup")["id"]
                      for c in (self.mine, self.theirs)}
        teams = {"agent": ["billing"]}
        attributes = {"customer": {"customer": self.mine}}
        self.clients = {
            role: TestClient(create_app(runtime), raise_server_exceptions=False,
                             headers=bearer(runtime, role, [role], teams=teams.get(role, []),
                                            attributes=attributes.get(role)))
            for role in ROLES
        }

    def ticket(self, which: str) -> dict[str, Any]:
        own = which == "own"
        return self.runtime.records.create("ticket", {
            "subject": f"{which} printer", "priority": "P3",
            "customer": self.mine if own else self.theirs,
            "queue": "billing" if own else "sales", "tags": ["internal-tag"],
        }, "setup")

    def message(self, ticket_id: int, kind: str) -> dict[str, Any]:
        return self.runtime.records.create("ticket_message", {
            "ticket": ticket_id, "kind": kind, "body": f"a {kind}",
            "author_type": "agent", "email_message_id": "<m@x>",
        }, "setup")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database for the module's world: a SQLite file, or a PostgreSQL schema of its own
    (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'matrix.db'}"
        return
    with fresh_pg_schema() as schema:
        yield pg_url_with_schema(PG_URL, schema)


@pytest.fixture(scope="module")
def world(database_url: str) -> Iterator[World]:
    runtime = build_engine([SERVICE], database_url, clock=ManualClock(T0))
    yield World(runtime)
    runtime.close()
