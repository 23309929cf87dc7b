"""A migration plan: the ordered changes that bring a database to what the packs declare.

Plain data. :func:`~engine.objects.storage.planner.plan` makes one by comparing the packs with
the live database; :func:`~engine.objects.storage.applier.apply` carries it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.objects.model import ObjectType

__all__ = ["ChangeKind", "Change", "MigrationPlan", "UP_TO_DATE"]

UP_TO_DATE = "database is up to date"


class ChangeKind(StrEnum):
    """What one change does. Listed in the order a plan runs them: constraints that would
    get in the way go first, then tables and columns, then new indexes and foreign keys."""

    DROP_FOREIGN_KEY = "drop_foreign_key"
    DROP_INDEX = "drop_index"
    DROP_UNIQUE = "drop_unique"
    DROP_COLUMN = "drop_column"
    DROP_TABLE = "drop_table"
    CREATE_TABLE = "create_table"
    RENAME_COLUMN = "rename_column"
    ADD_COLUMN = "add_column"
    CHANGE_TYPE = "change_type"
    WIDEN_TYPE = "widen_type"
    NARROW_TYPE = "narrow_type"
    DROP_NOT_NULL = "drop_not_null"
    SET_NOT_NULL = "set_not_null"
    ADD_INDEX = "add_index"
    ADD_UNIQUE = "add_unique"
    ADD_FOREIGN_KEY = "add_foreign_key"
    #: SQLite's FTS5 table over the search index (no SQLAlchemy table can declare it).
    ADD_FULL_TEXT = "add_full_text"

    @property
    def symbol(self) -> str:
        """``+`` adds, ``-`` removes, ``~`` changes (how a plan prints)."""
        if self.value.startswith(("create", "add")):
            return "+"
        if self.value.startswith("drop") and self is not ChangeKind.DROP_NOT_NULL:
            return "-"
        return "~"


#: Position of each kind in a plan.
PHASE = {kind: i for i, kind in enumerate(ChangeKind)}


@dataclass(frozen=True, slots=True)
class Change:
    """One step of a plan.

    ``object`` is the pack object's name (or, for the engine's own tables, the table's);
    ``field`` the column or ``None`` for a whole table; ``data_loss`` says stored values may be
    lost; ``blocker`` says why the change cannot be made at all, even when data loss is allowed.
    The remaining fields tell :func:`apply` how to carry the change out.
    """

    kind: ChangeKind
    object: str
    table: str
    field: str | None
    description: str
    data_loss: bool = False
    blocker: str | None = None
    #: The index or foreign key a change adds or drops.
    name: str | None = None
    #: A renamed column's old name.
    old_name: str | None = None
    #: The value that rows with no value get before the column becomes NOT NULL.
    fill_value: Any = None
    #: create_table: foreign keys held back (a cycle) and added by later changes.
    deferred_foreign_keys: tuple[str, ...] = ()

    @property
    def identity(self) -> tuple[str, str, str | None, str | None, bool, bool]:
        """What must stay the same for a plan to still hold (row counts in text may move)."""
        return (
            self.kind,
            self.table,
            self.field,
            self.name,
            self.data_loss,
            self.blocker is not None,
        )

    def __str__(self) -> str:
        line = f"{self.kind.symbol} {self.description}"
        if self.data_loss:
            line += "  [DATA LOSS]"
        if self.blocker:
            line += f"  [BLOCKED: {self.blocker}]"
        return line

    def as_dict(self) -> dict[str, Any]:
        """The change as recorded in ``flowdesk_migrations``."""
        return {
            "kind": self.kind.value,
            "object": self.object,
            "field": self.field,
            "description": self.description,
            "data_loss": self.data_loss,
        }


@dataclass(frozen=True, slots=True)
class MigrationPlan:
    """The changes, in the order :func:`apply` runs them, and the object types they lead to."""

    changes: tuple[Change, ...]
    objects: Mapping[str, ObjectType] = field(compare=False, repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    @property
    def data_loss_changes(self) -> tuple[Change, ...]:
        """Changes that may lose stored values; applying them needs ``allow_data_loss``."""
        return tuple(c for c in self.changes if c.data_loss)

    @property
    def blocked_changes(self) -> tuple[Change, ...]:
        """Changes that cannot be made until the pack changes (a default, say)."""
        return tuple(c for c in self.changes if c.blocker)

    def __str__(self) -> str:
        if self.is_empty:
            return UP_TO_DATE
        return "\n".join(str(c) for c in self.changes)
