"""Logging test clients in: users with roles, and API tokens for them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from argon2 import PasswordHasher

from engine.runtime.factory import Runtime
from engine.runtime.principal import SCOPES

#: Hashing at the cheapest argon2 settings keeps tests fast; the real default is used in
#: production (``build_runtime`` without a hasher).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def bearer(runtime: Runtime, name: str, roles: Sequence[str] = ("admin",), *,
           scopes: Sequence[str] = SCOPES, **user: Any) -> dict[str, str]:
    """The Authorization header of a new token for user ``name`` (created if missing)."""
    users = runtime.auth.users
    found = users.by_name(name)
    if found is None:
        found = users.create(name, roles=list(roles), actor="test", **user)
    _, secret = runtime.auth.tokens.create(found.id, f"test token of {name}", list(scopes),
                                           actor="test")
    return {"Authorization": f"Bearer {secret}"}
