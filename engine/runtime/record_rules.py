"""Computed fields and validation rules, applied to a record on every create and update.

Both are DSL expressions compiled at pack load; here they only run. Computed fields are set
first, so validation rules see the values that will be stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from engine.errors import FieldIssue, ValidationFailed
from engine.objects.model import ObjectType
from engine.rules_dsl import EvalContext

__all__ = ["RecordRules"]

#: Follows a reference: (object name, id) -> the record, or None when there is none.
Loader = Callable[[str, Any], Mapping[str, Any] | None]

#: Where an issue about the record as a whole is reported (no single field).
_WHOLE_RECORD: tuple[str, ...] = ()


class RecordRules:
    """The computed fields and validation rules of one object."""

    __slots__ = ("_computed", "_rules")

    def __init__(self, obj: ObjectType) -> None:
        self._computed = tuple(
            (f.name, f.computed) for f in obj.fields.values() if f.computed is not None
        )
        self._rules = obj.validations

    @property
    def empty(self) -> bool:
        return not self._computed and not self._rules

    def apply(self, row: dict[str, Any], *, creating: bool, now: datetime,
              load: Loader) -> None:
        """Set ``row``'s computed fields in place, then check every rule that applies.

        Raises :class:`ValidationFailed` listing each rule that does not hold (the message is
        shown at the rule's fields), so nothing is written.
        """
        ctx = EvalContext(now=now, load=load)
        for name, expression in self._computed:
            row[name] = expression.evaluate(row, ctx)
        moment = "create" if creating else "update"
        issues = [
            FieldIssue(loc, rule.message.en, "validation_rule")
            for rule in self._rules
            if rule.on in ("always", moment) and not rule.check.evaluate(row, ctx)
            for loc in (_field_locs(rule.fields) or [_WHOLE_RECORD])
        ]
        if issues:
            raise ValidationFailed(issues)


def _field_locs(fields: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [(f,) for f in fields]
