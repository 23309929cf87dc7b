from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.objects.storage import ensure_schema
from engine.packs import load_registry
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_runtime
from tests.auth_helpers import CHEAP_HASHER
from tests.runtime.record_objects import T0

from .task_pack import write_task_pack


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def runtime(db_engine: Engine, clock: ManualClock, tmp_path: Path) -> Runtime:
    registry = load_registry([write_task_pack(tmp_path)])
    ensure_schema(db_engine, registry.objects, registry.packs, now=T0)
    return build_runtime(registry, db_engine, clock, password_hasher=CHEAP_HASHER)
