"""The worker: claims due jobs and runs each through its handler.

Design (see ``docs/jobs.md``): a batch of due rows is claimed with ``FOR UPDATE SKIP LOCKED``
(PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``) and every job of the batch runs
in a savepoint of that same transaction, so a handler's changes, their audit rows and the job's
new status commit together. A worker killed at any point leaves its transaction uncommitted:
the database rolls it back and the jobs are due again. Internal work is therefore never
repeated; an outside effect sent before the crash is sent again with the same idempotency key.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, select, text, update

from engine.errors import FlowdeskError
from engine.jobs.retry import RetryPolicy
from engine.runtime.factory import Runtime
from engine.runtime.job_errors import JobFailed, is_retryable
from engine.runtime.outbox import Job, JobHandler
from engine.runtime.unit_of_work import UnitOfWork

__all__ = ["Worker", "BatchResult", "WORKER_ACTOR"]

log = logging.getLogger("flowdesk.jobs")

#: The actor of the audit rows a job's handler writes.
WORKER_ACTOR = "system"
_MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What one :meth:`Worker.run_due` call did."""

    done: int = 0
    retried: int = 0
    dead: int = 0

    @property
    def ran(self) -> int:
        return self.done + self.retried + self.dead

    def __add__(self, other: BatchResult) -> BatchResult:
        return BatchResult(
            self.done + other.done, self.retried + other.retried, self.dead + other.dead
        )


def _is_set(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, FlowdeskError):
        message = f"[{exc.code}] {exc.message}"
    else:
        message = f"{type(exc).__name__}: {exc}"
    return message[:_MAX_ERROR_CHARS]


class Worker:
    """Runs due jobs of ``runtime``'s database with ``runtime.job_handlers``.

    ``batch_size`` jobs share one transaction (fewer commits; a crash re-runs the batch).
    ``lease`` bounds how long a claim may sit idle: on PostgreSQL the database ends a worker's
    session that stays idle in its transaction longer (a hung network call, a frozen process),
    which releases its jobs to other workers.
    """

    def __init__(
        self,
        runtime: Runtime,
        name: str | None = None,
        batch_size: int = 10,
        lease: timedelta = timedelta(minutes=5),
        *,
        retry: RetryPolicy | None = None,
        handlers: Mapping[str, JobHandler] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.runtime = runtime
        self.name = name or f"worker-{uuid.uuid4().hex[:8]}"
        self.batch_size = batch_size
        self.lease = lease
        self.retry = retry or RetryPolicy()
        self.handlers = runtime.job_handlers if handlers is None else handlers
        self._table = runtime.outbox.table
        self._postgres = runtime.database.dialect.name == "postgresql"

    # -- running -------------------------------------------------------------------------

    def run_due(
        self, limit: int | None = None, stop: threading.Event | None = None
    ) -> BatchResult:
        """Claim and run jobs that are due now, batch after batch, until none is left,
        ``limit`` jobs ran or ``stop`` is set. Jobs a handler enqueues for now run in the same
        call. Once ``stop`` is set, the job in hand finishes and the rest of the claimed batch
        is released (its transaction commits without them), due again for any worker."""
        total = BatchResult()
        while (limit is None or total.ran < limit) and not _is_set(stop):
            size = self.batch_size if limit is None else min(self.batch_size, limit - total.ran)
            result = self._run_batch(size, stop)
            if not result.ran:
                break
            total += result
        return total

    def run_forever(self, stop: threading.Event, poll_interval: float = 1.0) -> None:
        """Run due jobs until ``stop`` is set, waiting ``poll_interval`` seconds whenever
        nothing is due. A failure of the database is logged and tried again after a poll.
        Setting ``stop`` ends it after the job in hand (see :meth:`run_due`)."""
        while not stop.is_set():
            try:
                ran = self.run_due(stop=stop).ran
            except Exception:  # the database went away, say; the jobs are still there
                log.exception("worker %s: running due jobs failed", self.name)
                ran = 0
            if not ran:
                stop.wait(poll_interval)

    # -- one batch -----------------------------------------------------------------------

    def _run_batch(self, size: int, stop: threading.Event | None = None) -> BatchResult:
        t = self._table
        with self.runtime.database.begin() as conn:
            if self._postgres:
                millis = max(1, int(self.lease.total_seconds() * 1000))
                conn.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {millis}"))
            claimed_at = self.runtime.clock.now()
            rows = conn.execute(
                select(t)
                .where(t.c.status == "pending", t.c.run_at <= claimed_at)
                .order_by(t.c.run_at, t.c.id)
                .limit(size)
                .with_for_update(skip_locked=True)
            ).mappings().all()
            result = BatchResult()
            for row in rows:
                if _is_set(stop):
                    # Claimed rows not run are untouched: committing releases their locks.
                    log.info("worker %s: stopping; %s claimed job(s) released",
                             self.name, len(rows) - result.ran)
                    break
                result += self._run_one(conn, row)
        return result

    def _run_one(self, conn: Connection, row: RowMapping) -> BatchResult:
        now = self.runtime.clock.now()
        job = Job(
            id=int(row["id"]),
            kind=row["kind"],
            payload=row["payload"],
            run_at=row["run_at"],
            attempts=int(row["attempts"]) + 1,
            max_attempts=int(row["max_attempts"]),
            key=row["key"],
            object=row["object"],
            record_id=row["record_id"],
        )
        claim = {"attempts": job.attempts, "locked_by": self.name,
                 "locked_until": now + self.lease}
        savepoint = conn.begin_nested()
        try:
            self._call_handler(conn, job, now)
        except Exception as exc:
            savepoint.rollback()
            return self._record_failure(conn, job, now, exc, claim)
        savepoint.commit()
        self._set(conn, job.id, status="done", finished_at=now, last_error=None, **claim)
        return BatchResult(done=1)

    def _call_handler(self, conn: Connection, job: Job, now: datetime) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            known = ", ".join(sorted(self.handlers)) or "none"
            raise JobFailed(
                f"no handler for job kind '{job.kind}' in this worker (known kinds: {known})",
                code="job_unknown_kind",
                retryable=False,
            )
        uow = UnitOfWork(conn, WORKER_ACTOR, now, str(uuid.uuid4()))
        handler(job, uow)
        # Record changes a handler made (timers, say) trigger automations as a command's do.
        self.runtime.records.settle(uow)
        self.runtime.audit.write(
            conn, uow.entries, change_id=uow.change_id, actor=WORKER_ACTOR, at=now
        )

    def _record_failure(
        self, conn: Connection, job: Job, now: datetime, exc: Exception, claim: dict[str, Any]
    ) -> BatchResult:
        error = _error_text(exc)
        if is_retryable(exc) and job.attempts < job.max_attempts:
            run_at = now + self.retry.delay(job.attempts)
            log.warning("job %s (%s) attempt %s failed, retry at %s: %s",
                        job.id, job.kind, job.attempts, run_at.isoformat(), error)
            self._set(conn, job.id, status="pending", run_at=run_at, last_error=error, **claim)
            return BatchResult(retried=1)
        log.error("job %s (%s) is dead after %s attempt(s): %s",
                  job.id, job.kind, job.attempts, error)
        self._set(conn, job.id, status="dead", finished_at=now, last_error=error, **claim)
        return BatchResult(dead=1)

    def _set(self, conn: Connection, job_id: int, **values: Any) -> None:
        conn.execute(update(self._table).where(self._table.c.id == job_id).values(**values))
