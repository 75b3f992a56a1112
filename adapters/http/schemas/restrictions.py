"""Request and response models for restriction of processing (UK GDPR Article 18)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Reason = Annotated[str, Field(min_length=1, max_length=2000,
                              description="Why (personal data: sealed under its own key)")]

_RECORD = "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f"


class RestrictRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "record_id": _RECORD, "kind": "person",
        "reason": "The subject contests the accuracy of their address (Art. 18(1)(a)).",
    }]})

    record_id: UUID
    kind: Literal["person", "case"]
    reason: Reason


class LiftRestriction(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "reason": "Address verified and corrected; the subject was told on 2026-04-02.",
    }]})

    reason: Reason


class RestrictionPeriodOut(BaseModel):
    restricted_at: datetime
    restricted_by: str
    reason: str
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None


class RestrictionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "record_id": _RECORD, "kind": "person", "partnership_id": "north-herts",
        "restricted": True, "restricted_since": "2026-03-02T09:18:00Z", "version": 2,
        "periods": [{"restricted_at": "2026-03-02T09:18:00Z", "restricted_by": "csp.coord",
                     "reason": "The subject contests the accuracy of their address.",
                     "lifted_at": None, "lifted_by": None, "lift_reason": None}],
    }]})

    record_id: UUID
    kind: str
    partnership_id: str
    restricted: bool
    restricted_since: datetime | None
    version: int
    periods: list[RestrictionPeriodOut]
