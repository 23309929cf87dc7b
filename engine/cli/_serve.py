"""``flowdesk serve``: load packs, bring the database up to date, and run the HTTP API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.api.body_limit import DEFAULT_MAX_BODY_BYTES
from engine.errors import FlowdeskError
from engine.objects.storage import DEFAULT_SQLITE_URL, MigrationBlocked, MigrationDataLoss
from engine.runtime.factory import DATABASE_URL_ENV, build_engine, database_url_from_env

__all__ = ["register", "resolve_pack_paths", "DEFAULT_PACK"]

DEFAULT_PACK = Path("packs") / "service_default"
#: The repository's packs folder, beside the engine package (for runs from elsewhere).
_REPOSITORY = Path(__file__).resolve().parent.parent.parent


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the HTTP API over some packs",
        description="Load the packs, apply pending schema changes that lose no data, and "
        "serve the API. Refuses to start if a change would lose data.",
    )
    parser.add_argument(
        "packs", nargs="*", metavar="PACK",
        help=f"pack folders (default: {DEFAULT_PACK}, here or in the repository)",
    )
    parser.add_argument(
        "--db", metavar="URL", default=None,
        help=f"database URL (default: ${DATABASE_URL_ENV}, else {DEFAULT_SQLITE_URL})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES,
        help="largest request body accepted (default: 1 MiB)",
    )
    parser.set_defaults(handler=run_serve)


def resolve_pack_paths(given: Sequence[str], cwd: Path | None = None) -> list[Path]:
    """The packs to serve: those given, else the default pack under ``cwd``, else the
    repository's own."""
    if given:
        return [Path(p) for p in given]
    for base in (cwd or Path.cwd(), _REPOSITORY):
        candidate = base / DEFAULT_PACK
        if (candidate / "pack.yaml").is_file():
            return [candidate]
    raise FlowdeskError(
        f"no pack given and no {DEFAULT_PACK} found here or in the repository; "
        "name a pack folder: flowdesk serve PATH",
        code="pack_not_found",
    )


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from engine.api.app import create_app

    packs = resolve_pack_paths(args.packs)
    url = args.db or database_url_from_env()
    try:
        runtime = build_engine(packs, url)
    except MigrationDataLoss as exc:
        print(
            f"error: the database needs changes that would lose data, so the server did not "
            f"start.\n{exc.message}\nReview them with `flowdesk plan`, then run "
            f"`flowdesk apply --allow-data-loss` if the loss is intended.",
            file=sys.stderr,
        )
        return 2
    except MigrationBlocked as exc:
        print(f"error: the server did not start.\n{exc.message}", file=sys.stderr)
        return 2
    try:
        app = create_app(runtime, max_body_bytes=args.max_body_bytes)
        print(f"flowdesk: serving {', '.join(str(p) for p in packs)} on "
              f"http://{args.host}:{args.port} (database: {runtime.database.url!r})",
              file=sys.stderr)
        uvicorn.run(app, host=args.host, port=args.port)
    finally:
        runtime.close()
    return 0
