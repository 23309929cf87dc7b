"""The HTTP API: :func:`create_app` builds a FastAPI application over a runtime.

No module-level app: the caller (``flowdesk serve``, a test) builds the runtime and passes it.
"""

from __future__ import annotations

from fastapi import FastAPI

from engine import __version__
from engine.api.body_limit import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from engine.api.errors import install_error_handlers
from engine.api.health import health_router
from engine.api.objects import objects_router
from engine.api.records import records_router
from engine.api.rules import rules_router
from engine.api.transitions import transitions_router
from engine.runtime.factory import Runtime

__all__ = ["create_app"]


def create_app(runtime: Runtime, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> FastAPI:
    """A FastAPI app serving ``runtime``; request bodies over ``max_body_bytes`` get 413."""
    app = FastAPI(
        title="Flowdesk API",
        version=__version__,
        description="Records of the objects the loaded packs declare. Every error has the "
        'shape {"error": {"code", "message", "details": [{"loc", "msg", "type"}]}}.',
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.include_router(health_router(runtime))
    app.include_router(objects_router(runtime))
    app.include_router(records_router(runtime))
    app.include_router(rules_router(runtime))
    app.include_router(transitions_router(runtime))
    app.state.runtime = runtime
    return app
