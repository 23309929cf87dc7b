"""Permissions enforced: what a principal may see and do with records, on every path.

The record and transition services stay generic; this layer sits in front of them. Reads are
narrowed in SQL (the role's record filters become a condition, so lists page and count only
visible records); writes are checked against the record as it is and as it would become, and
run with the version that was checked (optimistic versions make the check race-free). A record
the user may not read answers exactly like a missing one (404 ``record_not_found``); hidden
fields are removed from every answer and history entry and cannot be filtered or sorted by.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true

from engine.errors import FieldIssue, Forbidden, NotFound, ValidationFailed, did_you_mean
from engine.objects.dsl_types import record_types
from engine.objects.filter_sql import filter_condition
from engine.objects.model import ObjectType, frozen_map
from engine.objects.permissions import ACTIONS, ADMIN_ROLE, Grant, RecordFilter
from engine.objects.validation import RecordValidator
from engine.packs.registry import Registry
from engine.rules_dsl import EvalContext, RecordType
from engine.runtime.audit import HistoryEntry
from engine.runtime.list_query import parse_list_params
from engine.runtime.principal import Principal
from engine.runtime.records import RecordPage, RecordService
from engine.runtime.transitions import AvailableTransitions, TransitionService
from engine.runtime.user_writes import OwnedFields, ReadableReferences
from engine.workflows.state_machine import Transition

__all__ = ["AccessControl", "UserAccess", "ObjectAccess"]


@dataclass(frozen=True, slots=True)
class ObjectAccess:
    """What a set of roles may do with one object: per action ``True``, ``False`` or the
    filters of which one must hold; the fields hidden and read-only (``read_only`` for those
    who update, ``create_read_only`` for those who create: where such a field is filled from
    the user, they may not give it); the object as they see it (hidden fields left out) and
    validators over that view."""

    obj: ObjectType
    grants: Mapping[str, bool | tuple[RecordFilter, ...]]
    hidden: frozenset[str]
    read_only: frozenset[str]
    view: ObjectType
    update_validator: RecordValidator
    create_read_only: frozenset[str] = frozenset()

    @property
    def any_grant(self) -> bool:
        return any(g is not False for g in self.grants.values())


def _union(grants: Iterable[Grant]) -> bool | tuple[RecordFilter, ...]:
    filters: list[RecordFilter] = []
    for g in grants:
        if g is True:
            return True
        if isinstance(g, RecordFilter):
            filters.append(g)
    return tuple(filters) if filters else False


#: History entries the engine writes for the desk (automations, emails, SLA clocks); a role
#: that has hidden fields on the object does not see them.
INTERNAL_HISTORY_ACTIONS = frozenset({"comment", "automation_error", "email_queued", "sla"})


def _without(obj: ObjectType, hidden: frozenset[str], read_only: frozenset[str]) -> ObjectType:
    fields = {n: dataclasses.replace(f, read_only=True) if n in read_only else f
              for n, f in obj.fields.items() if n not in hidden}
    return dataclasses.replace(obj, fields=frozen_map(fields))


@contextmanager
def _no_hidden_names(access: ObjectAccess) -> Iterator[None]:
    """Drop suggestions (``did you mean 'x'?``) that would name a hidden field."""
    try:
        yield
    except ValidationFailed as exc:
        if not access.hidden:
            raise
        hidden = "|".join(re.escape(name) for name in sorted(access.hidden))
        pattern = re.compile(rf" \(did you mean '(?:{hidden})'\?\)")
        raise ValidationFailed([FieldIssue(i.loc, pattern.sub("", i.msg), i.type)
                                for i in exc.issues], code=exc.code) from None


class AccessControl:
    """Permissions of every role over ``records``; :meth:`for_user` binds them to a principal.

    The effective access of each set of roles to each object is worked out once, on first use,
    and kept (the sets in use are few)."""

    def __init__(self, registry: Registry, records: RecordService,
                 transitions: TransitionService) -> None:
        self.registry = registry
        self.records = records
        self.transitions = transitions
        self.owned = OwnedFields(registry.access.user_defaults)
        self._cache: dict[tuple[str, frozenset[str]], ObjectAccess] = {}
        self._rule_types: dict[frozenset[str], Mapping[str, RecordType]] = {}

    def object_access(self, object_name: str, roles: frozenset[str]) -> ObjectAccess:
        key = (object_name, roles)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        obj = self.registry.object(object_name)
        if ADMIN_ROLE in roles:
            grants: dict[str, bool | tuple[RecordFilter, ...]] = dict.fromkeys(ACTIONS, True)
            hidden: frozenset[str] = frozenset()
            read_only: frozenset[str] = frozenset()
            create_read_only: frozenset[str] = frozenset()
        else:
            perms = [r.objects[obj.name] for name in sorted(roles)
                     if (r := self.registry.access.roles.get(name)) and obj.name in r.objects]
            grants = {a: _union(p.grant(a) for p in perms) for a in ACTIONS}
            readers = [p for p in perms if p.read is not False]
            # A field is hidden when every role that reads the object hides it.
            hidden = (frozenset.intersection(*(p.hidden for p in readers))
                      if readers else frozenset(obj.fields) - {"id"})
            writers = [p for p in perms if p.update is not False]
            read_only = (frozenset.intersection(*(p.read_only for p in writers))
                         if writers else frozenset())
            creators = [p for p in perms if p.create is not False]
            create_read_only = (frozenset.intersection(*(p.read_only for p in creators))
                                if creators else frozenset())
        view = _without(obj, hidden, frozenset())
        access = ObjectAccess(
            obj=obj, grants=frozen_map(grants), hidden=hidden, read_only=read_only,
            view=view,
            update_validator=RecordValidator(_without(obj, hidden, read_only)),
            create_read_only=create_read_only)
        self._cache[key] = access
        return access

    def rule_types(self, roles: frozenset[str]) -> Mapping[str, RecordType]:
        """The objects as rules written by ``roles`` may see them: those they may read, each
        without the fields hidden from them (admins: every object and field)."""
        cached = self._rule_types.get(roles)
        if cached is None:
            views = {}
            for name in self.registry.objects:
                access = self.object_access(name, roles)
                if access.grants["read"] is not False:
                    views[name] = access.view
            cached = self._rule_types[roles] = frozen_map(record_types(views))
        return cached

    def for_user(self, principal: Principal) -> UserAccess:
        return UserAccess(self, principal)


class UserAccess:
    """The record and transition commands as one principal may use them."""

    def __init__(self, control: AccessControl, principal: Principal) -> None:
        self._control = control
        self._records = control.records
        self._transitions = control.transitions
        self.principal = principal
        self._user = principal.dsl_user()
        self._references = ReadableReferences(
            self._records.database, self._records.table,
            lambda name: self.scope(control.object_access(name, principal.roles), "read"))

    # -- what the user may see -----------------------------------------------------------

    def access(self, object_name: str) -> ObjectAccess:
        """The principal's access to ``object_name``. An object they may do nothing with is
        reported as unknown (404 ``unknown_object``), like one that does not exist."""
        registry = self._control.registry
        if object_name in registry.objects:
            access = self._control.object_access(object_name, self.principal.roles)
            if access.any_grant:
                return access
        # Suggestions come from the objects the user may use only: no name leaks.
        usable = [n for n in registry.objects
                  if self._control.object_access(n, self.principal.roles).any_grant]
        raise NotFound(f"unknown object '{object_name}'{did_you_mean(object_name, usable)}",
                       code="unknown_object")

    def rule_types(self) -> Mapping[str, RecordType]:
        """The objects and fields the principal's rules may name (see
        :meth:`AccessControl.rule_types`)."""
        return self._control.rule_types(self.principal.roles)

    def readable_objects(self) -> builtins.list[ObjectAccess]:
        """The objects the principal may read, in the packs' order."""
        out = []
        for name in self._control.registry.objects:
            access = self._control.object_access(name, self.principal.roles)
            if access.grants["read"] is not False:
                out.append(access)
        return out

    def scope(self, access: ObjectAccess, action: str) -> ColumnElement[bool]:
        """The SQL condition selecting the records ``action`` is granted on."""
        grant = access.grants[action]
        if grant is True:
            return true()
        if grant is False:
            return false()
        registry = self._control.registry
        tables = {name: self._records.table(name) for name in registry.objects}
        return or_(*(filter_condition(f.tree, access.obj, registry.objects, tables, self._user)
                     for f in grant))

    def _denied(self, access: ObjectAccess, action: str, why: str = "") -> Forbidden:
        roles = ", ".join(sorted(self.principal.roles)) or "none"
        return Forbidden(
            f"your roles ({roles}) may not {action} {access.obj.name} records{why}",
            code="permission_denied")

    @staticmethod
    def _filters_refusing(access: ObjectAccess, action: str) -> str:
        """Which rule refused a write: the role filters of ``action`` the values had to match,
        leaving out any that reads a field hidden from the user."""
        grant = access.grants[action]
        if not isinstance(grant, tuple):
            return ""
        shown = [f"'{' '.join(f.source.split())}'" for f in grant
                 if not {p.split(".")[0] for p in f.check.paths_read} & access.hidden]
        if len(shown) < len(grant) or not shown:
            return ""
        return f": the record must match {' or '.join(shown)} (your roles' {action} rule)"

    @contextmanager
    def _context(self) -> Iterator[EvalContext]:
        """Rules evaluated for the principal now, following references on one connection."""
        with self._records.database.connect() as conn:
            yield EvalContext(now=self._records.clock.now(),
                              load=self._records.loader(conn), user=self._user)

    def _row(self, access: ObjectAccess, record_id: int) -> dict[str, Any]:
        """The record in storage form if the principal may read it, else ``record_not_found``."""
        table = self._records.table(access.obj.name)
        statement = select(table).where(table.c.id == record_id, self.scope(access, "read"))
        with self._records.database.connect() as conn:
            row = conn.execute(statement).mappings().first()
        if row is None:
            raise NotFound(f"no {access.obj.name} with id {record_id}", code="record_not_found")
        return dict(row)

    def _may(self, access: ObjectAccess, action: str, record_id: int) -> bool:
        grant = access.grants[action]
        if grant is True or grant is False:
            return grant
        table = self._records.table(access.obj.name)
        statement = select(table.c.id).where(table.c.id == record_id, self.scope(access, action))
        with self._records.database.connect() as conn:
            return conn.execute(statement).first() is not None

    def _holds(self, access: ObjectAccess, action: str, row: Mapping[str, Any]) -> bool:
        """Whether ``row`` (storage values, as it would be written) is within ``action``'s
        grant, by the filters evaluated in Python (the row is not stored yet)."""
        grant = access.grants[action]
        if grant is True or grant is False:
            return grant
        with self._context() as ctx:
            return any(f.check.evaluate(row, ctx) is True for f in grant)

    @staticmethod
    def _refuse_keys(access: ObjectAccess, payload: Any, refused: frozenset[str]) -> None:
        """Refuse writing hidden fields (as unknown ones) and the role's read-only fields."""
        if not isinstance(payload, Mapping):
            return  # the record service reports the shape
        issues = [FieldIssue((key,), f"unknown field '{key}' on '{access.obj.name}'"
                             if key in access.hidden else f"'{key}' is read-only",
                             "additionalProperties")
                  for key in payload if key in refused]
        if issues:
            raise ValidationFailed(issues)

    @staticmethod
    def _converted(validate: Any, payload: Any) -> dict[str, Any] | None:
        """``payload`` as storage values, or ``None`` when it is invalid: the record service
        then refuses it with its own, complete, error."""
        try:
            values: dict[str, Any] = validate(payload)
        except ValidationFailed:
            return None
        return values

    def strip(self, access: ObjectAccess, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` without the fields hidden from the principal."""
        if not access.hidden:
            return record
        return {k: v for k, v in record.items() if k not in access.hidden}

    # -- commands ------------------------------------------------------------------------

    def list(self, object_name: str, params: Iterable[tuple[str, str]]) -> RecordPage:
        """The records the principal may read that match the query-string ``params``; a
        filter or sort on a hidden field is refused as one on an unknown field."""
        access = self.access(object_name)
        if access.grants["read"] is False:
            raise self._denied(access, "list")
        query = parse_list_params(access.view, params)
        page = self._records.list(
            access.obj.name, query.filters, query.sort, limit=query.limit, offset=query.offset,
            scope=self.scope(access, "read"))
        return dataclasses.replace(page, items=[self.strip(access, r) for r in page.items])

    def get(self, object_name: str, record_id: int) -> dict[str, Any]:
        access = self.access(object_name)
        self._row(access, record_id)
        return self.strip(access, self._records.get(access.obj.name, record_id))

    def create(self, object_name: str, payload: Any) -> dict[str, Any]:
        access = self.access(object_name)
        if access.grants["create"] is False:
            raise self._denied(access, "create")
        self._refuse_keys(access, payload, access.hidden)
        owned = self._control.owned
        if owned.fills(access.obj.name):
            with self._context() as ctx:
                payload = owned.fill(access.obj, payload, access.create_read_only, ctx)
        # References first: the create rule may read through them (ticket.customer), and a
        # record the user may not read must answer like a missing one, not pass or fail it.
        self._references.check(access.obj, payload)
        if access.grants["create"] is not True:
            # Hidden keys the user gave are refused above; filled ones are the engine's.
            validator = self._records.compiled(access.obj.name).validator
            values = self._converted(validator.validate_create, payload)
            row = dict.fromkeys(access.obj.fields) | (values or {})
            if values is not None and not self._holds(access, "create", row):
                raise self._denied(access, "create", " with these values"
                                   + self._filters_refusing(access, "create"))
        with _no_hidden_names(access):
            record = self._records.create(access.obj.name, payload, self.principal.name)
        return self.strip(access, record)

    def update(self, object_name: str, record_id: int, patch: Any, *,
               expected_version: int) -> dict[str, Any]:
        access = self.access(object_name)
        row = self._row(access, record_id)
        if not self._may(access, "update", record_id):
            raise self._denied(access, "update", f" such as {access.obj.name} {record_id}")
        self._refuse_keys(access, patch, access.hidden | access.read_only)
        self._references.check(access.obj, patch, current=row)
        if access.grants["update"] is not True:
            changes = self._converted(access.update_validator.validate_update, patch)
            if changes is not None and not self._holds(access, "update", row | changes):
                raise self._denied(access, "update", " into one with these values"
                                   + self._filters_refusing(access, "update"))
        with _no_hidden_names(access):
            record = self._records.update(access.obj.name, record_id, patch,
                                          expected_version=expected_version,
                                          actor=self.principal.name)
        return self.strip(access, record)

    def delete(self, object_name: str, record_id: int, *,
               expected_version: int | None = None) -> None:
        access = self.access(object_name)
        row = self._row(access, record_id)
        if not self._may(access, "delete", record_id):
            raise self._denied(access, "delete", f" such as {access.obj.name} {record_id}")
        # The version checked is the version deleted: a change in between makes it stale.
        self._records.delete(access.obj.name, record_id,
                             expected_version=expected_version or row["version"],
                             actor=self.principal.name)

    def history(self, object_name: str, record_id: int) -> builtins.list[dict[str, Any]]:
        """The record's audit trail without entries or values of hidden fields. A deleted
        record's trail is shown to those who may read every record (no filter can tell
        whether the deleted record was theirs)."""
        access = self.access(object_name)
        if access.grants["read"] is not True:
            self._row(access, record_id)
        return [e for e in (self._entry(access, h) for h in
                            self._records.history(access.obj.name, record_id)) if e is not None]

    def _entry(self, access: ObjectAccess, entry: HistoryEntry) -> dict[str, Any] | None:
        if entry.field is not None and entry.field in access.hidden:
            return None
        if access.hidden and entry.action in INTERNAL_HISTORY_ACTIONS:
            # Automation comments, queued emails (with desk addresses), SLA events: desk
            # talk, kept from anyone the object hides fields from.
            return None
        out = entry.as_json()
        for key in ("old", "new"):
            if isinstance(out[key], dict):
                out[key] = self.strip(access, out[key])
        return out

    # -- transitions ---------------------------------------------------------------------

    def _may_take(self, roles: Iterable[str]) -> bool:
        wanted = set(roles)
        return not wanted or self.principal.is_admin or bool(wanted & self.principal.roles)

    def available_transitions(self, object_name: str, record_id: int) -> AvailableTransitions:
        """The transitions the principal may take now: those of their roles, and none if they
        may not update the record."""
        access = self.access(object_name)
        self._row(access, record_id)
        found = self._transitions.available(access.obj.name, record_id, self.principal.name,
                                            user=self._user)
        if not self._may(access, "update", record_id):
            return dataclasses.replace(found, allowed=(), blocked=())

        def shown(t: Transition) -> bool:
            # A blocked transition shows its guard's text: not if it names hidden fields.
            reads = t.guard.check.paths_read if t.guard is not None else frozenset()
            return not {p.split(".")[0] for p in reads} & access.hidden

        return dataclasses.replace(
            found,
            allowed=tuple(t for t in found.allowed if self._may_take(t.roles)),
            blocked=tuple((t, p) for t, p in found.blocked
                          if self._may_take(t.roles) and shown(t)))

    def transition(self, object_name: str, record_id: int, name: str, *,
                   values: Mapping[str, Any], expected_version: int) -> dict[str, Any]:
        access = self.access(object_name)
        row = self._row(access, record_id)
        if not self._may(access, "update", record_id):
            raise self._denied(access, "update", f" such as {access.obj.name} {record_id}")
        machine = self._transitions.machine(access.obj.name)
        t = machine.transitions.get(name)
        if t is not None and not self._may_take(t.roles):
            raise Forbidden(
                f"transition '{name}' is for roles {', '.join(t.roles)}; yours: "
                f"{', '.join(sorted(self.principal.roles)) or 'none'}",
                code="transition_forbidden")
        self._refuse_keys(access, values, access.hidden | access.read_only)
        self._references.check(access.obj, values, current=row)
        with _no_hidden_names(access):
            record = self._transitions.transition(
                access.obj.name, record_id, name, values=values,
                expected_version=expected_version, actor=self.principal.name, user=self._user)
        return self.strip(access, record)
