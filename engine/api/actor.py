"""Who is acting. Until authentication exists, the caller says so in a header.

Kept to one dependency so an authenticated version can replace it without touching a route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from engine.errors import BadRequest
from engine.runtime.records import MAX_ACTOR_LENGTH

__all__ = ["current_actor", "ANONYMOUS", "ACTOR_HEADER"]

ANONYMOUS = "anonymous"
ACTOR_HEADER = "X-Flowdesk-Actor"


def current_actor(
    x_flowdesk_actor: Annotated[
        str | None,
        Header(description="Who is acting (until authentication exists); default anonymous."),
    ] = None,
) -> str:
    actor = (x_flowdesk_actor or "").strip() or ANONYMOUS
    if len(actor) > MAX_ACTOR_LENGTH:
        raise BadRequest(
            f"the {ACTOR_HEADER} header is longer than {MAX_ACTOR_LENGTH} characters",
            code="invalid_actor",
        )
    return actor
