"""Agents' routing profiles: skills, capacity, availability and working calendar.

A profile belongs to a user (``flowdesk_users``); it is written by supervisors (skills,
capacity, calendar) and by the agents themselves (availability). Changes are audited under the
object name ``@agent`` (no pack object can take it) with the user's id as the record id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, insert, select, update

from engine.errors import FieldIssue, NotFound, ValidationFailed, did_you_mean
from engine.objects.storage.agent_tables import AGENT_PROFILES, AGENT_QUEUE_TURNS
from engine.objects.storage.identity_tables import TEAM_MEMBERS, TEAMS, USERS
from engine.packs.registry import Registry
from engine.runtime.unit_of_work import UnitOfWork
from engine.runtime.users import identity_tables, teams_of
from engine.workflows.assignment import AVAILABILITIES

__all__ = ["AGENT_OBJECT", "DEFAULT_CAPACITY", "AgentProfile", "AgentProfiles"]

AGENT_OBJECT = "@agent"
#: The capacity of a profile created by setting an agent's availability first.
DEFAULT_CAPACITY = 10
MAX_SKILLS = 100


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at else None


@dataclass(frozen=True, slots=True)
class AgentProfile:
    """A user as routing sees them (a user without a profile row has ``has_profile`` false
    and is never assigned)."""

    user_id: int
    name: str
    teams: tuple[str, ...]
    skills: tuple[str, ...] = ()
    capacity: int = 0
    availability: str = "offline"
    calendar: str | None = None
    last_assigned_at: datetime | None = None
    has_profile: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"user": self.name, "user_id": self.user_id, "teams": list(self.teams),
                "skills": list(self.skills), "capacity": self.capacity,
                "availability": self.availability, "calendar": self.calendar,
                "last_assigned_at": _iso(self.last_assigned_at),
                "has_profile": self.has_profile}


class AgentProfiles:
    """Reads and writes profiles inside a caller's transaction."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        tables = identity_tables()
        self.table: Table = tables[AGENT_PROFILES]
        #: one metadata for every table routing joins (tables of two metadatas never join)
        self.turns: Table = tables[AGENT_QUEUE_TURNS]
        self.users: Table = tables[USERS]
        self._users, self._teams, self._members = (
            tables[USERS], tables[TEAMS], tables[TEAM_MEMBERS])

    # -- reading ------------------------------------------------------------------------------

    def _teams_of(self, conn: Connection, user_ids: Iterable[int]) -> dict[int, list[str]]:
        return teams_of(conn, self._members, self._teams, user_ids)

    def _select(self) -> Any:
        p, u = self.table, self._users
        return (select(u.c.id, u.c.name, p.c.skills, p.c.capacity, p.c.availability,
                       p.c.calendar, p.c.last_assigned_at, p.c.id.label("profile_id"))
                .select_from(u.outerjoin(p, p.c.user_id == u.c.id))
                .where(u.c.active.is_(True)))

    def _profiles(self, conn: Connection, where: Any) -> list[AgentProfile]:
        rows = conn.execute(self._select().where(where).order_by(self._users.c.name)).all()
        teams = self._teams_of(conn, [r.id for r in rows])
        return [AgentProfile(
            user_id=r.id, name=r.name, teams=tuple(teams.get(r.id, ())),
            skills=tuple(r.skills or ()), capacity=r.capacity or 0,
            availability=r.availability or "offline", calendar=r.calendar,
            last_assigned_at=r.last_assigned_at, has_profile=r.profile_id is not None)
            for r in rows]

    def online_members(self, team: str, *columns: Any) -> Select[Any]:
        """A query of the active members of ``team`` who are online (the only agents routing
        may choose): ``columns``, by default user id, name, skills, capacity, calendar and
        last assignment."""
        p, u, m, t = self.table, self._users, self._members, self._teams
        wanted = columns or (u.c.id, u.c.name, p.c.skills, p.c.capacity, p.c.calendar,
                             p.c.last_assigned_at)
        return (select(*wanted)
                .select_from(u.join(p, p.c.user_id == u.c.id)
                             .join(m, m.c.user_id == u.c.id)
                             .join(t, t.c.id == m.c.team_id))
                .where(t.c.name == team, u.c.active.is_(True), p.c.availability == "online"))

    def agents(self, conn: Connection, teams: Sequence[str] = ()) -> list[AgentProfile]:
        """Every active user with a profile or a membership of one of ``teams``, by name."""
        ids = (select(self._members.c.user_id)
               .join(self._teams, self._teams.c.id == self._members.c.team_id)
               .where(self._teams.c.name.in_(list(teams))))
        return self._profiles(conn, self.table.c.id.is_not(None) | self._users.c.id.in_(ids))

    def get(self, conn: Connection, name: str) -> AgentProfile:
        """The agent named ``name``; ``agent_not_found`` (404) when no active user has it."""
        found = self._profiles(conn, self._users.c.name == name)
        if not found:
            raise NotFound(f"no user named '{name}'", code="agent_not_found")
        return found[0]

    # -- writing ------------------------------------------------------------------------------

    def _check(self, skills: Sequence[str] | None, calendar: str | None) -> None:
        issues = []
        for i, skill in enumerate(skills or ()):
            if not isinstance(skill, str) or not skill.strip() or len(skill) > 64:
                issues.append(FieldIssue(("skills", i), "a skill is 1 to 64 characters",
                                         "invalid_skill"))
        if skills is not None and len(skills) > MAX_SKILLS:
            issues.append(FieldIssue(("skills",), f"at most {MAX_SKILLS} skills",
                                     "too_many_skills"))
        calendars = self._registry.calendars
        if calendar is not None and calendar not in calendars:
            known = ", ".join(calendars) or "none are declared"
            issues.append(FieldIssue(("calendar",), f"unknown calendar '{calendar}'"
                                     f"{did_you_mean(calendar, calendars)}; calendars: {known}",
                                     "unknown_calendar"))
        if issues:
            raise ValidationFailed(issues)

    def change(self, uow: UnitOfWork, name: str, *, skills: Sequence[str] | None = None,
               capacity: int | None = None, availability: str | None = None,
               calendar: str | None = None, clear_calendar: bool = False) -> AgentProfile:
        """Set what is given on ``name``'s profile (created on first change), audited under
        ``@agent``; returns the profile before the change."""
        self._check(skills, calendar)
        if availability is not None and availability not in AVAILABILITIES:
            raise ValidationFailed([FieldIssue(
                ("availability",), f"'{availability}' is not one of "
                f"{', '.join(AVAILABILITIES)}", "enum")])
        before = self.get(uow.conn, name)
        values: dict[str, Any] = {"updated_at": uow.now}
        if skills is not None:
            values["skills"] = list(dict.fromkeys(s.strip() for s in skills))
        if capacity is not None:
            values["capacity"] = capacity
        if availability is not None:
            values["availability"] = availability
        if calendar is not None or clear_calendar:
            values["calendar"] = calendar
        if before.has_profile:
            uow.conn.execute(update(self.table).where(self.table.c.user_id == before.user_id)
                             .values(values))
        else:
            uow.conn.execute(insert(self.table).values(
                {"user_id": before.user_id, "skills": [], "capacity": DEFAULT_CAPACITY,
                 "availability": "offline", "calendar": None, "last_assigned_at": None}
                | values))
        old = before.as_json()
        for key in ("skills", "capacity", "availability", "calendar"):
            if key in values and (old[key] != values[key] or not before.has_profile):
                uow.log(AGENT_OBJECT, before.user_id, "agent_profile", key, old[key],
                        values[key], note=f"agent {name}")
        return before
