"""Every route is protected unless it is on the public list: one dependency on the whole app
authenticates the request (bearer token or session cookie), checks CSRF for cookie-
authenticated unsafe requests and the credential's scopes, and rate-limits public routes.
Routers added later are covered without doing anything.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from engine.api.rate_limit import RequestRateLimiter
from engine.api.trusted_proxies import TrustedProxies, request_client_address
from engine.errors import Forbidden, Unauthorized
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime
from engine.runtime.principal import ADMIN_SCOPE, READ, WRITE, Principal

__all__ = [
    "SESSION_COOKIE",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "PUBLIC_ROUTES",
    "ADMIN_PREFIXES",
    "authenticate_request",
    "current_principal",
    "current_access",
    "client_address",
]

SESSION_COOKIE = "flowdesk_session"
CSRF_COOKIE = "flowdesk_csrf"
CSRF_HEADER = "X-CSRF-Token"
#: (method, route path) answered without a credential. Everything else needs one.
PUBLIC_ROUTES = frozenset({("GET", "/api/health"), ("POST", "/api/auth/login"),
                           # engine/api/public_records.py: the pack's anonymous role
                           ("GET", "/api/public/{object_name}"),
                           ("GET", "/api/public/{object_name}/{record_id}"),
                           ("POST", "/api/public/{object_name}/{record_id}/votes"),
                           # engine/api/channels.py: a relay sends the channel's own token
                           ("POST", "/api/channels/{name}/inbound"),
                           # engine/api/surveys.py: the signed link is the credential
                           ("GET", "/api/surveys/{token}"), ("POST", "/api/surveys/{token}")})
#: Routes under these prefixes are for admins only (role ``admin`` and scope ``admin``).
ADMIN_PREFIXES = ("/api/admin/", "/api/jobs")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_AUTH_PREFIX = "/api/auth/"

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer fd_...`")
_session = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                        description="The session cookie set by POST /api/auth/login; unsafe "
                        f"requests must also send the `{CSRF_HEADER}` header.")


def client_address(request: Request) -> str:
    """The address login throttling and rate limits count ``request`` under: the peer, or
    what a trusted proxy forwarded (``create_app(trusted_proxies=...)``)."""
    proxies = getattr(request.app.state, "trusted_proxies", None) or TrustedProxies()
    return request_client_address(request, proxies)


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


def _check_scope(principal: Principal, method: str, path: str) -> None:
    if path.startswith(ADMIN_PREFIXES):
        if not principal.is_admin:
            raise Forbidden("this endpoint is for admins", code="permission_denied")
        needed = ADMIN_SCOPE
    elif path.startswith(_AUTH_PREFIX):
        return  # one's own session and tokens: any credential
    else:
        needed = READ if method in _SAFE_METHODS else WRITE
    if needed not in principal.scopes:
        raise Forbidden(f"this token lacks the '{needed}' scope (it has: "
                        f"{', '.join(sorted(principal.scopes))})", code="scope_denied")


def authenticate_request(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[str | None, Depends(_session)],
) -> None:
    """Put the request's :class:`Principal` on ``request.state.principal``; 401 without a
    valid credential, 403 ``csrf_failed`` or ``scope_denied``, 429 on public routes past
    their limit."""
    runtime: Runtime = request.app.state.runtime
    path = _route_path(request)
    method = request.method.upper()
    request.state.principal = None
    if (method, path) in PUBLIC_ROUTES:
        limiter: RequestRateLimiter = request.app.state.public_rate_limiter
        limiter.hit(client_address(request))
        return
    sessions = runtime.auth.sessions
    if bearer is not None:
        principal = runtime.auth.tokens.authenticate(bearer.credentials)
    elif session:
        principal = sessions.resolve(session)
        if method not in _SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), sessions.csrf_token(session).encode()):
                raise Forbidden(f"a request with the session cookie must send the {CSRF_HEADER} "
                                "header the login answered with", code="csrf_failed")
    else:
        raise Unauthorized("log in (POST /api/auth/login) or send an API token: "
                           "Authorization: Bearer fd_...", code="not_authenticated")
    _check_scope(principal, method, path)
    request.state.principal = principal


def current_principal(request: Request) -> Principal:
    """The authenticated principal of a protected route."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:  # a public route asked for a principal: a programming error
        raise Unauthorized("this route needs a logged-in user", code="not_authenticated")
    return principal


def current_access(request: Request) -> UserAccess:
    """The record commands as the request's principal may use them."""
    runtime: Runtime = request.app.state.runtime
    return runtime.access.for_user(current_principal(request))
