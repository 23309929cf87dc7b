"""Records as templates see them: ``{{ record.asset.customer.name }}`` follows references the
way the rule DSL does.

A record is a :class:`RecordView`: its fields by name, a reference field as a
:class:`ReferenceView` that renders as the referenced record's id (``#{{ record.ticket }}``)
and loads that record, once, only when a field of it is read. The paths a template reads are
checked at load (:func:`engine.workflows.templates.compile_template`); here they only resolve.
Loads per render are bounded, so a template cannot walk the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["RecordView", "ReferenceView", "record_view", "MAX_LOADS_PER_RENDER",
           "RecordJson"]

#: How many referenced records one render may load.
MAX_LOADS_PER_RENDER = 50

#: ``load(object, id)`` → the record as JSON (what the API shows), or None when missing.
RecordJson = Callable[[str, Any], Mapping[str, Any] | None]


class _Budget:
    __slots__ = ("loads",)

    def __init__(self) -> None:
        self.loads = 0


class RecordView:
    """A record's fields by name (``record.subject``, ``record["subject"]``); reference
    fields are :class:`ReferenceView`s. Only ``[]`` is offered, so no field name is shadowed
    by a method."""

    __slots__ = ("_object", "_values", "_references", "_load", "_budget")

    def __init__(self, object_name: str, values: Mapping[str, Any],
                 references: Mapping[str, Mapping[str, str]], load: RecordJson,
                 budget: _Budget) -> None:
        self._object, self._values = object_name, values
        self._references, self._load, self._budget = references, load, budget

    def __getitem__(self, name: str) -> Any:
        value = self._values[name]
        target = self._references.get(self._object, {}).get(name)
        if target is None:
            return value
        return ReferenceView(target, value, self._references, self._load, self._budget)

    def __str__(self) -> str:
        return str(self._values.get("id", ""))


class ReferenceView:
    """A reference field's value: renders as the id, and reads the referenced record's fields
    (``record.asset.serial_number``), loading it at the first read. As in the rule DSL, an
    empty reference or a missing record reads as null fields; an empty one is false and
    renders as nothing."""

    __slots__ = ("_object", "_id", "_references", "_load", "_budget", "_record")

    def __init__(self, object_name: str, record_id: Any,
                 references: Mapping[str, Mapping[str, str]], load: RecordJson,
                 budget: _Budget) -> None:
        self._object, self._id = object_name, record_id
        self._references, self._load, self._budget = references, load, budget
        self._record: RecordView | None = None

    def __getitem__(self, name: str) -> Any:
        if self._id is None:
            return None
        if self._record is None:
            if self._budget.loads >= MAX_LOADS_PER_RENDER:
                raise ValueError(f"the template follows more than {MAX_LOADS_PER_RENDER} "
                                 "references")
            self._budget.loads += 1
            found = self._load(self._object, self._id)
            self._record = RecordView(self._object, found or {}, self._references, self._load,
                                      self._budget)
        return self._record[name] if name in self._record._values else None

    def __str__(self) -> str:
        return "" if self._id is None else str(self._id)

    def __bool__(self) -> bool:
        return self._id is not None

    def __int__(self) -> int:
        return int(self._id)

    def __eq__(self, other: object) -> bool:
        return self._id == (other._id if isinstance(other, ReferenceView) else other)

    def __hash__(self) -> int:
        return hash(self._id)


def record_view(object_name: str, values: Mapping[str, Any] | None,
                references: Mapping[str, Mapping[str, str]], load: RecordJson
                ) -> RecordView | None:
    """``values`` (a record as JSON) as templates read it; ``references`` maps each object to
    its reference fields and their targets. None stays None (``old`` on a create)."""
    if values is None:
        return None
    return RecordView(object_name, values, references, load, _Budget())
