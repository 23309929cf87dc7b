"""The used survey links: one row per answered link, keyed by the link's nonce, written in the
transaction that stores the answer. Its unique index is what makes a link single-use, even
when two answers race (the second insert fails)."""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, String, Table

from engine.objects.storage.columns import IdInteger, UtcDateTime

__all__ = ["SURVEY_ANSWERS", "add_survey_table"]

SURVEY_ANSWERS = "flowdesk_survey_answers"


def add_survey_table(metadata: MetaData) -> Table:
    """Declare ``flowdesk_survey_answers`` on ``metadata``."""
    answers = Table(
        SURVEY_ANSWERS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("nonce", String(32), nullable=False),
        Column("kind", String(48), nullable=False),
        Column("object", String(48), nullable=False),  # the record the link was about
        Column("record_id", IdInteger, nullable=False),
        Column("answer_id", IdInteger, nullable=True),  # the record the answer became
        Column("answered_at", UtcDateTime, nullable=False),
    )
    Index("ux_flowdesk_survey_answers_nonce", answers.c.nonce, unique=True)
    return answers
