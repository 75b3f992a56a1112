"""``/api/people``: person records that cases refer to."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from adapters.http.conventions import (
    IdempotencyKey,
    IfMatch,
    expected_version,
    idempotency,
    set_version_headers,
)
from adapters.http.routes.cases import WRITE_RESPONSES
from adapters.http.routes.metrics import views_at_least
from adapters.http.schemas.common import CommandResult
from adapters.http.schemas.people import ChangePersonDetails, PersonOut, RegisterPerson
from adapters.http.security import Context
from application import access
from application.access_log import AccessAction
from application.cases_service import PeopleService
from domain.people.aggregate import Person
from domain.people.values import PersonKind
from domain.shared.errors import InvalidValue
from projections.framework import Freshness
from projections.people_list import PeopleFilters, search_people
from projections.queries import DEFAULT_LIMIT, MAX_LIMIT, Reader

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


class PersonFound(BaseModel):
    person_id: UUID
    partnership_id: str
    kind: PersonKind
    name: str
    birth_year: int | None


class PeoplePage(BaseModel):
    items: list[PersonFound]
    total: int
    offset: int
    limit: int


@router.get(
    "", response_model=PeoplePage,
    responses={403: {"description": "Your role may not read people (or not that partnership)"},
               422: {"description": "No search term, or a bad page (problem+json names the "
                                    "field)"}},
    summary="Find people already recorded, by name",
    description="People of your partnerships whose name contains every word of `q` "
    "(at least 2 letters; case and accents ignored), by name; page with `offset` and "
    "`limit`. Only the name, kind and year of birth are returned: read a person's record "
    "with `GET /api/people/{id}`. Erased people are never found; restricted ones only by "
    "the roles that may read restricted records. Every search is written to the access log "
    "as `search` with the ids of the people returned (never the search term).",
)
def search_people_route(
    request: Request, _: Context,
    fresh: Annotated[Freshness, Depends(views_at_least("people_list", "case_list"))],
    q: Annotated[str, Query(max_length=200, description="Words of the name")],
    partnership_id: Annotated[str | None, Query(
        max_length=64, description="One of your partnerships (default: all of yours)")] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> PeoplePage:
    container = request.app.state.container
    reader = Reader(container.rules)
    reader.require(access.CASEWORK_READERS, "searching people")
    filters = PeopleFilters(q=q, partnership_id=partnership_id, offset=offset, limit=limit)
    with container.projections.reading() as cur:
        page = search_people(cur, reader, filters)
    container.record_read(request, AccessAction.SEARCH, "person", None,
                          [item.person_id for item in page.items])
    return PeoplePage(items=[PersonFound.model_validate(item, from_attributes=True)
                             for item in page.items],
                      total=page.total, offset=page.offset, limit=page.limit)


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
