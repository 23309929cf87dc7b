"""``flowdesk eval``: evaluate a rule-DSL expression against one record, without a database."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.errors import DslError, PackError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "eval",
        help="type-check and evaluate a rule expression against a record given as JSON",
    )
    p.add_argument("expression", help="the rule-DSL expression")
    p.add_argument("--pack", type=Path, action="append", required=True, metavar="PACK")
    p.add_argument("--object", required=True, help="the object whose fields are in scope")
    p.add_argument("--record", type=Path, metavar="FILE",
                   help="the record as a JSON file ('-' for standard input); "
                        "references may be given as nested records")
    p.add_argument("--now", help="the time now() returns (ISO 8601, default: the real time)")
    p.set_defaults(handler=_eval)


def _eval(args: argparse.Namespace) -> int:
    from engine.objects.dsl_types import record_types
    from engine.packs import load_registry
    from engine.rules_dsl import EvalContext, TypeEnv, coerce_bindings, compile_expression
    from engine.runtime.clock import SystemClock

    try:
        registry = load_registry(args.pack)
    except PackError as exc:
        print(exc, file=sys.stderr)
        return 1
    registry.object(args.object)  # a clear "unknown object" before anything else
    records = record_types(registry.objects)
    env = TypeEnv.for_record(records, args.object)
    try:
        compiled = compile_expression(args.expression, env, functions=registry.functions)
    except DslError as exc:
        print(f"<expression>:{exc}", file=sys.stderr)
        print(f"error [{exc.code}]", file=sys.stderr)
        return 1
    raw: dict[str, Any] = {}
    if args.record:
        text = sys.stdin.read() if str(args.record) == "-" else args.record.read_text("utf-8")
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            print(f"{args.record}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}",
                  file=sys.stderr)
            return 1
        if not isinstance(raw, dict):
            print(f"{args.record}: the record must be a JSON object", file=sys.stderr)
            return 1
    bindings = coerce_bindings(records[args.object], raw, records)
    now = datetime.fromisoformat(args.now) if args.now else SystemClock().now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        value = compiled.evaluate(bindings, EvalContext(now=now))
    except DslError as exc:
        print(f"evaluation error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 1
    print(json.dumps(_jsonable(value), ensure_ascii=False))
    print(f"type: {compiled.type}", file=sys.stderr)
    return 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"{int(value.total_seconds())}s"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
