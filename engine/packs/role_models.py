"""The pack format of ``roles/*.yaml`` (what each role may do with each object) and
``users/*.yaml`` (the attributes users carry)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from engine.packs.merge import MergeKeys
from engine.packs.models import (
    Identifier,
    Label,
    _label_from_str,
    _Spec,
)

__all__ = [
    "RoleObjectSpec", "RoleSpec", "UserAttributeSpec", "UsersSpec", "Permission",
]


Permission = bool | str


class RoleObjectSpec(_Spec):
    """What one role may do with the records of one object. Anything not granted is denied."""

    create: Permission = False
    """Whether the role may create records: ``true``, or a filter the new record must pass."""
    read: Permission = False
    """Which records the role sees: ``true`` (all) or a filter. Others look missing (404)."""
    update: Permission = False
    """Which of the records it sees the role may change (fields and transitions)."""
    delete: Permission = False
    """Which of the records it sees the role may delete."""
    hidden: list[Identifier] = Field(default_factory=list)
    """Fields the role never sees: absent from every answer, history entry, filter and sort."""
    read_only: list[Identifier] = Field(default_factory=list)
    """Fields the role sees but may not change once the record exists (it may give them when
    it creates one, where the ``create`` filter still applies)."""


class RoleSpec(_Spec):
    """A file under ``roles/``: one role and its permissions per object. A later pack's role
    with the same name replaces the base pack's whole (``extend: <role>`` merges instead).
    ``admin`` is the engine's own role (it may do everything) and cannot be declared."""

    merge_keys: ClassVar[MergeKeys] = MergeKeys("role", {})

    role: Identifier
    """The role's name, as given to users (``flowdesk user create NAME --role NAME``)."""
    label: Label | None = None
    """The role's name as people see it."""
    description: Label | None = None
    """What the role is for."""
    objects: dict[Identifier, RoleObjectSpec] = Field(default_factory=dict)
    """Object name → what the role may do with its records. Unlisted objects are denied."""

    _coerce_labels = field_validator("label", "description", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class UserAttributeSpec(_Spec):
    """An attribute every user carries, set by an admin, readable in rules as
    ``user.<name>``."""

    type: Literal["string", "integer", "boolean", "reference"]
    """The attribute's type."""
    to: Identifier | None = None
    """For a ``reference``: the object it points to (``user.<name>`` holds that id)."""
    label: Label | None = None
    """The attribute's name as people see it."""

    _coerce_label = field_validator("label", mode="before")(
        classmethod(lambda cls, v: _label_from_str(v))
    )


class UsersSpec(_Spec):
    """A file under ``users/``: the attributes users carry besides id, name, email, roles and
    teams. Later packs add attributes or replace one of the same name."""

    attributes: dict[Identifier, UserAttributeSpec] = Field(default_factory=dict)
    """Attribute name → its declaration, e.g. ``site: {type: reference, to: site}``."""
