"""``/api/views``: the packs' views with their counts, and one page of a view's records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.api.path_ids import Id
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime
from engine.runtime.records import RecordPage
from engine.views.related import RelatedViews
from engine.views.view_lists import ViewLists

__all__ = ["views_router", "related_router", "page_json"]

Access = Annotated[UserAccess, Depends(current_access)]
Locale = Annotated[str, Query(pattern=r"^(en|zh-CN)$")]

_RECORDS_DOC = (
    "The view's records the user may read, in the list shape of `/api/records/{object}`. "
    "Further filters, `sort`, `limit` and `offset` as there; without `sort`, the view's own. "
    "A per-team view is named `<view>:<team>`."
)


def page_json(page: RecordPage, request: Request) -> dict[str, Any]:
    """A page of records as the list endpoints answer it, with the link to the next page."""
    next_link = None
    if page.next_offset is not None:
        url = request.url.include_query_params(offset=page.next_offset)
        next_link = f"{url.path}?{url.query}"
    return {"items": page.items, "total": page.total, "limit": page.limit,
            "offset": page.offset, "next": next_link}


def views_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/views", tags=["views"], responses=ERROR_RESPONSES)
    views = ViewLists(runtime.registry, runtime.records, runtime.sla.table)

    @router.get("", summary="The views you see, with how many records each holds")
    def list_views(
        access: Access,
        object_name: Annotated[str | None, Query(alias="object", max_length=48)] = None,
        locale: Locale = "en",
    ) -> dict[str, Any]:
        return {"items": views.items(access, object_name, locale)}

    @router.get("/{name}/records", summary="A page of a view's records",
                description=_RECORDS_DOC)
    def view_records(name: str, request: Request, access: Access) -> dict[str, Any]:
        page = views.records(access, name, request.query_params.multi_items())
        return page_json(page, request)

    return router


def related_router(runtime: Runtime) -> APIRouter:
    """``/api/records/{object}/{id}/related``: what is shown around one record."""
    router = APIRouter(prefix="/api/records", tags=["related"], responses=ERROR_RESPONSES)
    related = RelatedViews(runtime.registry, runtime.records, runtime.sla.table)

    @router.get("/{object_name}/{record_id}/related",
                summary="The related views of a record you may read")
    def list_related(object_name: str, record_id: Id, access: Access,
                     locale: Locale = "en") -> dict[str, Any]:
        views = related.available(access, object_name, record_id)
        return {"items": [{"name": v.name, "label": v.label.get(locale)} for v in views]}

    @router.get("/{object_name}/{record_id}/related/{name}",
                summary="A related view's sections around a record, in one request",
                description="Each section lists (`items`, `total`) or aggregates (`aggregate`: "
                "`points` per month) records linked to this one; a section on records you may "
                "not read is left out.")
    def get_related(object_name: str, record_id: Id, name: str, access: Access,
                    locale: Locale = "en") -> dict[str, Any]:
        return related.fetch(access, object_name, record_id, name, locale)

    return router
