"""``/api/records/{object}/{id}/macros``: the macros that apply to a record, a preview of
one, and applying it as one command."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.api.json_body import JSON_OBJECT_BODY, json_object_body
from engine.api.path_ids import Id
from engine.errors import FieldIssue, ValidationFailed
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime
from engine.views.macros import Macros

__all__ = ["macros_router"]

Access = Annotated[UserAccess, Depends(current_access)]
Body = Annotated[dict[str, Any], Depends(json_object_body)]


def _expected_version(body: dict[str, Any]) -> int:
    version = body.get("version")
    unknown = [k for k in body if k != "version"]
    issues = [FieldIssue(("body", k), f"unknown key '{k}': send only the record's version",
                         "additionalProperties") for k in unknown]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        issues.append(FieldIssue(("body", "version"), "required: the record's version as "
                                 "last read, a whole number from 1", "missing"))
    if issues or not isinstance(version, int):
        raise ValidationFailed(issues)
    return version


def macros_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/records", tags=["macros"], responses=ERROR_RESPONSES)
    macros = Macros(runtime.registry, runtime.records, runtime.transitions)

    @router.get("/{object_name}/{record_id}/macros", summary="The macros that apply to a record")
    def list_macros(object_name: str, record_id: Id, access: Access) -> dict[str, Any]:
        return {"items": macros.offered(access, object_name, record_id)}

    @router.post("/{object_name}/{record_id}/macros/{name}/preview",
                 summary="What applying a macro would do, without doing it")
    def preview_macro(object_name: str, record_id: Id, name: str,
                      access: Access) -> dict[str, Any]:
        return macros.plan(access, object_name, record_id, name).as_json()

    @router.post("/{object_name}/{record_id}/macros/{name}/apply",
                 summary="Apply a macro: reply, field changes and transition in one command",
                 description="Body `{\"version\": n}`, the version last read; a stale one is "
                 "409 `stale_version` and nothing is written.", openapi_extra=JSON_OBJECT_BODY)
    def apply_macro(object_name: str, record_id: Id, name: str, body: Body,
                    access: Access) -> dict[str, Any]:
        return macros.apply(access, object_name, record_id, name,
                            expected_version=_expected_version(body))

    return router
