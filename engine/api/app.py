"""The HTTP API: :func:`create_app` builds a FastAPI application over a runtime.

No module-level app: the caller (``flowdesk serve``, a test) builds the runtime and passes it.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from engine import __version__
from engine.api.admin_routes import admin_router
from engine.api.auth import authenticate_request
from engine.api.auth_routes import auth_router
from engine.api.body_limit import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from engine.api.bulk import bulk_router
from engine.api.channels import channels_router
from engine.api.errors import UnexpectedErrors, install_error_handlers
from engine.api.exports import exports_router
from engine.api.health import health_router
from engine.api.imports import IMPORT_MAX_BODY_BYTES, imports_router
from engine.api.jobs import jobs_router
from engine.api.json_body import JsonBodyCheck
from engine.api.macros import macros_router
from engine.api.objects import objects_router
from engine.api.public_records import feedback_router, public_router
from engine.api.rate_limit import RequestRateLimiter
from engine.api.records import records_router
from engine.api.reports import reports_router
from engine.api.request_text import RequestTextCheck
from engine.api.routing import routing_router
from engine.api.rules import rules_router
from engine.api.search import search_router
from engine.api.sla import sla_router
from engine.api.surveys import surveys_router
from engine.api.transitions import transitions_router
from engine.api.trusted_proxies import TrustedProxies
from engine.api.views import related_router, views_router
from engine.channels.intake import MAX_MESSAGE_BYTES
from engine.runtime.factory import Runtime

__all__ = ["create_app"]


def create_app(
    runtime: Runtime,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    public_rate_limit: int = 60,
    trusted_proxies: TrustedProxies | None = None,
) -> FastAPI:
    """A FastAPI app serving ``runtime``; request bodies over ``max_body_bytes`` get 413.

    Every route needs a logged-in user or an API token except those in
    :data:`engine.api.auth.PUBLIC_ROUTES`, which answer at most ``public_rate_limit``
    requests per client and minute. A client is the socket's peer unless that is one of the
    ``trusted_proxies`` (none by default); see ``docs/security.md``."""
    app = FastAPI(
        # Protection is the default: routers added later are covered without asking.
        dependencies=[Depends(authenticate_request)],
        title="Flowdesk API",
        version=__version__,
        description="Records of the objects the loaded packs declare. Every error has the "
        'shape {"error": {"code", "message", "details": [{"loc", "msg", "type"}]}}.',
    )
    install_error_handlers(app)
    app.add_middleware(JsonBodyCheck)
    app.add_middleware(RequestTextCheck)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes,
                       larger={"/api/channels/": max(max_body_bytes, MAX_MESSAGE_BYTES),
                               "/api/admin/imports": max(max_body_bytes, IMPORT_MAX_BODY_BYTES)})
    app.add_middleware(UnexpectedErrors)  # added last, so outermost: nothing escapes it
    app.include_router(health_router(runtime))
    app.include_router(auth_router(runtime))
    app.include_router(admin_router(runtime))
    app.include_router(imports_router(runtime))
    app.include_router(jobs_router(runtime))
    app.include_router(objects_router(runtime))
    app.include_router(exports_router(runtime))  # before /{object}/{id} claims 'export'
    app.include_router(records_router(runtime))
    app.include_router(search_router(runtime))
    app.include_router(public_router(runtime))
    app.include_router(feedback_router(runtime))
    app.include_router(rules_router(runtime))
    app.include_router(routing_router(runtime))
    app.include_router(transitions_router(runtime))
    app.include_router(sla_router(runtime))
    app.include_router(reports_router(runtime))
    app.include_router(views_router(runtime))
    app.include_router(related_router(runtime))
    app.include_router(bulk_router(runtime))
    app.include_router(macros_router(runtime))
    app.include_router(surveys_router(runtime))
    app.include_router(channels_router(runtime))
    app.state.runtime = runtime
    app.state.public_rate_limiter = RequestRateLimiter(runtime.clock, limit=public_rate_limit)
    app.state.trusted_proxies = trusted_proxies or TrustedProxies()
    return app
