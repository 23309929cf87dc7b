"""``/api/jobs``: see the outbox and timers, and put failed jobs back."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from engine.api.errors import ERROR_RESPONSES
from engine.api.path_ids import Id, IdParam, OffsetParam
from engine.jobs.queue import MAX_JOB_PAGE, JobQueue
from engine.runtime.factory import Runtime

__all__ = ["jobs_router"]


def jobs_router(runtime: Runtime) -> APIRouter:
    queue = JobQueue(runtime)
    router = APIRouter(prefix="/api/jobs", tags=["jobs"], responses=ERROR_RESPONSES)

    @router.get("", summary="List jobs, newest first")
    def list_jobs(
        status: Literal["pending", "running", "done", "dead", "cancelled"] | None = None,
        kind: str | None = None,
        object: str | None = None,
        record_id: IdParam | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_JOB_PAGE)] = 50,
        offset: OffsetParam = 0,
    ) -> dict[str, Any]:
        page = queue.list(status=status, kind=kind, object=object, record_id=record_id,
                          limit=limit, offset=offset)
        return {"items": page.items, "total": page.total, "limit": page.limit,
                "offset": page.offset}

    @router.get("/{job_id}", summary="Get a job")
    def get_job(job_id: Id) -> dict[str, Any]:
        return queue.get(job_id)

    @router.post(
        "/{job_id}/retry",
        summary="Retry a dead or cancelled job",
        description="Sets it pending with its attempts reset, due now; 409 `job_not_retryable` "
        "for a job in any other state.",
    )
    def retry_job(job_id: Id) -> dict[str, Any]:
        return queue.retry(job_id)

    return router
