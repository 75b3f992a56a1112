"""RFC 9457 problem+json responses for every error the API returns."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.errors import (
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    StaleVersion,
    TooManyConflicts,
)
from domain.shared.errors import InvalidValue, RuleViolation

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("casework.http")


class Unauthorized(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(location[-1] if location else "request")


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(item.get("loc", ()))), "reason": item.get("msg", "")}
            for item in error.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return problem(422, "Invalid request", summary, type_="/problems/validation",
                       errors=errors)

    @app.exception_handler(InvalidValue)
    async def _invalid_value(_: Request, error: InvalidValue) -> JSONResponse:
        field = error.field or "request"
        return problem(422, "Invalid value", error.message, type_="/problems/validation",
                       rule=error.rule, errors=[{"field": field, "reason": error.message}])

    @app.exception_handler(RuleViolation)
    async def _rule(_: Request, error: RuleViolation) -> JSONResponse:
        extra: dict[str, Any] = {"rule": error.rule}
        if error.field:
            extra["errors"] = [{"field": error.field, "reason": error.message}]
        return problem(409, "Not allowed now", error.message, type_="/problems/rule", **extra)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, error: NotFound) -> JSONResponse:
        return problem(404, "Not found", error.message)

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, error: Forbidden) -> JSONResponse:
        return problem(403, "Forbidden", error.message)

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_: Request, error: Unauthorized) -> JSONResponse:
        return problem(401, "Unauthorized", error.detail,
                       headers={"WWW-Authenticate": 'Bearer realm="casework"'})

    @app.exception_handler(StaleVersion)
    async def _stale(_: Request, error: StaleVersion) -> JSONResponse:
        return problem(
            412, "Precondition failed", error.message, type_="/problems/stale-version",
            current_version=error.current, headers={"ETag": f'"{error.current}"'},
        )

    @app.exception_handler(IdempotencyKeyReused)
    async def _reused(_: Request, error: IdempotencyKeyReused) -> JSONResponse:
        return problem(422, "Idempotency-Key reused", error.message,
                       errors=[{"field": "Idempotency-Key", "reason": error.message}])

    @app.exception_handler(TooManyConflicts)
    async def _busy(_: Request, error: TooManyConflicts) -> JSONResponse:
        return problem(503, "Busy", error.message, headers={"Retry-After": "1"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail), str(error.detail),
                       headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unhandled error", route=request.url.path, exc_info=error,
                      error_type=type(error).__name__)
        return problem(500, "Internal error", "Something went wrong; it has been logged.")
