"""``/api/restrictions``: restrict a person's or a case's processing, and lift it.

While a record is restricted every read of it through the API (and the pages) is refused
to all roles but the configured readers (``[restriction] readers``, default auditor and
admin), and each read is written to the access log. See docs/data-protection.md.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from adapters.http.conventions import IdempotencyKey, idempotency, set_version_headers
from adapters.http.schemas.restrictions import (
    LiftRestriction,
    RestrictionOut,
    RestrictionPeriodOut,
    RestrictRecord,
)
from adapters.http.security import Context
from application.commands import CommandOutcome
from application.protection_service import ProtectionService, RestrictionStatus

router = APIRouter(prefix="/api/restrictions", tags=["data protection"])

RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "Your role may not do this (see [restriction] in the rules file)"},
    404: {"description": "No such record or restriction (or not in your partnerships)"},
    409: {"description": "Already restricted / not restricted"},
    422: {"description": "Invalid input (problem+json names each field)"},
}


def _service(request: Request) -> ProtectionService:
    service: ProtectionService = request.app.state.container.services["protection"]
    return service


def restriction_out(status: RestrictionStatus) -> RestrictionOut:
    restriction = status.restriction
    current = restriction.current
    return RestrictionOut(
        record_id=status.record_id, kind=status.record_kind,
        partnership_id=status.partnership_id, restricted=status.is_restricted,
        restricted_since=None if current is None else current.restricted_at,
        version=restriction.version,
        periods=[RestrictionPeriodOut(
            restricted_at=p.restricted_at, restricted_by=p.restricted_by, reason=p.reason,
            lifted_at=p.lifted_at, lifted_by=p.lifted_by, lift_reason=p.lift_reason,
        ) for p in restriction.periods],
    )


def _answer(request: Request, response: Response, record_id: UUID,
            outcome: CommandOutcome) -> RestrictionOut:
    set_version_headers(response, outcome)
    response.headers["Location"] = f"/api/restrictions/{record_id}"
    return restriction_out(_service(request).status(record_id))


@router.post("", status_code=201, response_model=RestrictionOut, responses=RESPONSES,
             summary="Restrict the processing of a person or a case")
def restrict(body: RestrictRecord, request: Request, response: Response, _: Context,
             idempotency_key: IdempotencyKey = None) -> RestrictionOut:
    outcome = _service(request).restrict(
        body.record_id, kind=body.kind, reason=body.reason,
        idempotency=idempotency(request, idempotency_key, body))
    return _answer(request, response, body.record_id, outcome)


@router.post("/{record_id}/lifting", response_model=RestrictionOut, responses=RESPONSES,
             summary="Lift the restriction (tell the data subject first: Art. 18(3))")
def lift(record_id: UUID, body: LiftRestriction, request: Request, response: Response,
         _: Context, idempotency_key: IdempotencyKey = None) -> RestrictionOut:
    outcome = _service(request).lift(
        record_id, reason=body.reason, idempotency=idempotency(request, idempotency_key, body))
    return _answer(request, response, record_id, outcome)


@router.get("/{record_id}", response_model=RestrictionOut, responses=RESPONSES,
            summary="Whether a record is restricted, with every period and reason")
def get_restriction(record_id: UUID, request: Request, response: Response,
                    _: Context) -> RestrictionOut:
    status = _service(request).status(record_id)
    person_ids = [record_id] if status.record_kind == "person" else []
    request.app.state.container.record_read(request, "view-restriction", status.record_kind,
                                            record_id, person_ids)
    set_version_headers(response, version=status.restriction.version)
    return restriction_out(status)
