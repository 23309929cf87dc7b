"""Tables of routing's agents: each agent's profile (skills, capacity, availability, working
calendar) and their last assignment per queue. Declared beside the audit table (see
:mod:`engine.objects.storage.system_tables`), so the same plan/apply path creates them.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table

from engine.objects.storage.columns import IdInteger, UtcDateTime

__all__ = ["AGENT_PROFILES", "AGENT_QUEUE_TURNS", "add_agent_tables"]

AGENT_PROFILES = "flowdesk_agent_profiles"
AGENT_QUEUE_TURNS = "flowdesk_agent_queue_turns"


def add_agent_tables(metadata: MetaData) -> None:
    """Declare the agent tables on ``metadata``."""
    profiles = Table(
        AGENT_PROFILES,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("user_id", IdInteger, nullable=False),
        Column("skills", JSON, nullable=False),  # ["en", "billing", ...]
        Column("capacity", Integer, nullable=False),
        Column("availability", String(16), nullable=False),  # online, away, offline
        Column("calendar", String(48), nullable=True),
        # Assignments lock this row (SELECT ... FOR UPDATE) to keep capacity under races.
        Column("last_assigned_at", UtcDateTime, nullable=True),
        Column("updated_at", UtcDateTime, nullable=False),
    )
    Index("ux_flowdesk_agent_profiles_user", profiles.c.user_id, unique=True)
    turns = Table(
        AGENT_QUEUE_TURNS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("user_id", IdInteger, nullable=False),
        Column("queue", String(64), nullable=False),
        Column("last_assigned_at", UtcDateTime, nullable=False),
    )
    Index("ux_flowdesk_agent_queue_turns", turns.c.user_id, turns.c.queue, unique=True)
