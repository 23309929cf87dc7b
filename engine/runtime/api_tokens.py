"""API tokens: long random secrets for integrations, stored as SHA-256 digests, shown once,
scoped (read / write / admin), revocable, with the time each was last used.

A token is ``fd_<prefix>_<secret>``; the prefix is stored in clear so people can tell their
tokens apart in lists. A plain digest is enough (no salt, no slow hash): the secret is 256
random bits, so there is nothing to guess from a leaked digest, and lookups stay one indexed
query per request.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from engine.errors import FieldIssue, Forbidden, NotFound, Unauthorized, ValidationFailed
from engine.objects.storage.identity_tables import API_TOKENS
from engine.runtime.clock import Clock
from engine.runtime.principal import ADMIN_SCOPE, SCOPES, Principal
from engine.runtime.users import UserDirectory, identity_tables

__all__ = ["ApiToken", "TokenService", "TOKEN_PREFIX", "digest"]

TOKEN_PREFIX = "fd_"
#: last_used_at is written at most this often per token (one write per request would make
#: every read a write).
_TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at else None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "name": self.name,
                "prefix": self.prefix, "scopes": list(self.scopes),
                "created_at": _iso(self.created_at), "expires_at": _iso(self.expires_at),
                "last_used_at": _iso(self.last_used_at), "revoked_at": _iso(self.revoked_at)}


class TokenService:
    def __init__(self, database: Engine, clock: Clock, users: UserDirectory) -> None:
        self._db = database
        self._clock = clock
        self._users = users
        self._table = identity_tables()[API_TOKENS]

    def _token(self, row: Any) -> ApiToken:
        return ApiToken(row.id, row.user_id, row.name, row.prefix, tuple(row.scopes),
                        row.created_at, row.expires_at, row.last_used_at, row.revoked_at)

    def create(self, owner: Principal | int, name: str, scopes: Sequence[str], *,
               expires_in: timedelta | None = None, actor: str) -> tuple[ApiToken, str]:
        """A new token for ``owner`` (the principal asking, or a user id from the command
        line); returns it and its secret, which is not kept and cannot be shown again."""
        issues = []
        if not 1 <= len(name.strip()) <= 100:
            issues.append(FieldIssue(("name",), "give the token a name of 1 to 100 "
                                     "characters (what it is for)", "required"))
        for i, scope in enumerate(scopes):
            if scope not in SCOPES:
                issues.append(FieldIssue(("scopes", i), f"unknown scope '{scope}'; scopes: "
                                         f"{', '.join(SCOPES)}", "unknown_scope"))
        if not scopes:
            issues.append(FieldIssue(("scopes",), f"give at least one of: {', '.join(SCOPES)}",
                                     "required"))
        if issues:
            raise ValidationFailed(issues)
        if isinstance(owner, Principal):
            # A token can do no more than the credential that made it.
            beyond = sorted(set(scopes) - owner.scopes)
            if ADMIN_SCOPE in scopes and not owner.is_admin:
                beyond = sorted({*beyond, ADMIN_SCOPE})
            if beyond:
                raise Forbidden(f"you may not create a token with scope(s) "
                                f"{', '.join(beyond)}", code="scope_denied")
            user_id = owner.user_id
        else:
            user_id = self._users.get(owner).id
        prefix = secrets.token_hex(4)
        secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        now = self._clock.now()
        with self._db.begin() as conn:
            key = conn.execute(insert(self._table).values(
                user_id=user_id, name=name.strip(), prefix=prefix, secret_hash=digest(secret),
                scopes=list(dict.fromkeys(scopes)), created_at=now,
                expires_at=now + expires_in if expires_in else None)).inserted_primary_key
            assert key is not None
            token_id = int(key[0])
            self._users.events.log(conn, "token_created", user_id=user_id, actor=actor,
                                   change_id=str(uuid.uuid4()),
                                   details={"token_id": token_id, "name": name,
                                            "scopes": list(scopes)})
        return self.get(token_id), secret

    def get(self, token_id: int) -> ApiToken:
        with self._db.connect() as conn:
            row = conn.execute(select(self._table).where(self._table.c.id == token_id)).first()
        if row is None:
            raise NotFound(f"no token with id {token_id}", code="token_not_found")
        return self._token(row)

    def list(self, user_id: int | None = None) -> list[ApiToken]:
        """Tokens of ``user_id`` (every user's when ``None``), revoked ones included."""
        query = select(self._table).order_by(self._table.c.id)
        if user_id is not None:
            query = query.where(self._table.c.user_id == user_id)
        with self._db.connect() as conn:
            return [self._token(r) for r in conn.execute(query)]

    def revoke(self, token_id: int, *, by: Principal) -> ApiToken:
        """Revoke a token of ``by`` (any token, for an admin). Someone else's token answers
        404 like a missing one."""
        token = self.get(token_id)
        if token.user_id != by.user_id and not by.is_admin:
            raise NotFound(f"no token with id {token_id}", code="token_not_found")
        if token.revoked_at is not None:
            return token
        with self._db.begin() as conn:
            conn.execute(update(self._table).where(self._table.c.id == token_id)
                         .values(revoked_at=self._clock.now()))
            self._users.events.log(conn, "token_revoked", user_id=token.user_id,
                                   actor=by.name, change_id=str(uuid.uuid4()),
                                   details={"token_id": token_id, "name": token.name})
        return self.get(token_id)

    def authenticate(self, secret: str) -> Principal:
        """The principal a bearer token stands for; :class:`Unauthorized` if it is unknown,
        revoked, expired or its user is inactive."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            raise Unauthorized("the bearer token is not a Flowdesk token",
                               code="not_authenticated")
        t = self._table
        now = self._clock.now()
        with self._db.connect() as conn:
            row = conn.execute(select(t).where(t.c.secret_hash == digest(secret))).first()
        if row is None or row.revoked_at is not None or (
                row.expires_at is not None and row.expires_at <= now):
            raise Unauthorized("the bearer token is unknown, revoked or expired",
                               code="not_authenticated")
        user = self._users.get(row.user_id)
        if not user.active:
            raise Unauthorized("the token's user is deactivated", code="not_authenticated")
        if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
            with self._db.begin() as conn:
                conn.execute(update(t).where(t.c.id == row.id).values(last_used_at=now))
        return self._users.principal(user, scopes=row.scopes, via="token",
                                     credential_id=row.id)
