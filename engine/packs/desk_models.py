"""The pack format of ``desk/*.yaml``: the teams and users a new desk starts with (seed data,
applied by ``flowdesk desk apply``, never by loading the pack)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from engine.packs.models import Identifier, _Spec

__all__ = ["DeskSeedSpec", "SeedTeamSpec", "SeedUserSpec", "SeedAgentSpec", "DESK_FOLDER"]

#: The folder of a pack holding its desk seed; the pack loader leaves it alone.
DESK_FOLDER = "desk"

TeamName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_. -]{0,63}$")]


class SeedTeamSpec(_Spec):
    """A team (its name is a queue's name)."""

    name: TeamName
    """The team's name."""
    label: str | None = None
    """What people see."""


class SeedAgentSpec(_Spec):
    """A user's routing profile."""

    skills: list[str] = Field(default_factory=list)
    """Skills routing rules may ask for (languages, products, regions)."""
    capacity: int = Field(default=5, ge=0, le=1000)
    """How many open records the agent takes at most."""
    availability: Literal["online", "away", "offline"] = "online"
    """Whether routing assigns work to the agent now."""
    calendar: Identifier | None = None
    """The agent's business calendar (``calendars/``); the queue's when none."""


class SeedUserSpec(_Spec):
    """A desk user. A user that exists already keeps their roles, teams and password; only
    the routing profile given here is set again."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    """The login name."""
    roles: list[Identifier] = Field(min_length=1)
    """Roles: ``admin`` or ones the packs declare."""
    email: str | None = None
    """Where notifications go."""
    teams: list[TeamName] = Field(default_factory=list)
    """Teams the user belongs to (created when missing)."""
    attributes: dict[Identifier, Any] = Field(default_factory=dict)
    """Pack-declared user attributes (``users/``)."""
    agent: SeedAgentSpec | None = None
    """The routing profile; without it the user gets no routed work."""


class DeskSeedSpec(_Spec):
    """A file under ``desk/``: teams and users to create on a new desk. Users get no password:
    an admin sets one (``/api/admin/users``), or they act through API tokens
    (``flowdesk token create``)."""

    teams: list[SeedTeamSpec] = Field(default_factory=list)
    """Teams, created when missing."""
    users: list[SeedUserSpec] = Field(default_factory=list)
    """Users, created when missing; agent profiles set every time."""
