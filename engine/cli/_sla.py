"""``flowdesk sla replay`` and ``flowdesk sla simulate``: SLA clocks from the audit history."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from engine.errors import BadRequest
from engine.objects.storage import DEFAULT_SQLITE_URL
from engine.runtime.factory import DATABASE_URL_ENV

__all__ = ["register", "parse_since"]


def register(subparsers: Any) -> None:
    sla = subparsers.add_parser("sla", help="SLA clocks: replay the history, simulate a policy")
    commands = sla.add_subparsers(dest="sla_command", metavar="SLA_COMMAND", required=True)

    replay = commands.add_parser(
        "replay", help="recompute SLA clocks from the audit history and report what changed",
        description="Rebuild every record's values over time from the audit trail, replay "
        "each change through the packs' current SLAs and calendars, and print the clocks that "
        "differ from the stored ones. Writes them (and re-schedules their timers) unless "
        "--dry-run. Running it twice changes nothing the second time.")
    _common(replay)
    replay.add_argument("--object", metavar="NAME", default=None,
                        help="replay only the SLA of this object")
    replay.add_argument("--dry-run", action="store_true",
                        help="report what would change; write nothing")
    replay.add_argument("--batch", type=int, default=1000, metavar="N",
                        help="records per transaction (default 1000)")
    replay.add_argument("--quiet", action="store_true",
                        help="print the summary only, not each changed clock")
    replay.set_defaults(handler=_replay)

    simulate = commands.add_parser(
        "simulate", help="compare compliance under the current and a proposed SLA",
        description="Replay the history of records created since DATE under the current SLA "
        "and under the one FILE proposes (an sla/*.yaml with the same 'sla:' name), and print "
        "clocks, met, breached and compliance per metric and per policy. Writes nothing.")
    _common(simulate)
    simulate.add_argument("--policy", type=Path, required=True, metavar="FILE",
                          help="the proposed sla/*.yaml")
    simulate.add_argument("--since", required=True, metavar="DATE",
                          help="records created from this date (YYYY-MM-DD, UTC) or instant "
                          "(ISO 8601 with an offset)")
    simulate.set_defaults(handler=_simulate)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("packs", nargs="*", metavar="PACK",
                        help="pack folders (default: the default pack, as for serve)")
    parser.add_argument("--db", metavar="URL", default=None,
                        help=f"database URL (default: ${DATABASE_URL_ENV}, "
                        f"else {DEFAULT_SQLITE_URL})")


def parse_since(text: str) -> datetime:
    """``--since``: a date (midnight UTC) or an ISO instant with an offset."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise BadRequest(
            f"--since '{text}' is not a date (2026-03-01) or an instant with an offset "
            "(2026-03-01T08:00:00+08:00)", code="sla_simulate_bad_since")
    return value


def _open(args: argparse.Namespace, registry: Any) -> Any:
    from engine.objects.storage import create_database_engine
    from engine.runtime.clock import SystemClock
    from engine.runtime.factory import build_runtime
    from engine.runtime.sla_replay import SlaReplay

    url = args.db or _env_url()
    database = create_database_engine(url)
    runtime = build_runtime(registry, database, SystemClock(), environ={})
    return SlaReplay(registry, database, runtime.records, runtime.clock,
                     audit=runtime.audit, batch_size=getattr(args, "batch", 1000))


def _env_url() -> str:
    from engine.runtime.factory import database_url_from_env

    return database_url_from_env()


def _replay(args: argparse.Namespace) -> int:
    from engine.cli._serve import resolve_pack_paths
    from engine.packs import load_registry

    registry = load_registry(resolve_pack_paths(args.packs))
    replay = _open(args, registry)
    try:
        def show(difference: Any) -> None:
            if not args.quiet:
                print(difference.describe(replay.clock.now(), replay.calendars))

        report = replay.replay(args.object, dry_run=args.dry_run, on_difference=show)
    finally:
        replay.database.dispose()
    for object_name, record_id, message in report.failed:
        print(f"{object_name} {record_id}: not replayed: {message}", file=sys.stderr)
    print(report.summary())
    return 1 if report.failed else 0


def _simulate(args: argparse.Namespace) -> int:
    from engine.cli._serve import resolve_pack_paths
    from engine.packs.proposed_sla import load_proposed_sla
    from engine.runtime.sla_simulation import simulate

    since = parse_since(args.since)
    registry, proposed = load_proposed_sla(resolve_pack_paths(args.packs), args.policy)
    replay = _open(args, registry)
    try:
        replay.check_database()
        result = simulate(replay, proposed, since)
    finally:
        replay.database.dispose()
    print(result.render())
    return 0
