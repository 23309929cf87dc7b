from __future__ import annotations

import pytest
from sqlalchemy import Engine

from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from tests.auth_helpers import CHEAP_HASHER
from tests.runtime.record_objects import T0, create_schema, registry


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def runtime(db_engine: Engine, clock: ManualClock) -> Runtime:
    """The records lab objects (no roles declared: admins only) on one database."""
    create_schema(db_engine)
    return build_runtime(registry(), db_engine, clock, password_hasher=CHEAP_HASHER,
                         secret_key=b"k" * 32)
