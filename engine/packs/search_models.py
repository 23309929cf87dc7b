"""The ``search:`` key of an object file: which fields full-text search indexes, and how much
a match in each weighs."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["SearchSpec", "SuggestSpec", "SEARCH_WEIGHT_MAX"]

SEARCH_WEIGHT_MAX = 10.0

_FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]


class SuggestSpec(BaseModel):
    """Which records are offered as suggestions (similar records for a record, deflection on a
    new-request form): those whose enum ``field`` holds one of ``values``."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    field: _FieldName
    """An enum field (usually the workflow's status)."""
    values: list[str] = Field(min_length=1)
    """The options of ``field`` that make a record worth suggesting (resolved, published)."""


class SearchSpec(BaseModel):
    """Full-text search over an object's records (``GET /api/search``, ``q=`` on lists).

    ```yaml
    search:
      fields: {subject: 3, description: 1}
      suggest: {field: status, values: [resolved, closed]}
    ```
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    fields: dict[_FieldName, Annotated[float, Field(gt=0, le=SEARCH_WEIGHT_MAX)]] = Field(
        min_length=1)
    """The indexed fields (string, text, email, phone, url or tags) and the weight of a match in
    each (above 0, at most 10; a title usually weighs more than a body). An extending pack's
    ``search:`` adds fields or changes their weights."""
    suggest: SuggestSpec | None = None
    """Offer the object's records as suggestions, and which ones; without it they are only
    found by searching."""
