"""The durable job table: outbox rows, timers and their retries, one row per job.

Declared beside the audit table (see :mod:`engine.objects.storage.system_tables`), so the same
plan/apply path creates and migrates it.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text

from engine.objects.storage.columns import IdInteger, UtcDateTime

__all__ = ["JOBS", "JOB_STATUSES", "add_job_table"]

JOBS = "flowdesk_jobs"
#: pending → done | dead | cancelled; ``running`` only while a worker's transaction holds it.
JOB_STATUSES = ("pending", "running", "done", "dead", "cancelled")


def add_job_table(metadata: MetaData) -> Table:
    """Declare ``flowdesk_jobs`` on ``metadata``."""
    jobs = Table(
        JOBS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("kind", String(64), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("status", String(16), nullable=False),
        Column("run_at", UtcDateTime, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("max_attempts", Integer, nullable=False),
        Column("last_error", Text, nullable=True),
        # Idempotency key: enqueueing a key that exists is a no-op (unique index below).
        Column("key", String(200), nullable=True),
        Column("cancel_group", String(200), nullable=True),
        Column("object", String(48), nullable=True),
        Column("record_id", IdInteger, nullable=True),
        Column("locked_by", String(128), nullable=True),
        Column("locked_until", UtcDateTime, nullable=True),
        Column("created_at", UtcDateTime, nullable=False),
        Column("finished_at", UtcDateTime, nullable=True),
    )
    # The claim query: WHERE status = 'pending' AND run_at <= now ORDER BY run_at.
    Index("ix_flowdesk_jobs_due", jobs.c.status, jobs.c.run_at)
    Index("ux_flowdesk_jobs_key", jobs.c.key, unique=True)
    Index("ix_flowdesk_jobs_cancel_group", jobs.c.cancel_group)
    Index("ix_flowdesk_jobs_record", jobs.c.object, jobs.c.record_id)
    return jobs
