"""``flowdesk dsl ...``: tools for the rule DSL (running conformance vector files)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.errors import DslError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    dsl = subparsers.add_parser("dsl", help="rule DSL tools")
    commands = dsl.add_subparsers(dest="dsl_command", metavar="SUBCOMMAND", required=True)
    test = commands.add_parser("test", help="run conformance vector files and report each case")
    test.add_argument("files", nargs="+", metavar="FILE", help="vectors YAML files")
    test.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    test.set_defaults(handler=_test)


def _test(args: argparse.Namespace) -> int:
    from engine.rules_dsl.vectors import run_file

    passed = failed = xfailed = 0
    for path in args.files:
        try:
            results = list(run_file(path))
        except DslError as exc:
            print(f"ERROR {path}: {exc.message}", file=sys.stderr)
            failed += 1
            continue
        for result in results:
            case = result.case
            if case.xfail is not None:
                if result.passed:
                    failed += 1
                    print(f"XPASS {case.id}: known gap now passes; remove its xfail")
                else:
                    xfailed += 1
                    if not args.quiet:
                        print(f"XFAIL {case.id}: {case.xfail}")
                continue
            if result.passed:
                passed += 1
                if not args.quiet:
                    print(f"PASS  {case.id}")
            else:
                failed += 1
                print(f"FAIL  {case.id}: {result.detail}")
    summary = f"{passed} passed, {failed} failed"
    if xfailed:
        summary += f", {xfailed} xfailed"
    print(summary)
    return 1 if failed else 0
