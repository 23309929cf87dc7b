"""What a database holds, to check that a refused request wrote nothing."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, select

__all__ = ["stored_rows"]

#: Bookkeeping of the credentials themselves (``last_used_at``), touched by every request.
_CREDENTIAL_TABLES = frozenset({"flowdesk_api_tokens", "flowdesk_sessions"})


def stored_rows(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table but the credentials' own, as text, table by table."""
    metadata = MetaData()
    metadata.reflect(engine)
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for name, table in sorted(metadata.tables.items()):
            if name not in _CREDENTIAL_TABLES:
                out[name] = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
    return out
