"""``/api/agents`` and ``/api/routing``: agents' profiles and availability, and why routing
decides what it does.

Who may do what: the desk's staff (admins, the roles a routing policy names as
``supervisors``, and members of a queue's team) read agents and explanations; admins and
supervisors change profiles; an agent sets their own availability, a supervisor anyone's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from engine.api.auth import current_access, current_principal
from engine.api.errors import ERROR_RESPONSES
from engine.errors import BadRequest, Forbidden
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime
from engine.runtime.principal import Principal

__all__ = ["routing_router"]

Me = Annotated[Principal, Depends(current_principal)]
Access = Annotated[UserAccess, Depends(current_access)]


class ProfileChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[str] | None = Field(default=None, max_length=100,
                                     description="Every skill the agent has (replaces them).")
    capacity: int | None = Field(default=None, ge=0, le=10_000,
                                 description="How many open records the agent may hold.")
    calendar: str | None = Field(default=None, description="The calendar (calendars/) of the "
                                 "agent's working hours; null: always working.")


class AvailabilityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    availability: Literal["online", "away", "offline"] = Field(
        description="online: receives work; away: keeps theirs, gets none new; offline: "
        "their open records are routed again.")


class ExplainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object: str = Field(description="The routed object.")
    record_id: int | None = Field(default=None, description="A stored record to explain.")
    values: dict[str, Any] | None = Field(
        default=None, description="Or field values of a record not stored (yet).")


def routing_router(runtime: Runtime) -> APIRouter:
    router_ = runtime.router
    api = APIRouter(tags=["routing"], responses=ERROR_RESPONSES)

    def staff(me: Principal) -> None:
        if router_.may_manage(me.roles) or set(me.teams) & set(router_.queue_teams()):
            return
        raise Forbidden("agents and routing are for the desk's staff (admins, supervisors "
                        "and members of a queue's team)", code="permission_denied")

    def manager(me: Principal, what: str) -> None:
        if not router_.may_manage(me.roles):
            raise Forbidden(f"only admins and supervisors may {what}",
                            code="permission_denied")

    @api.get("/api/agents", summary="Agents with their profiles and open work")
    def list_agents(me: Me) -> dict[str, Any]:
        staff(me)
        return {"items": router_.agents()}

    @api.put("/api/agents/{user}/profile", summary="Set an agent's skills, capacity, calendar")
    def set_profile(user: str, body: ProfileChange, me: Me) -> dict[str, Any]:
        manager(me, "change agents' profiles")
        given = body.model_fields_set
        return router_.set_profile(
            user, me.name, skills=body.skills, capacity=body.capacity,
            calendar=body.calendar, clear_calendar="calendar" in given and body.calendar is None)

    @api.put("/api/agents/{user}/availability",
             summary="Set an agent's availability; offline routes their open records again")
    def set_availability(user: str, body: AvailabilityChange, me: Me) -> dict[str, Any]:
        if user != me.name:
            manager(me, "change another agent's availability")
        return router_.set_profile(user, me.name, availability=body.availability)

    @api.post("/api/routing/explain",
              summary="Which rule matches, which agents were considered, and who would win")
    def explain(body: ExplainRequest, me: Me, access: Access) -> dict[str, Any]:
        staff(me)
        if (body.record_id is None) == (body.values is None):
            raise BadRequest("give either 'record_id' (a stored record) or 'values' (a record "
                             "not stored)", code="routing_explain_input")
        router_.policy(body.object)
        if body.record_id is not None:
            access.get(body.object, body.record_id)  # 404 unless the caller may read it
            with runtime.database.connect() as conn:
                row = router_.load_record(conn, body.object, body.record_id)
        else:
            obj_access = access.access(body.object)
            values = obj_access.update_validator.validate_update(body.values)
            row = dict.fromkeys(obj_access.obj.fields) | values
        return router_.explain(body.object, row).as_json()

    return api
