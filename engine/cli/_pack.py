"""``flowdesk pack show``: the effective pack after every ``extends:`` and ``extend:`` merge."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.errors import PackError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    from engine.packs.loader import PACK_FOLDERS

    pack = subparsers.add_parser("pack", help="pack tools")
    commands = pack.add_subparsers(dest="pack_command", metavar="SUBCOMMAND", required=True)
    show = commands.add_parser(
        "show", help="print the effective pack (base packs merged with their extensions)")
    show.add_argument("packs", nargs="+", type=Path, metavar="PACK")
    show.add_argument("--kind", action="append", default=[], choices=list(PACK_FOLDERS),
                      help="only this kind of file (a folder name); repeat for several")
    show.add_argument("--origins", action="store_true",
                      help="name the file:line:col each value was declared or last changed at")
    show.add_argument("--format", choices=["yaml", "json"], default="yaml")
    show.set_defaults(handler=_show)


def _show(args: argparse.Namespace) -> int:
    from engine.packs.effective import as_json, as_yaml, effective_files
    from engine.packs.loader import load_packs

    try:
        files = effective_files(load_packs(args.packs), args.kind)
    except PackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    text = as_json(files, args.origins) if args.format == "json" else as_yaml(files, args.origins)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
