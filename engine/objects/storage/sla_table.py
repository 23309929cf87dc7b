"""The SLA clock table: one row per record and metric, kept by the SLA runtime.

Declared beside the audit table (see :mod:`engine.objects.storage.system_tables`), so the same
plan/apply path creates and migrates it. Durations are stored as whole seconds (business time).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table

from engine.objects.storage.columns import IdInteger, UtcDateTime

__all__ = ["SLA_CLOCKS", "add_sla_table"]

SLA_CLOCKS = "flowdesk_sla_clocks"


def add_sla_table(metadata: MetaData) -> Table:
    """Declare ``flowdesk_sla_clocks`` on ``metadata``."""
    clocks = Table(
        SLA_CLOCKS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("object", String(48), nullable=False),
        Column("record_id", IdInteger, nullable=False),
        Column("metric", String(48), nullable=False),
        Column("policy", String(48), nullable=False),
        Column("calendar", String(48), nullable=False),
        Column("status", String(16), nullable=False),  # running, paused, stopped, cancelled
        Column("target_seconds", Integer, nullable=False),
        Column("started_at", UtcDateTime, nullable=False),
        Column("running_since", UtcDateTime, nullable=True),
        Column("elapsed_seconds", Integer, nullable=False),
        Column("paused_since", UtcDateTime, nullable=True),
        Column("paused_seconds", Integer, nullable=False),
        Column("stopped_at", UtcDateTime, nullable=True),
        Column("breached_at", UtcDateTime, nullable=True),
        Column("due_at", UtcDateTime, nullable=True),  # while running; for lists and reports
        Column("warned", JSON, nullable=False),  # warning fractions already raised
        Column("updated_at", UtcDateTime, nullable=False),
    )
    Index("ux_flowdesk_sla_clocks_record", clocks.c.object, clocks.c.record_id,
          clocks.c.metric, unique=True)
    Index("ix_flowdesk_sla_clocks_due", clocks.c.status, clocks.c.due_at)
    return clocks
