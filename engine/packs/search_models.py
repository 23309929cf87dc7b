"""The ``search:`` key of an object file: which fields full-text search indexes, and how much
a match in each weighs."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["SearchSpec", "SEARCH_WEIGHT_MAX"]

SEARCH_WEIGHT_MAX = 10.0

_FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]


class SearchSpec(BaseModel):
    """Full-text search over an object's records (``GET /api/search``, ``q=`` on lists).

    ```yaml
    search:
      fields: {subject: 3, description: 1}
    ```
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    fields: dict[_FieldName, Annotated[float, Field(gt=0, le=SEARCH_WEIGHT_MAX)]] = Field(
        min_length=1)
    """The indexed fields (string, text, email, phone, url or tags) and the weight of a match in
    each (above 0, at most 10; a title usually weighs more than a body). An extending pack's
    ``search:`` adds fields or changes their weights."""
