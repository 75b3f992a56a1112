"""HTTP conventions shared by every resource: versions, ETags, If-Match, idempotency."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Header, Query, Request, Response
from pydantic import AwareDatetime, BaseModel

from application.commands import CommandOutcome, Idempotency
from domain.shared.errors import InvalidValue

IfMatch = Annotated[
    str | None,
    Header(description="The version you read (from ETag); a stale version gets 412",
           examples=['"3"']),
]
IdempotencyKey = Annotated[
    str | None,
    Header(description="Send the same key when retrying: the first response is returned and "
           "nothing is written twice", examples=["b3c1f0a6-3a1e-4bb0-9a52-6f3f4c1d2e9a"],
           max_length=200),
]


def expected_version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    try:
        version = int(text)
    except ValueError:
        raise InvalidValue(
            "If-Match must be the ETag you received, e.g. \"3\"", rule="http.if_match",
            field="If-Match",
        ) from None
    if version < 0:
        raise InvalidValue("If-Match must not be negative", rule="http.if_match",
                           field="If-Match")
    return version


def idempotency(request: Request, key: str | None, body: BaseModel | None = None
                ) -> Idempotency | None:
    if not key:
        return None
    payload = body.model_dump(mode="json") if body is not None else None
    fingerprint = hashlib.sha256(
        json.dumps([request.method, request.url.path, payload], sort_keys=True).encode()
    ).hexdigest()
    return Idempotency(key=key.strip(), fingerprint=fingerprint)


def write_options(request: Request, if_match: str | None, key: str | None,
                  body: BaseModel | None) -> dict[str, Any]:
    """The keyword arguments every service command takes from a write request."""
    return {"expected_version": expected_version(if_match),
            "idempotency": idempotency(request, key, body)}


def set_version_headers(response: Response, outcome: CommandOutcome | None = None,
                        version: int | None = None) -> None:
    current = outcome.version if outcome is not None else version
    if current is not None:
        response.headers["ETag"] = f'"{current}"'
    if outcome is not None:
        if outcome.position is not None:
            response.headers["X-Casework-Position"] = str(outcome.position)
        if outcome.replayed:
            response.headers["Idempotent-Replayed"] = "true"


def example(model: dict[str, Any]) -> dict[str, Any]:
    """Pydantic model_config snippet giving a complete example for the OpenAPI document."""
    return {"json_schema_extra": {"examples": [model]}}


MAX_VERSION = 2**31 - 1
VersionQuery = Annotated[
    int | None, Query(ge=1, le=MAX_VERSION, description="Show the record at this version")
]
AsAtQuery = Annotated[
    AwareDatetime | None,
    Query(description="Show the record as it was at this moment (ISO 8601 with an offset, "
          "e.g. 2026-03-31T23:59:00Z)"),
]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_VERSION)]


def as_at_utc(as_at: datetime | None) -> datetime | None:
    """``as_at`` in UTC; a moment that does not exist in UTC (year 0 or 10000) is a 422."""
    if as_at is None:
        return None
    try:
        return as_at.astimezone(UTC)
    except OverflowError:
        raise InvalidValue("as_at is out of range", rule="http.as_at", field="as_at") from None
