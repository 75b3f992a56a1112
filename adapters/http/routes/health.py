"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The store is reachable and the views are caught up")
def readyz(request: Request) -> JSONResponse:
    container = request.app.state.container
    checks: dict[str, Any] = {}
    ready = True
    try:
        checks["store"] = {"ok": True, "position": container.store.recorder.max_notification_id()}
    except Exception as error:  # any store failure means not ready
        ready = False
        checks["store"] = {"ok": False, "error": type(error).__name__}
    lag = container.projection_lag()
    if lag is not None:
        checks["projections"] = lag
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                        status_code=200 if ready else 503)
