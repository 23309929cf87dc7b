"""``POST /api/rules/check``: type-check a rule expression live, as the designer types it.

The check knows only what the caller may read: objects their roles read, without the fields
hidden from them, so neither types nor did-you-mean hints tell them about the rest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.errors import BadRequest, NotFound, did_you_mean
from engine.rules_dsl import TypeEnv, check_expression, type_from_spec
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime

__all__ = ["rules_router"]


class RuleCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expression: str = Field(max_length=8000, description="The rule-DSL text to check.")
    object: str | None = Field(
        default=None, description="The object whose fields are in scope (top-level names)."
    )
    expected: str | None = Field(
        default=None,
        description="The type the expression must have, e.g. 'boolean' for a condition.",
    )
    change_context: bool = Field(
        default=False, description="Allow old.field and changed(field) (automation triggers)."
    )


class RuleCheckError(BaseModel):
    code: str
    message: str
    line: int
    col: int


class RuleCheckResponse(BaseModel):
    ok: bool
    type: str | None
    errors: list[RuleCheckError]


def rules_router(runtime: Runtime) -> APIRouter:
    registry = runtime.registry
    router = APIRouter(prefix="/api/rules", tags=["rules"], responses=ERROR_RESPONSES)

    @router.post("/check", response_model=RuleCheckResponse)
    def check_rule(body: RuleCheckRequest,
                   access: Annotated[UserAccess, Depends(current_access)]) -> dict[str, Any]:
        """Parse and type-check ``expression`` against the objects and fields the caller may
        read; errors carry line and column in the text."""
        records = access.rule_types()  # worked out once per set of roles
        if body.object is not None:
            if body.object not in records:
                raise NotFound(f"unknown object '{body.object}'"
                               f"{did_you_mean(body.object, records)}", code="unknown_object")
            # The user as the packs declare it (user.<attribute>), as roles and guards see it.
            env = TypeEnv.for_record(records, body.object, change_context=body.change_context,
                                     user_type=registry.access.user_type)
        else:
            env = TypeEnv(objects=records)
        expected = None
        if body.expected is not None:
            try:
                expected = type_from_spec(body.expected, records)
            except ValueError as exc:
                raise BadRequest(f"expected: not a type: {exc}", code="bad_type_spec") from exc
        return check_expression(body.expression, env, expected=expected,
                                functions=registry.functions).as_dict()

    return router
