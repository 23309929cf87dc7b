"""Suggestion searches remembered for the deflection report: a search after which the same
user created no record of the object within the window counts as deflected (they found their
answer, or gave up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, MetaData, and_, exists, func, insert, select

from engine.objects.storage.search_table import SEARCH_LOG, add_search_table
from engine.runtime.records import RecordService

__all__ = ["SearchLog", "DeflectionReport", "DEFLECTION_WINDOW"]

#: How long after a search a created record still counts as "the search did not help".
DEFLECTION_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class DeflectionReport:
    object: str
    searches: int
    followed_by_request: int

    @property
    def deflected(self) -> int:
        return self.searches - self.followed_by_request

    def as_json(self) -> dict[str, Any]:
        rate = round(self.deflected / self.searches, 4) if self.searches else None
        return {"object": self.object, "searches": self.searches,
                "followed_by_request": self.followed_by_request,
                "deflected": self.deflected, "deflection_rate": rate}


class SearchLog:
    def __init__(self, records: RecordService) -> None:
        metadata = MetaData()
        add_search_table(metadata)
        self._records = records
        self._db: Engine = records.database
        self._log = metadata.tables[SEARCH_LOG]

    def record(self, actor: str, object_name: str, query: str, results: int,
               at: datetime, window: timedelta = DEFLECTION_WINDOW) -> int:
        """Remember one suggestion search; its id."""
        with self._db.begin() as conn:
            key = conn.execute(insert(self._log).values(
                at=at, actor=actor, object=object_name, query=query[:500],
                results=results, window_end=at + window)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def deflection(self, object_name: str, since: datetime, until: datetime,
                   ) -> DeflectionReport:
        """Suggestion searches for ``object_name`` between ``since`` and ``until``, and how
        many of them the searching user followed with a new record within the window."""
        log = self._log
        table = self._records.table(object_name)
        in_range = and_(log.c.object == object_name, log.c.at >= since, log.c.at < until)
        followed = exists(select(table.c.id).where(
            table.c.created_by == log.c.actor, table.c.created_at >= log.c.at,
            table.c.created_at <= log.c.window_end))
        with self._db.connect() as conn:
            searches = conn.execute(select(func.count()).where(in_range)).scalar_one()
            requested = conn.execute(
                select(func.count()).where(in_range, followed)).scalar_one()
        return DeflectionReport(object_name, int(searches), int(requested))
