"""``/api/records/{object}/{id}/transitions``: a record's workflow over HTTP. Handlers parse,
call the runtime, and shape the answer; every rule lives in ``engine.runtime.transitions``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.api.expected_version import expected_version_issue
from engine.api.json_body import JSON_OBJECT_BODY, json_object_body
from engine.api.path_ids import Id
from engine.errors import FieldIssue, ValidationFailed
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime

__all__ = ["transitions_router"]

Access = Annotated[UserAccess, Depends(current_access)]
Body = Annotated[dict[str, Any], Depends(json_object_body)]


def _parse(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    issues = []
    unknown = sorted(set(body) - {"version", "values"})
    for key in unknown:
        issues.append(FieldIssue(("body", key), f"unknown key '{key}': the body holds "
                                 "'version' and 'values'", "additionalProperties"))
    version = body.get("version")
    if (version_issue := expected_version_issue(body)) is not None:
        issues.append(version_issue)
    values = body.get("values", {})
    if not isinstance(values, dict):
        issues.append(FieldIssue(("body", "values"),
                                 "expected an object of field values", "type"))
    if issues:
        raise ValidationFailed(issues)
    assert isinstance(version, int)
    return version, values


def transitions_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/records", tags=["workflows"], responses=ERROR_RESPONSES)

    @router.get(
        "/{object_name}/{record_id}/transitions",
        summary="The transitions a record may take now",
        description="`transitions` lists those whose `from` matches the record's state and "
        "whose guard holds; `blocked` those whose guard does not, with the part that failed.",
    )
    def list_transitions(object_name: str, record_id: Id, access: Access) -> dict[str, Any]:
        return access.available_transitions(object_name, record_id).as_json()

    @router.post(
        "/{object_name}/{record_id}/transitions/{name}",
        summary="Take a transition",
        description='Body: `{"version": n, "values": {...}}`; `values` are fields to change '
        "with the transition (its `require` fields among them). Refusals: 409 "
        "`stale_version`, `transition_not_allowed`, `guard_failed`; 422 for values.",
        openapi_extra=JSON_OBJECT_BODY,
    )
    def take_transition(
        object_name: str, record_id: Id, name: str, body: Body, access: Access,
        response: Response,
    ) -> dict[str, Any]:
        version, values = _parse(body)
        try:
            record = access.transition(
                object_name, record_id, name, values=values, expected_version=version)
        except ValidationFailed as exc:
            raise ValidationFailed(
                [FieldIssue(("body", "values", *i.loc), i.msg, i.type) for i in exc.issues],
                code=exc.code,
            ) from None
        response.headers["ETag"] = f'"{record["version"]}"'
        return record

    return router
