"""The one place the engine is wired together: packs → registry, database → schema, runtime.

Everything else receives what it needs from here; nothing reaches for globals.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from engine.objects.storage import DEFAULT_SQLITE_URL, create_database_engine, ensure_schema
from engine.packs import load_registry
from engine.packs.registry import Registry
from engine.runtime.audit import AuditTrail
from engine.runtime.clock import Clock, SystemClock
from engine.runtime.records import RecordService
from engine.runtime.transitions import TransitionService

__all__ = ["Runtime", "build_runtime", "build_engine", "database_url_from_env", "DATABASE_URL_ENV"]

DATABASE_URL_ENV = "FLOWDESK_DATABASE_URL"


@dataclass(frozen=True, slots=True)
class Runtime:
    """A running engine: the compiled packs, the database, the clock and the commands."""

    registry: Registry
    database: Engine
    clock: Clock
    records: RecordService
    transitions: TransitionService

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()


def build_runtime(
    registry: Registry,
    database: Engine,
    clock: Clock | None = None,
    *,
    audit: AuditTrail | None = None,
) -> Runtime:
    """A :class:`Runtime` over an already open database whose schema is up to date."""
    clock = clock or SystemClock()
    records = RecordService(registry, database, clock, audit=audit)
    return Runtime(registry, database, clock, records, TransitionService(records))


def database_url_from_env(default: str = DEFAULT_SQLITE_URL) -> str:
    return os.environ.get(DATABASE_URL_ENV) or default


def build_engine(
    pack_paths: Sequence[Path | str],
    database_url: str,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
) -> Runtime:
    """Load and check the packs, open the database, bring its schema up to date (non-lossy
    changes only: a pending lossy change raises ``MigrationDataLoss``) and build the runtime.
    """
    clock = clock or SystemClock()
    registry = load_registry(list(pack_paths))
    database = create_database_engine(database_url)
    try:
        if migrate:
            ensure_schema(database, registry.objects, registry.packs, now=clock.now())
        return build_runtime(registry, database, clock)
    except BaseException:
        database.dispose()
        raise
