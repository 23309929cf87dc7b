"""``flowdesk import``: bring a spreadsheet in, with a dry-run report first."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from engine.imports import (
    ImportRefused,
    load_mappings,
    parse_mappings,
    read_table,
    rejected_csv,
    report_text,
    run_import,
    suggest_mapping,
)
from engine.objects.storage import DEFAULT_SQLITE_URL
from engine.runtime.factory import DATABASE_URL_ENV, build_engine, database_url_from_env

__all__ = ["register"]


def register(subparsers: Any) -> None:
    command = subparsers.add_parser(
        "import", help="import a CSV or XLSX file (dry run unless --apply)",
        description="Read FILE (CSV in any encoding, or XLSX), cleanse and check every row as "
        "MAPPING says, and print a report: counts, every rejected row with its column and "
        "message, duplicate groups. Nothing is written until --apply. Without --mapping a "
        "mapping is suggested from the headers and printed.")
    command.add_argument("pack", metavar="PACK", help="the pack folder")
    command.add_argument("file", metavar="FILE", type=Path, help="the .csv or .xlsx file")
    command.add_argument("--db", metavar="URL", default=None,
                         help=f"database URL (default: ${DATABASE_URL_ENV}, "
                         f"else {DEFAULT_SQLITE_URL})")
    command.add_argument("--object", metavar="NAME", default=None,
                         help="only the sheet mapping of this object (or, without a "
                         "mapping, the object to suggest one for)")
    command.add_argument("--mapping", metavar="YAML", type=Path, default=None,
                         help="the mapping file (see docs/imports.md)")
    command.add_argument("--encoding", default=None, help="the CSV's encoding (detected)")
    command.add_argument("--apply", action="store_true", help="write the records")
    command.add_argument("--run", metavar="ID", default=None,
                         help="the run's id (default: from the file and mapping); the same "
                         "run resumes after its last committed row")
    command.add_argument("--rejected", metavar="CSV", type=Path, default=None,
                         help="write the rejected rows here, to fix and import again")
    command.add_argument("--actor", default="import", help="who the audit trail names")
    command.add_argument("--to-history", metavar="SPEC", type=Path, default=None,
                         help="convert FILE (a flat helpdesk export) into the service history "
                         "format as SPEC says, write it to --out, import nothing")
    command.add_argument("--out", metavar="JSONL", type=Path, default=None,
                         help="where --to-history writes (default: standard output)")
    command.set_defaults(handler=_import)


def _import(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    data = _read(args.file)
    runtime = build_engine([args.pack], args.db or database_url_from_env())
    try:
        if args.to_history is not None:
            return _to_history(runtime.registry, data, args)
        if args.file.suffix.lower() == ".jsonl":
            return _history(runtime, data, args)
        if args.mapping is None:
            if args.object is None:
                raise ImportRefused("give --mapping, or --object to have one suggested",
                                    code="import_mapping_invalid")
            table = read_table(data, args.file.name, encoding=args.encoding)
            suggested = suggest_mapping(runtime.registry.object(args.object), table.headers)
            print("# suggested mapping (review it, save it, pass it with --mapping):")
            print(yaml.safe_dump(suggested, allow_unicode=True, sort_keys=False), end="")
            mappings = parse_mappings(suggested, "suggested mapping")
        else:
            mappings = load_mappings(args.mapping)
            if args.object is not None:
                mappings = [m for m in mappings if m.object == args.object]
                if not mappings:
                    raise ImportRefused(f"{args.mapping}: no sheet maps object "
                                        f"'{args.object}'", code="import_mapping_invalid")
        with Progress(transient=True, disable=not args.apply or not sys.stderr.isatty()) as bar:
            task = bar.add_task("importing", total=None)
            outcome = run_import(
                runtime.records, runtime.audit, data, args.file.name, mappings,
                apply=args.apply, actor=args.actor, encoding=args.encoding, run_id=args.run,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                source=str(args.mapping or "suggested mapping"))
        print(report_text(outcome.plans, applied=args.apply,
                          extra_problems=outcome.write_problems), end="")
        for written in outcome.written:
            resumed = (f" (resumed after row {written.resumed_after})"
                       if written.resumed_after else "")
            print(f"run {written.run_id}{resumed}: " + ", ".join(
                f"{n} {k}" for k, n in written.counts.items()))
        if args.rejected is not None:
            args.rejected.write_text("".join(rejected_csv(p) for p in outcome.plans),
                                     encoding="utf-8-sig")
        return 0
    finally:
        runtime.close()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportRefused(f"{path}: {exc.strerror}", code="import_unreadable") from None


def _history(runtime: Any, data: bytes, args: argparse.Namespace) -> int:
    from engine.imports.history import import_history
    from engine.imports.readers import decode_text

    text, _ = decode_text(data, args.encoding, name=args.file.name)
    result = import_history(runtime.records, runtime.audit, text, args.file.name,
                            actor=args.actor, run_id=args.run, apply=args.apply)
    for line, problem in result.problems:
        print(f"{args.file.name}:{line}: {problem}")
    resumed = f" (resumed after line {result.resumed_after})" if result.resumed_after else ""
    print(", ".join(f"{n} {k}" for k, n in result.counts.items()) + resumed)
    print("applied." if args.apply else "dry run: nothing was written (add --apply).")
    return 0


def _to_history(registry: Any, data: bytes, args: argparse.Namespace) -> int:
    from engine.imports.thread_csv import convert_thread_csv, parse_thread_spec

    try:
        spec_data = yaml.safe_load(args.to_history.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ImportRefused(f"{args.to_history}: cannot read the spec: {exc}",
                            code="import_mapping_invalid") from None
    spec = parse_thread_spec(spec_data, str(args.to_history))
    table = read_table(data, args.file.name, encoding=args.encoding)
    text, problems = convert_thread_csv(registry, table, spec)
    for problem in problems:
        print(f"{args.file.name}: {problem}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"{text.count(chr(10)) - 1} threads written to {args.out}", file=sys.stderr)
    return 0
