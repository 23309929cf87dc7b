"""Who is acting: an authenticated user with roles, teams, attributes and the scopes of the
credential they came with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.objects.model import frozen_map
from engine.objects.permissions import ADMIN_ROLE

__all__ = ["Principal", "SCOPES", "READ", "WRITE", "ADMIN_SCOPE"]

READ = "read"
WRITE = "write"
ADMIN_SCOPE = "admin"
#: What a credential may be used for: reading, changing records, administering users.
SCOPES = (READ, WRITE, ADMIN_SCOPE)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user as one request sees them. ``scopes`` narrow what the credential
    may do (a session has every scope its roles allow; a token the ones it was given)."""

    user_id: int
    name: str
    roles: frozenset[str]
    teams: tuple[str, ...] = ()
    email: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=frozen_map)
    scopes: frozenset[str] = frozenset(SCOPES)
    #: ``session`` or ``token``: how the request authenticated (CSRF applies to sessions)
    via: str = "session"
    #: the session's id or the token's id, for logout and audit
    credential_id: int = 0

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles

    def dsl_user(self) -> dict[str, Any]:
        """The user as rules read it (``user.id`` is the login name, as assignee fields hold)."""
        return {
            **self.attributes,
            "id": self.name,
            "name": self.name,
            "email": self.email,
            "roles": sorted(self.roles),
            "teams": list(self.teams),
        }
