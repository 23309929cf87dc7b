"""``/api/records/{object}/{id}/sla``: a record's SLA clocks. Reading them needs read access to
the record (a record the user may not read answers 404, like a missing one)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.api.path_ids import Id
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime

__all__ = ["sla_router"]

Access = Annotated[UserAccess, Depends(current_access)]


def sla_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/records", tags=["sla"], responses=ERROR_RESPONSES)

    @router.get(
        "/{object_name}/{record_id}/sla",
        summary="A record's SLA clocks",
        description="One entry per metric the record's policy measures: `status` (running, "
        "paused, stopped, cancelled), `policy`, `target_seconds`, `elapsed_seconds` and "
        "`remaining_seconds` (business time), `percent`, `due_at` (while running), "
        "`breached_at`, `breached`, `met` (once stopped).",
    )
    def record_sla(object_name: str, record_id: Id, access: Access) -> dict[str, Any]:
        record = access.get(object_name, record_id)  # read access, or 404
        obj = runtime.registry.object(object_name)
        with runtime.database.connect() as conn:
            clocks = runtime.sla.clocks(conn, obj.name, int(record["id"]), runtime.clock.now())
        definition = runtime.sla.definition(obj.name)
        return {"sla": definition.name if definition else None, "clocks": clocks}

    return router
