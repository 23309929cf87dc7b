"""The full-text search index: one row per record and searchable field, holding the tokens the
search tokenizer made (``engine.search.tokenizer``), and what each database needs to match
them fast.

- PostgreSQL: the ``document`` column is a ``tsvector`` of the same tokens, with a GIN index.
- SQLite: ``search_fts``, an FTS5 table over the ``tokens`` column (external content: FTS5
  reads the text from ``flowdesk_search``), kept in step by triggers. SQLAlchemy cannot declare
  a virtual table, so the planner checks for it and the applier creates it
  (:data:`FULL_TEXT_DDL`); it is named outside the engine's ``flowdesk_`` prefix so that FTS5's
  shadow tables are not taken for tables to migrate.

One row per field (not per record) lets a query leave out the fields a role may not see.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from engine.objects.storage.columns import IdInteger, UtcDateTime

__all__ = [
    "SEARCH_INDEX",
    "SQLITE_FULL_TEXT",
    "FULL_TEXT_DDL",
    "SearchDocument",
    "add_search_table",
    "SEARCH_LOG",
    "FEEDBACK",
    "VIEW_COUNTS",
    "full_text_missing",
]

SEARCH_INDEX = "flowdesk_search"
SEARCH_LOG = "flowdesk_search_log"
FEEDBACK = "flowdesk_feedback"
VIEW_COUNTS = "flowdesk_view_counts"
SQLITE_FULL_TEXT = "search_fts"
_TRIGGERS = ("search_fts_insert", "search_fts_delete", "search_fts_update")

#: Creates (or re-creates, after a table rebuild dropped its triggers) SQLite's FTS5 table.
FULL_TEXT_DDL = (
    *(f"DROP TRIGGER IF EXISTS {name}" for name in _TRIGGERS),
    f"DROP TABLE IF EXISTS {SQLITE_FULL_TEXT}",
    # The tokens are made in Python; unicode61 only splits them at the spaces between them.
    f"CREATE VIRTUAL TABLE {SQLITE_FULL_TEXT} USING fts5(tokens, content='{SEARCH_INDEX}', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER search_fts_insert AFTER INSERT ON {SEARCH_INDEX} BEGIN "
    f"INSERT INTO {SQLITE_FULL_TEXT}(rowid, tokens) VALUES (new.id, new.tokens); END",
    f"CREATE TRIGGER search_fts_delete AFTER DELETE ON {SEARCH_INDEX} BEGIN "
    f"INSERT INTO {SQLITE_FULL_TEXT}({SQLITE_FULL_TEXT}, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); END",
    f"CREATE TRIGGER search_fts_update AFTER UPDATE ON {SEARCH_INDEX} BEGIN "
    f"INSERT INTO {SQLITE_FULL_TEXT}({SQLITE_FULL_TEXT}, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); "
    f"INSERT INTO {SQLITE_FULL_TEXT}(rowid, tokens) VALUES (new.id, new.tokens); END",
    f"INSERT INTO {SQLITE_FULL_TEXT}({SQLITE_FULL_TEXT}) VALUES ('rebuild')",
)


class SearchDocument(TypeDecorator[Any]):
    """A ``tsvector`` on PostgreSQL; an unused text column on SQLite (FTS5 does the work)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TSVECTOR())
        return dialect.type_descriptor(Text())


def add_search_table(metadata: MetaData) -> Table:
    """Declare ``flowdesk_search`` on ``metadata``."""
    index = Table(
        SEARCH_INDEX,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("object", String(48), nullable=False),
        Column("record_id", IdInteger, nullable=False),
        Column("field", String(48), nullable=False),
        Column("tokens", Text, nullable=False),
        Column("document", SearchDocument(), nullable=True),
    )
    Index("uq_flowdesk_search_entry", index.c.object, index.c.record_id, index.c.field,
          unique=True)
    Index("ix_flowdesk_search_document", index.c.document, postgresql_using="gin")
    # Suggestion searches (deflection): who searched what, when, and how much was found.
    log = Table(
        SEARCH_LOG,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime, nullable=False),
        Column("actor", String(160), nullable=False),
        Column("object", String(48), nullable=False),
        Column("query", String(500), nullable=False),
        Column("results", Integer, nullable=False),
        # A record the same actor creates before this time means the search did not help.
        Column("window_end", UtcDateTime, nullable=False),
    )
    Index("ix_flowdesk_search_log_object_at", log.c.object, log.c.at)
    # Helpful / not helpful: one vote per voter (a user, or an anonymous visitor) and record.
    votes = Table(
        FEEDBACK,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("object", String(48), nullable=False),
        Column("record_id", IdInteger, nullable=False),
        Column("voter", String(160), nullable=False),
        Column("helpful", Boolean, nullable=False),
        Column("at", UtcDateTime, nullable=False),
    )
    Index("uq_flowdesk_feedback_vote", votes.c.object, votes.c.record_id, votes.c.voter,
          unique=True)
    views = Table(
        VIEW_COUNTS,
        metadata,
        Column("id", IdInteger, primary_key=True, autoincrement=True),
        Column("object", String(48), nullable=False),
        Column("record_id", IdInteger, nullable=False),
        Column("views", Integer, nullable=False),
    )
    Index("uq_flowdesk_view_counts_record", views.c.object, views.c.record_id, unique=True)
    return index


def full_text_missing(conn: Connection) -> bool:
    """Whether SQLite's FTS5 table or one of its triggers is missing (always false elsewhere)."""
    if conn.dialect.name != "sqlite":
        return False
    names = set(conn.execute(
        text("SELECT name FROM sqlite_master WHERE name IN (:t, :a, :b, :c)"),
        {"t": SQLITE_FULL_TEXT, "a": _TRIGGERS[0], "b": _TRIGGERS[1], "c": _TRIGGERS[2]},
    ).scalars())
    return len(names) < 1 + len(_TRIGGERS)
