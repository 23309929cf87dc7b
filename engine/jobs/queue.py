"""Looking at jobs and putting failed ones back: what the API's ``/api/jobs`` serves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, func, select, update

from engine.errors import BadRequest, Conflict, NotFound
from engine.objects.storage.job_table import JOB_STATUSES
from engine.runtime.factory import Runtime

__all__ = ["JobQueue", "JobPage", "RETRYABLE_STATUSES", "MAX_JOB_PAGE"]

#: States a job may be put back from by hand.
RETRYABLE_STATUSES = ("dead", "cancelled")
MAX_JOB_PAGE = 500


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def job_json(row: RowMapping) -> dict[str, Any]:
    """A job row as the API shows it."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "status": row["status"],
        "payload": row["payload"],
        "run_at": _iso(row["run_at"]),
        "attempts": row["attempts"],
        "max_attempts": row["max_attempts"],
        "last_error": row["last_error"],
        "key": row["key"],
        "cancel_group": row["cancel_group"],
        "object": row["object"],
        "record_id": row["record_id"],
        "locked_by": row["locked_by"],
        "created_at": _iso(row["created_at"]),
        "finished_at": _iso(row["finished_at"]),
    }


@dataclass(frozen=True, slots=True)
class JobPage:
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class JobQueue:
    """Reads jobs and retries dead or cancelled ones."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.table = runtime.outbox.table

    def list(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        object: str | None = None,
        record_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> JobPage:
        """Jobs, newest first, optionally of one status, kind or record."""
        t = self.table
        if status is not None and status not in JOB_STATUSES:
            raise BadRequest(
                f"unknown job status '{status}'; use one of {', '.join(JOB_STATUSES)}",
                code="job_unknown_status",
            )
        conditions = [
            column == value
            for column, value in (
                (t.c.status, status), (t.c.kind, kind),
                (t.c.object, object), (t.c.record_id, record_id),
            )
            if value is not None
        ]
        with self.runtime.database.connect() as conn:
            total = conn.execute(
                select(func.count()).select_from(t).where(*conditions)
            ).scalar_one()
            rows = conn.execute(
                select(t).where(*conditions).order_by(t.c.id.desc()).limit(limit).offset(offset)
            ).mappings().all()
        return JobPage([job_json(r) for r in rows], int(total), limit, offset)

    def get(self, job_id: int) -> dict[str, Any]:
        t = self.table
        with self.runtime.database.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == job_id)).mappings().first()
        if row is None:
            raise NotFound(f"no job with id {job_id}", code="job_not_found")
        return job_json(row)

    def retry(self, job_id: int) -> dict[str, Any]:
        """Put a dead or cancelled job back: pending, attempts reset, due now."""
        t = self.table
        now = self.runtime.clock.now()
        with self.runtime.database.begin() as conn:
            result = conn.execute(
                update(t)
                .where(t.c.id == job_id, t.c.status.in_(RETRYABLE_STATUSES))
                .values(status="pending", attempts=0, run_at=now, finished_at=None)
            )
            row = conn.execute(select(t).where(t.c.id == job_id)).mappings().first()
        if row is None:
            raise NotFound(f"no job with id {job_id}", code="job_not_found")
        if not result.rowcount:
            raise Conflict(
                f"job {job_id} is {row['status']}; only a dead or cancelled job can be retried",
                code="job_not_retryable",
            )
        return job_json(row)
