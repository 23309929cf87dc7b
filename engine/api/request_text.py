"""Refusing text that cannot be stored where it enters outside the body: the path, the query
string and the headers (a NUL character, which PostgreSQL refuses, arrives as ``%00`` or in a
header; lone surrogates cannot, since percent-escapes are read as UTF-8 with replacement).

Checked for every request before any route runs, so routes added later are covered too;
bodies are checked by :mod:`engine.api.json_body`.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from engine.api.errors import engine_error_response
from engine.errors import FieldIssue, ValidationFailed
from engine.objects.storable import text_problem

__all__ = ["RequestTextCheck"]


def _issues(scope: Scope) -> list[FieldIssue]:
    issues: list[FieldIssue] = []

    def check(loc: tuple[str, ...], text: str) -> None:
        if (problem := text_problem(text)) is not None:
            issues.append(FieldIssue(loc, problem, "invalid_text"))

    check(("path",), scope.get("path", ""))
    query = scope.get("query_string", b"").decode("latin-1")
    for key, value in parse_qsl(query, keep_blank_values=True):
        check(("query", key), key + value)
    for name, value in scope.get("headers", ()):
        if b"\x00" in value:
            check(("header", name.decode("latin-1").lower()), value.decode("latin-1"))
    return issues


class RequestTextCheck:
    """ASGI middleware: 422 ``validation_failed`` naming each path, query parameter or header
    whose text cannot be stored."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (issues := _issues(scope)):
            await engine_error_response(ValidationFailed(issues))(scope, receive, send)
            return
        await self.app(scope, receive, send)
