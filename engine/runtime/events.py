"""What commands tell automations: a record was created, updated or took a transition.

A command appends :class:`RecordEvent`s to its unit of work as it writes; before it commits,
the automation runner handles them (and the events its own actions cause), in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RecordEvent"]


@dataclass(frozen=True, slots=True)
class RecordEvent:
    """``old``/``new`` are stored rows (``old`` is ``None`` on create); ``changed`` names the
    fields whose value differs. ``depth`` counts the automations that led to it (0: a user's
    command); ``cause`` names the automation that made the change."""

    kind: str  # "created", "updated", "transitioned" or "deleted"
    object: str
    record_id: int
    old: Mapping[str, Any] | None
    new: Mapping[str, Any]
    changed: frozenset[str]
    transition: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    depth: int = 0
    cause: str | None = None
