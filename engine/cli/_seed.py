"""``flowdesk seed``: fill a database with a pack's demo history (see docs/demo.md)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from engine.cli.demo import (
    DemoMailbox,
    HistoryPlayer,
    HistoryReport,
    Login,
    find_demo_file,
    load_demo_script,
    record_counts,
    records_digest,
    seed_people,
)
from engine.errors import FlowdeskError
from engine.objects.storage import DEFAULT_SQLITE_URL, create_database_engine, ensure_schema
from engine.packs import load_registry
from engine.packs.registry import Registry
from engine.runtime.clock import ManualClock, SystemClock
from engine.runtime.effects import MemoryWebhookSender
from engine.runtime.factory import DATABASE_URL_ENV, build_runtime, database_url_from_env

__all__ = ["register", "seed_history", "SeedResult", "has_records"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "seed",
        help="fill a database with the pack's demo history",
        description="Play the pack's demo script (demo/*.yaml) through the engine: accounts, "
        "users, and requests over the last days with replies, transitions, SLA breaches and "
        "surveys, every timer run when it falls due. The same options give the same data.",
    )
    parser.add_argument("packs", nargs="*", metavar="PACK",
                        help="pack folders (default: the default pack, as for serve)")
    parser.add_argument("--db", metavar="URL", default=None,
                        help=f"database URL (default: ${DATABASE_URL_ENV}, else "
                        f"{DEFAULT_SQLITE_URL})")
    parser.add_argument("--days", type=int, default=60, help="days of history (default 60)")
    parser.add_argument("--customers", type=int, default=None, metavar="N",
                        help="accounts to make (default: the script's count)")
    parser.add_argument("--tickets", type=int, default=None, metavar="N",
                        help="requests to open over the days (default: the script's count)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--end", default=None, metavar="ISO",
                        help="when the history ends (default: now), e.g. 2025-03-01T12:00Z")
    empty = parser.add_mutually_exclusive_group()
    empty.add_argument("--force", action="store_true",
                       help="seed even if the database has records already")
    empty.add_argument("--if-empty", action="store_true",
                       help="seed only an empty database; otherwise say so and succeed")
    parser.set_defaults(handler=run_seed)


@dataclass(frozen=True)
class SeedResult:
    report: HistoryReport
    logins: list[Login]
    digest: str
    #: object name -> records in the database after seeding
    counts: dict[str, int]


def has_records(database: Engine, registry: Registry) -> bool:
    """Whether any object of ``registry`` has a record in ``database`` (schema up to date)."""
    from engine.objects.storage.tables import build_metadata

    metadata = build_metadata(registry.objects)
    with database.connect() as conn:
        for obj in registry.objects.values():
            table = metadata.tables[obj.table_name]
            if conn.execute(select(table.c.id).limit(1)).first() is not None:
                return True
    return False


def _end_time(text: str | None) -> datetime:
    if text is None:
        return SystemClock().now().replace(second=0, microsecond=0)
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FlowdeskError(f"--end '{text}' is not a date-time like 2025-03-01T12:00Z",
                            code="seed_bad_option") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def seed_history(packs: list[Path], url: str, *, days: int = 60,
                 accounts: int | None = None, requests: int | None = None, seed: int = 7,
                 end: datetime | None = None, force: bool = False) -> SeedResult:
    """Seed the database at ``url`` with the demo history of ``packs``, ending at ``end``
    (default: now). Refuses a database that has records (``seed_database_not_empty``)
    unless ``force``."""
    if days < 1 or (accounts is not None and accounts < 1) or (
            requests is not None and requests < 0):
        raise FlowdeskError("--days and --customers must be at least 1, --tickets at least 0",
                            code="seed_bad_option")
    registry = load_registry(packs)
    script = load_demo_script(find_demo_file(packs), registry)
    end = end or _end_time(None)
    start = end - timedelta(days=days)
    clock = ManualClock(start)
    database = create_database_engine(url)
    try:
        ensure_schema(database, registry.objects, registry.packs, now=start)
        if not force and has_records(database, registry):
            raise FlowdeskError(
                f"the database {database.url!r} has records already; seeding adds a whole "
                "history beside them. Seed an empty database, or pass --force to add it "
                "anyway", code="seed_database_not_empty")
        mailbox = DemoMailbox()
        # The demo's passwords are printed for all to read: hashing them at full cost would
        # only slow the seed (a login verifies with the parameters stored in the hash).
        runtime = build_runtime(registry, database, clock, mailer=mailbox,
                                mail_sender="desk@flowdesk.example",
                                webhook_sender=MemoryWebhookSender(), environ={},
                                password_hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                               parallelism=1))
        runtime.automations.start_schedules()
        player = HistoryPlayer(runtime, clock, script, seed, mailbox)
        logins: list[Login] = []

        def people(ids: list[int], titles: list[str]) -> None:
            logins.extend(seed_people(runtime, script, ids, titles))

        report = player.play(start, end, accounts=accounts, requests=requests,
                             after_accounts=people)
        return SeedResult(report, logins, records_digest(runtime), record_counts(runtime))
    finally:
        database.dispose()


def run_seed(args: argparse.Namespace) -> int:
    from engine.cli._serve import resolve_pack_paths

    packs = resolve_pack_paths(args.packs)
    url = args.db or database_url_from_env()
    if args.if_empty:
        registry = load_registry(packs)
        database = create_database_engine(url)
        try:
            ensure_schema(database, registry.objects, registry.packs,
                          now=SystemClock().now())
            if has_records(database, registry):
                print(f"flowdesk: {database.url!r} has records already; not seeding",
                      file=sys.stderr)
                return 0
        finally:
            database.dispose()
    result = seed_history(packs, url, days=args.days, accounts=args.customers,
                          requests=args.tickets, seed=args.seed, end=_end_time(args.end),
                          force=args.force)
    _print(result)
    return 0


def _print(result: SeedResult) -> None:
    r = result.report
    made = ", ".join(f"{n} {name}" for name, n in result.counts.items() if n)
    print(f"seeded {r.start:%Y-%m-%d %H:%M} .. {r.end:%Y-%m-%d %H:%M} UTC: {made}")
    print("stories: " + ", ".join(f"{name} {n}" for name, n in sorted(r.stories.items())))
    print("transitions: " + ", ".join(f"{name} {n}"
                                      for name, n in sorted(r.transitions.items())))
    print(f"jobs: {r.jobs.done} done, {r.jobs.retried} retried, {r.jobs.dead} dead; "
          f"{r.emails} email(s) kept in the demo mailbox (none sent); "
          f"{r.skipped_steps} story step(s) did not apply")
    print(f"digest: {result.digest}")
    print("logins (POST /api/auth/login):")
    for login in result.logins:
        password = login.password or "(existing user: password unchanged)"
        teams = f" teams {','.join(login.teams)}" if login.teams else ""
        note = f"  {login.note}" if login.note else ""
        print(f"  {login.name:<14} {password:<26} {','.join(login.roles)}{teams}{note}")
