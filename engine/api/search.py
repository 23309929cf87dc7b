"""``/api/search``: full-text search across objects, suggestions for a record and for a
request being written (deflection), and the deflection report. Handlers parse and shape;
:mod:`engine.runtime.record_search` does the work."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.api.path_ids import Id
from engine.errors import FieldIssue, Forbidden, ValidationFailed
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime
from engine.runtime.record_search import RecordSearch
from engine.runtime.record_search.search_log import SearchLog
from engine.runtime.record_search.searcher import (
    DEFAULT_SEARCH_LIMIT,
    MAX_QUERY_LENGTH,
    MAX_SEARCH_LIMIT,
)

__all__ = ["search_router"]

Access = Annotated[UserAccess, Depends(current_access)]
Limit = Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT)]


def search_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["search"], responses=ERROR_RESPONSES)
    search = RecordSearch(runtime.records)
    log = SearchLog(runtime.records)

    @router.get(
        "/api/search", summary="Search records",
        description="Records of the searchable objects you may read that contain every word "
        "of `q` (Chinese: every character pair; the last word also as a prefix), best first, "
        "with the matching fields highlighted (`<mark>`). `object=` (repeatable) narrows the "
        "search. Fields your roles do not see are neither searched nor shown.")
    def search_records(
        access: Access,
        q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH * 2)] = "",
        object: Annotated[list[str] | None, Query()] = None,  # noqa: A002 - the API's word
        limit: Limit = DEFAULT_SEARCH_LIMIT,
    ) -> dict[str, Any]:
        names = [n for value in object or [] for n in value.split(",") if n]
        hits = search.search(access, q, objects=names, limit=limit)
        return {"items": [h.as_json() for h in hits]}

    @router.get(
        "/api/search/suggest", summary="Suggestions for a request being written",
        description="Records the pack offers as suggestions (published articles, solved "
        "requests) like `text` (the subject and description typed so far), for the "
        "new-request form of `object`. Each call is remembered for the deflection report.")
    def suggest(
        access: Access,
        object: Annotated[str, Query()],  # noqa: A002 - the API's word
        text: Annotated[str, Query(max_length=MAX_QUERY_LENGTH * 4)] = "",
        limit: Annotated[int, Query(ge=1, le=20)] = 5,
    ) -> dict[str, Any]:
        target = access.access(object)
        hits = search.suggest(access, search.suggestion_sources(access), text, limit=limit)
        search_id = None
        if text.strip():
            search_id = log.record(access.principal.name, target.obj.name, text, len(hits),
                                   runtime.clock.now())
        return {"items": [h.as_json() for h in hits], "search_id": search_id}

    @router.get(
        "/api/records/{object_name}/{record_id}/suggestions",
        summary="Suggestions for a record",
        description="Records like this one (from its searchable fields): published articles "
        "and solved records, as the pack's `search.suggest` declares, best first.")
    def record_suggestions(object_name: str, record_id: Id, access: Access,
                           limit: Annotated[int, Query(ge=1, le=20)] = 5) -> dict[str, Any]:
        hits = search.similar(access, object_name, record_id, limit=limit)
        return {"items": [h.as_json() for h in hits]}

    @router.get(
        "/api/search/deflection", summary="Deflection report",
        description="Suggestion searches for `object` between `since` and `until`, how many "
        "the same user followed with a new record within 30 minutes, and how many not "
        "(deflected).")
    def deflection(access: Access, object: Annotated[str, Query()],  # noqa: A002
                   since: datetime, until: datetime) -> dict[str, Any]:
        target = access.access(object)
        if target.grants["read"] is not True:
            raise Forbidden(f"the deflection report of '{target.obj.name}' counts every "
                            "user's records: it needs a role that reads all of them",
                            code="permission_denied")
        for name, value in (("since", since), ("until", until)):
            if value.tzinfo is None:
                raise ValidationFailed([FieldIssue(
                    ("query", name), "give a time zone (2026-03-01T00:00:00Z)",
                    "datetime_naive")], code="datetime_naive")
        return log.deflection(target.obj.name, since, until).as_json()

    return router
