"""The outbox: jobs written in the same transaction as the command that causes them.

A command that must send an email, call a webhook or fire a timer later calls
:meth:`Outbox.enqueue` with its own :class:`~engine.runtime.unit_of_work.UnitOfWork`; the job
row commits with the record and its audit rows, or not at all. Workers (``engine.jobs``) claim
due rows and run each through a :data:`JobHandler`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, Table, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from engine.errors import BadRequest
from engine.objects.storage.job_table import JOBS, add_job_table
from engine.runtime.unit_of_work import UnitOfWork

__all__ = ["Job", "JobHandler", "Outbox", "DEFAULT_MAX_ATTEMPTS", "job_table"]

DEFAULT_MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed job as its handler sees it. ``attempts`` counts this attempt (1 on the
    first run)."""

    id: int
    kind: str
    payload: Mapping[str, Any]
    run_at: datetime
    attempts: int
    max_attempts: int
    key: str | None
    object: str | None
    record_id: int | None

    @property
    def idempotency_key(self) -> str:
        """What receivers deduplicate on: the job's key, else ``job-<id>``."""
        return self.key if self.key is not None else f"job-{self.id}"


#: Runs one job inside the worker's transaction (``uow``), which also marks the job done;
#: raising is a failure (see :mod:`engine.runtime.job_errors` for retryable or not).
JobHandler = Callable[[Job, UnitOfWork], None]


def job_table(metadata: MetaData | None = None) -> Table:
    """The ``flowdesk_jobs`` table (declared on a fresh ``MetaData`` unless one is given)."""
    metadata = metadata if metadata is not None else MetaData()
    return metadata.tables[JOBS] if JOBS in metadata.tables else add_job_table(metadata)


class Outbox:
    """Writes and cancels job rows inside a command's transaction."""

    def __init__(self, table: Table | None = None) -> None:
        self.table = table if table is not None else job_table()
        # A job without a key cannot collide: a plain INSERT, which SQLAlchemy compiles once
        # (it cannot cache the dialects' ON CONFLICT form, so that one compiles per call).
        self._plain_insert = insert(self.table).returning(self.table.c.id)

    def _insert_for(self, dialect: str) -> Insert:
        # ON CONFLICT DO NOTHING keeps a PostgreSQL transaction usable after a duplicate key
        # (a caught IntegrityError would have aborted it), and behaves the same on SQLite.
        if dialect == "postgresql":
            pg = postgresql.insert(self.table).on_conflict_do_nothing(index_elements=["key"])
            return pg.returning(self.table.c.id)
        if dialect == "sqlite":
            lite = sqlite.insert(self.table).on_conflict_do_nothing(index_elements=["key"])
            return lite.returning(self.table.c.id)
        return insert(self.table).returning(self.table.c.id)

    def enqueue(
        self,
        uow: UnitOfWork,
        kind: str,
        payload: Mapping[str, Any],
        *,
        run_at: datetime | None = None,
        key: str | None = None,
        cancel_group: str | None = None,
        object: str | None = None,
        record_id: int | None = None,
        max_attempts: int | None = None,
    ) -> int | None:
        """Write a job row in the command's own transaction and return its id. ``run_at``
        ``None`` means now (``uow.now``). A ``key`` that already exists is a no-op that returns
        ``None``, so a repeated command does not repeat its effects."""
        attempts = DEFAULT_MAX_ATTEMPTS if max_attempts is None else max_attempts
        if attempts < 1:
            raise BadRequest(
                f"max_attempts of a '{kind}' job must be at least 1, got {attempts}",
                code="job_bad_max_attempts",
            )
        row = {
            "kind": kind,
            "payload": dict(payload),
            "status": "pending",
            "run_at": uow.now if run_at is None else run_at,
            "attempts": 0,
            "max_attempts": attempts,
            "last_error": None,
            "key": key,
            "cancel_group": cancel_group,
            "object": object,
            "record_id": record_id,
            "created_at": uow.now,
        }
        statement = (self._plain_insert if key is None
                     else self._insert_for(uow.conn.dialect.name))
        result = uow.conn.execute(statement, row)
        job_id = result.scalar_one_or_none()
        return None if job_id is None else int(job_id)

    def cancel(self, uow: UnitOfWork, cancel_group: str) -> int:
        """Cancel every pending job of ``cancel_group`` (a timer whose reason is gone) and
        return how many were cancelled. Jobs already done, dead or running are left alone."""
        t = self.table
        result = uow.conn.execute(
            update(t)
            .where(t.c.cancel_group == cancel_group, t.c.status == "pending")
            .values(status="cancelled", finished_at=uow.now)
        )
        return int(result.rowcount)
