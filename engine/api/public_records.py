"""``/api/public/{object}``: what visitors who are not logged in may read, and their votes.

A visitor acts with the pack's ``anonymous`` role (``roles/anonymous.yaml``): its record
filters and hidden fields apply exactly as a logged-in user's do, and an object it may not read
is unknown (404). Reading a record counts a view. These routes need no credential and are
rate-limited per client like the other public routes (``PUBLIC_ROUTES``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.api.json_body import JSON_OBJECT_BODY, json_object_body
from engine.api.path_ids import Id
from engine.api.views import page_json
from engine.errors import FieldIssue, ValidationFailed
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime
from engine.runtime.principal import Principal
from engine.runtime.record_search import RecordSearch
from engine.runtime.record_search.feedback import MAX_VOTER_LENGTH, Feedback

__all__ = ["public_router", "feedback_router", "ANONYMOUS_ROLE"]

ANONYMOUS_ROLE = "anonymous"

Body = Annotated[dict[str, Any], Depends(json_object_body)]
Access = Annotated[UserAccess, Depends(current_access)]


def _anonymous(runtime: Runtime) -> UserAccess:
    principal = Principal(user_id=0, name=ANONYMOUS_ROLE, roles=frozenset({ANONYMOUS_ROLE}),
                          scopes=frozenset({"read"}), via="anonymous")
    return runtime.access.for_user(principal)


def _helpful(body: dict[str, Any]) -> bool:
    value = body.get("helpful")
    if not isinstance(value, bool):
        raise ValidationFailed([FieldIssue(("body", "helpful"), "expected true (helpful) or "
                                           "false (not helpful)", "type")])
    return value


def public_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/public", tags=["public"], responses=ERROR_RESPONSES)
    search = RecordSearch(runtime.records)
    feedback = Feedback(runtime.database)

    @router.get("/{object_name}", summary="List public records (no login)",
                description="The records the pack's `anonymous` role may read, with the "
                "filters, `sort`, `limit`, `offset` and `q=` (full-text search) of "
                "`GET /api/records/{object}`.")
    def list_public(object_name: str, request: Request) -> dict[str, Any]:
        access = _anonymous(runtime)
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "q"]
        q = request.query_params.get("q", "")
        page = (search.list(access, object_name, q, params) if q.strip()
                else access.list(object_name, params))
        return page_json(page, request)

    @router.get("/{object_name}/{record_id}", summary="Read a public record (no login)",
                description="Counts a view; `feedback` holds the votes and views so far.")
    def get_public(object_name: str, record_id: Id) -> dict[str, Any]:
        access = _anonymous(runtime)
        record = access.get(object_name, record_id)
        counts = feedback.viewed(access.access(object_name).obj.name, record_id)
        return {**record, "feedback": counts.as_json()}

    @router.post("/{object_name}/{record_id}/votes", summary="Vote on a public record",
                 description='`{"helpful": true|false, "visitor": "<id the browser keeps>"}`: '
                 "one vote per visitor and record; voting again replaces the vote.",
                 openapi_extra=JSON_OBJECT_BODY)
    def vote_public(object_name: str, record_id: Id, body: Body) -> dict[str, Any]:
        access = _anonymous(runtime)
        helpful = _helpful(body)
        visitor = body.get("visitor")
        if not isinstance(visitor, str) or not 8 <= len(visitor) <= MAX_VOTER_LENGTH - 8:
            raise ValidationFailed([FieldIssue(
                ("body", "visitor"), f"expected the visitor's id: 8 to {MAX_VOTER_LENGTH - 8} "
                "characters the browser keeps between visits", "visitor_invalid")])
        access.get(object_name, record_id)
        name = access.access(object_name).obj.name
        counts = feedback.vote(name, record_id, f"visitor:{visitor}", helpful,
                               runtime.clock.now())
        return {"feedback": counts.as_json()}

    return router


def feedback_router(runtime: Runtime) -> APIRouter:
    """Votes and counts for logged-in users: one vote per user and record."""
    router = APIRouter(prefix="/api/records", tags=["records"], responses=ERROR_RESPONSES)
    feedback = Feedback(runtime.database)

    @router.get("/{object_name}/{record_id}/feedback", summary="Votes and views of a record")
    def get_feedback(object_name: str, record_id: Id, access: Access) -> dict[str, Any]:
        access.get(object_name, record_id)
        return feedback.counts(access.access(object_name).obj.name, record_id).as_json()

    @router.post("/{object_name}/{record_id}/votes", summary="Vote on a record",
                 description='`{"helpful": true|false}`: one vote per user and record; voting '
                 "again replaces the vote.", openapi_extra=JSON_OBJECT_BODY)
    def vote(object_name: str, record_id: Id, body: Body, access: Access) -> dict[str, Any]:
        helpful = _helpful(body)
        access.get(object_name, record_id)
        name = access.access(object_name).obj.name
        counts = feedback.vote(name, record_id, f"user:{access.principal.user_id}", helpful,
                               runtime.clock.now())
        return {"feedback": counts.as_json()}

    return router
