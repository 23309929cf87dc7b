"""Compiled survey link kinds (``surveys/*.yaml``). :mod:`engine.runtime.surveys` signs links
of these kinds and stores the answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from engine.errors import SourcePos
from engine.objects.model import Text, frozen_map
from engine.rules_dsl import CompiledExpression

__all__ = ["SurveyKind"]


@dataclass(frozen=True, slots=True)
class SurveyKind:
    """Links of kind ``name`` about ``about`` records; answers become ``object`` records."""

    name: str
    label: Text
    about: str
    object: str
    form: str
    values: Mapping[str, CompiledExpression] = field(default_factory=frozen_map)
    answered_at: str | None = None
    expires: timedelta = timedelta(days=14)
    context: tuple[str, ...] = ()
    pos: SourcePos | None = field(default=None, compare=False)
