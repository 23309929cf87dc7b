"""Ids in paths: whole numbers the databases can hold (a larger one would fail inside the
driver instead of answering 422)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

__all__ = ["Id", "MAX_ID"]

#: The largest id accepted: what JSON numbers hold exactly, well inside SQL BIGINT.
MAX_ID = 2**53 - 1

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="An id (1 or more).")]
