"""Tables the engine owns (audit trail, applied migrations). All are named ``flowdesk_*`` so
they never meet a pack's ``obj_*`` tables."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, MetaData, String, Table, Text

from engine.objects.storage.agent_tables import add_agent_tables
from engine.objects.storage.channel_tables import add_channel_tables
from engine.objects.storage.columns import IdInteger, UtcDateTime
from engine.objects.storage.identity_tables import add_identity_tables
from engine.objects.storage.import_tables import add_import_tables
from engine.objects.storage.job_table import add_job_table
from engine.objects.storage.search_table import add_search_table
from engine.objects.storage.sla_table import add_sla_table
from engine.objects.storage.survey_table import add_survey_table

__all__ = ["add_system_tables", "AUDIT", "MIGRATIONS"]

AUDIT = "flowdesk_audit"
MIGRATIONS = "flowdesk_migrations"


def add_system_tables(metadata: MetaData) -> None:
    """Declare the engine's own tables on ``metadata``."""
    audit = Table(
        AUDIT,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        # One command may change many fields; they share a change_id.
        Column("change_id", String(36), nullable=False),
        Column("object", String(48), nullable=False),
        Column("record_id", IdInteger, nullable=False),
        Column("action", String(32), nullable=False),  # create, update, delete, transition, ...
        Column("field", String(48), nullable=True),
        Column("old_value", JSON, nullable=True),
        Column("new_value", JSON, nullable=True),
        Column("actor", String(128), nullable=True),
        Column("at", UtcDateTime, nullable=False),
        Column("note", Text, nullable=True),
    )
    Index("ix_flowdesk_audit_record", audit.c.object, audit.c.record_id, audit.c.id)
    Table(
        MIGRATIONS,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("applied_at", UtcDateTime, nullable=False),
        Column("packs", JSON, nullable=False),  # [{"name", "version"}]
        Column("changes", JSON, nullable=False),  # [Change.as_dict()]
        Column("allow_data_loss", Boolean, nullable=False),
    )
    add_identity_tables(metadata)
    add_agent_tables(metadata)
    add_job_table(metadata)
    add_sla_table(metadata)
    add_channel_tables(metadata)
    add_search_table(metadata)
    add_survey_table(metadata)
    add_import_tables(metadata)
