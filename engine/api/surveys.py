"""``/api/surveys/{token}``: the survey a signed link shows, and its one answer. Public (the
link is the credential) and rate-limited like every public route."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from engine.api.errors import ERROR_RESPONSES, error_response
from engine.api.json_body import JSON_OBJECT_BODY, json_object_body
from engine.errors import FieldIssue, ValidationFailed
from engine.runtime.factory import Runtime
from engine.runtime.surveys import SurveyAnswers, SurveyLinkGone, SurveyLinks

__all__ = ["surveys_router"]

Token = Annotated[str, Path(min_length=1, max_length=512, description="The link's token.")]
Body = Annotated[dict[str, Any], Depends(json_object_body)]
_GONE: dict[int | str, dict[str, Any]] = {410: {
    "description": "The link was answered already (`survey_link_used`) or has expired "
                   "(`survey_link_expired`)."}}


def _gone(exc: SurveyLinkGone) -> JSONResponse:
    return error_response(410, exc.code, exc.message)


def surveys_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/surveys", tags=["surveys"],
                       responses={**ERROR_RESPONSES, **_GONE})
    # A runtime built without survey links reads none: a random key verifies nothing.
    links = runtime.survey_links or SurveyLinks(runtime.registry, secrets.token_bytes(32))
    answers = SurveyAnswers(runtime.registry, runtime.records, links)

    @router.get("/{token}", summary="The survey a link shows (public)",
                description="`{title, object, schema, uiSchema, context, expires_at}`; a link "
                "that is not ours is 404 `survey_link_not_found`.")
    def show_survey(token: Token, locale: Annotated[str, Query(pattern=r"^(en|zh-CN)$")] = "en"
                    ) -> Any:
        try:
            return answers.show(token, locale)
        except SurveyLinkGone as exc:
            return _gone(exc)

    @router.post("/{token}", status_code=201, summary="Answer a survey, once (public)",
                 description="Body `{\"values\": {field: value}}` with the form's fields. "
                 "The answer is stored through the runtime (automations run); the link is "
                 "then used: a second answer, even a concurrent one, is 410.",
                 openapi_extra=JSON_OBJECT_BODY)
    def answer_survey(token: Token, body: Body) -> Any:
        unknown = [k for k in body if k != "values"]
        if unknown or "values" not in body:
            raise ValidationFailed([FieldIssue(("body", k), "unknown key: send "
                                               "{\"values\": {...}}", "additionalProperties")
                                    for k in unknown] or
                                   [FieldIssue(("body", "values"), "required", "missing")])
        try:
            record = answers.answer(token, body["values"])
        except ValidationFailed as exc:
            raise ValidationFailed([FieldIssue(("body", *i.loc), i.msg, i.type)
                                    for i in exc.issues], code=exc.code) from None
        except SurveyLinkGone as exc:
            return _gone(exc)
        return {"answered": True, "id": record["id"]}

    return router
