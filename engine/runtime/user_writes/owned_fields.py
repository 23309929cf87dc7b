"""Fields the engine fills from the signed-in user (``from_user:`` in the pack), such as a
message's author or a portal ticket's customer.

On create, a field the user did not give takes its ``from_user`` value; a role that lists
the field in its ``read_only`` may not give it at all (the engine owns it for that role, so
it cannot be forged). Roles that may set it (a supervisor logging a phone call) give it as
any other field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import FieldIssue, ValidationFailed
from engine.objects.model import ObjectType
from engine.objects.values import to_json
from engine.rules_dsl import CompiledExpression, EvalContext

__all__ = ["OwnedFields"]


class OwnedFields:
    """The ``from_user`` fields of every object: object -> field -> expression over ``user``
    (``AccessPolicy.user_defaults``)."""

    def __init__(self, defaults: Mapping[str, Mapping[str, CompiledExpression]]) -> None:
        self._defaults = defaults

    def fills(self, object_name: str) -> bool:
        """Whether ``object_name`` has fields filled from the user."""
        return bool(self._defaults.get(object_name))

    def fill(self, obj: ObjectType, payload: Any, read_only: frozenset[str],
             ctx: EvalContext) -> Any:
        """``payload`` (JSON) with the fields the user did not give filled from ``ctx.user``;
        refuses (``ValidationFailed``, issue type ``field_owned``) a field of ``read_only``
        given anyway."""
        defaults = self._defaults.get(obj.name)
        if not defaults or not isinstance(payload, Mapping):
            return payload
        forged = [FieldIssue((name,), f"'{name}' is read-only: it is set from the signed-in "
                             "user", "field_owned")
                  for name in defaults if name in payload and name in read_only]
        if forged:
            raise ValidationFailed(forged)
        filled = dict(payload)
        for name, expression in defaults.items():
            if name not in filled:
                value = to_json(expression.evaluate({}, ctx), obj.fields[name])
                if value is not None:
                    filled[name] = value
        return filled
