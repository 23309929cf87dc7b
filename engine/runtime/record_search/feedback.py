"""Helpful / not-helpful votes and views of records (knowledge articles, say): one vote per
voter and record (a later vote replaces the earlier one), views counted one by one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, MetaData, Table, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.objects.storage.search_table import FEEDBACK, VIEW_COUNTS, add_search_table

__all__ = ["Feedback", "FeedbackCounts", "MAX_VOTER_LENGTH"]

MAX_VOTER_LENGTH = 160


@dataclass(frozen=True, slots=True)
class FeedbackCounts:
    helpful: int
    not_helpful: int
    views: int

    def as_json(self) -> dict[str, int]:
        return {"helpful": self.helpful, "not_helpful": self.not_helpful, "views": self.views}


class Feedback:
    """Votes and view counts stored in the engine's own tables."""

    def __init__(self, database: Engine) -> None:
        metadata = MetaData()
        add_search_table(metadata)
        self._db = database
        self._votes: Table = metadata.tables[FEEDBACK]
        self._views: Table = metadata.tables[VIEW_COUNTS]

    def vote(self, object_name: str, record_id: int, voter: str, helpful: bool,
             at: datetime) -> FeedbackCounts:
        """Record ``voter``'s vote (replacing their earlier one); the counts after it."""
        v = self._votes
        with self._db.begin() as conn:
            changed = conn.execute(
                update(v).where(v.c.object == object_name, v.c.record_id == record_id,
                                v.c.voter == voter).values(helpful=helpful, at=at)).rowcount
            if not changed:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(v).values(object=object_name, record_id=record_id,
                                                      voter=voter, helpful=helpful, at=at))
                except IntegrityError:  # the same voter, at the same moment: keep one vote
                    conn.execute(update(v).where(
                        v.c.object == object_name, v.c.record_id == record_id,
                        v.c.voter == voter).values(helpful=helpful, at=at))
            return self._counts(conn, object_name, record_id)

    def viewed(self, object_name: str, record_id: int) -> FeedbackCounts:
        """Count one view; the counts after it."""
        w = self._views
        with self._db.begin() as conn:
            where = (w.c.object == object_name, w.c.record_id == record_id)
            if not conn.execute(update(w).where(*where).values(views=w.c.views + 1)).rowcount:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(w).values(object=object_name, record_id=record_id,
                                                      views=1))
                except IntegrityError:
                    conn.execute(update(w).where(*where).values(views=w.c.views + 1))
            return self._counts(conn, object_name, record_id)

    def counts(self, object_name: str, record_id: int) -> FeedbackCounts:
        with self._db.connect() as conn:
            return self._counts(conn, object_name, record_id)

    def _counts(self, conn: Connection, object_name: str, record_id: int) -> FeedbackCounts:
        v, w = self._votes, self._views
        helpful, not_helpful = conn.execute(
            select(func.coalesce(func.sum(case((v.c.helpful, 1), else_=0)), 0),
                   func.coalesce(func.sum(case((v.c.helpful, 0), else_=1)), 0))
            .where(v.c.object == object_name, v.c.record_id == record_id)).one()
        views = conn.execute(select(w.c.views).where(
            w.c.object == object_name, w.c.record_id == record_id)).scalar()
        return FeedbackCounts(int(helpful), int(not_helpful), int(views or 0))
