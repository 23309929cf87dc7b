"""``flowdesk user create|list`` and ``flowdesk token create``: the first admin, and tokens for
integrations, from the command line (acting as ``cli`` in the audit trail)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from engine.cli._serve import resolve_pack_paths
from engine.errors import FlowdeskError
from engine.objects.storage import DEFAULT_SQLITE_URL
from engine.runtime.factory import DATABASE_URL_ENV, Runtime, build_engine, database_url_from_env
from engine.runtime.principal import SCOPES

__all__ = ["register", "add_pack_and_db_options"]

CLI_ACTOR = "cli"


def add_pack_and_db_options(parser: argparse.ArgumentParser) -> None:
    """``--pack`` (repeatable) and ``--db``, as the database commands take them."""
    parser.add_argument("--pack", dest="packs", action="append", default=[], metavar="PACK",
                        help="pack folder (repeatable; default: the default pack)")
    parser.add_argument("--db", metavar="URL", default=None,
                        help=f"database URL (default: ${DATABASE_URL_ENV}, else "
                        f"{DEFAULT_SQLITE_URL})")


def register(subparsers: Any) -> None:
    user = subparsers.add_parser("user", help="manage users")
    user_commands = user.add_subparsers(dest="user_command", metavar="COMMAND", required=True)
    create = user_commands.add_parser(
        "create", help="create a user (the first admin, say)",
        description="Create a user. Without --password-stdin the password is asked for on "
        "the terminal; --no-password makes a user who logs in with tokens only.")
    create.add_argument("name")
    create.add_argument("--role", dest="roles", action="append", required=True,
                        help="a role (repeatable): admin or one the packs declare")
    create.add_argument("--team", dest="teams", action="append", default=[])
    create.add_argument("--email", default=None)
    create.add_argument("--locale", default=None, help="the UI language: en or zh-CN")
    create.add_argument("--time-zone", default=None,
                        help="an IANA time zone for dates shown to the user, e.g. Asia/Shanghai")
    secret = create.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    secret.add_argument("--no-password", action="store_true")
    add_pack_and_db_options(create)
    create.set_defaults(handler=run_user_create)
    listing = user_commands.add_parser("list", help="list users")
    add_pack_and_db_options(listing)
    listing.set_defaults(handler=run_user_list)

    token = subparsers.add_parser("token", help="manage API tokens")
    token_commands = token.add_subparsers(dest="token_command", metavar="COMMAND",
                                          required=True)
    tcreate = token_commands.add_parser(
        "create", help="create an API token for a user; prints its secret once")
    tcreate.add_argument("--user", required=True, help="the user the token acts as")
    tcreate.add_argument("--name", required=True, help="what the token is for")
    tcreate.add_argument("--scope", dest="scopes", action="append", choices=SCOPES,
                         help="read, write or admin (repeatable; default: read)")
    tcreate.add_argument("--expires-in-days", type=int, default=None)
    add_pack_and_db_options(tcreate)
    tcreate.set_defaults(handler=run_token_create)


def _runtime(args: argparse.Namespace) -> Runtime:
    packs: list[Path] = resolve_pack_paths(args.packs)
    return build_engine(packs, args.db or database_url_from_env())


def _password(args: argparse.Namespace) -> str | None:
    if args.no_password:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise FlowdeskError("the two passwords differ; nothing was created",
                            code="password_mismatch")
    return first


def run_user_create(args: argparse.Namespace) -> int:
    password = _password(args)
    runtime = _runtime(args)
    try:
        user = runtime.auth.users.create(args.name, roles=args.roles, password=password,
                                         teams=args.teams, email=args.email, actor=CLI_ACTOR,
                                         locale=args.locale, time_zone=args.time_zone)
    finally:
        runtime.close()
    print(f"created user {user.name} (id {user.id}) with role(s) {', '.join(user.roles)}")
    return 0


def run_user_list(args: argparse.Namespace) -> int:
    runtime = _runtime(args)
    try:
        for u in runtime.auth.users.list():
            state = "" if u.active else " (deactivated)"
            print(f"{u.id}\t{u.name}\t{','.join(u.roles)}\t{','.join(u.teams)}{state}")
    finally:
        runtime.close()
    return 0


def run_token_create(args: argparse.Namespace) -> int:
    runtime = _runtime(args)
    try:
        user = runtime.auth.users.by_name(args.user)
        if user is None:
            raise FlowdeskError(f"no user named '{args.user}'", code="user_not_found")
        expires = timedelta(days=args.expires_in_days) if args.expires_in_days else None
        token, secret = runtime.auth.tokens.create(user.id, args.name, args.scopes or ["read"],
                                                   expires_in=expires, actor=CLI_ACTOR)
    finally:
        runtime.close()
    print(f"token {token.id} '{token.name}' for {user.name}, scopes {', '.join(token.scopes)}."
          " Its secret is shown now and never again:", file=sys.stderr)
    print(secret)
    return 0
