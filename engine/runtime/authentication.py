"""Who is asking: login and logout, and turning a bearer token or a session cookie into a
:class:`Principal`. Failed logins are throttled; every outcome is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import Engine

from engine.errors import Unauthorized
from engine.packs.registry import Registry
from engine.runtime.api_tokens import TokenService
from engine.runtime.audit import AuditTrail
from engine.runtime.clock import Clock
from engine.runtime.login_throttle import LoginThrottle
from engine.runtime.principal import Principal
from engine.runtime.sessions import SessionStore
from engine.runtime.users import UserDirectory

__all__ = ["Authentication", "LoginResult", "build_authentication"]


@dataclass(frozen=True, slots=True)
class LoginResult:
    principal: Principal
    session_secret: str
    csrf_token: str


class Authentication:
    def __init__(self, users: UserDirectory, tokens: TokenService, sessions: SessionStore,
                 throttle: LoginThrottle, database: Engine) -> None:
        self.users = users
        self.tokens = tokens
        self.sessions = sessions
        self.throttle = throttle
        self._db = database

    def _event(self, action: str, user_id: int, actor: str, **details: str) -> None:
        with self._db.begin() as conn:
            self.users.events.log(conn, action, user_id=user_id, actor=actor,
                                  change_id=str(uuid.uuid4()), details=details or None)

    def login(self, name: str, password: str, address: str) -> LoginResult:
        """Check ``password`` and open a session. Refused with 429 ``login_throttled`` after
        too many failures, 401 ``login_failed`` for a wrong name or password (which one is
        not said)."""
        self.throttle.check(name, address)
        user = self.users.verify_password(name, password)
        if user is None:
            self.throttle.failed(name, address)
            known = self.users.by_name(name)
            self._event("login_failed", known.id if known else 0, name[:128], address=address)
            raise Unauthorized("wrong user name or password", code="login_failed")
        self.throttle.succeeded(name)
        secret = self.sessions.open(user)
        self._event("login", user.id, user.name, address=address)
        principal = self.sessions.resolve(secret)
        return LoginResult(principal, secret, self.sessions.csrf_token(secret))

    def logout(self, principal: Principal) -> None:
        if principal.via == "session":
            self.sessions.close(principal.credential_id)
        self._event("logout", principal.user_id, principal.name)


def build_authentication(registry: Registry, database: Engine, clock: Clock,
                         audit: AuditTrail, secret_key: bytes, *,
                         hasher: PasswordHasher | None = None) -> Authentication:
    users = UserDirectory(registry, database, clock, audit, hasher=hasher)
    return Authentication(users, TokenService(database, clock, users),
                          SessionStore(database, clock, users, secret_key),
                          LoginThrottle(database, clock), database)
