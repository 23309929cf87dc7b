"""``/api/reports``: the packs' reports, computed in SQL over the records the user may read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from engine.api.auth import current_access
from engine.api.errors import ERROR_RESPONSES
from engine.runtime.access import UserAccess
from engine.runtime.factory import Runtime
from engine.runtime.reports import ReportRunner, UserReports, report_summary

__all__ = ["reports_router"]

Access = Annotated[UserAccess, Depends(current_access)]

_RUN_DOC = (
    "`from`, `to`: ISO dates or date-times on the report's `date_field` (`from` included; a "
    "`to` date includes its whole day); `tz`: the IANA timezone dates and day/week/month "
    "buckets are read in (default UTC); `group_by=a,b`: some of the declared dimensions "
    "(empty: totals only); `format=csv` for CSV; `locale` (en, zh-CN) for CSV headings; any "
    "other parameter filters records as in the list API (`priority=P1`, `field__op=value`). "
    "Only records the user may read are counted. The answer: `columns` (name, label, type, "
    "kind, unit, options), `rows` and `totals`."
)


def reports_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/reports", tags=["reports"], responses=ERROR_RESPONSES)
    runner = ReportRunner(runtime.registry, runtime.records)

    @router.get("", summary="The reports you may run")
    def list_reports(access: Access) -> dict[str, Any]:
        reports = UserReports(runner, access).available()
        return {"items": [report_summary(r) for r in reports]}

    @router.get("/{name}", summary="Run a report", description=_RUN_DOC)
    def run_report(name: str, request: Request, access: Access) -> Any:
        result = UserReports(runner, access).run(name, request.query_params.multi_items())
        if result.params.format == "csv":
            return Response(
                result.as_csv(result.params.locale), media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        return result.as_json()

    return router
