"""The demo's people: the role logins ``serve --demo`` prints, the script's desk users with
their teams and routing profiles, and portal users linked to accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.cli._server_security import seed_demo_users
from engine.cli.demo.script import DemoScript, UserPlan
from engine.runtime.factory import Runtime

__all__ = ["Login", "seed_people", "DEMO_ACTOR"]

#: The actor of the demo's user and profile changes.
DEMO_ACTOR = "demo"


@dataclass(frozen=True, slots=True)
class Login:
    """A user to print: name, password (``None``: an existing user, left as it was), roles,
    teams and what else to say about them."""

    name: str
    password: str | None
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    note: str = ""


def _ensure_teams(runtime: Runtime, names: Sequence[str]) -> None:
    users = runtime.auth.users
    existing = {t.name for t in users.teams()}
    for name in dict.fromkeys(names):
        if name not in existing:
            users.create_team(name)


def _desk_user(runtime: Runtime, plan: UserPlan, known_passwords: dict[str, str]) -> Login:
    users = runtime.auth.users
    found = users.by_name(plan.name)
    if found is None:
        user = users.create(plan.name, roles=plan.roles, password=plan.password,
                            email=plan.email, display_name=plan.display_name,
                            teams=plan.teams, actor=DEMO_ACTOR)
        password: str | None = plan.password
    else:
        teams = list(dict.fromkeys([*found.teams, *plan.teams]))
        roles = list(dict.fromkeys([*found.roles, *plan.roles]))
        user = users.update(found.id, roles=roles, teams=teams, actor=DEMO_ACTOR)
        password = known_passwords.get(plan.name)
    if plan.is_agent:
        changes: dict[str, object] = {"availability": plan.availability}
        if plan.skills is not None:
            changes["skills"] = list(plan.skills)
        if plan.capacity is not None:
            changes["capacity"] = plan.capacity
        if plan.calendar is not None:
            changes["calendar"] = plan.calendar
        runtime.router.set_profile(user.name, DEMO_ACTOR, **changes)
    note = f"skills {', '.join(plan.skills)}" if plan.skills else ""
    return Login(user.name, password, tuple(user.roles), tuple(user.teams), note)


def seed_people(runtime: Runtime, script: DemoScript, account_ids: Sequence[int],
                account_titles: Sequence[str]) -> list[Login]:
    """Create the demo's users (after the accounts, which portal users link to); users that
    exist keep their password and gain the script's roles and teams. Returns the logins."""
    role_logins = {name: password for name, password, _role in seed_demo_users(runtime)}
    _ensure_teams(runtime, [t for plan in script.users for t in plan.teams])
    logins = [_desk_user(runtime, plan, role_logins) for plan in script.users]
    listed = {login.name for login in logins}
    for name, password in role_logins.items():
        if name not in listed:
            user = runtime.auth.users.by_name(name)
            if user is not None:
                logins.insert(0, Login(name, password, tuple(user.roles), tuple(user.teams)))
    portal = script.portal
    if portal is not None:
        users = runtime.auth.users
        for name, account, title in zip(portal.names, account_ids, account_titles,
                                        strict=False):
            if users.by_name(name) is None:
                users.create(name, roles=[portal.role], password=portal.password,
                             attributes={portal.attribute: account}, actor=DEMO_ACTOR)
                logins.append(Login(name, portal.password, (portal.role,), (),
                                    f"portal user of {title} (#{account})"))
    return logins
