"""Reading JSON request bodies: one decoder with limits, applied to every JSON body.

:func:`decode_json_body` refuses what would fail deeper down: nesting past
:data:`MAX_DEPTH` levels and numbers longer than :data:`MAX_NUMBER_CHARS` characters (400
``bad_json``), and strings or keys that hold text no database stores (a NUL character, a lone
surrogate: 422 ``validation_failed`` at the value's ``["body", ...]`` path).

:class:`JsonBodyCheck` applies it to every body sent as JSON, whatever route reads it (those
that take a pydantic model too, login included); :func:`json_object_body` reads the body of a
route that takes any JSON object, sent as JSON or not (``curl -d``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from fastapi import Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.api.errors import RefusedInput
from engine.errors import BadRequest, FieldIssue, FlowdeskError, ValidationFailed
from engine.objects.storable import text_problem

__all__ = [
    "json_object_body",
    "issues_in_body",
    "decode_json_body",
    "JsonBodyCheck",
    "JSON_OBJECT_BODY",
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
]

#: Arrays and objects nested deeper than this are refused.
MAX_DEPTH = 64
#: A number written with more characters than this is refused (2**63 has 19 digits, a
#: decimal field at most 38).
MAX_NUMBER_CHARS = 100
#: Escapes that may decode to a NUL character or a surrogate (lone or in a valid pair).
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
#: Where :class:`JsonBodyCheck` leaves the decoded body for :func:`json_object_body`.
_DECODED = "flowdesk.json_body"

#: OpenAPI for routes that take a JSON object (``openapi_extra``).
JSON_OBJECT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "additionalProperties": True},
            }
        },
    }
}


class _NumberTooLong(Exception):
    def __init__(self, text: str) -> None:
        self.length = len(text)


def _bad_json(message: str) -> BadRequest:
    return BadRequest(message, code="bad_json")


def _refuse_constant(name: str) -> Any:
    raise _bad_json(f"the request body is not valid JSON: {name} is not a JSON number")


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _NumberTooLong(text)
    return int(text)


def _decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_CHARS:
        raise _NumberTooLong(text)
    return Decimal(text)


def _nodes(data: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every key and value of ``data`` with its path, depth first; without recursion, so a
    deep body cannot exhaust the stack."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                yield (*path, key), key
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in reversed(list(enumerate(value))))


def _unstorable_text(data: Any) -> list[FieldIssue]:
    return [FieldIssue(("body", *path), problem, "invalid_text") for path, value in _nodes(data)
            if isinstance(value, str) and (problem := text_problem(value)) is not None]


def _check_tree(data: Any, text: str) -> None:
    """Refuse a body nested too deep, or holding text that cannot be stored. Only what may
    fail is walked: without that many brackets nothing is too deep, and a NUL or a lone
    surrogate arrives only as a backslash-u escape (raw ones are not JSON)."""
    check_text = _SUSPECT_ESCAPE.search(text) is not None
    if not check_text and text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    suspect = check_text and isinstance(data, str) and text_problem(data) is not None
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack and not suspect:
        container, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _bad_json(f"the request body is nested deeper than {MAX_DEPTH} levels")
        pairs = container.items() if isinstance(container, dict) else enumerate(container)
        for key, item in pairs:
            if isinstance(item, dict | list):
                stack.append((item, depth + 1))
            elif check_text and (isinstance(item, str) and text_problem(item) is not None
                                 or isinstance(key, str) and text_problem(key) is not None):
                suspect = True
    if suspect:  # walk again, to name where
        raise ValidationFailed(_unstorable_text(data))


def decode_json_body(raw: bytes) -> Any:
    """The JSON value of request body ``raw``, fractional numbers as ``Decimal`` (no digit of
    a decimal field is lost). Raises :class:`BadRequest` (``bad_json``) for a body that is
    empty, not UTF-8, not JSON, too deep or with too long a number, and
    :class:`ValidationFailed` for text that cannot be stored."""
    if not raw.strip():
        raise _bad_json("the request body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad_json("the request body is not UTF-8 text") from None
    try:
        data = json.loads(text, parse_float=_decimal, parse_int=_integer,
                          parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise _bad_json(f"the request body is not valid JSON: {exc.msg} (line {exc.lineno}, "
                        f"column {exc.colno})") from None
    except _NumberTooLong as exc:
        raise _bad_json(f"the request body has a number of {exc.length} characters; a "
                        f"number may have at most {MAX_NUMBER_CHARS}") from None
    except RecursionError:
        raise _bad_json(f"the request body is nested deeper than {MAX_DEPTH} levels") from None
    _check_tree(data, text)
    return data


def _is_json(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json"))


class JsonBodyCheck:
    """ASGI middleware: every body sent as JSON passes :func:`decode_json_body` as the route
    reads it. A refused body answers the decoder's error; the route never sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def checked_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    raw = b"".join(chunks)
                    if raw.strip():
                        try:
                            scope[_DECODED] = decode_json_body(raw)
                        except FlowdeskError as exc:
                            # Raised inside the route's body reading, where FastAPI passes on
                            # HTTP errors only.
                            raise RefusedInput(exc) from None
            return message

        await self.app(scope, checked_receive, send)


@contextmanager
def issues_in_body() -> Iterator[None]:
    """Locate the payload issues a command raises the way FastAPI does (``["body", field]``)."""
    try:
        yield
    except ValidationFailed as exc:
        raise ValidationFailed(
            [FieldIssue(("body", *i.loc), i.msg, i.type) for i in exc.issues], code=exc.code
        ) from None


async def json_object_body(request: Request) -> dict[str, Any]:
    """The body as a dict. ``bad_json`` (400) if it is not JSON; ``validation_failed`` (422)
    if it is JSON but not an object, or holds text that cannot be stored."""
    raw = await request.body()
    data = request.scope[_DECODED] if _DECODED in request.scope else decode_json_body(raw)
    if not isinstance(data, dict):
        raise ValidationFailed(
            [FieldIssue(("body",), f"expected a JSON object, got {type(data).__name__}", "type")]
        )
    return data
