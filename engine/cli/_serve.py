"""``flowdesk serve``: load packs, bring the database up to date, and run the HTTP API."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from engine.api.body_limit import DEFAULT_MAX_BODY_BYTES
from engine.api.trusted_proxies import TRUSTED_PROXIES_ENV, TrustedProxies
from engine.cli._mail import add_mail_options, demo_mailbox, mail_environ, start_mail_pollers
from engine.cli._stop_signals import on_stop_signals
from engine.errors import FlowdeskError
from engine.objects.storage import DEFAULT_SQLITE_URL, MigrationBlocked, MigrationDataLoss
from engine.runtime.factory import (
    DATABASE_URL_ENV,
    Runtime,
    build_engine,
    database_url_from_env,
)

__all__ = ["register", "resolve_pack_paths", "DEFAULT_PACK"]

DEFAULT_PACK = Path("packs") / "service_default"
#: The repository's packs folder, beside the engine package (for runs from elsewhere).
_REPOSITORY = Path(__file__).resolve().parent.parent.parent


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the HTTP API over some packs",
        description="Load the packs, apply pending schema changes that lose no data, and "
        "serve the API. Refuses to start if a change would lose data.",
    )
    parser.add_argument(
        "packs", nargs="*", metavar="PACK",
        help=f"pack folders (default: {DEFAULT_PACK}, here or in the repository)",
    )
    parser.add_argument(
        "--db", metavar="URL", default=None,
        help=f"database URL (default: ${DATABASE_URL_ENV}, else {DEFAULT_SQLITE_URL})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES,
        help="largest request body accepted (default: 1 MiB)",
    )
    parser.add_argument(
        "--secret-key-file", metavar="FILE", default=None,
        help="file holding the secret key (default: $FLOWDESK_SECRET_KEY); required unless "
        "--demo",
    )
    parser.add_argument(
        "--trusted-proxy", action="append", default=None, metavar="CIDR",
        help="a reverse proxy whose X-Forwarded-For is believed (repeatable; default: "
        f"${TRUSTED_PROXIES_ENV}, comma-separated, else none: the header is ignored)",
    )
    parser.add_argument(
        "--base-url", metavar="URL", default=None,
        help="the address people reach the server at, for links in emails (survey links); "
        "default: $FLOWDESK_BASE_URL, else http://127.0.0.1:8000",
    )
    parser.add_argument(
        "--demo", action="store_true",
        help="try it out: a random secret key, and a demo user per role with printed logins",
    )
    worker = parser.add_mutually_exclusive_group()
    worker.add_argument(
        "--worker", dest="worker", action="store_true", default=None,
        help="run due jobs in a thread of the server (the default on SQLite)",
    )
    worker.add_argument(
        "--no-worker", dest="worker", action="store_false",
        help="do not run jobs here (the default on PostgreSQL: run `flowdesk worker`)",
    )
    add_mail_options(parser)
    parser.set_defaults(handler=run_serve)


def wants_worker(choice: bool | None, dialect: str) -> bool:
    """Whether ``serve`` runs an in-process worker: as asked, else only on SQLite (one
    machine, one process; PostgreSQL deployments run ``flowdesk worker`` separately)."""
    return choice if choice is not None else dialect == "sqlite"


def resolve_pack_paths(given: Sequence[str], cwd: Path | None = None) -> list[Path]:
    """The packs to serve: those given, else the default pack under ``cwd``, else the
    repository's own."""
    if given:
        return [Path(p) for p in given]
    for base in (cwd or Path.cwd(), _REPOSITORY):
        candidate = base / DEFAULT_PACK
        if (candidate / "pack.yaml").is_file():
            return [candidate]
    raise FlowdeskError(
        f"no pack given and no {DEFAULT_PACK} found here or in the repository; "
        "name a pack folder: flowdesk serve PATH",
        code="pack_not_found",
    )


def run_serve(args: argparse.Namespace) -> int:
    from designer.web import install_web_app
    from engine.api.app import create_app
    from engine.cli._server_security import resolve_secret_key, seed_demo_users

    packs = resolve_pack_paths(args.packs)
    url = args.db or database_url_from_env()
    try:
        secret_key = resolve_secret_key(args.secret_key_file, os.environ, args.demo)
        proxies = (TrustedProxies.parse(args.trusted_proxy) if args.trusted_proxy
                   else TrustedProxies.from_env(os.environ))
    except FlowdeskError as exc:
        print(f"error: the server did not start: {exc.message}", file=sys.stderr)
        return 2
    mail_env = mail_environ(args)
    if args.base_url:
        mail_env["FLOWDESK_BASE_URL"] = args.base_url
    mailbox = demo_mailbox(mail_env, url) if args.demo else None
    try:
        runtime = build_engine(packs, url, secret_key=secret_key, environ=mail_env)
    except MigrationDataLoss as exc:
        print(
            f"error: the database needs changes that would lose data, so the server did not "
            f"start.\n{exc.message}\nReview them with `flowdesk plan`, then run "
            f"`flowdesk apply --allow-data-loss` if the loss is intended.",
            file=sys.stderr,
        )
        return 2
    except MigrationBlocked as exc:
        print(f"error: the server did not start.\n{exc.message}", file=sys.stderr)
        return 2
    if args.demo:
        print("flowdesk: demo mode; log in (POST /api/auth/login) as:", file=sys.stderr)
        for name, password, role in seed_demo_users(runtime):
            print(f"  {role:<12} name {name!r:<14} password {password!r}", file=sys.stderr)
        if mailbox is not None:
            print(f"flowdesk: demo mail is delivered to {mailbox}/ (.eml files)",
                  file=sys.stderr)
    in_process = wants_worker(args.worker, runtime.database.dialect.name)
    stopping = threading.Event()
    join_worker = _start_worker(runtime, stopping) if in_process else None
    stop_pollers = start_mail_pollers(runtime, mail_env) if in_process else None
    try:
        app = create_app(runtime, max_body_bytes=args.max_body_bytes, trusted_proxies=proxies)
        install_web_app(app)  # the web app at /, /portal, and local /docs
        print(f"flowdesk: serving {', '.join(str(p) for p in packs)} on "
              f"http://{args.host}:{args.port} (database: {runtime.database.url!r})",
              file=sys.stderr)
        # uvicorn re-raises the signal that stopped it once it is done; with this handler in
        # place the re-raise lands here, so the worker thread below still stops cleanly.
        with on_stop_signals(stopping.set):
            _serve_until_signalled(app, args.host, args.port, stopping, proxies)
    finally:
        stopping.set()
        if stop_pollers is not None:
            stop_pollers()
        if join_worker is not None:
            join_worker()
        runtime.close()
    return 0


def _serve_until_signalled(app: Any, host: str, port: int, stopping: threading.Event,
                           proxies: TrustedProxies) -> None:
    """Run uvicorn; the first SIGTERM/SIGINT also sets ``stopping`` at once, so the worker
    thread stops claiming while uvicorn drains its connections. uvicorn reads forwarded
    headers (the client, and the scheme for Secure cookies) only from the trusted proxies,
    never by default: its own default trusts 127.0.0.1, so any local process could pick the
    address login throttling sees."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            stopping.set()
            super().handle_exit(sig, frame)

    trusted = [str(network) for network in proxies.networks]
    Server(uvicorn.Config(app, host=host, port=port, proxy_headers=bool(trusted),
                          forwarded_allow_ips=trusted or None)).run()


def _start_worker(runtime: Runtime, stop: threading.Event) -> Callable[[], None]:
    """Run due jobs in a daemon thread until ``stop`` is set; returns the function that
    waits for it to finish the job in hand (its claimed batch is released)."""
    from engine.jobs.worker import Worker

    worker = Worker(runtime, f"serve-{os.getpid()}")
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name="flowdesk-worker",
                              daemon=True)
    thread.start()
    print("flowdesk: running jobs in this process (--no-worker turns it off)", file=sys.stderr)

    def join() -> None:
        thread.join(timeout=30)

    return join
