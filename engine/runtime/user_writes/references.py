"""References a user writes must point at records that user may read.

Every reference field in a create, an update or a transition's values is looked up through the
reader's own record filters (the SQL condition lists use), so a record the writer cannot read
is answered exactly like a missing one: the same ``reference_not_found`` issue, word for word,
and nobody can probe which ids exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, select

from engine.errors import ValidationFailed
from engine.objects.model import FieldType, ObjectType
from engine.objects.values import from_json
from engine.runtime.records import reference_not_found

__all__ = ["ReadableReferences"]

#: Ids beyond a signed 64-bit column cannot exist: they are missing without asking the database.
_MAX_ID = 2**63 - 1


class ReadableReferences:
    """Checks a payload's references for one reader: ``readable(object)`` is the SQL condition
    selecting the records of ``object`` the reader may read (``false()`` for none)."""

    def __init__(self, database: Engine, table: Callable[[str], Table],
                 readable: Callable[[str], ColumnElement[bool]]) -> None:
        self._database = database
        self._table = table
        self._readable = readable

    def check(self, obj: ObjectType, payload: Any,
              current: Mapping[str, Any] | None = None) -> None:
        """Refuse (``ValidationFailed``, ``reference_not_found``) every reference in ``payload``
        (JSON) to a record the reader may not read or that does not exist. A reference that
        keeps its ``current`` value is not a new write and is not looked up; a value of the
        wrong shape is left to the record's validation, which refuses it alike for any id."""
        if not isinstance(payload, Mapping):
            return
        wanted: list[tuple[str, str, int]] = []
        for name, value in payload.items():
            f = obj.fields.get(name)
            if f is None or f.type is not FieldType.REFERENCE or f.reference_to is None:
                continue
            try:
                record_id = from_json(value, f)
            except ValidationFailed:
                continue
            if record_id is None or record_id < 1 or (
                    current is not None and current.get(name) == record_id):
                continue  # no reference, one the schema refuses, or one already there
            wanted.append((name, f.reference_to, record_id))
        if not wanted:
            return
        issues = []
        with self._database.connect() as conn:
            for name, target, record_id in wanted:
                if record_id > _MAX_ID or conn.execute(
                        self._select(target, record_id)).first() is None:
                    issues.append(reference_not_found(name, target, record_id))
        if issues:
            raise ValidationFailed(issues)

    def _select(self, target: str, record_id: int) -> Any:
        table = self._table(target)
        return select(table.c.id).where(table.c.id == record_id, self._readable(target))
