"""``/api/channels``: raw email from a relay, and the kept inbound mail (quarantine, replay).

``POST /api/channels/{name}/inbound`` is answered without a user: a relay sends the channel's
own token (``Authorization: Bearer <token>``, the setting the pack's ``mailbox.token``
names). The rest is for admins.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from engine.api.errors import ERROR_RESPONSES
from engine.api.path_ids import Id
from engine.channels.intake import MailIntake
from engine.errors import Forbidden, Unauthorized
from engine.runtime.factory import Runtime

__all__ = ["channels_router", "INBOUND_PATH"]

INBOUND_PATH = "/api/channels/{name}/inbound"


def channels_router(runtime: Runtime, environ: Mapping[str, str] | None = None) -> APIRouter:
    """The channel routes; settings (tokens, addresses) are read from ``environ`` (default:
    the process environment, read at each request)."""
    env = os.environ if environ is None else environ
    intake = MailIntake(runtime.registry, runtime.records, env)
    router = APIRouter(tags=["channels"], responses=ERROR_RESPONSES)

    def check_token(request: Request, name: str) -> None:
        channel = intake.channel(name)
        setting = channel.mailbox["token"]
        expected = env.get(setting, "")
        if not expected:
            raise Forbidden(f"channel '{name}' takes no mail over HTTP: set {setting} to the "
                            "token its relay sends", code="channel_inbound_disabled")
        sent = request.headers.get("authorization", "")
        scheme, _, token = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), expected.encode()):
            raise Unauthorized(f"send channel '{name}''s inbound token: "
                               "Authorization: Bearer <token>", code="channel_token_invalid")

    @router.post(
        INBOUND_PATH,
        summary="Take one raw email (for a mail relay)",
        description="The body is the RFC 822 message, as is. Answers what became of it: "
        "`created` (a new thread), `appended`, `ignored` (duplicate, own, bounce, auto_reply) "
        "or `quarantined` (kept with the error; replay it later). 401 "
        "`channel_token_invalid`, 403 `channel_inbound_disabled`, 413 for mail over the "
        "size limit.",
        status_code=200,
    )
    async def inbound(name: str, request: Request) -> dict[str, Any]:
        check_token(request, name)
        raw = await request.body()
        outcome = await run_in_threadpool(intake.receive, name, raw, "http")
        return outcome.as_json()

    @router.get("/api/channels/{name}/inbound", summary="List kept inbound mail (admins)")
    def list_inbound(
        name: str,
        request: Request,
        status: Literal["created", "appended", "ignored", "quarantined"] | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        _admin(request)
        return {"items": intake.list_inbound(name, status, limit, offset), "limit": limit,
                "offset": offset}

    @router.get("/api/channels/{name}/inbound/{inbound_id}/raw",
                summary="The raw bytes of a kept message (admins)",
                response_class=Response)
    def raw_message(name: str, inbound_id: Id, request: Request) -> Response:
        _admin(request)
        return Response(intake.raw(name, inbound_id), media_type="message/rfc822")

    @router.post("/api/channels/{name}/inbound/{inbound_id}/replay",
                 summary="Process a quarantined message again (admins)")
    def replay(name: str, inbound_id: Id, request: Request) -> dict[str, Any]:
        _admin(request)
        return intake.replay(name, inbound_id).as_json()

    return router


def _admin(request: Request) -> None:
    principal = getattr(request.state, "principal", None)
    if principal is None or not principal.is_admin:
        raise Forbidden("this endpoint is for admins", code="permission_denied")
