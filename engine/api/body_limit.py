"""Refusing request bodies over a size limit, before and while they are read.

The declared ``Content-Length`` is checked up front; the bytes actually received are counted
too, since a chunked body declares no length and a client may lie.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.api.errors import error_response

__all__ = ["BodySizeLimit", "DEFAULT_MAX_BODY_BYTES"]

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def _too_large_message(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes"


class PayloadTooLarge(HTTPException):
    """Raised from ``receive`` once the body passes the limit; the app's HTTP error handler
    turns it into the usual error shape (FastAPI re-raises HTTP errors met reading a body)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_too_large_message(limit))


class BodySizeLimit:
    """ASGI middleware: 413 ``payload_too_large`` for bodies over ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        #: Path prefix -> the limit of the routes under it (raw email is larger than JSON).
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = next((n for prefix, n in self.larger.items()
                      if str(scope.get("path", "")).startswith(prefix)), self.max_bytes)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = error_response(413, "payload_too_large", _too_large_message(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)
