"""Turning database constraint violations into errors a user can act on.

The runtime checks what it cheaply can before writing (references exist, versions match); the
database's unique indexes and foreign keys are the backstop for races, and their errors are
mapped here so they surface as 422/409 with a field path, never as a 500.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError

from engine.errors import Conflict, FieldIssue, FlowdeskError, ValidationFailed

__all__ = ["ConstraintMap", "integrity_error_to_flowdesk"]


class ConstraintMap:
    """Which fields each named constraint of one table covers (built once per object)."""

    def __init__(
        self,
        table: str,
        unique_indexes: Mapping[str, tuple[str, ...]],
        foreign_keys: Mapping[str, str],
    ) -> None:
        self.table = table
        self.unique_indexes = dict(unique_indexes)
        self.foreign_keys = dict(foreign_keys)  # constraint name -> field name

    def unique_fields(self, error_text: str, constraint: str | None) -> tuple[str, ...]:
        if constraint and constraint in self.unique_indexes:
            return self.unique_indexes[constraint]
        # SQLite: "UNIQUE constraint failed: obj_x.a, obj_x.b"
        _, _, cols = error_text.partition("UNIQUE constraint failed:")
        names = tuple(c.strip().split(".")[-1] for c in cols.split(",") if c.strip())
        return tuple(n.split("\n")[0] for n in names)


def _constraint_name(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None) if diag is not None else None


def _kind(error: IntegrityError) -> str:
    """``unique``, ``foreign_key``, ``not_null`` or ``other``, on PostgreSQL and SQLite."""
    state = getattr(error.orig, "sqlstate", None)
    if state:
        return {"23505": "unique", "23503": "foreign_key", "23502": "not_null"}.get(state, "other")
    name = getattr(error.orig, "sqlite_errorname", "") or ""
    text = str(error.orig)
    if name.endswith("UNIQUE") or name.endswith("PRIMARYKEY") or "UNIQUE constraint" in text:
        return "unique"
    if name.endswith("FOREIGNKEY") or "FOREIGN KEY constraint" in text:
        return "foreign_key"
    if name.endswith("NOTNULL") or "NOT NULL constraint" in text:
        return "not_null"
    return "other"


def integrity_error_to_flowdesk(
    error: IntegrityError,
    constraints: ConstraintMap,
    *,
    object_name: str,
    writing_fields: tuple[str, ...],
    deleting: bool = False,
) -> FlowdeskError:
    """The :class:`FlowdeskError` that explains ``error`` raised while writing ``object_name``.

    ``writing_fields`` are the fields the statement set; they locate a foreign-key failure when
    the database does not name the constraint (SQLite).
    """
    kind = _kind(error)
    text = str(error.orig)
    constraint = _constraint_name(error)
    if kind == "unique":
        fields = constraints.unique_fields(text, constraint) or writing_fields
        together = " together" if len(fields) > 1 else ""
        return ValidationFailed(
            [
                FieldIssue(
                    (f,),
                    f"must be unique{together}: another {object_name} already has this value",
                    "unique",
                )
                for f in fields
            ]
        )
    if kind == "foreign_key":
        if deleting:
            return Conflict(
                f"cannot delete this {object_name}: other records still refer to it",
                code="delete_restricted",
            )
        field = constraints.foreign_keys.get(constraint or "")
        fields = (field,) if field else writing_fields
        return ValidationFailed(
            [FieldIssue((f,), "refers to a record that does not exist", "reference_not_found")
             for f in fields]
        )
    if kind == "not_null":
        return ValidationFailed([FieldIssue((), f"a required value is missing: {text}", "missing")])
    return Conflict(f"the database refused the change: {text}", code="integrity_error")
