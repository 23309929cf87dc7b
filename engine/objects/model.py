"""Compiled object types: what the runtime, storage and forms work from.

Built once by the pack compiler from the pack models; immutable afterwards. Nothing here knows
any particular object: a pack declares them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from engine.errors import SourcePos

__all__ = [
    "FieldType",
    "Text",
    "EnumOption",
    "FieldDef",
    "IndexDef",
    "ValidationRule",
    "ObjectType",
    "Conversation",
    "SearchField",
    "SuggestWhen",
    "FormField",
    "FormSection",
    "FormDef",
    "SYSTEM_FIELDS",
    "RESERVED_FIELD_NAMES",
    "frozen_map",
]


class FieldType(StrEnum):
    STRING = "string"
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    DURATION = "duration"
    ENUM = "enum"
    MULTI_ENUM = "multi_enum"
    TAGS = "tags"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    REFERENCE = "reference"
    JSON = "json"

    @property
    def is_textual(self) -> bool:
        return self in _TEXTUAL

    @property
    def is_list(self) -> bool:
        return self in (FieldType.MULTI_ENUM, FieldType.TAGS)


_TEXTUAL = frozenset(
    {FieldType.STRING, FieldType.TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.URL}
)


def frozen_map(items: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only view of a copy of ``items`` (insertion order kept)."""
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class Text:
    """A text in several locales; ``en`` is the fallback."""

    en: str
    zh_cn: str | None = None

    def get(self, locale: str = "en") -> str:
        return self.zh_cn if locale == "zh-CN" and self.zh_cn else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, **({"zh-CN": self.zh_cn} if self.zh_cn else {})}


@dataclass(frozen=True, slots=True)
class EnumOption:
    value: str
    label: Text
    color: str | None = None


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One column of an object: its type, constraints and presentation."""

    name: str
    type: FieldType
    label: Text
    help: Text | None = None
    required: bool = False
    unique: bool = False
    indexed: bool = False
    default: Any = None
    minimum: float | int | None = None
    maximum: float | int | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    precision: int = 18
    scale: int = 4
    options: tuple[EnumOption, ...] = ()
    reference_to: str | None = None
    on_delete: str = "restrict"
    renamed_from: str | None = None
    read_only: bool = False
    #: The compiled DSL expression that sets this field on every write (``computed:``).
    computed: Any = field(default=None, compare=False)
    #: Engine-owned (id, created_at, ...): never written by users.
    system: bool = False
    pos: SourcePos | None = field(default=None, compare=False)

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


@dataclass(frozen=True, slots=True)
class IndexDef:
    name: str
    fields: tuple[str, ...]
    unique: bool = False


#: Engine-owned fields every object has, in column order.
SYSTEM_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("id", FieldType.INTEGER, Text("ID", "编号"), system=True, read_only=True),
    FieldDef(
        "created_at", FieldType.DATETIME, Text("Created at", "创建时间"), system=True,
        read_only=True,
    ),
    FieldDef(
        "updated_at", FieldType.DATETIME, Text("Updated at", "更新时间"), system=True,
        read_only=True,
    ),
    FieldDef(
        "created_by", FieldType.STRING, Text("Created by", "创建人"), system=True, read_only=True,
        max_length=128,
    ),
    FieldDef("version", FieldType.INTEGER, Text("Version", "版本"), system=True, read_only=True),
)

#: Names a pack may not give its own fields (the engine's namespace).
#: ``user`` and ``old`` are the rule DSL's names for the acting user and the record before a
#: change; a field of that name would hide them.
RESERVED_FIELD_NAMES = frozenset(f.name for f in SYSTEM_FIELDS) | {
    "updated_by", "deleted_at", "user", "old",
}


@dataclass(frozen=True, slots=True)
class ValidationRule:
    """A compiled ``validations:`` entry: ``check`` is a compiled boolean DSL expression."""

    name: str
    check: Any
    message: Text
    fields: tuple[str, ...] = ()
    on: str = "always"
    pos: SourcePos | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class SearchField:
    """A field full-text search indexes, and the weight of a match in it."""

    field: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class SuggestWhen:
    """The records of an object offered as suggestions: ``field`` (an enum) in ``values``."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Conversation:
    """The child object holding a record's messages, and how to tell public from internal."""

    object: str
    reference: str
    body: str
    kind: str | None = None
    public: str | None = None
    internal: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectType:
    """A compiled custom object. ``fields`` holds system fields first, then the pack's."""

    name: str
    label: Text
    plural: Text
    fields: Mapping[str, FieldDef]
    indexes: tuple[IndexDef, ...] = ()
    description: Text | None = None
    title_field: str | None = None
    validations: tuple[ValidationRule, ...] = ()
    pos: SourcePos | None = field(default=None, compare=False)
    #: What full-text search indexes (empty: the object is not searchable).
    search: tuple[SearchField, ...] = ()
    #: Which records suggestions offer (``None``: the object is never suggested).
    suggest: SuggestWhen | None = None
    #: The child object holding each record's conversation, when the pack says.
    conversation: Conversation | None = None

    @property
    def table_name(self) -> str:
        # A prefix keeps pack tables apart from the engine's own (flowdesk_*).
        return f"obj_{self.name}"

    @property
    def custom_fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields.values() if not f.system)

    def field(self, name: str) -> FieldDef:
        return self.fields[name]


@dataclass(frozen=True, slots=True)
class FormField:
    field: str
    widget: str | None = None
    read_only: bool = False
    label: Text | None = None
    help: Text | None = None
    placeholder: Text | None = None


@dataclass(frozen=True, slots=True)
class FormSection:
    fields: tuple[FormField, ...]
    title: Text | None = None
    description: Text | None = None
    columns: int = 1


@dataclass(frozen=True, slots=True)
class FormDef:
    name: str
    object: str
    label: Text
    purpose: str
    sections: tuple[FormSection, ...]
    pos: SourcePos | None = field(default=None, compare=False)
    #: the roles the form is for; empty: everyone
    roles: tuple[str, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(ff.field for s in self.sections for ff in s.fields)
