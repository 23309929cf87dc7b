from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engine.api.app import create_app
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from tests.auth_helpers import CHEAP_HASHER, bearer
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
