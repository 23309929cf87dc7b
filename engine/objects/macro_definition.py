"""Compiled macro declarations (``macros/*.yaml``): where an object's macros live and what
applying one does. :mod:`engine.views.macros` runs them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import SourcePos
from engine.objects.model import frozen_map

__all__ = ["MacroReply", "MacroSetup"]


@dataclass(frozen=True, slots=True)
class MacroReply:
    """The record the rendered text becomes."""

    object: str
    link: str
    body: str
    author: str | None = None
    values: Mapping[str, Any] = field(default_factory=frozen_map)
    from_macro: Mapping[str, str] = field(default_factory=frozen_map)


@dataclass(frozen=True, slots=True)
class MacroSetup:
    """Macros of ``source`` applied to records of ``object``."""

    name: str
    object: str
    source: str
    name_field: str
    active_field: str | None = None
    match: Mapping[str, str] = field(default_factory=frozen_map)
    template_field: str | None = None
    changes: Mapping[str, str] = field(default_factory=frozen_map)
    state_field: str | None = None
    reply: MacroReply | None = None
    pos: SourcePos | None = field(default=None, compare=False)
