"""``flowdesk check`` and ``flowdesk schema``: looking at packs without a database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine.errors import PackError

__all__ = ["register", "pack_schema"]


def register(subparsers: Any) -> None:
    check = subparsers.add_parser(
        "check", help="load and check packs; print every problem as file:line:col"
    )
    check.add_argument("packs", nargs="+", type=Path, metavar="PACK")
    check.set_defaults(handler=_check)

    schema = subparsers.add_parser("schema", help="print a JSON Schema (pack format or an object)")
    schema.add_argument("what", choices=["pack", "object"], help="'pack': the pack file format")
    schema.add_argument("name", nargs="?", help="with 'object': the object's name")
    schema.add_argument("--pack", type=Path, action="append", default=[], metavar="PACK")
    schema.add_argument("--locale", default="en")
    schema.set_defaults(handler=_schema)


def _check(args: argparse.Namespace) -> int:
    from engine.packs import load_registry

    try:
        registry = load_registry(args.packs)
    except PackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    names = ", ".join(f"{p.name} {p.version}" for p in registry.packs)
    print(f"ok: {names} — {len(registry.objects)} objects, {len(registry.forms)} forms")
    return 0


def pack_schema() -> dict[str, Any]:
    """The JSON Schema of every pack file kind, keyed by where the file lives."""
    from pydantic import BaseModel

    from engine.packs.loader import MANIFEST, PACK_FOLDERS
    from engine.packs.models import PackManifest

    files: dict[str, type[BaseModel]] = {MANIFEST: PackManifest}
    files |= {f"{folder}/*.yaml": model for folder, model in PACK_FOLDERS.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Flowdesk pack files",
        "files": {where: model.model_json_schema(by_alias=True) for where, model in files.items()},
    }


def _schema(args: argparse.Namespace) -> int:
    if args.what == "pack":
        print(json.dumps(pack_schema(), indent=2, ensure_ascii=False))
        return 0
    from engine.objects.forms import object_json_schema
    from engine.packs import load_registry

    if not args.name or not args.pack:
        print("error: 'schema object NAME --pack PACK' needs a name and a pack", file=sys.stderr)
        return 2
    obj = load_registry(args.pack).object(args.name)
    print(json.dumps(object_json_schema(obj, locale=args.locale), indent=2, ensure_ascii=False))
    return 0
