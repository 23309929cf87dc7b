from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engine.api.app import create_app
from engine.objects.storage import create_database_engine, ensure_schema
from engine.packs import load_registry
from engine.packs.registry import Registry
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from tests.auth_helpers import CHEAP_HASHER, bearer
from tests.conftest import PG_URL, REPO, fresh_pg_schema, pg_url_with_schema
from tests.runtime.record_objects import T0, create_schema, registry

MAX_BODY = 4096


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def runtime(db_engine: Engine, clock: ManualClock) -> Runtime:
    create_schema(db_engine)
    return build_runtime(registry(), db_engine, clock, password_hasher=CHEAP_HASHER)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """A client logged in (with an API token) as ``alice``, an admin."""
    with TestClient(create_app(runtime, max_body_bytes=MAX_BODY),
                    raise_server_exceptions=False,
                    headers=bearer(runtime, "alice")) as test_client:
        yield test_client


@pytest.fixture
def bob(runtime: Runtime) -> dict[str, str]:
    """Headers that authenticate as ``bob``, another admin."""
    return bearer(runtime, "bob")



SERVICE_PACK = REPO / "packs" / "service_default"


@pytest.fixture(scope="session")
def service_registry() -> Registry:
    """The default pack, loaded once (tickets, customers, reports, a ``customer`` user
    attribute)."""
    return load_registry([SERVICE_PACK])


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[Engine]:
    """An empty database of its own: a SQLite file in ``folder``, or a PostgreSQL schema."""
    if kind == "sqlite":
        engine = create_database_engine(f"sqlite:///{folder / 'desk.db'}")
        yield engine
        engine.dispose()
        return
    with fresh_pg_schema() as schema:
        engine = create_database_engine(pg_url_with_schema(PG_URL, schema))
        yield engine
        engine.dispose()


@contextmanager
def _desk(registry: Registry, kind: str, folder: Path) -> Iterator[Runtime]:
    with _database(kind, folder) as engine:
        ensure_schema(engine, registry.objects, registry.packs, now=T0)
        runtime = build_runtime(registry, engine, ManualClock(T0),
                                password_hasher=CHEAP_HASHER)
        customer = runtime.records.create("customer", {"name": "Acme"}, "setup")
        runtime.records.create("ticket", {"subject": "Printer on fire", "priority": "P2",
                                          "customer": customer["id"]}, "setup")
        yield runtime


_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=_DATABASES)
def desk(request: pytest.FixtureRequest, service_registry: Registry,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """The default pack on one database, shared by a module's tests (for tests that leave
    the data as they found it), with customer 1 and a ticket of theirs in place."""
    with _desk(service_registry, request.param, tmp_path_factory.mktemp("desk")) as runtime:
        yield runtime


@pytest.fixture(params=_DATABASES)
def fresh_desk(request: pytest.FixtureRequest, service_registry: Registry,
               tmp_path: Path) -> Iterator[Runtime]:
    """Like ``desk``, but a database of the test's own."""
    with _desk(service_registry, request.param, tmp_path) as runtime:
        yield runtime


def _client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime, public_rate_limit=100_000),
                      raise_server_exceptions=False, headers=bearer(runtime, "root"))


@pytest.fixture(scope="module")
def desk_client(desk: Runtime) -> Iterator[TestClient]:
    """A client of ``desk``, signed in (API token) as ``root``, an admin."""
    with _client(desk) as test_client:
        yield test_client


@pytest.fixture
def fresh_client(fresh_desk: Runtime) -> Iterator[TestClient]:
    """A client of ``fresh_desk``, signed in (API token) as ``root``, an admin."""
    with _client(fresh_desk) as test_client:
        yield test_client
