"""Who on the desk gets a notification: active users with an email address, chosen by name,
by role and by team membership, read inside the command's transaction."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, MetaData, select

from engine.objects.storage.identity_tables import TEAM_MEMBERS, TEAMS, USERS, add_identity_tables

__all__ = ["DeskDirectory"]


class DeskDirectory:
    """Reads the identity tables for addresses."""

    def __init__(self) -> None:
        metadata = MetaData()
        add_identity_tables(metadata)
        self._users = metadata.tables[USERS]
        self._teams = metadata.tables[TEAMS]
        self._members = metadata.tables[TEAM_MEMBERS]

    def addresses(self, conn: Connection, names: Collection[str], roles: Collection[str],
                  teams: Collection[str]) -> list[str]:
        """The sorted, distinct email addresses of active users named in ``names``, holding
        one of ``roles`` or belonging to one of ``teams``."""
        if not names and not roles and not teams:
            return []
        users, members_t, teams_t = self._users, self._members, self._teams
        members: set[int] = set()
        if teams:
            members = set(conn.execute(
                select(members_t.c.user_id).join(teams_t, teams_t.c.id == members_t.c.team_id)
                .where(teams_t.c.name.in_(sorted(teams)))).scalars())
        found: set[str] = set()
        # Roles are a JSON list per user: filter in Python (a desk has hundreds of users, not
        # millions, and JSON operators differ between SQLite and PostgreSQL).
        rows = conn.execute(select(users.c.id, users.c.name, users.c.roles, users.c.email)
                            .where(users.c.active.is_(True), users.c.email.is_not(None)))
        for user_id, name, user_roles, email in rows:
            if name in names or user_id in members or not set(roles).isdisjoint(user_roles or ()):
                found.add(email)
        return sorted(found)
