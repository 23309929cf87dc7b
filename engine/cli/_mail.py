"""``flowdesk mail-in``: one email on standard input (an MTA pipe), or the quarantine: list kept
messages, show one, replay one. Also the mail settings ``serve`` and ``worker`` share: SMTP,
the demo mailbox folder, and the IMAP pollers of the channels whose mailbox is configured."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.errors import FlowdeskError
from engine.objects.storage import DEFAULT_SQLITE_URL
from engine.runtime.factory import DATABASE_URL_ENV, Runtime, build_engine, database_url_from_env

__all__ = ["register", "add_mail_options", "mail_environ", "start_mail_pollers",
           "demo_mailbox"]

#: sysexits.h: the MTA keeps the message and tries again later.
EX_TEMPFAIL = 75
#: sysexits.h: the message itself is refused.
EX_DATAERR = 65


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "mail-in",
        help="take one email from standard input (for an MTA pipe); list or replay kept mail",
        description="Read one RFC 822 message from standard input and hand it to a channel: "
        "it opens a record or lands on its thread. Unreadable mail is quarantined, kept and "
        "listed (--list quarantined), and can be replayed (--replay ID). Exit status: 0 when "
        "the message is kept (even quarantined), 75 when it should be retried, 65 when it is "
        "refused (too large).",
    )
    parser.add_argument("packs", nargs="*", metavar="PACK",
                        help="pack folders (default: the default pack, as for serve)")
    parser.add_argument("--db", metavar="URL", default=None,
                        help=f"database URL (default: ${DATABASE_URL_ENV}, "
                        f"else {DEFAULT_SQLITE_URL})")
    parser.add_argument("--channel", default="email", help="channel name (default: email)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--list", metavar="STATUS", nargs="?", const="all", default=None,
                        help="list kept inbound mail (created, appended, ignored, "
                        "quarantined, or all)")
    action.add_argument("--replay", type=int, metavar="ID",
                        help="process a quarantined message again")
    action.add_argument("--show", type=int, metavar="ID",
                        help="print a kept message's raw bytes")
    parser.set_defaults(handler=run_mail_in)


def run_mail_in(args: argparse.Namespace) -> int:
    from engine.channels.intake import MailIntake
    from engine.cli._serve import resolve_pack_paths

    packs = resolve_pack_paths(args.packs)
    try:
        runtime = build_engine(packs, args.db or database_url_from_env())
    except FlowdeskError:
        raise
    except Exception as exc:  # noqa: BLE001 - an MTA must be told to try again later
        print(f"error: the database is not reachable: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    try:
        intake = MailIntake(runtime.registry, runtime.records, os.environ)
        if args.list is not None:
            status = None if args.list == "all" else args.list
            for row in intake.list_inbound(args.channel, status):
                print(json.dumps(row, ensure_ascii=False))
            return 0
        if args.show is not None:
            sys.stdout.buffer.write(intake.raw(args.channel, args.show))
            return 0
        if args.replay is not None:
            outcome = intake.replay(args.channel, args.replay)
        else:
            raw = sys.stdin.buffer.read()
            try:
                outcome = intake.receive(args.channel, raw, "stdin")
            except FlowdeskError as exc:
                if exc.code == "mail_too_large":
                    print(f"error: {exc.message}", file=sys.stderr)
                    return EX_DATAERR
                raise
        print(json.dumps(outcome.as_json(), ensure_ascii=False))
        if outcome.status == "quarantined":
            print(f"warning: quarantined as inbound message {outcome.inbound_id}: "
                  f"{outcome.error}", file=sys.stderr)
        return 0
    except FlowdeskError:
        raise
    except Exception as exc:  # noqa: BLE001 - a database failure: the MTA keeps the mail
        print(f"error: the message was not taken, try again later: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    finally:
        runtime.close()


# -- the mail settings serve and worker share -------------------------------------------------

def add_mail_options(parser: argparse.ArgumentParser) -> None:
    """``--smtp-host``, ``--smtp-port``, ``--mail-from`` and ``--mailbox-dir``."""
    parser.add_argument("--smtp-host", default=None,
                        help="SMTP server for email jobs (default: $FLOWDESK_SMTP_HOST)")
    parser.add_argument("--smtp-port", type=int, default=None,
                        help="SMTP port (default: $FLOWDESK_SMTP_PORT, else 25)")
    parser.add_argument("--mail-from", default=None,
                        help="sender address (default: $FLOWDESK_MAIL_FROM)")
    parser.add_argument("--mailbox-dir", default=None, metavar="DIR",
                        help="deliver email into DIR as .eml files instead of SMTP "
                        "(default: $FLOWDESK_MAILBOX_DIR)")


def mail_environ(args: argparse.Namespace, base: Mapping[str, str] | None = None
                 ) -> dict[str, str]:
    """The environment with the mail options given on the command line applied."""
    env = dict(os.environ if base is None else base)
    for option, variable in (("smtp_host", "FLOWDESK_SMTP_HOST"),
                             ("smtp_port", "FLOWDESK_SMTP_PORT"),
                             ("mail_from", "FLOWDESK_MAIL_FROM"),
                             ("mailbox_dir", "FLOWDESK_MAILBOX_DIR")):
        value = getattr(args, option, None)
        if value is not None:
            env[variable] = str(value)
    return env


def demo_mailbox(env: dict[str, str], database_url: str) -> Path | None:
    """In demo mode without an SMTP server: a local mailbox folder beside the database (or in
    the working directory), set in ``env``; ``None`` when mail is configured already."""
    if env.get("FLOWDESK_SMTP_HOST") or env.get("FLOWDESK_MAILBOX_DIR"):
        return None
    base = Path.cwd()
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        base = Path(database_url.removeprefix("sqlite:///")).resolve().parent
    folder = base / "flowdesk-mailbox"
    env["FLOWDESK_MAILBOX_DIR"] = str(folder)
    env.setdefault("FLOWDESK_MAIL_ADDRESS", "support@flowdesk.localhost")
    return folder


def start_mail_pollers(runtime: Runtime, env: Mapping[str, str], *,
                       interval: float = 30.0) -> Callable[[], None]:
    """Start an IMAP poller thread for each channel whose mailbox is configured; returns the
    function that stops them."""
    from engine.channels.imap_poller import ImapPoller, ImapSettings
    from engine.channels.intake import MailIntake

    stop = threading.Event()
    threads: list[threading.Thread] = []
    intake = MailIntake(runtime.registry, runtime.records, env)
    # FLOWDESK_MAIL_POLL=0: another process polls (the other children of --processes N).
    channels = runtime.registry.channels if env.get("FLOWDESK_MAIL_POLL") != "0" else {}
    for name, channel in channels.items():
        settings = ImapSettings.for_channel(channel, env)
        if settings is None:
            continue
        poller = ImapPoller(intake, name, settings, runtime.clock)

        def report(exc: object, name: str = name) -> None:
            print(f"flowdesk: polling the mailbox of channel '{name}' failed: {exc}",
                  file=sys.stderr)

        thread = threading.Thread(target=poller.run_forever, args=(stop, interval, report),
                                  name=f"flowdesk-imap-{name}", daemon=True)
        thread.start()
        threads.append(thread)
        print(f"flowdesk: polling {settings.mailbox_key} for channel '{name}' every "
              f"{interval:g}s", file=sys.stderr)

    def stop_all() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    return stop_all
