"""``flowdesk worker``: run due jobs (outbox, timers) until stopped, in one or more processes."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from engine.cli._mail import add_mail_options, mail_environ, start_mail_pollers
from engine.cli._stop_signals import on_stop_signals
from engine.objects.storage import DEFAULT_SQLITE_URL
from engine.runtime.factory import DATABASE_URL_ENV, build_engine, database_url_from_env

__all__ = ["register", "run_worker"]

_CHILD = "import sys; from engine.cli import main; sys.exit(main(sys.argv[1:]))"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "worker",
        help="run due jobs: emails, webhooks, timers",
        description="Claim due jobs and run them, retrying failures with backoff, until "
        "stopped (SIGINT/SIGTERM). Safe to run many at once, on one or many machines.",
    )
    parser.add_argument("packs", nargs="*", metavar="PACK",
                        help="pack folders (default: the default pack, as for serve)")
    parser.add_argument("--db", metavar="URL", default=None,
                        help=f"database URL (default: ${DATABASE_URL_ENV}, "
                        f"else {DEFAULT_SQLITE_URL})")
    parser.add_argument("--processes", type=int, default=1, metavar="N",
                        help="worker processes to run (default 1)")
    parser.add_argument("--once", action="store_true",
                        help="run what is due now, then exit")
    parser.add_argument("--batch", type=int, default=10, metavar="N",
                        help="jobs per transaction (default 10)")
    parser.add_argument("--poll", type=float, default=1.0, metavar="SECONDS",
                        help="wait between polls when nothing is due (default 1)")
    parser.add_argument("--lease", type=float, default=300.0, metavar="SECONDS",
                        help="longest a claim may sit idle before PostgreSQL releases it "
                        "(default 300)")
    parser.add_argument("--name", default=None, help="worker name (default worker-<pid>)")
    add_mail_options(parser)
    parser.add_argument("--no-migrate", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(handler=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    from engine.cli._serve import resolve_pack_paths
    from engine.jobs.worker import Worker

    if args.processes < 1 or args.batch < 1:
        print("error: --processes and --batch must be at least 1", file=sys.stderr)
        return 2
    packs = resolve_pack_paths(args.packs)
    url = args.db or database_url_from_env()
    env = mail_environ(args)
    runtime = build_engine(packs, url, migrate=not args.no_migrate, environ=env)
    name = args.name or f"worker-{os.getpid()}"
    if args.processes > 1:
        runtime.close()  # the parent only migrated; each child opens its own connections
        return _run_children(args, [str(p) for p in packs], url, name, env)
    worker = Worker(runtime, name, batch_size=args.batch,
                    lease=timedelta(seconds=args.lease))
    # SIGTERM/SIGINT: finish the job in hand, release the rest of the batch, exit 0.
    stop = threading.Event()
    with on_stop_signals(stop.set):
        try:
            return _run_in_this_process(args, worker, name, stop)
        finally:
            runtime.close()


def _run_in_this_process(
    args: argparse.Namespace, worker: Any, name: str, stop: threading.Event
) -> int:
    if args.once:
        result = worker.run_due(stop=stop)
        print(f"{name}: ran {result.ran} job(s): {result.done} done, "
              f"{result.retried} to retry, {result.dead} dead", file=sys.stderr)
        return 0
    print(f"{name}: running jobs from {worker.runtime.database.url!r}", file=sys.stderr)

    stop_pollers = start_mail_pollers(worker.runtime, mail_environ(args))  # IMAP mailboxes
    try:
        worker.run_forever(stop, poll_interval=args.poll)
    finally:
        stop_pollers()
    print(f"{name}: stopped", file=sys.stderr)
    return 0


def _run_children(
    args: argparse.Namespace, packs: list[str], url: str, name: str, env: Mapping[str, str]
) -> int:
    common = [*packs, "--db", url, "--processes", "1", "--batch", str(args.batch),
              "--poll", str(args.poll), "--lease", str(args.lease), "--no-migrate"]
    if args.once:
        common.append("--once")
    children = [
        subprocess.Popen([sys.executable, "-c", _CHILD, "worker", *common,
                          "--name", f"{name}-{i}"],
                         # one child polls the mailboxes (engine/cli/_mail.py)
                         env=dict(env) if i == 1 else {**env, "FLOWDESK_MAIL_POLL": "0"})
        for i in range(1, args.processes + 1)
    ]

    def stop_children() -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    with on_stop_signals(stop_children):
        codes = [child.wait() for child in children]
    return max(codes)
