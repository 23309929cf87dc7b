"""Everything the runtime needs about one object, worked out once at start-up.

Requests never reflect tables, build validators or look up references by walking the registry:
they use a :class:`CompiledObject`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import Delete, Insert, Select, Table, bindparam, delete, select

from engine.objects.model import FieldType, ObjectType
from engine.objects.validation import RecordValidator
from engine.objects.values import from_json
from engine.runtime.integrity import ConstraintMap
from engine.runtime.record_rules import RecordRules

__all__ = ["IncomingReference", "CompiledObject", "compile_objects"]


@dataclass(frozen=True, slots=True)
class IncomingReference:
    """A reference field of ``source`` that points at the object this is attached to."""

    source: str
    field: str
    on_delete: str


@dataclass(frozen=True, slots=True)
class CompiledObject:
    obj: ObjectType
    table: Table
    validator: RecordValidator
    insert: Insert
    select_by_id: Select[tuple[object, ...]]
    exists_by_id: Select[tuple[object, ...]]
    delete_by_id: Delete
    #: reference field name -> name of the object it points to
    references: Mapping[str, str]
    incoming: tuple[IncomingReference, ...]
    constraints: ConstraintMap
    #: the fields a create logs in the audit trail (the pack's own, in order)
    audited_fields: tuple[str, ...]
    #: computed fields and validation rules, run on every write
    rules: RecordRules
    #: every field's ``default:`` (writable and read-only ones, not computed ones): each create
    #: path (API, automations, channels, imports) fills the fields it leaves out with them
    create_defaults: Mapping[str, object]

    @property
    def name(self) -> str:
        return self.obj.name


def _compile_one(
    obj: ObjectType, table: Table, incoming: tuple[IncomingReference, ...]
) -> CompiledObject:
    unique = {
        str(ix.name): tuple(c.name for c in ix.columns)
        for ix in table.indexes
        if ix.unique and ix.name
    }
    foreign = {
        fk.name: fk.parent.name for fk in table.foreign_keys if isinstance(fk.name, str)
    }
    return CompiledObject(
        obj=obj,
        table=table,
        validator=RecordValidator(obj),
        insert=table.insert(),
        select_by_id=select(table).where(table.c.id == bindparam("id")),
        exists_by_id=select(table.c.id).where(table.c.id == bindparam("id")),
        delete_by_id=delete(table).where(table.c.id == bindparam("id")),
        references={
            f.name: f.reference_to
            for f in obj.custom_fields
            if f.type is FieldType.REFERENCE and f.reference_to
        },
        incoming=incoming,
        constraints=ConstraintMap(table.name, unique, foreign),
        audited_fields=tuple(f.name for f in obj.custom_fields),
        rules=RecordRules(obj),
        create_defaults=MappingProxyType({
            f.name: from_json(f.default, f)
            for f in obj.custom_fields
            if f.default is not None and f.computed is None
        }),
    )


def compile_objects(
    objects: Mapping[str, ObjectType], tables: Mapping[str, Table]
) -> dict[str, CompiledObject]:
    """One :class:`CompiledObject` per object; ``tables`` maps object names to their tables."""
    incoming: dict[str, list[IncomingReference]] = {name: [] for name in objects}
    for obj in objects.values():
        for f in obj.custom_fields:
            if f.type is FieldType.REFERENCE and f.reference_to in incoming:
                incoming[f.reference_to].append(IncomingReference(obj.name, f.name, f.on_delete))
    return {
        name: _compile_one(obj, tables[name], tuple(incoming[name]))
        for name, obj in objects.items()
    }
