"""Searching records as a user may: across objects (``GET /api/search``), within a list
(``q=``), and for suggestions; see :class:`RecordSearch`."""

from engine.runtime.record_search.searcher import (
    MAX_QUERY_LENGTH,
    RecordSearch,
    SearchHit,
    SearchPage,
)

__all__ = ["RecordSearch", "SearchHit", "SearchPage", "MAX_QUERY_LENGTH"]
