"""``/api/cases``: ASB cases and every step of their lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response

from adapters.http.conventions import (
    AsAtQuery,
    IdempotencyKey,
    IfMatch,
    VersionQuery,
    as_at_utc,
    idempotency,
    set_version_headers,
    write_options,
)
from adapters.http.presenters import case_out
from adapters.http.routes.audit import history_routes
from adapters.http.schemas import cases as schemas
from adapters.http.schemas.common import CommandResult
from adapters.http.security import Context
from application.cases_service import CaseService
from application.commands import CommandOutcome
from application.context import RequestContext
from domain.cases import AsbCase, PartyRole

router = APIRouter(prefix="/api/cases", tags=["ASB cases"])


def _visible_case(request: Request, _: RequestContext, case_id: UUID) -> AsbCase:
    return _service(request).get(case_id)


history_routes(router, "case", _visible_case, people_of=lambda case: case.person_ids)

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such case (or not in your partnerships)"},
    409: {"description": "A domain rule forbids this now (problem+json names the rule)"},
    412: {"description": "If-Match is stale: nothing was written"},
    422: {"description": "Invalid input (problem+json names each field)"},
}


def _service(request: Request) -> CaseService:
    service: CaseService = request.app.state.container.services["cases"]
    return service


def _result(response: Response, outcome: CommandOutcome,
            created_id: UUID | None = None) -> CommandResult:
    set_version_headers(response, outcome)
    return CommandResult(id=outcome.aggregate_id, version=outcome.version,
                         position=outcome.position, created_id=created_id)


@router.post("", status_code=201, response_model=CommandResult, responses=WRITE_RESPONSES,
             summary="Open an ASB case for a new report")
def open_case(body: schemas.OpenCase, request: Request, response: Response,
              _: Context, idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).open_case(
        **body.model_dump(), idempotency=idempotency(request, idempotency_key, body)
    )
    response.headers["Location"] = f"/api/cases/{outcome.aggregate_id}"
    return _result(response, outcome)


@router.get("/{case_id}", response_model=schemas.CaseOut,
            responses={404: {"description": "No such case (or not visible to you)"}},
            summary="A case as it is now, or as it was at a version or moment")
def get_case(
    case_id: UUID, request: Request, response: Response, _: Context,
    version: VersionQuery = None, as_at: AsAtQuery = None,
) -> schemas.CaseOut:
    case = _service(request).get(case_id, version=version, as_at=as_at_utc(as_at))
    container = request.app.state.container
    container.record_read(request, "view-case", "case", case.id, case.person_ids)
    set_version_headers(response, version=case.version)
    return case_out(case, container.rules.cases)


def _write(path: str, summary: str, status_code: int = 200
           ) -> Callable[[Callable[..., CommandResult]], Callable[..., CommandResult]]:
    return router.post(path, status_code=status_code, response_model=CommandResult,
                       responses=WRITE_RESPONSES, summary=summary)


@_write("/{case_id}/lead", "Change the lead agency or officer")
def change_lead(case_id: UUID, body: schemas.ChangeLead, request: Request, response: Response,
                _: Context, if_match: IfMatch = None,
                idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).change_lead(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/parties", "Add a complainant, victim, alleged perpetrator or witness", 201)
def add_party(case_id: UUID, body: schemas.AddParty, request: Request, response: Response,
              _: Context, if_match: IfMatch = None,
              idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).add_party(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@router.put("/{case_id}/parties/{person_id}/{role}", response_model=CommandResult,
            responses=WRITE_RESPONSES, summary="Update a party's consent and anonymity")
def update_party(case_id: UUID, person_id: UUID, role: PartyRole, body: schemas.UpdateParty,
                 request: Request, response: Response, _: Context, if_match: IfMatch = None,
                 idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).update_party(
        case_id, person_id=person_id, role=role, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/parties/{person_id}/{role}/removal", "Remove a party from the case")
def remove_party(case_id: UUID, person_id: UUID, role: PartyRole, body: schemas.RemoveParty,
                 request: Request, response: Response, _: Context, if_match: IfMatch = None,
                 idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).remove_party(
        case_id, person_id=person_id, role=role, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/incidents", "Log an incident reported to an agency", 201)
def log_incident(case_id: UUID, body: schemas.LogIncident, request: Request,
                 response: Response, _: Context, if_match: IfMatch = None,
                 idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome, incident_id = _service(request).log_incident(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, incident_id)


@_write("/{case_id}/risk-assessments", "Assess a victim's risk with the questionnaire", 201)
def assess_risk(case_id: UUID, body: schemas.AssessRisk, request: Request, response: Response,
                _: Context, if_match: IfMatch = None,
                idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).assess_risk(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/supervisor-reviews", "Record a supervisor review", 201)
def supervisor_review(case_id: UUID, body: schemas.SupervisorReviewIn, request: Request,
                      response: Response, _: Context, if_match: IfMatch = None,
                      idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).record_supervisor_review(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/interventions", "Record an intervention from the escalation ladder", 201)
def record_intervention(case_id: UUID, body: schemas.RecordIntervention, request: Request,
                        response: Response, _: Context, if_match: IfMatch = None,
                        idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome, intervention_id = _service(request).record_intervention(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, intervention_id)


@_write("/{case_id}/interventions/{intervention_id}/result", "Record an intervention's result")
def intervention_result(case_id: UUID, intervention_id: UUID,
                        body: schemas.InterventionResultIn, request: Request,
                        response: Response, _: Context, if_match: IfMatch = None,
                        idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).record_intervention_result(
        case_id, intervention_id=intervention_id, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/convictions", "Record a conviction (needed before a CBO)", 201)
def record_conviction(case_id: UUID, body: schemas.RecordConviction, request: Request,
                      response: Response, _: Context, if_match: IfMatch = None,
                      idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).record_conviction(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/actions", "Set an action for an agency", 201)
def set_action(case_id: UUID, body: schemas.SetAction, request: Request, response: Response,
               _: Context, if_match: IfMatch = None,
               idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome, action_id = _service(request).set_action(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, action_id)


@_write("/{case_id}/actions/{action_id}/completion", "Complete an action")
def complete_action(case_id: UUID, action_id: UUID, body: schemas.CompleteAction,
                    request: Request, response: Response, _: Context, if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).complete_action(
        case_id, action_id=action_id, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/actions/{action_id}/cancellation", "Cancel an action, with the reason")
def cancel_action(case_id: UUID, action_id: UUID, body: schemas.CancelAction,
                  request: Request, response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).cancel_action(
        case_id, action_id=action_id, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/actions/{action_id}/reassignment", "Reassign an action")
def reassign_action(case_id: UUID, action_id: UUID, body: schemas.ReassignAction,
                    request: Request, response: Response, _: Context, if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).reassign_action(
        case_id, action_id=action_id, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/victim-contacts", "Record contact with (an update to) a victim", 201)
def victim_contact(case_id: UUID, body: schemas.VictimContactIn, request: Request,
                   response: Response, _: Context, if_match: IfMatch = None,
                   idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).record_victim_contact(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/case-review-right-explained",
        "Record that a victim was told of their right to an ASB Case Review", 201)
def case_review_right(case_id: UUID, body: schemas.CaseReviewRightIn, request: Request,
                      response: Response, _: Context, if_match: IfMatch = None,
                      idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).record_case_review_right_explained(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/jag-referral", "Refer the case to the JAG, with the reason", 201)
def refer_to_jag(case_id: UUID, body: schemas.ReferToJag, request: Request,
                 response: Response, _: Context, if_match: IfMatch = None,
                 idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome, referral_id = _service(request).refer_to_jag(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, referral_id)


@_write("/{case_id}/jag-referral/acceptance", "JAG accepts the referral (coordinators)")
def accept_jag(case_id: UUID, body: schemas.AcceptJagReferral, request: Request,
               response: Response, _: Context, if_match: IfMatch = None,
               idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).accept_jag_referral(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/jag-referral/conclusion", "JAG concludes the referral (coordinators)")
def conclude_jag(case_id: UUID, body: schemas.ConcludeJagReferral, request: Request,
                 response: Response, _: Context, if_match: IfMatch = None,
                 idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).conclude_jag_referral(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/closure", "Close the case with an outcome (no open actions allowed)")
def close_case(case_id: UUID, body: schemas.CloseCase, request: Request, response: Response,
               _: Context, if_match: IfMatch = None,
               idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).close(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{case_id}/reopening", "Reopen a closed case, with the reason")
def reopen_case(case_id: UUID, body: schemas.ReopenCase, request: Request, response: Response,
                _: Context, if_match: IfMatch = None,
                idempotency_key: IdempotencyKey = None) -> CommandResult:
    outcome = _service(request).reopen(
        case_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)
