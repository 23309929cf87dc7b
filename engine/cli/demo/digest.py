"""A digest of every record in a database: equal digests, equal data (the seed's promise)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select

from engine.runtime.factory import Runtime

__all__ = ["records_digest", "record_counts"]


def records_digest(runtime: Runtime) -> str:
    """SHA-256 over every record of every object, objects by name, records by id, each as
    JSON with sorted keys."""
    digest = hashlib.sha256()
    with runtime.database.connect() as conn:
        for name in sorted(runtime.registry.objects):
            table = runtime.records.table(name)
            digest.update(f"\n{name}\n".encode())
            for row in conn.execute(select(table).order_by(table.c.id)).mappings():
                digest.update(json.dumps(dict(row), sort_keys=True, default=str).encode())
                digest.update(b"\n")
    return digest.hexdigest()


def record_counts(runtime: Runtime) -> dict[str, int]:
    """How many records each object has, by object name."""
    counts = {}
    with runtime.database.connect() as conn:
        for name in sorted(runtime.registry.objects):
            table = runtime.records.table(name)
            counts[name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    return counts
