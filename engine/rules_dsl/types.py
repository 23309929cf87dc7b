"""The DSL's own type system: primitives, enums, lists, records and references.

The object layer maps its field types onto these; nothing here knows about pack files. Every
type is frozen and hashable so checked expressions can be cached and compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "DslType",
    "PrimitiveType",
    "EnumType",
    "ListType",
    "RecordType",
    "RefType",
    "TypeParam",
    "STRING",
    "INTEGER",
    "DECIMAL",
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "DURATION",
    "NULL",
    "ANY",
    "ERROR",
    "PRIMITIVES",
    "is_numeric",
    "is_text",
    "is_orderable",
    "unify",
    "accepts",
    "type_from_spec",
]


class DslType:
    """Base of every DSL type; ``str(t)`` is the name shown in error messages."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class PrimitiveType(DslType):
    name: str

    def __str__(self) -> str:
        return self.name


STRING = PrimitiveType("string")
INTEGER = PrimitiveType("integer")
DECIMAL = PrimitiveType("decimal")
BOOLEAN = PrimitiveType("boolean")
DATE = PrimitiveType("date")
DATETIME = PrimitiveType("datetime")
DURATION = PrimitiveType("duration")
#: The type of the ``null`` literal; it fits wherever any other type is expected.
NULL = PrimitiveType("null")
#: Untyped JSON: the checker lets it through everywhere and the runtime guards every use.
ANY = PrimitiveType("json")
#: Internal: the type of a sub-expression that already failed to check, so one mistake is
#: reported once instead of cascading.
ERROR = PrimitiveType("<error>")

PRIMITIVES: Mapping[str, PrimitiveType] = MappingProxyType(
    {t.name: t for t in (STRING, INTEGER, DECIMAL, BOOLEAN, DATE, DATETIME, DURATION, NULL, ANY)}
)


@dataclass(frozen=True, slots=True)
class EnumType(DslType):
    """A string restricted to ``options``; order matters for ``<``/``>`` comparisons."""

    options: tuple[str, ...]

    def __init__(self, options: Iterable[str]) -> None:
        object.__setattr__(self, "options", tuple(options))

    def __str__(self) -> str:
        return f"enum<{','.join(self.options)}>"


@dataclass(frozen=True, slots=True)
class ListType(DslType):
    item: DslType

    def __str__(self) -> str:
        return f"list<{self.item}>"


@dataclass(frozen=True, init=False)
class RecordType(DslType):
    """A named record: ``fields`` maps each field name to its type."""

    name: str
    field_items: tuple[tuple[str, DslType], ...]
    _fields: Mapping[str, DslType] = field(compare=False, hash=False, repr=False)

    def __init__(self, name: str, fields: Mapping[str, DslType]) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "field_items", tuple(fields.items()))
        object.__setattr__(self, "_fields", MappingProxyType(dict(fields)))

    @property
    def fields(self) -> Mapping[str, DslType]:
        return self._fields

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class RefType(DslType):
    """A reference to a record of ``object_name``, resolved through the environment's objects.

    At run time the value is the loaded record (a mapping) or its id, which evaluation turns
    into the record through ``EvalContext.load``.
    """

    object_name: str

    def __str__(self) -> str:
        return f"ref<{self.object_name}>"


@dataclass(frozen=True, slots=True)
class TypeParam(DslType):
    """A type variable in a function signature (``T`` in ``coalesce(T, T) -> T``)."""

    name: str

    def __str__(self) -> str:
        return self.name


def is_numeric(t: DslType) -> bool:
    return t in (INTEGER, DECIMAL)


def is_text(t: DslType) -> bool:
    return t == STRING or isinstance(t, EnumType)


def is_orderable(t: DslType) -> bool:
    return t in (INTEGER, DECIMAL, STRING, DATE, DATETIME, DURATION) or isinstance(t, EnumType)


def unify(a: DslType, b: DslType) -> DslType | None:
    """The one type both ``a`` and ``b`` fit, or None when they do not mix."""
    if a == b:
        return a
    if a == ERROR:
        return b
    if b == ERROR:
        return a
    if a == NULL:
        return b
    if b == NULL:
        return a
    if ANY in (a, b):
        return ANY
    if is_numeric(a) and is_numeric(b):
        return DECIMAL
    if is_text(a) and is_text(b):
        return STRING
    if isinstance(a, ListType) and isinstance(b, ListType):
        item = unify(a.item, b.item)
        return ListType(item) if item is not None else None
    return None


def accepts(param: DslType, arg: DslType) -> bool:
    """Whether a value of type ``arg`` may be passed where ``param`` is expected."""
    if arg in (ERROR, NULL, ANY) or param in (ANY, arg):
        return True
    if param == DECIMAL and arg == INTEGER:
        return True
    if param == STRING and isinstance(arg, EnumType):
        return True
    if isinstance(param, ListType) and isinstance(arg, ListType):
        return accepts(param.item, arg.item)
    return False


_GENERIC = re.compile(r"^(list|ref|enum|record)<(.*)>$", re.S)


def type_from_spec(spec: object, objects: Mapping[str, RecordType] | None = None) -> DslType:
    """A type from its written form: ``"string"``, ``"list<string>"``, ``"enum<P1,P2>"``,
    ``"ref<customer>"``, ``"record<customer>"`` (needs ``objects``), ``{"enum": [...]}`` or
    ``{"list": spec}``. Used by conformance vectors and tools; raises ``ValueError``."""
    if isinstance(spec, Mapping):
        if "enum" in spec:
            return EnumType(str(o) for o in spec["enum"])
        if "list" in spec:
            return ListType(type_from_spec(spec["list"], objects))
        if "ref" in spec:
            return RefType(str(spec["ref"]))
        raise ValueError(f"unknown type spec {dict(spec)!r}")
    if not isinstance(spec, str):
        raise ValueError(f"unknown type spec {spec!r}")
    text = spec.strip()
    if text in PRIMITIVES:
        return PRIMITIVES[text]
    if text == "any":
        return ANY
    match = _GENERIC.match(text)
    if not match:
        raise ValueError(f"unknown type {text!r}")
    kind, inner = match.group(1), match.group(2).strip()
    if kind == "list":
        return ListType(type_from_spec(inner, objects))
    if kind == "ref":
        return RefType(inner)
    if kind == "enum":
        return EnumType(o.strip() for o in inner.split(",") if o.strip())
    if objects is None or inner not in objects:
        raise ValueError(f"unknown record type {inner!r}")
    return objects[inner]
