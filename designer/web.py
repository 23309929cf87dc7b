"""Serve the built web app and local API docs on the API's FastAPI application.

The pages themselves are public (the app's API calls carry the session); everything under
``/api/`` and ``/openapi.json`` stays the API's. Routes here are plain Starlette routes, so
the API's authentication dependency does not apply to them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Match, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["STATIC", "CONTENT_SECURITY_POLICY", "install_web_app"]

STATIC = Path(__file__).resolve().parent / "static"

#: Everything comes from this origin. 'unsafe-eval': the form validator (Ajv) compiles the
#: server's JSON Schema into a function in the browser; inline styles: the charts and docs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: Paths the app never answers: they belong to the API (its own 404 and 405 apply).
_API_PREFIXES = ("/api/", "/api", "/openapi.json")

_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{head}</head><body><div id="{root}"></div>
<script src="/vendor/{bundle}"></script><script src="/vendor/{init}"></script>
</body></html>
"""


class _AssetFiles(StaticFiles):
    """Static files with a cache policy: hashed names never change, so cache them for good."""

    def __init__(self, directory: Path, cache_control: str) -> None:
        super().__init__(directory=directory, check_dir=False)
        self._cache_control = cache_control

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = self._cache_control
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


class _AppRoute(Route):
    """GET/HEAD of any path outside the API: a file at the top of the build, else the app's
    ``index.html`` (the app routes on the client: ``/``, ``/records/...``, ``/portal/...``)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if scope.get("type") == "http" and path.startswith(_API_PREFIXES):
            return Match.NONE, {}
        return super().matches(scope)


def _index(static: Path) -> Response:
    index = static / "index.html"
    if not index.is_file():
        raise HTTPException(404, "the web app is not built: run `make ui`")
    return FileResponse(index, headers=_PAGE_HEADERS, media_type="text/html")


def install_web_app(app: FastAPI, static: Path = STATIC) -> None:
    """Add the web app, its assets and the local ``/docs`` and ``/redoc`` pages to ``app``
    (FastAPI's own docs pages load their scripts from a CDN; these replace them)."""
    cdn_docs = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    app.router.routes[:] = [r for r in app.router.routes
                            if getattr(r, "path", None) not in cdn_docs]

    def docs_page(title: str, head: str, root: str, bundle: str, init: str) -> Response:
        return HTMLResponse(_DOCS_PAGE.format(title=title, head=head, root=root, bundle=bundle,
                                              init=init), headers=_PAGE_HEADERS)

    async def swagger_ui(request: Request) -> Response:
        return docs_page("Flowdesk API", '<link rel="stylesheet" '
                         'href="/vendor/swagger-ui/swagger-ui.css">', "swagger-ui",
                         "swagger-ui/swagger-ui-bundle.js", "docs-init.js")

    async def redoc(request: Request) -> Response:
        return docs_page("Flowdesk API", "", "redoc", "redoc/redoc.standalone.js",
                         "redoc-init.js")

    async def app_page(request: Request) -> Response:
        relative = request.path_params["path"]
        if relative and relative != "index.html":
            candidate = (static / relative).resolve()
            if candidate.is_file() and candidate.is_relative_to(static.resolve()):
                return FileResponse(candidate, headers={"Cache-Control": "public, max-age=3600"})
        return _index(static)

    app.router.routes.extend([
        Route("/docs", swagger_ui, methods=["GET", "HEAD"]),
        Route("/redoc", redoc, methods=["GET", "HEAD"]),
        Mount("/assets", _AssetFiles(static / "assets",
                                     "public, max-age=31536000, immutable")),
        Mount("/vendor", _AssetFiles(static / "vendor", "public, max-age=86400")),
        _AppRoute("/{path:path}", app_page, methods=["GET", "HEAD"]),
    ])
