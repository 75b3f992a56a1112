"""Models shared by every resource."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict


class CommandResult(BaseModel):
    """What every write returns: the record's id, new version and log position."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5b0d2c7e-4f7e-5a59-9a32-0f1f3c0c8a11",
        "version": 4,
        "position": 1289,
        "created_id": "0c7f3a52-9e39-4d63-b1a4-2cb6b0e5e0d2",
    }]})

    id: UUID
    version: int
    position: int | None
    created_id: UUID | None = None


class Page(BaseModel):
    offset: int
    limit: int
    total: int
