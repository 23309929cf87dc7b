"""``flowdesk search reindex``: rebuild the full-text search index from the records."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import text

from engine.objects.storage import DEFAULT_SQLITE_URL
from engine.objects.storage.search_table import SEARCH_INDEX
from engine.runtime.factory import DATABASE_URL_ENV

__all__ = ["register"]


def register(subparsers: Any) -> None:
    search = subparsers.add_parser("search", help="full-text search: rebuild the index")
    commands = search.add_subparsers(dest="search_command", metavar="SEARCH_COMMAND",
                                     required=True)
    reindex = commands.add_parser(
        "reindex", help="rebuild the search index of every searchable object (or one)",
        description="Read every record of the objects whose packs declare search: fields and "
        "write their index rows again, one transaction per object (after changing search "
        "fields or weights, or restoring a database). Searches meanwhile see the old rows.")
    reindex.add_argument("packs", nargs="*", metavar="PACK",
                         help="pack folders (default: the default pack, as for serve)")
    reindex.add_argument("--db", metavar="URL", default=None,
                         help=f"database URL (default: ${DATABASE_URL_ENV}, "
                         f"else {DEFAULT_SQLITE_URL})")
    reindex.add_argument("--object", metavar="NAME", default=None,
                         help="rebuild only this object's rows")
    reindex.set_defaults(handler=_reindex)


def _reindex(args: argparse.Namespace) -> int:
    from engine.cli._serve import resolve_pack_paths
    from engine.runtime.factory import build_engine, database_url_from_env
    from engine.search import SearchIndexWriter

    runtime = build_engine(resolve_pack_paths(args.packs),
                           args.db or database_url_from_env())
    try:
        writer = SearchIndexWriter(runtime.registry.objects, runtime.database.dialect.name)
        names = [args.object] if args.object else [
            n for n, o in runtime.registry.objects.items() if o.search]
        for name in names:
            table = runtime.records.table(name)  # unknown_object for a misspelt name
            with runtime.database.begin() as conn:
                count = writer.reindex(conn, name, table)
            print(f"{name}: {count} record(s) indexed")
        # Fresh statistics, so that PostgreSQL's planner picks the GIN index for the new rows.
        with runtime.database.begin() as conn:
            conn.execute(text(f"ANALYZE {SEARCH_INDEX}"))
    finally:
        runtime.close()
    return 0
