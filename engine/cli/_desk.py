"""``flowdesk desk``: set up a desk from its pack's seed (``desk/*.yaml``) and manage agents'
routing profiles from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli._serve import resolve_pack_paths
from engine.cli._users import add_pack_and_db_options
from engine.errors import PackError
from engine.runtime.factory import Runtime, build_engine, database_url_from_env

__all__ = ["register"]

ACTOR = "cli"


def register(subparsers: Any) -> None:
    desk = subparsers.add_parser("desk", help="desk setup: the pack's seed, agents' profiles")
    commands = desk.add_subparsers(dest="desk_command", metavar="COMMAND", required=True)
    apply = commands.add_parser(
        "apply", help="create the teams and users of the packs' desk/*.yaml that are missing "
        "and set their agents' routing profiles (safe to run again)")
    add_pack_and_db_options(apply)
    apply.set_defaults(handler=_apply)
    agent = commands.add_parser("agent", help="set an agent's routing profile")
    agent.add_argument("name")
    agent.add_argument("--skill", dest="skills", action="append", default=None,
                       help="a skill (repeatable); the given list replaces the agent's")
    agent.add_argument("--capacity", type=int, default=None)
    agent.add_argument("--availability", choices=["online", "away", "offline"], default=None)
    agent.add_argument("--calendar", default=None, help="a calendar the packs declare")
    add_pack_and_db_options(agent)
    agent.set_defaults(handler=_agent)
    agents = commands.add_parser("agents", help="list agents' routing profiles")
    add_pack_and_db_options(agents)
    agents.set_defaults(handler=_agents)


def _runtime(args: argparse.Namespace) -> Runtime:
    return build_engine(resolve_pack_paths(args.packs), args.db or database_url_from_env())


def _apply(args: argparse.Namespace) -> int:
    from engine.packs.desk_seed import read_desk_seeds
    from engine.packs.loader import load_packs
    from engine.runtime.desk_seed import apply_desk_seeds

    runtime = _runtime(args)
    try:
        seeds = read_desk_seeds(load_packs(resolve_pack_paths(args.packs)))
        report = apply_desk_seeds(runtime, seeds)
    except PackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    finally:
        runtime.close()
    print(f"teams created: {', '.join(report.teams_created) or 'none'}")
    print(f"users created: {', '.join(report.users_created) or 'none'}"
          + (f" (kept as they are: {', '.join(report.users_kept)})" if report.users_kept else ""))
    print(f"routing profiles set: {', '.join(report.profiles_set) or 'none'}")
    return 0


def _agent(args: argparse.Namespace) -> int:
    runtime = _runtime(args)
    try:
        with runtime.records.command(ACTOR) as uow:
            runtime.router.profiles.change(
                uow, args.name, skills=args.skills, capacity=args.capacity,
                availability=args.availability, calendar=args.calendar)
        with runtime.database.connect() as conn:
            profile = runtime.router.profiles.get(conn, args.name)
    finally:
        runtime.close()
    print(_line(profile))
    return 0


def _agents(args: argparse.Namespace) -> int:
    runtime = _runtime(args)
    try:
        with runtime.database.connect() as conn:
            for user in runtime.auth.users.list():
                profile = runtime.router.profiles.get(conn, user.name)
                if profile.has_profile:
                    print(_line(profile))
    finally:
        runtime.close()
    return 0


def _line(profile: Any) -> str:
    return (f"{profile.name}\tteams={','.join(profile.teams)}\tskills={','.join(profile.skills)}"
            f"\tcapacity={profile.capacity}\t{profile.availability}"
            + (f"\tcalendar={profile.calendar}" if profile.calendar else ""))
