"""``GET /api/health``: is the process up and can it reach its database."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from engine import __version__
from engine.runtime.factory import Runtime

__all__ = ["health_router"]


def health_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/api/health", summary="Liveness and database reachability")
    def health() -> Any:
        try:
            with runtime.database.connect() as conn:
                conn.execute(text("SELECT 1"))
            database = "ok"
        except SQLAlchemyError:
            database = "unreachable"
        body = {
            "status": "ok" if database == "ok" else "degraded",
            "version": __version__,
            "database": {"dialect": runtime.database.dialect.name, "status": database},
            "packs": [{"name": p.name, "version": p.version} for p in runtime.registry.packs],
        }
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    return router
