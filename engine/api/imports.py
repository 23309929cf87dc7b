"""``/api/admin/imports``: upload a file with its mapping (answered with the dry-run report),
preview it again, run it, read its progress. Admins only (the ``/api/admin/`` prefix)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from engine.api.auth import current_principal
from engine.api.errors import ERROR_RESPONSES
from engine.api.json_body import JSON_OBJECT_BODY, json_object_body
from engine.api.path_ids import Id
from engine.imports.uploads import ImportUploads
from engine.runtime.factory import Runtime
from engine.runtime.principal import Principal

__all__ = ["imports_router", "IMPORT_MAX_BODY_BYTES"]

#: An upload is a base64 file in JSON: a 16 MiB body holds a 12 MiB file (larger ones:
#: ``flowdesk import``).
IMPORT_MAX_BODY_BYTES = 16 * 1024 * 1024

Body = Annotated[dict[str, Any], Depends(json_object_body)]
Me = Annotated[Principal, Depends(current_principal)]


def imports_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/admin/imports", tags=["imports"],
                       responses=ERROR_RESPONSES)
    uploads = ImportUploads(runtime.records, runtime.audit)

    @router.post("", status_code=201, summary="Upload a file to import and preview it",
                 description="`{\"name\": \"customers.xlsx\", \"content_base64\": ..., "
                 "\"mapping\": {...} | null, \"object\": \"...\", \"encoding\": null}`; "
                 "without a mapping one is suggested for `object`. Answers the upload's id, "
                 "the mapping and the dry-run report. Nothing is written.",
                 openapi_extra=JSON_OBJECT_BODY)
    def upload(body: Body, me: Me) -> dict[str, Any]:
        return uploads.upload(body, me.name, runtime.clock.now())

    @router.get("/{upload_id}", summary="The upload's dry-run report and run progress")
    def preview(upload_id: Id) -> dict[str, Any]:
        return uploads.preview(upload_id)

    @router.get("/{upload_id}/progress", summary="How far the upload's run got")
    def progress(upload_id: Id) -> dict[str, Any]:
        return {"items": uploads.progress(upload_id)}

    @router.post("/{upload_id}/run", summary="Write the upload's records",
                 description="Runs the import in batches; a run cut short resumes after its "
                 "last committed row. GET .../progress from another request follows it.")
    def run(upload_id: Id, me: Me) -> dict[str, Any]:
        return uploads.run(upload_id, me.name)

    return router
