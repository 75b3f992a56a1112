"""Request and response models for person records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from domain.people.values import PersonKind

Name = Annotated[str, Field(min_length=1, max_length=200)]
Optional = Annotated[str, Field(max_length=2000)] | None

_PERSON_EXAMPLE: dict[str, Any] = {
    "kind": "individual", "name": "Margaret Example", "date_of_birth": "1948-06-14",
    "phone": "01462 000000", "email": None, "address": "Flat 2, 12 Bancroft, Hitchin SG5 1JW",
    "vulnerability_notes": "Lives alone; hearing impaired.",
}


class PersonDetailsIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [dict(_PERSON_EXAMPLE)]}
    )

    kind: PersonKind = PersonKind.INDIVIDUAL
    name: Name
    date_of_birth: date | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    email: EmailStr | None = None
    address: Optional = None
    vulnerability_notes: Optional = None


class RegisterPerson(PersonDetailsIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"partnership_id": "north-herts", **_PERSON_EXAMPLE}]})

    partnership_id: Name


class ChangePersonDetails(PersonDetailsIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        **_PERSON_EXAMPLE, "address": "4 New Road, Letchworth SG6 3AB",
        "reason": "Moved house", "correction": False}]})

    reason: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    correction: bool = Field(
        default=False,
        description="true when the old details were wrong (a reason is then required); "
        "false when circumstances changed",
    )


class PersonOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f", "version": 1,
        "partnership_id": "north-herts", "registered_at": "2026-03-02T09:18:00Z",
        "erased": False, **_PERSON_EXAMPLE}]})

    id: UUID
    version: int
    partnership_id: str
    kind: PersonKind
    name: str
    date_of_birth: date | None
    phone: str | None
    email: str | None
    address: str | None
    vulnerability_notes: str | None
    registered_at: datetime
    erased: bool
