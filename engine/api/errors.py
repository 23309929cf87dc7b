"""One error shape for every failure the API reports.

``{"error": {"code": ..., "message": ..., "details": [{"loc": [...], "msg": ..., "type": ...}]}}``

Engine errors, FastAPI's own request validation, unknown routes, wrong methods, oversized
bodies and unexpected exceptions all pass through here, so a client parses one shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.errors import (
    BadRequest,
    Conflict,
    FlowdeskError,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)

__all__ = [
    "error_response",
    "engine_error_response",
    "install_error_handlers",
    "status_for",
    "ERROR_RESPONSES",
    "RefusedInput",
    "UnexpectedErrors",
]

log = logging.getLogger("flowdesk.api")

_STATUS_BY_CLASS: tuple[tuple[type[FlowdeskError], int], ...] = (
    (ValidationFailed, 422),
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
    (Unauthorized, 401),
    (TooManyRequests, 429),
    (BadRequest, 400),
)
_CODE_BY_HTTP_STATUS = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


class RefusedInput(StarletteHTTPException):
    """An engine error met where only HTTP errors pass: FastAPI re-raises the HTTP errors a
    route meets while reading its body and turns any other into a bare 400. Answered as
    ``error`` itself."""

    def __init__(self, error: FlowdeskError) -> None:
        super().__init__(status_code=status_for(error), detail=error.message)
        self.error = error


def status_for(error: FlowdeskError) -> int:
    """The HTTP status of an engine error: by its class, 400 for anything else it meant."""
    for cls, status in _STATUS_BY_CLASS:
        if isinstance(error, cls):
            return status
    return 400


class _ErrorJSON(JSONResponse):
    """An error may quote what the client sent, lone surrogates included, which have no UTF-8
    form: such an answer escapes them (``\\udc80``) as JSON allows, instead of failing."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": list(details)}}
    return _ErrorJSON(body, status_code=status, headers=headers)


def _flowdesk_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FlowdeskError)
    return engine_error_response(exc)


def engine_error_response(exc: FlowdeskError) -> JSONResponse:
    """The answer to engine error ``exc``: its status, code, message and field issues."""
    details = [i.as_dict() for i in exc.issues] if isinstance(exc, ValidationFailed) else []
    headers = None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": 'Bearer realm="flowdesk"'}
    return error_response(status_for(exc), exc.code, exc.message, details, headers=headers)


def _request_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    message = "; ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in details)
    return error_response(422, "validation_failed", message, details)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, RefusedInput):
        return _flowdesk_error(request, exc.error)
    status = exc.status_code
    code = _CODE_BY_HTTP_STATUS.get(status, f"http_{status}")
    allowed = ""
    if status == 404:
        message = f"no such route: {request.method} {request.url.path}"
    elif status == 405:
        allowed = _allowed_methods(request) or (exc.headers or {}).get("Allow", "")
        message = f"{request.method} is not allowed on {request.url.path}" + (
            f"; allowed: {allowed}" if allowed else ""
        )
    else:
        message = str(exc.detail)
    headers = dict(exc.headers or {})
    if status == 405 and allowed:
        headers["Allow"] = allowed
    return error_response(status, code, message, headers=headers)


def _allowed_methods(request: Request) -> str:
    # Starlette names only the first route whose path matched; the OpenAPI document lists
    # every route (included routers too) without reaching into FastAPI's internals.
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        regex, _, _ = compile_path(template)
        if regex.match(request.url.path):
            methods.update(m.upper() for m in operations)
    return ", ".join(sorted(methods))


def _internal_error() -> JSONResponse:
    return error_response(
        500, "internal_error", "an unexpected error occurred; it has been logged on the server"
    )


def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return _internal_error()


class UnexpectedErrors:
    """ASGI middleware: an unexpected exception is logged and answered 500 ``internal_error``,
    and goes no further. Starlette's own handler answers too but then re-raises, and the server
    drops the connection without ``Connection: close``: a keep-alive client's next request
    would fail. Installed outermost, so nothing inside it escapes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # part of an answer is out: only dropping the connection ends it
                raise
            log.exception("unexpected error in %s %s", scope.get("method"), scope.get("path"),
                          exc_info=exc)
            await _internal_error()(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FlowdeskError, _flowdesk_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


_ERROR_SCHEMA = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message", "details"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "details": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "loc": {"type": "array", "items": {}},
                                        "msg": {"type": "string"},
                                        "type": {"type": "string"},
                                    },
                                },
                            },
                        },
                    }
                },
            }
        }
    }
}

#: OpenAPI ``responses`` for routes: the error shape under each status the API uses.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, **_ERROR_SCHEMA}
    for status, description in (
        (400, "Bad request (bad_json, bad_request, ...)"),
        (401, "Not authenticated (not_authenticated)"),
        (403, "Forbidden (permission_denied, transition_forbidden, scope_denied, csrf_failed)"),
        (404, "Not found (unknown_object, record_not_found, no_workflow, "
              "unknown_transition, not_found)"),
        (409, "Conflict (stale_version, delete_restricted, transition_not_allowed, "
              "guard_failed)"),
        (413, "Payload too large"),
        (422, "Validation failed"),
        (429, "Too many requests (rate_limited, login_throttled); see Retry-After"),
    )
}
