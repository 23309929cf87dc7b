"""What names an expression may use: the object schemas and the root variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from engine.rules_dsl.types import STRING, DslType, ListType, RecordType

__all__ = ["TypeEnv", "DEFAULT_USER_TYPE", "OLD", "USER", "EVENT"]

#: Root names read from the ``EvalContext`` instead of the bindings.
OLD = "old"
USER = "user"
EVENT = "event"

#: The acting user when the engine does not supply its own record type for it.
DEFAULT_USER_TYPE = RecordType(
    "user",
    {
        "id": STRING,
        "name": STRING,
        "email": STRING,
        "roles": ListType(STRING),
        "teams": ListType(STRING),
    },
)


def _frozen(mapping: Mapping[str, object] | None) -> Mapping[str, object]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class TypeEnv:
    """The typing environment of one expression.

    ``objects`` maps each object name to its record type (references resolve through it);
    ``variables`` maps each root name to its type. Names in ``context_names`` (``old``,
    ``user``) are read from the ``EvalContext`` at run time, every other root name from the
    bindings. ``change_context`` enables ``changed(field)`` and ``old``.
    """

    objects: Mapping[str, RecordType] = field(default_factory=dict)
    variables: Mapping[str, DslType] = field(default_factory=dict)
    context_names: frozenset[str] = frozenset()
    change_context: bool = False
    #: The record whose fields are the root names, when the env is record-scoped.
    record: RecordType | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "objects", _frozen(self.objects))
        object.__setattr__(self, "variables", _frozen(self.variables))

    @classmethod
    def for_record(
        cls,
        objects: Mapping[str, RecordType],
        object_name: str,
        *,
        user_type: RecordType | None = None,
        change_context: bool = False,
        extra: Mapping[str, DslType] | None = None,
        event_type: RecordType | None = None,
    ) -> TypeEnv:
        """An env where the fields of ``object_name`` are top-level names.

        ``user`` (the acting user) is always available; ``old`` (the record before the change,
        possibly null) and ``changed(field)`` only when ``change_context`` is true; ``event``
        (what an engine event says, e.g. ``event.metric``) when ``event_type`` is given. A
        record field of the same name wins over ``user``/``old``/``event``; ``extra`` adds
        further root names.
        """
        record = objects[object_name]
        variables: dict[str, DslType] = {USER: user_type or DEFAULT_USER_TYPE}
        context_names = {USER}
        if change_context:
            variables[OLD] = record
            context_names.add(OLD)
        if event_type is not None:
            variables[EVENT] = event_type
            context_names.add(EVENT)
        variables.update(record.fields)
        context_names -= set(record.fields)
        variables.update(extra or {})
        context_names -= set(extra or {})
        return cls(
            objects=objects,
            variables=variables,
            context_names=frozenset(context_names),
            change_context=change_context,
            record=record,
        )
