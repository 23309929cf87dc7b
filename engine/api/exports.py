"""``GET /api/records/{object}/export``: a list, with its filters, as CSV or XLSX."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.imports.export import EXPORT_MEDIA_TYPES, export_bytes
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime

__all__ = ["exports_router"]

Access = Annotated[UserAccess, Depends(current_access)]


def exports_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/records", tags=["records"], responses=ERROR_RESPONSES)

    @router.get(
        "/{object_name}/export", summary="Export a list to CSV or XLSX",
        response_class=Response,
        responses={200: {"description": "The file",
                         "content": {media.split(";")[0]: {"schema": {"type": "string",
                                                                      "format": "binary"}}
                                     for media in EXPORT_MEDIA_TYPES.values()}}},
        description="`format=csv|xlsx` and the filters and sort of `GET /api/records/{object}`: "
        "every record the user may read that matches, with the fields they may see.")
    def export_records(object_name: str, request: Request, access: Access,
                       format: str = "csv") -> Response:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
        data = export_bytes(access, object_name, params, format)
        filename = f"{object_name}.{format}"
        return Response(data, media_type=EXPORT_MEDIA_TYPES[format],
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    return router
