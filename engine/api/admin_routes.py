"""``/api/admin``: users, their roles and teams, and the auth events (admins only: the
protection in :mod:`engine.api.auth` requires role and scope ``admin`` here)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from engine.api.auth import current_principal
from engine.api.errors import ERROR_RESPONSES
from engine.api.json_body import issues_in_body
from engine.api.path_ids import Id, OffsetParam
from engine.runtime.factory import Runtime
from engine.runtime.principal import Principal

__all__ = ["admin_router"]

Me = Annotated[Principal, Depends(current_principal)]
DEFAULT_USER_PAGE = 100
MAX_USER_PAGE = 500


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    roles: list[str] = Field(min_length=1, max_length=20)
    password: str | None = Field(default=None, max_length=1024)
    email: str | None = Field(default=None, max_length=320)
    display_name: str | None = Field(default=None, max_length=200)
    teams: list[str] = Field(default_factory=list, max_length=100)
    attributes: dict[str, Any] = Field(default_factory=dict)
    locale: str | None = Field(default=None, max_length=16, description="en or zh-CN")
    time_zone: str | None = Field(default=None, max_length=64,
                                  description="An IANA time zone, e.g. Asia/Shanghai")


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str] | None = Field(default=None, min_length=1, max_length=20)
    password: str | None = Field(default=None, max_length=1024)
    email: str | None = Field(default=None, max_length=320)
    display_name: str | None = Field(default=None, max_length=200)
    teams: list[str] | None = Field(default=None, max_length=100)
    attributes: dict[str, Any] | None = None
    active: bool | None = None
    locale: str | None = Field(default=None, max_length=16,
                               description="en or zh-CN; empty clears it")
    time_zone: str | None = Field(default=None, max_length=64,
                                  description="An IANA time zone; empty clears it")


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    label: str | None = Field(default=None, max_length=200)


def admin_router(runtime: Runtime) -> APIRouter:
    users = runtime.auth.users
    router = APIRouter(prefix="/api/admin", tags=["admin"], responses=ERROR_RESPONSES)

    @router.get("/users", summary="List users, by id, a page at a time")
    def list_users(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=MAX_USER_PAGE)] = DEFAULT_USER_PAGE,
        offset: OffsetParam = 0,
    ) -> dict[str, Any]:
        items = [u.as_json() for u in users.list(limit=limit, offset=offset)]
        total = users.count()
        next_link = None
        if offset + len(items) < total:
            url = request.url.include_query_params(limit=limit, offset=offset + limit)
            next_link = f"{url.path}?{url.query}"
        return {"items": items, "total": total, "limit": limit, "offset": offset,
                "next": next_link}

    @router.post("/users", status_code=201, summary="Create a user")
    def create_user(body: UserCreate, me: Me) -> dict[str, Any]:
        with issues_in_body():
            return users.create(body.name, roles=body.roles, actor=me.name,
                                password=body.password, email=body.email,
                                display_name=body.display_name, teams=body.teams,
                                attributes=body.attributes, locale=body.locale,
                                time_zone=body.time_zone).as_json()

    @router.get("/users/{user_id}", summary="Get a user")
    def get_user(user_id: Id) -> dict[str, Any]:
        return users.get(user_id).as_json()

    @router.patch("/users/{user_id}",
                  summary="Change a user's roles, teams, attributes, password or activity")
    def change_user(user_id: Id, body: UserChange, me: Me) -> dict[str, Any]:
        with issues_in_body():
            return users.update(user_id, actor=me.name, roles=body.roles, teams=body.teams,
                                attributes=body.attributes, active=body.active,
                                password=body.password, email=body.email,
                                display_name=body.display_name, locale=body.locale,
                                time_zone=body.time_zone).as_json()

    @router.get("/teams", summary="List teams")
    def list_teams() -> dict[str, Any]:
        return {"items": [t.as_json() for t in users.teams()]}

    @router.post("/teams", status_code=201, summary="Create a team")
    def create_team(body: TeamCreate) -> dict[str, Any]:
        with issues_in_body():
            return users.create_team(body.name, body.label).as_json()

    @router.get("/auth-events", summary="Recent logins, failed logins, token and role changes")
    def auth_events(limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
        with runtime.database.connect() as conn:
            return {"items": [e.as_json() for e in users.events.recent(conn, limit)]}

    @router.get("/roles", summary="The roles users may hold")
    def roles() -> dict[str, Any]:
        access = runtime.registry.access
        return {"items": [{"name": "admin", "label": {"en": "Administrator"}}] + [
            {"name": r.name, "label": r.label.as_dict()} for r in access.roles.values()]}

    return router
