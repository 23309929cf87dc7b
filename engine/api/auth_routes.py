"""``/api/auth``: log in and out, who am I, and one's own API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from engine.api.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    client_address,
    current_principal,
)
from engine.api.errors import ERROR_RESPONSES
from engine.api.path_ids import Id
from engine.errors import FieldIssue, ValidationFailed
from engine.runtime.factory import Runtime
from engine.runtime.principal import SCOPES, Principal
from engine.runtime.sessions import SESSION_MAX

__all__ = ["auth_router"]

Me = Annotated[Principal, Depends(current_principal)]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128, description="The user name.")
    password: str = Field(min_length=1, max_length=1024, description="The password.")


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="What the token is for.")
    scopes: list[str] = Field(default_factory=lambda: ["read"], min_length=1, max_length=3,
                              description=f"Some of: {', '.join(SCOPES)}.")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650,
                                        description="Days until it expires (default: never).")


class PreferencesChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locale: str | None = Field(default=None, max_length=16,
                               description="The UI language: en or zh-CN; empty clears it.")
    time_zone: str | None = Field(default=None, max_length=64,
                                  description="An IANA time zone (Asia/Shanghai); empty "
                                  "clears it.")


def _me(runtime: Runtime, principal: Principal) -> dict[str, Any]:
    user = runtime.auth.users.get(principal.user_id)
    return {"user": user.as_json(), "scopes": sorted(principal.scopes), "via": principal.via}


def auth_router(runtime: Runtime) -> APIRouter:
    auth = runtime.auth
    router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERROR_RESPONSES)

    @router.post("/login", summary="Log in: sets the session cookie, answers the CSRF token")
    def login(body: LoginRequest, request: Request, response: Response) -> dict[str, Any]:
        result = auth.login(body.name, body.password, client_address(request))
        secure = request.url.scheme == "https"
        max_age = int(SESSION_MAX.total_seconds())
        response.set_cookie(SESSION_COOKIE, result.session_secret, max_age=max_age,
                            httponly=True, samesite="lax", secure=secure, path="/")
        # Readable by the page's script, which echoes it in the X-CSRF-Token header.
        response.set_cookie(CSRF_COOKIE, result.csrf_token, max_age=max_age,
                            httponly=False, samesite="lax", secure=secure, path="/")
        return {**_me(runtime, result.principal), "csrf_token": result.csrf_token}

    @router.post("/logout", status_code=204, summary="Log out: ends the session")
    def logout(principal: Me) -> Response:
        auth.logout(principal)
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    @router.get("/me", summary="The logged-in user, their roles, teams and scopes")
    def me(principal: Me) -> dict[str, Any]:
        return _me(runtime, principal)

    @router.patch("/me", summary="Change your own locale and time zone")
    def change_me(body: PreferencesChange, principal: Me) -> dict[str, Any]:
        try:
            auth.users.update(principal.user_id, actor=principal.name, locale=body.locale,
                              time_zone=body.time_zone)
        except ValidationFailed as exc:
            raise ValidationFailed([FieldIssue(("body", *i.loc), i.msg, i.type)
                                    for i in exc.issues]) from None
        return _me(runtime, principal)

    @router.get("/tokens", summary="Your API tokens (every user's for an admin with ?all=true)")
    def list_tokens(principal: Me, all: Annotated[bool, Query()] = False) -> dict[str, Any]:
        user_id = None if all and principal.is_admin else principal.user_id
        return {"items": [t.as_json() for t in auth.tokens.list(user_id)]}

    @router.post("/tokens", status_code=201,
                 summary="Create an API token; its secret is shown in this answer only")
    def create_token(body: TokenRequest, principal: Me) -> dict[str, Any]:
        expires = timedelta(days=body.expires_in_days) if body.expires_in_days else None
        token, secret = auth.tokens.create(principal, body.name, body.scopes,
                                           expires_in=expires, actor=principal.name)
        return {**token.as_json(), "secret": secret}

    @router.delete("/tokens/{token_id}", summary="Revoke an API token")
    def revoke_token(token_id: Id, principal: Me) -> dict[str, Any]:
        return auth.tokens.revoke(token_id, by=principal).as_json()

    return router
