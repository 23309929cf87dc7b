"""Whole numbers in paths and query strings, bounded by what their columns hold (a larger one
would fail inside the driver instead of answering 422)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from engine.objects.storable import INT64_MAX, MAX_ID

__all__ = ["Id", "MAX_ID", "IdParam", "OffsetParam", "VersionParam"]

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="An id (1 or more).")]

#: A record id in a query string (``?record_id=``).
IdParam = Annotated[int, Query(ge=1, le=MAX_ID, description="An id (1 or more).")]
#: How many items a page skips.
OffsetParam = Annotated[int, Query(ge=0, le=INT64_MAX, description="Items to skip (0 or more).")]
#: The version a change expects the record to be at (``?version=``).
VersionParam = Annotated[int, Query(ge=1, le=INT64_MAX,
                                    description="The version last read (1 or more).")]
