"""Shared fixtures. Storage tests run on SQLite always, and on PostgreSQL when
``FLOWDESK_TEST_DATABASE_URL`` names a server (each test in a schema of its own, dropped after)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from engine.objects.storage.database import create_database_engine

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("FLOWDESK_TEST_DATABASE_URL", "")
PG_SKIP_REASON = (
    "FLOWDESK_TEST_DATABASE_URL is not set: PostgreSQL tests need a server "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
)


def pg_url_with_schema(url: str, schema: str) -> str:
    """``url`` with ``schema`` as the search path, so every connection (CLI too) lands there."""
    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema's name, dropped afterwards; skips without a server. For
    fixtures of any scope (``pg_schema`` is the per-test one)."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema: yields (url, schema) and drops the schema afterwards."""
    with fresh_pg_schema() as schema:
        yield PG_URL, schema


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        engine = create_database_engine(f"sqlite:///{tmp_path / 'test.db'}")
        yield engine
        engine.dispose()
        return
    url, schema = request.getfixturevalue("pg_schema")
    engine = create_database_engine(pg_url_with_schema(url, schema))
    yield engine
    engine.dispose()


@pytest.fixture
def db_url(db_engine: Engine) -> str:
    """The URL of ``db_engine`` (with the password, for CLI tests)."""
    return db_engine.url.render_as_string(hide_password=False)
