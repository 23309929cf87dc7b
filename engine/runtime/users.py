"""The user directory: users, their roles, teams and attributes, and their passwords.

Passwords are hashed with argon2id (``argon2-cffi``); a login for an unknown name still spends
the time of one hash, so response times do not tell which names exist.
"""

from __future__ import annotations

import builtins
import re
import uuid
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from engine.errors import Conflict, FieldIssue, NotFound, ValidationFailed, did_you_mean
from engine.objects.permissions import ADMIN_ROLE, UserAttribute
from engine.objects.storable import id_problem, int64_problem, text_problem
from engine.objects.storage.identity_tables import TEAM_MEMBERS, TEAMS, USERS
from engine.objects.storage.system_tables import add_system_tables
from engine.objects.storage.tables import object_table
from engine.packs.registry import Registry
from engine.runtime.audit import AuditTrail
from engine.runtime.auth_events import AuthEvents
from engine.runtime.clock import Clock
from engine.runtime.principal import READ, SCOPES, WRITE, Principal
from engine.runtime.records import reference_not_found

__all__ = ["User", "Team", "UserDirectory", "MIN_PASSWORD_LENGTH", "identity_tables", "teams_of"]

MIN_PASSWORD_LENGTH = 8
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$")
_TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_. -]{0,63}$")
#: The locales a user may choose (the UI's languages).
USER_LOCALES = ("en", "zh-CN")


def identity_tables() -> dict[str, Table]:
    """The engine's own tables by name (declared once, as the migrations create them)."""
    metadata = MetaData()
    add_system_tables(metadata)
    return dict(metadata.tables)


def teams_of(conn: Connection, members: Table, teams: Table,
             user_ids: Iterable[int]) -> dict[int, list[str]]:
    """User id → the names of the user's teams, sorted."""
    out: dict[int, list[str]] = {}
    rows = conn.execute(
        select(members.c.user_id, teams.c.name)
        .join(teams, teams.c.id == members.c.team_id)
        .where(members.c.user_id.in_(list(user_ids)))
        .order_by(teams.c.name))
    for r in rows:
        out.setdefault(r.user_id, []).append(r.name)
    return out


def _attribute_problem(attribute: UserAttribute, value: Any) -> str | None:
    """Why ``value`` cannot be ``attribute``'s (not null), or ``None``."""
    if attribute.type == "reference":
        return id_problem(value)
    if attribute.type == "boolean":
        return None if isinstance(value, bool) else "expected a boolean"
    if attribute.type == "string":
        if not isinstance(value, str):
            return "expected a string"
        return text_problem(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return f"expected a {attribute.type}"
    return int64_problem(value)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    roles: tuple[str, ...]
    teams: tuple[str, ...] = ()
    display_name: str | None = None
    email: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    active: bool = True
    has_password: bool = False
    created_at: datetime | None = None
    locale: str | None = None
    time_zone: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "display_name": self.display_name,
            "email": self.email, "roles": list(self.roles), "teams": list(self.teams),
            "attributes": dict(self.attributes), "active": self.active,
            "has_password": self.has_password,
            "created_at": _iso(self.created_at) if self.created_at else None,
            "locale": self.locale, "time_zone": self.time_zone,
        }


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    name: str
    label: str | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "label": self.label}


class UserDirectory:
    """Users and teams in the database; every change is one transaction with its audit row."""

    def __init__(self, registry: Registry, database: Engine, clock: Clock, audit: AuditTrail,
                 *, hasher: PasswordHasher | None = None) -> None:
        self._registry = registry
        self._db = database
        self._clock = clock
        self._events = AuthEvents(audit, clock)
        self._hasher = hasher or PasswordHasher()
        # Verifying against this keeps a login for an unknown name as slow as a real one.
        self._dummy_hash = self._hasher.hash(uuid.uuid4().hex)
        tables = identity_tables()
        self._users, self._teams, self._members = (
            tables[USERS], tables[TEAMS], tables[TEAM_MEMBERS])
        declared = registry.access.user_attributes
        self._attribute_targets = {n: a.reference_to for n, a in declared.items()
                                   if a.reference_to is not None
                                   and a.reference_to in registry.objects}
        records = MetaData()
        self._attribute_tables = {n: object_table(registry.objects[to], records)
                                  for n, to in self._attribute_targets.items()}

    @property
    def events(self) -> AuthEvents:
        return self._events

    # -- checks ---------------------------------------------------------------------------

    def _check_roles(self, roles: Sequence[str], issues: list[FieldIssue]) -> None:
        known = self._registry.access.role_names
        if not roles:
            issues.append(FieldIssue(("roles",), "give at least one role; roles: "
                                     f"{', '.join(known)}", "required"))
        for i, role in enumerate(roles):
            if role not in known:
                issues.append(FieldIssue(("roles", i), f"unknown role '{role}'"
                                         f"{did_you_mean(role, known)}; roles: "
                                         f"{', '.join(known)}", "unknown_role"))

    def _check_attributes(self, attributes: Mapping[str, Any],
                          issues: list[FieldIssue]) -> None:
        declared = self._registry.access.user_attributes
        for name, value in attributes.items():
            a = declared.get(name)
            if a is None:
                known = ", ".join(declared) or "none are declared"
                issues.append(FieldIssue(("attributes", name), f"unknown user attribute "
                                         f"'{name}'{did_you_mean(name, declared)}; attributes: "
                                         f"{known}", "unknown_attribute"))
                continue
            if value is None:
                continue
            problem = _attribute_problem(a, value)
            if problem is not None:
                issues.append(FieldIssue(("attributes", name), problem, "type"))

    def _check_references(self, conn: Connection, attributes: Mapping[str, Any],
                          issues: list[FieldIssue]) -> None:
        """Reference attributes must name a record that exists (the types are checked)."""
        for name, value in attributes.items():
            table = self._attribute_tables.get(name)
            if table is None or id_problem(value) is not None:
                continue  # not a reference, or no id: refused by the type check
            if conn.execute(select(table.c.id).where(table.c.id == value)).first() is None:
                missing = reference_not_found(name, self._attribute_targets[name], value)
                issues.append(FieldIssue(("attributes", *missing.loc), missing.msg, missing.type))

    @staticmethod
    def _check_preferences(locale: str | None, time_zone: str | None,
                           issues: list[FieldIssue]) -> None:
        if locale and locale not in USER_LOCALES:
            issues.append(FieldIssue(("locale",), f"unknown locale '{locale}'; locales: "
                                     f"{', '.join(USER_LOCALES)}", "unknown_locale"))
        if time_zone:
            try:
                zoneinfo.ZoneInfo(time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                issues.append(FieldIssue(("time_zone",), f"unknown time zone '{time_zone}': "
                                         "give an IANA name such as Asia/Shanghai or UTC",
                                         "unknown_time_zone"))

    def _check_password(self, password: str | None, issues: list[FieldIssue]) -> None:
        if password is not None and len(password) < MIN_PASSWORD_LENGTH:
            issues.append(FieldIssue(("password",), f"a password needs at least "
                                     f"{MIN_PASSWORD_LENGTH} characters", "password_too_short"))

    def _team_ids(self, conn: Connection, teams: Sequence[str],
                  issues: list[FieldIssue]) -> list[int]:
        found = {r.name: r.id for r in conn.execute(
            select(self._teams.c.id, self._teams.c.name).where(self._teams.c.name.in_(teams)))}
        for i, name in enumerate(teams):
            if name not in found:
                issues.append(FieldIssue(("teams", i), f"unknown team '{name}': create it "
                                         "first (POST /api/admin/teams)", "unknown_team"))
        return [found[n] for n in teams if n in found]

    # -- reading --------------------------------------------------------------------------

    def _teams_of(self, conn: Connection, user_ids: Iterable[int]) -> dict[int, list[str]]:
        return teams_of(conn, self._members, self._teams, user_ids)

    def _user(self, row: Any, teams: Sequence[str]) -> User:
        return User(id=row.id, name=row.name, roles=tuple(row.roles), teams=tuple(teams),
                    display_name=row.display_name, email=row.email,
                    attributes=dict(row.attributes or {}), active=row.active,
                    has_password=row.password_hash is not None, created_at=row.created_at,
                    locale=row.locale, time_zone=row.time_zone)

    def _load(self, conn: Connection, where: Any) -> User | None:
        row = conn.execute(select(self._users).where(where)).first()
        if row is None:
            return None
        return self._user(row, self._teams_of(conn, [row.id]).get(row.id, []))

    def get(self, user_id: int) -> User:
        with self._db.connect() as conn:
            user = self._load(conn, self._users.c.id == user_id)
        if user is None:
            raise NotFound(f"no user with id {user_id}", code="user_not_found")
        return user

    def by_name(self, name: str) -> User | None:
        with self._db.connect() as conn:
            return self._load(conn, self._users.c.name == name)

    def list(self, *, limit: int | None = None, offset: int = 0) -> list[User]:
        """Users by id; ``limit`` and ``offset`` take one page of them."""
        query = select(self._users).order_by(self._users.c.id).offset(offset).limit(limit)
        with self._db.connect() as conn:
            rows = conn.execute(query).all()
            teams = self._teams_of(conn, [r.id for r in rows])
        return [self._user(r, teams.get(r.id, [])) for r in rows]

    def count(self) -> int:
        """How many users there are."""
        with self._db.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(self._users)).scalar_one())

    def principal(self, user: User, *, scopes: Iterable[str] | None = None,
                  via: str = "session", credential_id: int = 0) -> Principal:
        """``user`` as the acting principal of a request; without ``scopes`` (a session),
        every scope the user's roles allow (``admin`` for admins only)."""
        roles = frozenset(user.roles)
        if scopes is None:
            scopes = SCOPES if ADMIN_ROLE in roles else (READ, WRITE)
        return Principal(user_id=user.id, name=user.name, roles=roles,
                         teams=user.teams, email=user.email,
                         attributes=self._usable_attributes(user.attributes),
                         scopes=frozenset(scopes), via=via, credential_id=credential_id)

    def _usable_attributes(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """``stored`` with each declared attribute whose value it cannot hold (written before
        it was checked, or by hand) read as null: rules then see no record rather than one
        the database cannot look up."""
        declared = self._registry.access.user_attributes
        return {name: None if name in declared and value is not None
                and _attribute_problem(declared[name], value) is not None else value
                for name, value in stored.items()}

    def verify_password(self, name: str, password: str) -> User | None:
        """The active user ``name`` if ``password`` is theirs, else ``None``."""
        with self._db.connect() as conn:
            row = conn.execute(select(self._users).where(self._users.c.name == name)).first()
        stored = row.password_hash if row is not None and row.active else None
        try:
            self._hasher.verify(stored or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or stored is None:
            return None
        return self.get(row.id)

    # -- changing -------------------------------------------------------------------------

    def create(self, name: str, *, roles: Sequence[str], actor: str,
               password: str | None = None, email: str | None = None,
               display_name: str | None = None, teams: Sequence[str] = (),
               attributes: Mapping[str, Any] | None = None, locale: str | None = None,
               time_zone: str | None = None) -> User:
        """Create a user; audited as ``user_created``. ``locale`` and ``time_zone`` are the
        user's preferences (``None``: the browser's)."""
        issues: list[FieldIssue] = []
        if not _NAME.match(name):
            issues.append(FieldIssue(("name",), "a user name is 1 to 128 letters, digits or "
                                     "_ . @ + - (starting with a letter or digit)", "pattern"))
        self._check_roles(roles, issues)
        self._check_attributes(attributes or {}, issues)
        self._check_password(password, issues)
        self._check_preferences(locale, time_zone, issues)
        now = self._clock.now()
        change = str(uuid.uuid4())
        with self._db.begin() as conn:
            team_ids = self._team_ids(conn, teams, issues)
            self._check_references(conn, attributes or {}, issues)
            if issues:
                raise ValidationFailed(issues)
            try:
                user_id = conn.execute(insert(self._users).values(
                    name=name, display_name=display_name, email=email,
                    password_hash=self._hasher.hash(password) if password else None,
                    roles=list(dict.fromkeys(roles)), attributes=dict(attributes or {}),
                    active=True, locale=locale or None, time_zone=time_zone or None,
                    created_at=now, updated_at=now)).inserted_primary_key
                assert user_id is not None
                user_id = user_id[0]
            except IntegrityError:
                raise Conflict(f"a user named '{name}' exists already",
                               code="user_exists") from None
            for team_id in team_ids:
                conn.execute(insert(self._members).values(team_id=team_id, user_id=user_id))
            self._events.log(conn, "user_created", user_id=user_id, actor=actor,
                             change_id=change, details={"name": name, "roles": list(roles)})
        return self.get(user_id)

    def update(self, user_id: int, *, actor: str, roles: Sequence[str] | None = None,
               teams: Sequence[str] | None = None, attributes: Mapping[str, Any] | None = None,
               active: bool | None = None, password: str | None = None,
               email: str | None = None, display_name: str | None = None,
               locale: str | None = None, time_zone: str | None = None) -> User:
        """Change what is given; a change of roles is audited as ``roles_changed``. An
        empty ``locale`` or ``time_zone`` clears it."""
        issues: list[FieldIssue] = []
        if roles is not None:
            self._check_roles(roles, issues)
        if attributes is not None:
            self._check_attributes(attributes, issues)
        self._check_password(password, issues)
        self._check_preferences(locale, time_zone, issues)
        before = self.get(user_id)
        values: dict[str, Any] = {"updated_at": self._clock.now()}
        if roles is not None:
            values["roles"] = list(dict.fromkeys(roles))
        if attributes is not None:
            values["attributes"] = {**before.attributes, **attributes}
        if active is not None:
            values["active"] = active
        if password is not None:
            values["password_hash"] = self._hasher.hash(password)
        if email is not None:
            values["email"] = email
        if display_name is not None:
            values["display_name"] = display_name
        if locale is not None:
            values["locale"] = locale or None
        if time_zone is not None:
            values["time_zone"] = time_zone or None
        change = str(uuid.uuid4())
        with self._db.begin() as conn:
            team_ids = self._team_ids(conn, teams, issues) if teams is not None else None
            self._check_references(conn, attributes or {}, issues)
            if issues:
                raise ValidationFailed(issues)
            conn.execute(update(self._users).where(self._users.c.id == user_id).values(values))
            if team_ids is not None:
                conn.execute(delete(self._members).where(self._members.c.user_id == user_id))
                for team_id in team_ids:
                    conn.execute(insert(self._members).values(team_id=team_id, user_id=user_id))
            if roles is not None and list(before.roles) != values["roles"]:
                self._events.log(conn, "roles_changed", user_id=user_id, actor=actor,
                                 change_id=change,
                                 details={"old": list(before.roles), "new": values["roles"]})
            if active is False and before.active:
                self._events.log(conn, "user_deactivated", user_id=user_id, actor=actor,
                                 change_id=change)
        return self.get(user_id)

    # -- teams ----------------------------------------------------------------------------

    def teams(self) -> builtins.list[Team]:
        with self._db.connect() as conn:
            rows = conn.execute(select(self._teams).order_by(self._teams.c.name))
            return [Team(r.id, r.name, r.label) for r in rows]

    def create_team(self, name: str, label: str | None = None) -> Team:
        if not _TEAM.match(name):
            raise ValidationFailed([FieldIssue(("name",), "a team name is 1 to 64 letters, "
                                               "digits, spaces or _ . -", "pattern")])
        with self._db.begin() as conn:
            try:
                team_id = conn.execute(insert(self._teams).values(
                    name=name, label=label, created_at=self._clock.now())
                ).inserted_primary_key
                assert team_id is not None
            except IntegrityError:
                raise Conflict(f"a team named '{name}' exists already",
                               code="team_exists") from None
        return Team(int(team_id[0]), name, label)
