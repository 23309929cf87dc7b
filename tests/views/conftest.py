"""The default pack on SQLite and PostgreSQL, with a user per role and logged-in clients."""

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
from tests.runtime.record_objects import T0

REPO = Path(__file__).resolve().parents[2]
SERVICE = REPO / "packs" / "service_default"
LOANS = REPO / "tests" / "packs" / "equipment_loans"


class Desk:
    """A runtime over one pack, clients by user name, and helpers to make records."""

    def __init__(self, runtime: Runtime, clock: ManualClock) -> None:
        self.runtime = runtime
        self.clock = clock
        self.clients: dict[str, TestClient] = {}

    def login(self, name: str, roles: list[str], **user: Any) -> TestClient:
        client = TestClient(create_app(self.runtime), raise_server_exceptions=False,
                            headers=bearer(self.runtime, name, roles, **user))
        self.clients[name] = client
        return client

    def create(self, object_name: str, values: dict[str, Any]) -> dict[str, Any]:
        return self.runtime.records.create(object_name, values, "setup")


def _desk(pack: Path, db_url: str) -> Iterator[Desk]:
    clock = ManualClock(T0)
    runtime = build_engine([pack], db_url, clock=clock, environ={})
    try:
        yield Desk(runtime, clock)
    finally:
        runtime.close()


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    """The default pack on an empty database (SQLite, and PostgreSQL when configured)."""
    yield from _desk(SERVICE, db_url)


@pytest.fixture
def loans_desk(db_url: str) -> Iterator[Desk]:
    """The equipment-loans test pack on an empty database."""
    yield from _desk(LOANS, db_url)
