"""``flowdesk plan`` and ``flowdesk apply``: bring a database to what the packs declare."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.errors import PackError
from engine.objects.storage import (
    DEFAULT_SQLITE_URL,
    MigrationBlocked,
    MigrationDataLoss,
    MigrationError,
    MigrationPlan,
    apply,
    create_database_engine,
    plan,
)

__all__ = ["register", "database_url"]

DATABASE_URL_ENV = "FLOWDESK_DATABASE_URL"


def register(subparsers: Any) -> None:
    plan_cmd = subparsers.add_parser(
        "plan", help="show the database changes the packs need (changes nothing)"
    )
    _common_arguments(plan_cmd)
    plan_cmd.set_defaults(handler=_plan)

    apply_cmd = subparsers.add_parser(
        "apply", help="make the database changes the packs need, in one transaction"
    )
    _common_arguments(apply_cmd)
    apply_cmd.add_argument(
        "--allow-data-loss",
        action="store_true",
        help="also make changes that lose stored values (dropped fields and objects, "
        "narrower types)",
    )
    apply_cmd.add_argument(
        "--yes", action="store_true", help="do not ask before changes that lose data"
    )
    apply_cmd.set_defaults(handler=_apply)


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("packs", nargs="+", type=Path, metavar="PACK")
    parser.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help=f"database URL (default: ${DATABASE_URL_ENV} or {DEFAULT_SQLITE_URL})",
    )


def database_url(given: str | None) -> str:
    """``--db`` if given, else ``$FLOWDESK_DATABASE_URL``, else the SQLite default."""
    return given or os.environ.get(DATABASE_URL_ENV) or DEFAULT_SQLITE_URL


def _load_registry(paths: Sequence[Path]) -> Any:
    # Imported here: the pack compiler is a layer above storage.
    from engine.packs import load_registry

    return load_registry(paths)


def _plan(args: argparse.Namespace) -> int:
    registry = _load_or_report(args.packs)
    if registry is None:
        return 1
    engine = create_database_engine(database_url(args.db))
    try:
        _say_if_other_packs(engine, registry.packs)
        print(plan(engine, registry.objects))
    finally:
        engine.dispose()
    return 0


def _apply(args: argparse.Namespace) -> int:
    registry = _load_or_report(args.packs)
    if registry is None:
        return 1
    engine = create_database_engine(database_url(args.db))
    try:
        _say_if_other_packs(engine, registry.packs)
        steps = plan(engine, registry.objects)
        if steps.is_empty:
            print(steps)
            return 0
        if not _confirmed(steps, args):
            return 1
        try:
            applied = apply(
                engine, steps, packs=registry.packs, allow_data_loss=args.allow_data_loss
            )
        except (MigrationDataLoss, MigrationBlocked) as refused:
            print(refused, file=sys.stderr)
            return 1
        except MigrationError as failed:
            print(f"error: {failed}", file=sys.stderr)
            return 1
    finally:
        engine.dispose()
    print(f"applied {len(applied.changes)} change(s):")
    print(applied)
    return 0


def _say_if_other_packs(engine: Any, packs: Sequence[Any]) -> None:
    """Before any drop is proposed: whether these are the packs the database knows."""
    from engine.objects.storage.pack_set import pack_set_note

    note = pack_set_note(engine, packs)
    if note:
        print(note, file=sys.stderr)


def _confirmed(steps: MigrationPlan, args: argparse.Namespace) -> bool:
    """Ask before losing data, unless --yes; without a terminal to ask on, refuse."""
    if not (steps.data_loss_changes and args.allow_data_loss) or args.yes:
        return True
    print(steps)
    if not sys.stdin.isatty():
        print(
            f"refusing: {len(steps.data_loss_changes)} change(s) lose data; pass --yes to confirm",
            file=sys.stderr,
        )
        return False
    answer = input(f"{len(steps.data_loss_changes)} change(s) lose data. Apply? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _load_or_report(paths: Sequence[Path]) -> Any:
    try:
        return _load_registry(paths)
    except PackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s)", file=sys.stderr)
        return None
