"""``POST /api/records/{object}/bulk``: one change to many records, each its own command."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.api.json_body import JSON_OBJECT_BODY, json_object_body
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime
from engine.views.bulk import DEFAULT_MAX_BULK, BulkActions

__all__ = ["bulk_router"]

Access = Annotated[UserAccess, Depends(current_access)]
Body = Annotated[dict[str, Any], Depends(json_object_body)]

_DOC = (
    "`{\"ids\": [id or {\"id\", \"version\"}, ...], \"action\": \"update\" | \"assign\" | "
    "\"transition\", \"values\": {...}, \"transition\": \"<name>\"}`. `assign` sets only the "
    "queue and assignee fields the object's routing policy names. Each record is changed in "
    "its own transaction, as a single request would change it (a record given without a "
    "version is taken as it is now). The answer lists per record `status`: `done` (with the "
    "new `version`), `stale`, `forbidden`, `refused` (a transition's guard or state, `error` "
    "says which), `not_found` or `invalid` (`error.details` as in a 422). More ids than the "
    "limit is a 422 `bulk_too_many` and changes nothing."
)


def bulk_router(runtime: Runtime, *, max_items: int = DEFAULT_MAX_BULK) -> APIRouter:
    router = APIRouter(prefix="/api/records", tags=["records"], responses=ERROR_RESPONSES)
    bulk = BulkActions(runtime.registry, max_items=max_items)

    @router.post("/{object_name}/bulk", summary="Change many records, each on its own",
                 description=_DOC, openapi_extra=JSON_OBJECT_BODY)
    def bulk_change(object_name: str, body: Body, access: Access) -> dict[str, Any]:
        return {"results": bulk.run(access, object_name, body)}

    return router
