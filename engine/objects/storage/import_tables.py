"""The engine's tables for imports: each run and where it got to (resuming after a crash), and
the external key every imported record came in under (a second run updates, never duplicates),
and the files uploaded through the API between their preview and their run.

Declared beside the audit table (see :mod:`engine.objects.storage.system_tables`), so the same
plan/apply path creates and migrates them.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, LargeBinary, MetaData, String, Table

from engine.objects.storage.columns import IdInteger, UtcDateTime

__all__ = ["IMPORT_RUNS", "IMPORT_KEYS", "IMPORT_UPLOADS", "add_import_tables"]

IMPORT_RUNS = "flowdesk_import_runs"
IMPORT_KEYS = "flowdesk_import_keys"
IMPORT_UPLOADS = "flowdesk_import_uploads"


def add_import_tables(metadata: MetaData) -> None:
    """Declare the import tables on ``metadata``."""
    Table(
        IMPORT_RUNS,
        metadata,
        Column("id", String(96), primary_key=True),
        Column("object", String(48), nullable=False),
        Column("source", String(255), nullable=False),
        Column("status", String(16), nullable=False),  # running | done
        # The highest source row number whose batch committed.
        Column("last_row", Integer, nullable=False),
        Column("counts", JSON, nullable=False),
        Column("actor", String(128), nullable=False),
        Column("started_at", UtcDateTime, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
    )
    keys = Table(
        IMPORT_KEYS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("object", String(48), nullable=False),
        Column("key", String(255), nullable=False),
        Column("record_id", IdInteger, nullable=False),
    )
    Index("ux_flowdesk_import_keys", keys.c.object, keys.c.key, unique=True)
    # Files uploaded through the API, kept from the preview to the run.
    Table(
        IMPORT_UPLOADS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("name", String(255), nullable=False),
        Column("data", LargeBinary, nullable=False),
        Column("mapping", JSON, nullable=False),
        Column("encoding", String(32), nullable=True),
        Column("created_by", String(128), nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
    )
