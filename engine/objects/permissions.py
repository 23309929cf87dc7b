"""Compiled permissions: roles, what each may do with each object, and the user's shape.

Built once by the pack compiler from ``roles/*.yaml`` and ``users/*.yaml``; immutable. The
engine's one built-in role, ``admin``, may do everything and is never declared by a pack; every
other role (the default pack ships supervisor, agent and its portal users' role) is data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.errors import SourcePos
from engine.objects.model import Text, frozen_map
from engine.rules_dsl import DEFAULT_USER_TYPE, CompiledExpression, RecordType
from engine.rules_dsl.nodes import Node

__all__ = [
    "ADMIN_ROLE",
    "ACTIONS",
    "RecordFilter",
    "Grant",
    "ObjectPermissions",
    "Role",
    "UserAttribute",
    "AccessPolicy",
    "BASE_USER_FIELDS",
]

#: The engine's own role: every permission, user administration included.
ADMIN_ROLE = "admin"
#: The record actions a role is granted per object.
ACTIONS = ("create", "read", "update", "delete")
#: What every user carries; packs add attributes (``users/*.yaml``).
BASE_USER_FIELDS = tuple(DEFAULT_USER_TYPE.fields)


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """A checked boolean DSL filter over one object's records, within the subset that
    :mod:`engine.objects.filter_sql` turns into SQL (so lists filter in the database)."""

    source: str
    tree: Node
    check: CompiledExpression
    pos: SourcePos | None = None


#: ``True`` (every record), ``False`` (none) or the records a filter selects.
Grant = bool | RecordFilter


@dataclass(frozen=True, slots=True)
class ObjectPermissions:
    """What one role may do with one object's records."""

    object: str
    create: Grant = False
    read: Grant = False
    update: Grant = False
    delete: Grant = False
    hidden: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset()

    def grant(self, action: str) -> Grant:
        """The grant for ``action`` (one of :data:`ACTIONS`)."""
        grant: Grant = getattr(self, action)
        return grant


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    label: Text
    description: Text | None = None
    objects: Mapping[str, ObjectPermissions] = field(default_factory=frozen_map)


@dataclass(frozen=True, slots=True)
class UserAttribute:
    """A pack-declared attribute of every user (``user.<name>`` in rules)."""

    name: str
    type: str  # string, integer, boolean, reference
    reference_to: str | None = None
    label: Text | None = None


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """The roles the packs declare (``admin`` besides), the user attributes, the user as
    rules see it, and the fields filled from the user."""

    roles: Mapping[str, Role] = field(default_factory=frozen_map)
    user_attributes: Mapping[str, UserAttribute] = field(default_factory=frozen_map)
    user_type: RecordType = DEFAULT_USER_TYPE
    #: object -> field -> what the field takes from the signed-in user (``from_user:``)
    user_defaults: Mapping[str, Mapping[str, CompiledExpression]] = field(
        default_factory=frozen_map)

    @property
    def role_names(self) -> tuple[str, ...]:
        """Every role a user may hold, ``admin`` first."""
        return (ADMIN_ROLE, *self.roles)
