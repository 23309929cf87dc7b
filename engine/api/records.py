"""``/api/records/{object}``: the record commands over HTTP. Handlers parse, call the
runtime, and shape the answer; every rule lives in the runtime."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.api.expected_version import expected_version
from engine.api.json_body import JSON_OBJECT_BODY, issues_in_body, json_object_body
from engine.api.path_ids import Id, VersionParam
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime
from engine.runtime.record_search import RecordSearch

__all__ = ["records_router"]

Access = Annotated[UserAccess, Depends(current_access)]
Body = Annotated[dict[str, Any], Depends(json_object_body)]
RecordId = Annotated[int, "the record's id"]

_LIST_DOC = (
    "Filters: `field=value` (equals; contains for tags), `field__op=value` with op one of "
    "eq, ne, lt, lte, gt, gte, in (comma-separated), contains, isnull (true/false). "
    "`sort=-created_at,id` (minus for descending), `limit` (1-500, default 50), `offset`. "
    "`q=` searches the object's full-text fields (see docs/search.md): matching records, best "
    "first unless `sort` is given, each with `_search` (`score`, `highlights`)."
)


def _etag(record: dict[str, Any]) -> dict[str, str]:
    return {"ETag": f'"{record["version"]}"'}


def records_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/records", tags=["records"], responses=ERROR_RESPONSES)
    search = RecordSearch(runtime.records)

    @router.get("/{object_name}", summary="List records", description=_LIST_DOC)
    def list_records(object_name: str, request: Request, access: Access) -> dict[str, Any]:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "q"]
        q = request.query_params.get("q", "")
        page = (search.list(access, object_name, q, params) if q.strip()
                else access.list(object_name, params))
        next_link = None
        if page.next_offset is not None:
            url = request.url.include_query_params(offset=page.next_offset)
            next_link = f"{url.path}?{url.query}"
        return {
            "items": page.items,
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
            "next": next_link,
        }

    @router.post(
        "/{object_name}", status_code=201, summary="Create a record",
        openapi_extra=JSON_OBJECT_BODY,
    )
    def create_record(
        object_name: str, body: Body, access: Access, request: Request, response: Response
    ) -> dict[str, Any]:
        with issues_in_body():
            record = access.create(object_name, body)
        response.headers.update(_etag(record))
        response.headers["Location"] = f"{request.url.path.rstrip('/')}/{record['id']}"
        return record

    @router.get("/{object_name}/{record_id}", summary="Get a record")
    def get_record(
        object_name: str, record_id: Id, access: Access, response: Response
    ) -> dict[str, Any]:
        record = access.get(object_name, record_id)
        response.headers.update(_etag(record))
        return record

    @router.patch(
        "/{object_name}/{record_id}",
        summary="Change some fields of a record",
        description="The body holds the fields to change and `version`, the version last "
        "read; a stale version is refused with 409 `stale_version`.",
        openapi_extra=JSON_OBJECT_BODY,
    )
    def update_record(
        object_name: str, record_id: Id, body: Body, access: Access, response: Response
    ) -> dict[str, Any]:
        version = expected_version(body)
        del body["version"]
        with issues_in_body():
            record = access.update(object_name, record_id, body, expected_version=version)
        response.headers.update(_etag(record))
        return record

    @router.delete(
        "/{object_name}/{record_id}",
        status_code=204,
        summary="Delete a record",
        description="`?version=` makes the delete refuse (409 `stale_version`) if the record "
        "changed since it was read.",
    )
    def delete_record(
        object_name: str,
        record_id: Id,
        access: Access,
        version: VersionParam | None = None,
    ) -> Response:
        access.delete(object_name, record_id, expected_version=version)
        return Response(status_code=204)

    @router.get("/{object_name}/{record_id}/history", summary="A record's audit trail")
    def record_history(object_name: str, record_id: Id, access: Access) -> dict[str, Any]:
        return {"items": access.history(object_name, record_id)}

    return router
