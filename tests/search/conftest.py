"""The default pack on a fresh database (SQLite, and PostgreSQL when configured), with users
of each role, for the search and knowledge-base tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engine.api.app import create_app
from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.runtime.access import UserAccess
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from engine.runtime.principal import Principal
from tests.auth_helpers import CHEAP_HASHER
from tests.conftest import REPO

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULT_PACK = REPO / "packs" / "service_default"


@pytest.fixture(scope="session")
def desk_registry():  # type: ignore[no-untyped-def]
    return load_registry([DEFAULT_PACK])


@pytest.fixture
def desk(db_engine: Engine, desk_registry) -> Iterator[Runtime]:  # type: ignore[no-untyped-def]
    """A runtime over the default pack."""
    ensure_schema(db_engine, desk_registry.objects, desk_registry.packs)
    runtime = build_runtime(desk_registry, db_engine, ManualClock(T0),
                            password_hasher=CHEAP_HASHER, secret_key=b"k" * 32)
    yield runtime


@pytest.fixture
def client(desk: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(desk)) as c:
        yield c


def as_user(runtime: Runtime, name: str, roles: tuple[str, ...], **attributes: object,
            ) -> UserAccess:
    """The access of a user with ``roles`` (and attributes such as ``customer``)."""
    principal = Principal(user_id=1, name=name, roles=frozenset(roles),
                          attributes=dict(attributes))
    return runtime.access.for_user(principal)
