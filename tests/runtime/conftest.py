from __future__ import annotations

import pytest
from sqlalchemy import Engine

from engine.runtime.clock import ManualClock
from engine.runtime.records import RecordService

from .record_objects import T0, create_schema, registry


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def records(db_engine: Engine, clock: ManualClock) -> RecordService:
    create_schema(db_engine)
    return RecordService(registry(), db_engine, clock)
