"""Actions developers add to automations (``type: call``), registered by name.

A registered action declares its arguments' DSL types, so the pack compiler checks every
``call`` at load like any other expression; at run time it receives an :class:`ActionCall`
(the record, the evaluated arguments, and what it may do inside the command's transaction).
Plugins register from the ``flowdesk.actions`` entry-point group: each entry point is a
callable taking the :class:`ActionRegistry`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from types import MappingProxyType
from typing import Any, Protocol

from engine.errors import FlowdeskError
from engine.rules_dsl import DslType

__all__ = ["ActionCall", "RegisteredAction", "ActionRegistry", "ACTION_ENTRY_POINT_GROUP",
           "load_entry_point_actions"]

ACTION_ENTRY_POINT_GROUP = "flowdesk.actions"


class ActionCall(Protocol):
    """What a registered action sees when it runs (inside the command's transaction)."""

    object: str
    record_id: int
    record: Mapping[str, Any]
    args: Mapping[str, Any]
    now: datetime

    def enqueue(self, kind: str, payload: Mapping[str, Any], *, key: str | None = None,
                run_at: datetime | None = None) -> None:
        """Write a durable job in the command's transaction (e.g. a call to another system)."""

    def comment(self, text: str) -> None:
        """Add a line to the record's history."""


@dataclass(frozen=True, slots=True)
class RegisteredAction:
    name: str
    params: Mapping[str, DslType]
    run: Callable[[ActionCall], None]
    #: Arguments that may be left out (they arrive as None).
    optional: frozenset[str] = frozenset()
    description: str = ""


class ActionRegistry:
    """Registered actions by name. Build one per engine; ``copy`` before adding to a shared
    one."""

    def __init__(self, actions: Mapping[str, RegisteredAction] | None = None) -> None:
        self._actions = dict(actions or {})

    def register(self, name: str, params: Mapping[str, DslType],
                 run: Callable[[ActionCall], None], *, optional: tuple[str, ...] = (),
                 description: str = "") -> None:
        if name in self._actions:
            raise FlowdeskError(f"action '{name}' is registered twice",
                                code="action_duplicate")
        self._actions[name] = RegisteredAction(
            name, MappingProxyType(dict(params)), run, frozenset(optional), description)

    def get(self, name: str) -> RegisteredAction | None:
        return self._actions.get(name)

    def names(self) -> list[str]:
        return sorted(self._actions)

    def copy(self) -> ActionRegistry:
        return ActionRegistry(self._actions)

    def __iter__(self) -> Iterator[RegisteredAction]:
        return iter(self._actions.values())


def load_entry_point_actions(registry: ActionRegistry) -> ActionRegistry:
    """``registry`` extended with every ``flowdesk.actions`` plugin installed."""
    extended = registry.copy()
    for entry in metadata.entry_points(group=ACTION_ENTRY_POINT_GROUP):
        entry.load()(extended)
    return extended
