"""``flowdesk test PACK [FILE ...]``: run a pack's scenarios (its ``tests/`` folder) and any
scenario files given, each on a fresh database; exit 1 when one fails."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "test", help="run a pack's scenario tests",
        description="Run the scenarios in the pack's tests/ folder and the scenario files "
        "given, each on a fresh SQLite database with a manual clock (docs/scenarios.md).")
    parser.add_argument("pack", type=Path, metavar="PACK", help="the pack folder")
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="more scenario files (default: only the pack's own)")
    parser.add_argument("-k", dest="select", default=None,
                        help="run only scenarios whose file name contains this text")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from engine.packs import load_registry
    from engine.scenarios.runner import run_scenarios, scenario_files

    registry = load_registry([args.pack])
    files = [*scenario_files(args.pack), *args.files]
    if args.select:
        files = [f for f in files if args.select in f.name]
    if not files:
        print(f"no scenarios: {args.pack}/tests/ has none and no file was given",
              file=sys.stderr)
        return 1
    failed = 0
    for result in run_scenarios(registry, files):
        print(result.line())
        failed += not result.passed
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0
