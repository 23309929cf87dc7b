"""An empty default-pack desk on SQLite and PostgreSQL, with a manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime, build_engine
from tests.conftest import REPO

SERVICE = REPO / "packs" / "service_default"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def desk(db_url: str, clock: ManualClock) -> Iterator[Runtime]:
    runtime = build_engine([SERVICE], db_url, clock=clock, environ={})
    yield runtime
    runtime.close()
