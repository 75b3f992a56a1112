"""``/api/people``: person records that cases refer to."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from adapters.http.conventions import (
    IdempotencyKey,
    IfMatch,
    expected_version,
    idempotency,
    set_version_headers,
)
from adapters.http.routes.cases import WRITE_RESPONSES
from adapters.http.schemas.common import CommandResult
from adapters.http.schemas.people import ChangePersonDetails, PersonOut, RegisterPerson
from adapters.http.security import Context
from application.cases_service import PeopleService
from domain.people.aggregate import Person
from domain.shared.errors import InvalidValue

router = APIRouter(prefix="/api/people", tags=["people"])


def _service(request: Request) -> PeopleService:
    service: PeopleService = request.app.state.container.services["people"]
    return service


def person_out(person: Person) -> PersonOut:
    details = person.details
    return PersonOut(
        id=person.id, version=person.version, partnership_id=person.partnership_id,
        kind=details.kind, name=details.name, date_of_birth=details.date_of_birth,
        phone=details.phone, email=details.email, address=details.address,
        vulnerability_notes=details.vulnerability_notes, registered_at=person.registered_at,
        erased=details.is_erased,
    )


@router.post("", status_code=201, response_model=CommandResult, responses=WRITE_RESPONSES,
             summary="Record a person (victim, complainant, perpetrator or witness)")
def register_person(body: RegisterPerson, request: Request, response: Response, _: Context,
                    idempotency_key: IdempotencyKey = None) -> CommandResult:
    details = body.model_dump(exclude={"partnership_id"})
    outcome = _service(request).register(
        partnership_id=body.partnership_id,
        idempotency=idempotency(request, idempotency_key, body), **details)
    set_version_headers(response, outcome)
    response.headers["Location"] = f"/api/people/{outcome.aggregate_id}"
    return CommandResult(id=outcome.aggregate_id, version=outcome.version,
                         position=outcome.position)


@router.get("/{person_id}", response_model=PersonOut,
            responses={404: {"description": "No such person (or not visible to you)"}},
            summary="A person's details")
def get_person(person_id: UUID, request: Request, response: Response, _: Context) -> PersonOut:
    person = _service(request).get(person_id)
    request.app.state.container.record_read(request, "view-person", "person", person.id,
                                            [person.id])
    set_version_headers(response, version=person.version)
    return person_out(person)


@router.put("/{person_id}", response_model=CommandResult, responses=WRITE_RESPONSES,
            summary="Change a person's details (an update, or a correction with a reason)")
def change_person(person_id: UUID, body: ChangePersonDetails, request: Request,
                  response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> CommandResult:
    details = body.model_dump(exclude={"correction", "reason"})
    if body.correction and not body.reason:
        raise InvalidValue("say why the old details were wrong", rule="required",
                           field="reason")
    outcome = _service(request).update(
        person_id, expected_version=expected_version(if_match),
        idempotency=idempotency(request, idempotency_key, body), correction=body.correction,
        reason=body.reason, **details)
    set_version_headers(response, outcome)
    return CommandResult(id=outcome.aggregate_id, version=outcome.version,
                         position=outcome.position)
