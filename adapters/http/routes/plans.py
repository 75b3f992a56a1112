"""``/api/plans``: O'SARA problem-solving plans, every step from objective to closure,
the RAG's depersonalised summary and the printable plan document."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader

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
from adapters.http.plan_presenter import plan_document, plan_out, plan_summary_out
from adapters.http.routes.audit import history_routes
from adapters.http.schemas import plans as schemas
from adapters.http.security import Context
from application.commands import CommandOutcome
from application.context import RequestContext
from application.plans_service import PlanService
from domain.plans import ProblemSolvingPlan, TriangleSide
from domain.shared import clock

router = APIRouter(prefix="/api/plans", tags=["problem-solving plans"])

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Your role may not do this"},
    404: {"description": "No such plan (or not in your partnerships)"},
    409: {"description": "A domain rule forbids this now (problem+json names the rule)"},
    412: {"description": "If-Match is stale: nothing was written"},
    422: {"description": "Invalid input (problem+json names each field)"},
}
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Your role may not read plans (the RAG reads summaries)"},
    404: {"description": "No such plan (or not visible to you)"},
}

def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"£{amount:,.2f}"


def _day(day: date | None) -> str:
    return "" if day is None else f"{day.day} {day:%B %Y}"


def _figure(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


templates = Environment(loader=PackageLoader("adapters.http", "templates"), autoescape=True)
templates.filters.update(money=_money, day=_day, figure=_figure, sentence=_sentence)


def _service(request: Request) -> PlanService:
    service: PlanService = request.app.state.container.services["plans"]
    return service


def _visible_plan(request: Request, _: RequestContext, plan_id: UUID) -> ProblemSolvingPlan:
    """The current plan, or NotFound if the actor may not see it (for the history routes;
    the service reads the actor from the request context set by authentication)."""
    return _service(request).get(plan_id)


history_routes(router, "plan", _visible_plan)


def _result(response: Response, outcome: CommandOutcome,
            created_number: int | None = None) -> schemas.PlanCommandResult:
    set_version_headers(response, outcome)
    return schemas.PlanCommandResult(id=outcome.aggregate_id, version=outcome.version,
                                     position=outcome.position, created_number=created_number)


def _write(path: str, summary: str, status_code: int = 200, method: str = "POST"
           ) -> Callable[[Callable[..., schemas.PlanCommandResult]],
                         Callable[..., schemas.PlanCommandResult]]:
    return router.api_route(path, methods=[method], status_code=status_code,
                            response_model=schemas.PlanCommandResult,
                            responses=WRITE_RESPONSES, summary=summary)


# -- opening and reading ------------------------------------------------------------------

@router.post("", status_code=201, response_model=schemas.PlanCommandResult,
             responses=WRITE_RESPONSES, summary="Open a problem-solving plan")
def open_plan(body: schemas.OpenPlan, request: Request, response: Response, _: Context,
              idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).open_plan(
        **body.model_dump(), idempotency=idempotency(request, idempotency_key, body))
    response.headers["Location"] = f"/api/plans/{outcome.aggregate_id}"
    return _result(response, outcome)


@router.get("/{plan_id}", response_model=schemas.PlanOut, responses=READ_RESPONSES,
            summary="A plan as it is now, or as it was at a version or moment, with what is "
                    "missing and whether a funding bid would be considered")
def get_plan(plan_id: UUID, request: Request, response: Response, _: Context,
             version: VersionQuery = None, as_at: AsAtQuery = None) -> schemas.PlanOut:
    service = _service(request)
    plan = service.get(plan_id, version=version, as_at=as_at_utc(as_at))
    request.app.state.container.record_read(request, "view-plan", "plan", plan.id)
    set_version_headers(response, version=plan.version)
    return plan_out(plan, service.current_priorities(plan.partnership_id))


@router.get("/{plan_id}/summary", response_model=schemas.PlanSummaryOut,
            responses={404: {"description": "No such plan (or not visible to you)"}},
            summary="A depersonalised summary: no free text, names or references "
                    "(what the RAG sees)")
def get_plan_summary(plan_id: UUID, request: Request, response: Response,
                     _: Context) -> schemas.PlanSummaryOut:
    summary = _service(request).summary(plan_id)
    response.headers["Cache-Control"] = "no-store"
    return plan_summary_out(summary)


DOCUMENT_EXAMPLE = ("<!DOCTYPE html><html lang=\"en-GB\"><head><title>PSP-2026-0007: Street "
                    "drinking in Market Place</title>...</head><body>...</body></html>")


@router.get("/{plan_id}/document", response_class=HTMLResponse,
            responses={200: {"description": "The plan as a printable HTML document",
                             "content": {"text/html": {"example": DOCUMENT_EXAMPLE}}},
                       **READ_RESPONSES},
            summary="The plan as a printable document under the O'SARA headings, with "
                    "budget, risks, governance and what is missing (for a funding bid or a "
                    "JAG pack)")
def get_plan_document(plan_id: UUID, request: Request, _: Context,
                      version: VersionQuery = None, as_at: AsAtQuery = None) -> HTMLResponse:
    service = _service(request)
    plan = service.get(plan_id, version=version, as_at=as_at_utc(as_at))
    container = request.app.state.container
    container.record_read(request, "export", "plan", plan.id)
    document = plan_document(
        plan, service.current_priorities(plan.partnership_id),
        partnership_name=service.partnership_name(plan.partnership_id),
        agency_names=container.rules.agencies, generated_at=clock.now(),
        as_of_version=plan.version if (version is not None or as_at is not None) else None,
    )
    html = templates.get_template("plans/document.html").render(doc=document, p=document.plan)
    return HTMLResponse(html, headers={
        "ETag": f'"{plan.version}"', "Cache-Control": "no-store",
        "Content-Disposition": f'inline; filename="{plan.reference}.html"',
    })





# -- context of the plan --------------------------------------------------------------------

@_write("/{plan_id}/lead", "Reassign the lead agency or officer")
def reassign_lead(plan_id: UUID, body: schemas.ReassignLead, request: Request,
                  response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).reassign_lead(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/priority", "Change the partnership priority the plan serves")
def change_priority(plan_id: UUID, body: schemas.ChangePriority, request: Request,
                    response: Response, _: Context, if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).change_priority(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/linked-cases", "Link an ASB case of the same partnership", 201)
def link_case(plan_id: UUID, body: schemas.LinkCase, request: Request, response: Response,
              _: Context, if_match: IfMatch = None,
              idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).link_case(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/linked-cases/{case_id}/removal", "Unlink an ASB case")
def unlink_case(plan_id: UUID, case_id: UUID, request: Request, response: Response,
                _: Context, if_match: IfMatch = None,
                idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).unlink_case(
        plan_id, case_id=case_id, **write_options(request, if_match, idempotency_key, None))
    return _result(response, outcome)


# -- stages -----------------------------------------------------------------------------------

@_write("/{plan_id}/advance",
        "Move on to the next stage (the current stage must be complete: see `missing`)")
def advance(plan_id: UUID, request: Request, response: Response, _: Context,
            if_match: IfMatch = None,
            idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).advance(
        plan_id, **write_options(request, if_match, idempotency_key, None))
    return _result(response, outcome)


@_write("/{plan_id}/send-back",
        "Send the plan back to scanning or analysis on new information (withdraws sign-off, "
        "JAG agreement and assessment)")
def send_back(plan_id: UUID, body: schemas.SendBack, request: Request, response: Response,
              _: Context, if_match: IfMatch = None,
              idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).send_back(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/closure", "Close the plan (only from a complete assessment)")
def close_plan(plan_id: UUID, body: schemas.ClosePlan, request: Request, response: Response,
               _: Context, if_match: IfMatch = None,
               idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).close(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/reopening", "Reopen a closed plan (it returns to the assessment stage)")
def reopen_plan(plan_id: UUID, body: schemas.ReopenPlan, request: Request,
                response: Response, _: Context, if_match: IfMatch = None,
                idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).reopen(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


# -- objective, scanning, analysis ----------------------------------------------------------

@_write("/{plan_id}/objective", "Set the overall aim (objective stage)", method="PUT")
def set_objective(plan_id: UUID, body: schemas.SetObjective, request: Request,
                  response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).set_objective(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/scanning/{side}",
        "What is happening from one side of the triangle (scanning stage)", method="PUT")
def record_scanning(plan_id: UUID, side: TriangleSide, body: schemas.RecordScanning,
                    request: Request, response: Response, _: Context,
                    if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).record_scanning(
        plan_id, side=side, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/baseline-measures",
        "Record a baseline figure (scanning stage; replaces one of the same name)")
def record_baseline(plan_id: UUID, body: schemas.RecordBaseline, request: Request,
                    response: Response, _: Context, if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).record_baseline(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/analysis/{side}",
        "Why it is happening from one side of the triangle (analysis stage)", method="PUT")
def record_analysis(plan_id: UUID, side: TriangleSide, body: schemas.RecordAnalysis,
                    request: Request, response: Response, _: Context,
                    if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).record_analysis(
        plan_id, side=side, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/triggers", "Record the triggers (analysis stage)", method="PUT")
def record_triggers(plan_id: UUID, body: schemas.RecordTriggers, request: Request,
                    response: Response, _: Context, if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).record_triggers(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/hypothesis", "Set the working hypothesis (analysis stage)", method="PUT")
def set_hypothesis(plan_id: UUID, body: schemas.SetHypothesis, request: Request,
                   response: Response, _: Context, if_match: IfMatch = None,
                   idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).set_hypothesis(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/specific-objectives",
        "Add a specific, measurable objective for a baseline measure (analysis stage)", 201)
def add_specific_objective(plan_id: UUID, body: schemas.AddSpecificObjective,
                           request: Request, response: Response, _: Context,
                           if_match: IfMatch = None, idempotency_key: IdempotencyKey = None
                           ) -> schemas.PlanCommandResult:
    outcome, number = _service(request).add_specific_objective(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, number)


@_write("/{plan_id}/specific-objectives/{number}/removal",
        "Remove a specific objective (analysis stage)")
def remove_specific_objective(plan_id: UUID, number: int, request: Request,
                              response: Response, _: Context, if_match: IfMatch = None,
                              idempotency_key: IdempotencyKey = None
                              ) -> schemas.PlanCommandResult:
    outcome = _service(request).remove_specific_objective(
        plan_id, number=number, **write_options(request, if_match, idempotency_key, None))
    return _result(response, outcome)


# -- responses --------------------------------------------------------------------------------

@_write("/{plan_id}/responses",
        "Plan a response with an agency, owner and due date (response stage)", 201)
def plan_response(plan_id: UUID, body: schemas.PlanResponseIn, request: Request,
                  response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome, number = _service(request).plan_response(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, number)


@_write("/{plan_id}/responses/{number}/rescheduling", "Move an open response's due date")
def reschedule_response(plan_id: UUID, number: int, body: schemas.RescheduleResponse,
                        request: Request, response: Response, _: Context,
                        if_match: IfMatch = None, idempotency_key: IdempotencyKey = None
                        ) -> schemas.PlanCommandResult:
    outcome = _service(request).reschedule_response(
        plan_id, number=number, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/responses/{number}/actioning", "Record that work on a response started")
def action_response(plan_id: UUID, number: int, body: schemas.ActionResponse,
                    request: Request, response: Response, _: Context,
                    if_match: IfMatch = None, idempotency_key: IdempotencyKey = None
                    ) -> schemas.PlanCommandResult:
    outcome = _service(request).action_response(
        plan_id, number=number, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/responses/{number}/completion", "Complete a response")
def complete_response(plan_id: UUID, number: int, body: schemas.CompleteResponse,
                      request: Request, response: Response, _: Context,
                      if_match: IfMatch = None, idempotency_key: IdempotencyKey = None
                      ) -> schemas.PlanCommandResult:
    outcome = _service(request).complete_response(
        plan_id, number=number, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/responses/{number}/dropping", "Drop a response, with the reason")
def drop_response(plan_id: UUID, number: int, body: schemas.DropResponse, request: Request,
                  response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).drop_response(
        plan_id, number=number, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


# -- assessment -------------------------------------------------------------------------------

@_write("/{plan_id}/after-measures",
        "Take a baseline measure again after the response (assessment stage)")
def record_after_measure(plan_id: UUID, body: schemas.RecordAfterMeasure, request: Request,
                         response: Response, _: Context, if_match: IfMatch = None,
                         idempotency_key: IdempotencyKey = None
                         ) -> schemas.PlanCommandResult:
    outcome = _service(request).record_after_measure(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/assessment",
        "Record whether the plan was carried out and its result (assessment stage)",
        method="PUT")
def record_assessment(plan_id: UUID, body: schemas.RecordAssessment, request: Request,
                      response: Response, _: Context, if_match: IfMatch = None,
                      idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).record_assessment(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


# -- budget, risks, timescales, community -------------------------------------------------------

@_write("/{plan_id}/funding-request", "Set the amount the plan asks funders for",
        method="PUT")
def request_funding(plan_id: UUID, body: schemas.RequestFunding, request: Request,
                    response: Response, _: Context, if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).request_funding(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/matched-funding",
        "Record a partner's matched funding (replaces that partner's figure)")
def record_matched_funding(plan_id: UUID, body: schemas.MatchedFundingIn, request: Request,
                           response: Response, _: Context, if_match: IfMatch = None,
                           idempotency_key: IdempotencyKey = None
                           ) -> schemas.PlanCommandResult:
    outcome = _service(request).record_matched_funding(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/matched-funding/withdrawal", "Withdraw a partner's matched funding")
def withdraw_matched_funding(plan_id: UUID, body: schemas.WithdrawMatchedFunding,
                             request: Request, response: Response, _: Context,
                             if_match: IfMatch = None, idempotency_key: IdempotencyKey = None
                             ) -> schemas.PlanCommandResult:
    outcome = _service(request).withdraw_matched_funding(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/funding-awards",
        "Record funding granted to the plan (coordinators; the RAG then oversees it)", 201)
def record_funding_award(plan_id: UUID, body: schemas.FundingAwardIn, request: Request,
                         response: Response, _: Context, if_match: IfMatch = None,
                         idempotency_key: IdempotencyKey = None
                         ) -> schemas.PlanCommandResult:
    outcome = _service(request).record_funding_award(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/spend", "Record money spent", 201)
def record_spend(plan_id: UUID, body: schemas.SpendIn, request: Request, response: Response,
                 _: Context, if_match: IfMatch = None,
                 idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome, number = _service(request).record_spend(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, number)


@_write("/{plan_id}/risks", "Add a risk with its mitigation", 201)
def add_risk(plan_id: UUID, body: schemas.AddRisk, request: Request, response: Response,
             _: Context, if_match: IfMatch = None,
             idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome, number = _service(request).add_risk(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, number)


@_write("/{plan_id}/risks/{number}/removal", "Remove a risk")
def remove_risk(plan_id: UUID, number: int, request: Request, response: Response,
                _: Context, if_match: IfMatch = None,
                idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).remove_risk(
        plan_id, number=number, **write_options(request, if_match, idempotency_key, None))
    return _result(response, outcome)


@_write("/{plan_id}/timescale", "Set when the plan starts and ends", method="PUT")
def set_timescale(plan_id: UUID, body: schemas.SetTimescale, request: Request,
                  response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).set_timescale(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/milestones", "Add a milestone", 201)
def add_milestone(plan_id: UUID, body: schemas.AddMilestone, request: Request,
                  response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome, number = _service(request).add_milestone(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, number)


@_write("/{plan_id}/milestones/{number}/achievement", "Record that a milestone was achieved")
def achieve_milestone(plan_id: UUID, number: int, body: schemas.AchieveMilestone,
                      request: Request, response: Response, _: Context,
                      if_match: IfMatch = None, idempotency_key: IdempotencyKey = None
                      ) -> schemas.PlanCommandResult:
    outcome = _service(request).achieve_milestone(
        plan_id, number=number, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/community-involvement",
        "Record how the community took part in a stage the plan has reached", 201)
def record_community_involvement(plan_id: UUID, body: schemas.CommunityInvolvementIn,
                                 request: Request, response: Response, _: Context,
                                 if_match: IfMatch = None,
                                 idempotency_key: IdempotencyKey = None
                                 ) -> schemas.PlanCommandResult:
    outcome = _service(request).record_community_involvement(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


# -- governance -------------------------------------------------------------------------------

@_write("/{plan_id}/sign-off",
        "Sign the plan off as its supervisor (you; not the lead officer)", 201)
def record_sign_off(plan_id: UUID, body: schemas.SignOffIn, request: Request,
                    response: Response, _: Context, if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).record_sign_off(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/jag-agreement", "Record that the JAG agreed the plan (coordinators)", 201)
def agree_at_jag(plan_id: UUID, body: schemas.JagAgreementIn, request: Request,
                 response: Response, _: Context, if_match: IfMatch = None,
                 idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).agree_at_jag(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/next-review", "Schedule the next review", method="PUT")
def schedule_review(plan_id: UUID, body: schemas.ScheduleReview, request: Request,
                    response: Response, _: Context, if_match: IfMatch = None,
                    idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).schedule_review(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{plan_id}/reviews", "Record a periodic review (sets when the next falls due)", 201)
def record_review(plan_id: UUID, body: schemas.RecordReview, request: Request,
                  response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> schemas.PlanCommandResult:
    outcome = _service(request).record_review(
        plan_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)

