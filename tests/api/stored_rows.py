"""What a database holds, to check that a refused request wrote nothing."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, MetaData, select

__all__ = ["stored_rows"]

#: Bookkeeping of the credentials themselves (``last_used_at``), touched by every request.
_CREDENTIAL_TABLES = frozenset({"flowdesk_api_tokens", "flowdesk_sessions"})


@lru_cache(maxsize=4)
def _tables(engine: Engine) -> MetaData:
    # Reflected once per database: the tests that compare snapshots change rows, not tables.
    metadata = MetaData()
    metadata.reflect(engine)
    return metadata


def stored_rows(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table but the credentials' own, as text, table by table."""
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for name, table in sorted(_tables(engine).tables.items()):
            if name not in _CREDENTIAL_TABLES:
                out[name] = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
    return out
