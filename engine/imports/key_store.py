"""Where imports remember things: the external key each record came in under, and each run's
progress (the last source row whose batch committed), both written in the batch's own
transaction so a crash loses neither."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table, select, update

from engine.objects.storage.import_tables import IMPORT_KEYS, IMPORT_RUNS, add_import_tables

__all__ = ["ImportKeys", "ImportRuns", "RunState"]


def _tables() -> tuple[Table, Table]:
    metadata = MetaData()
    add_import_tables(metadata)
    return metadata.tables[IMPORT_KEYS], metadata.tables[IMPORT_RUNS]


class ImportKeys:
    """External key -> record id, per object."""

    def __init__(self) -> None:
        self.table = _tables()[0]

    def load(self, conn: Connection, object_name: str) -> dict[str, int]:
        t = self.table
        rows = conn.execute(select(t.c.key, t.c.record_id).where(t.c.object == object_name))
        return {key: int(record_id) for key, record_id in rows}

    def remember(self, conn: Connection, object_name: str, keys: Mapping[str, int]) -> None:
        """Point ``keys`` at their records (replacing what a deleted record left behind)."""
        if not keys:
            return
        t = self.table
        known = self.load_some(conn, object_name, list(keys))
        fresh = [{"object": object_name, "key": k, "record_id": v}
                 for k, v in keys.items() if k not in known]
        for k, v in keys.items():
            if k in known and known[k] != v:
                conn.execute(update(t).where(t.c.object == object_name, t.c.key == k)
                             .values(record_id=v))
        if fresh:
            conn.execute(t.insert(), fresh)

    def load_some(self, conn: Connection, object_name: str, keys: list[str]) -> dict[str, int]:
        t = self.table
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            rows = conn.execute(select(t.c.key, t.c.record_id).where(
                t.c.object == object_name, t.c.key.in_(keys[start:start + 500])))
            found.update({key: int(record_id) for key, record_id in rows})
        return found


RunState = dict[str, Any]


class ImportRuns:
    """Each run by its id: status, the last committed source row, counts."""

    def __init__(self) -> None:
        self.table = _tables()[1]

    def get(self, conn: Connection, run_id: str) -> RunState | None:
        row = conn.execute(select(self.table).where(self.table.c.id == run_id)).mappings().first()
        return dict(row) if row is not None else None

    def start(self, conn: Connection, run_id: str, *, object_name: str, source: str,
              actor: str, now: datetime) -> RunState:
        """The run's state: a new one, or the one a crash left (to resume from its row)."""
        state = self.get(conn, run_id)
        if state is not None and state["status"] == "running":
            return state
        values = {"object": object_name, "source": source[:255], "status": "running",
                  "last_row": 0, "counts": {}, "actor": actor, "started_at": now,
                  "updated_at": now}
        if state is None:
            conn.execute(self.table.insert().values(id=run_id, **values))
        else:
            conn.execute(update(self.table).where(self.table.c.id == run_id).values(**values))
        return {"id": run_id, **values}

    def advance(self, conn: Connection, run_id: str, *, last_row: int, counts: dict[str, int],
                now: datetime, done: bool = False) -> None:
        conn.execute(update(self.table).where(self.table.c.id == run_id).values(
            last_row=last_row, counts=counts, updated_at=now,
            status="done" if done else "running"))
