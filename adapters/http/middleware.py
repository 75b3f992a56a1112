"""Request ids and one structured access-log line per request (no personal data)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response

log = structlog.get_logger("casework.http")


def install_request_logging(app: FastAPI) -> None:
    @app.middleware("http")
    async def _log_request(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        request.state.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            route = request.scope.get("route")
            log.info(
                "request",
                method=request.method,
                route=getattr(route, "path", request.url.path),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                user_id=getattr(getattr(request.state, "actor", None), "user_id", None),
            )
