"""``/api/case-reviews``: ASB Case Reviews (the "Community Trigger") and their steps.

Officers and coordinators record; only coordinators decide the threshold and agree a
review on discretion; RAG members see no case review details (only the yearly figures,
``/api/reports/case-reviews``). Writes take ``If-Match`` and ``Idempotency-Key``;
``GET /{id}`` takes ``version`` and ``as_at`` and shows each milestone with its due date
and its status on the day (Europe/London).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
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
from adapters.http.presenters import today_in_london
from adapters.http.routes.audit import RecordAccess, history_routes
from adapters.http.schemas import reviews as schemas
from adapters.http.security import Context
from application.access_log import AccessAction
from application.commands import CommandOutcome
from application.context import RequestContext
from application.reviews_service import ReviewService, people_of
from domain.reviews.aggregate import CaseReview
from domain.reviews.milestones import MilestoneProgress, working_days_allowed
from domain.reviews.values import (
    Applicant,
    ComplaintReport,
    ConsentRecord,
    NotCountedReason,
    ThresholdAssessment,
    ThresholdDecision,
    ThresholdRoute,
)
from domain.shared.periods import local_date

KIND = "case-review"
router = APIRouter(prefix="/api/case-reviews", tags=["ASB case reviews"])

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Your role may not do this (problem+json)"},
    404: {"description": "No such case review (or not in your partnerships)"},
    409: {"description": "A domain rule forbids this now (problem+json names the rule)"},
    412: {"description": "If-Match is stale: nothing was written"},
    422: {"description": "Invalid input (problem+json names each field)"},
}
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Your role may not read case review details"},
    404: {"description": "No such case review (or not visible to you)"},
}


def _service(request: Request) -> ReviewService:
    service: ReviewService = request.app.state.container.services["reviews"]
    return service


def _visible_review(request: Request, _: RequestContext, review_id: UUID) -> CaseReview:
    return _service(request).get(review_id)


history_routes(router, KIND, _visible_review, people_of=people_of)


# -- presenting ------------------------------------------------------------------------

def _labels(numbers: list[int]) -> str:
    return ", ".join(f"C{n}" for n in numbers) or "none"


def _not_counted(reason: NotCountedReason, duplicate_of: int | None,
                 assessment: ThresholdAssessment) -> str:
    rules = assessment.rules
    months = rules.report_within_months
    return {
        NotCountedReason.MADE_AFTER_APPLICATION:
            "it was made after the application was received",
        NotCountedReason.OUTSIDE_WINDOW:
            f"it was made more than {rules.window_months} months before the application",
        NotCountedReason.REPORTED_TOO_LATE:
            f"it was made more than {months} month{'s' if months != 1 else ''} after the "
            "behaviour it is about",
        NotCountedReason.DUPLICATE:
            f"it is about the same incident as C{duplicate_of}, which counts instead",
    }[reason]


def _explanation(assessment: ThresholdAssessment) -> str:
    counted = len(assessment.counted)
    qualifying = (f"{counted} qualifying complaint{'s' if counted != 1 else ''} "
                  f"({_labels(assessment.counted)}); {assessment.complaints_required} needed")
    rules = assessment.rules
    if assessment.route is ThresholdRoute.QUALIFYING_COMPLAINTS:
        return f"Threshold met: {qualifying}."
    if assessment.route is ThresholdRoute.DIFFERENT_COMPLAINANTS:
        return (f"Threshold met by the local route for different complainants: "
                f"{assessment.distinct_complainants} different complainants made qualifying "
                f"complaints; {rules.different_complainants} needed.")
    if assessment.route is ThresholdRoute.HATE_INCIDENT:
        return (f"Threshold met by the local hate incident route: {qualifying.split(';')[0]} "
                "about a hate incident.")
    if assessment.route is ThresholdRoute.VULNERABLE_VICTIM_DISCRETION:
        return ("Threshold met on a coordinator's discretion for a vulnerable victim "
                f"({qualifying}).")
    return f"Threshold not met: {qualifying}."


def assessment_fields(assessment: ThresholdAssessment) -> dict[str, Any]:
    rules = assessment.rules
    return {
        "met": assessment.met, "route": assessment.route,
        "explanation": _explanation(assessment), "counted": list(assessment.counted),
        "complaints_required": assessment.complaints_required,
        "distinct_complainants": assessment.distinct_complainants,
        "hate_incident_involved": assessment.hate_incident_involved,
        "victim_vulnerable": assessment.victim_vulnerable,
        "application_received_on": assessment.application_received_on,
        "findings": [
            schemas.ComplaintFindingOut(
                complaint_number=f.complaint_number, label=f"C{f.complaint_number}",
                counted=f.counted, reason=f.reason, duplicate_of=f.duplicate_of,
                explanation=(f"C{f.complaint_number} counts." if f.reason is None else
                             f"C{f.complaint_number} did not count: "
                             + _not_counted(f.reason, f.duplicate_of, assessment) + "."),
            )
            for f in assessment.findings
        ],
        "rules": schemas.TriggerRulesOut(
            qualifying_complaints=rules.qualifying_complaints,
            window_months=rules.window_months,
            report_within_months=rules.report_within_months,
            local_qualifying_complaints=rules.local_qualifying_complaints,
            different_complainants=rules.different_complainants,
            hate_incident_route=rules.hate_incident_route,
            vulnerable_victim_discretion=rules.vulnerable_victim_discretion,
        ),
    }


def _decision_out(decision: ThresholdDecision) -> schemas.ThresholdDecisionOut:
    return schemas.ThresholdDecisionOut(
        decided_on=decision.decided_on, discretion_reason=decision.discretion_reason,
        applicant_informed_on=decision.applicant_informed_on,
        **assessment_fields(decision.assessment),
    )


def _milestone_out(item: MilestoneProgress, service: ReviewService) -> schemas.MilestoneOut:
    return schemas.MilestoneOut(
        milestone=item.milestone, due_on=item.due_on, done_on=item.done_on, status=item.status,
        working_days_allowed=working_days_allowed(
            item.milestone, service.rules.reviews.service_levels),
    )


def review_out(review: CaseReview, service: ReviewService, today: date) -> schemas.ReviewOut:
    applicant = review.applicant
    consent = applicant.consent
    milestones = service.milestones(review, today)
    return schemas.ReviewOut(
        id=review.id, version=review.version, partnership_id=review.partnership_id,
        reference=review.reference, status=review.status,
        applicant=schemas.ApplicantOut(
            role=applicant.role, victim_kind=applicant.victim_kind,
            victim_person_id=applicant.victim_person_id,
            applicant_person_id=applicant.applicant_person_id,
            consent=None if consent is None else schemas.ConsentOut(
                given_on=consent.given_on, method=consent.method),
        ),
        applicant_description=review.applicant_description,
        received_via=review.received_via, received_on=review.received_on,
        asb_case_ids=list(review.asb_case_ids),
        hate_incident_involved=review.hate_incident_involved,
        victim_vulnerable=review.victim_vulnerable,
        complaints=[schemas.ComplaintOut(
            number=c.number, label=c.label, behaviour_at=c.behaviour_at,
            reported_on=c.reported_on, agency=c.agency, agency_reference=c.agency_reference,
            complainant=c.complainant, description=c.description,
        ) for c in review.complaints],
        acknowledged_on=review.acknowledged_on,
        threshold_decision=(None if review.threshold_decision is None
                            else _decision_out(review.threshold_decision)),
        threshold_decisions=[_decision_out(d) for d in review.threshold_decisions],
        discretionary_review=None if review.discretionary_review is None else
        schemas.DiscretionaryReviewOut(agreed_on=review.discretionary_review.agreed_on,
                                       reason=review.discretionary_review.reason),
        meetings=[schemas.MeetingOut(
            held_on=m.held_on, agencies_attending=list(m.agencies_attending),
            victim_participation=m.victim_participation, independent_chair=m.independent_chair,
            findings=m.findings,
        ) for m in review.meetings],
        victim_consultations=[schemas.VictimConsultationOut(
            consulted_on=v.consulted_on, response=v.response)
            for v in review.victim_consultations],
        recommendations=[schemas.RecommendationOut(
            number=r.number, label=f"R{r.number}", to_agency=r.to_agency, text=r.text,
            deadline=r.deadline, made_on=r.made_on, status=r.status, resolved_on=r.resolved_on,
            not_accepted_reason=r.not_accepted_reason, overdue=r.is_overdue(today),
        ) for r in review.recommendations],
        outcomes=[schemas.OutcomeOut(sent_on=o.sent_on, via=o.via) for o in review.outcomes],
        escalations=[schemas.EscalationOut(
            requested_on=e.requested_on, reviewer=e.reviewer, grounds=e.grounds,
            escalated_from=e.escalated_from, result=e.result, decided_on=e.decided_on,
            notes=e.notes,
        ) for e in review.escalations],
        closed_on=review.closed_on,
        withdrawal=None if review.withdrawal is None else schemas.WithdrawalOut(
            withdrawn_on=review.withdrawal.withdrawn_on, reason=review.withdrawal.reason),
        milestones_as_of=today,
        milestones=[_milestone_out(m, service) for m in milestones],
        late_milestones=[m.milestone for m in milestones if m.is_late],
        open_recommendation_count=len(review.open_recommendations),
        overdue_recommendation_numbers=[r.number for r in review.overdue_recommendations(today)],
    )


# -- reading ---------------------------------------------------------------------------

@router.get("/{review_id}", response_model=schemas.ReviewOut, responses=READ_RESPONSES,
            summary="A case review as it is now, or as it was at a version or moment",
            description="Milestone statuses are worked out for today in Europe/London (for "
                        "the day of `as_at` when it is given); they are never stored.")
def get_review(
    review_id: UUID, request: Request, response: Response, log_access: RecordAccess,
    version: VersionQuery = None, as_at: AsAtQuery = None,
) -> schemas.ReviewOut:
    service = _service(request)
    as_at = as_at_utc(as_at)
    review = service.get(review_id, version=version, as_at=as_at)
    log_access(AccessAction.VIEW_CASE_REVIEW, KIND, review.id, people_of(review))
    set_version_headers(response, version=review.version)
    today = local_date(as_at) if as_at is not None else today_in_london()
    return review_out(review, service, today)


@router.get("/{review_id}/threshold-assessment", response_model=schemas.ThresholdAssessmentOut,
            responses=READ_RESPONSES,
            summary="What the local trigger rules say of the complaints now (not recorded)",
            description="A preview for the coordinator before deciding: the same reasoning "
                        "the decision will record, without any discretion.")
def preview_threshold(review_id: UUID, request: Request,
                      log_access: RecordAccess) -> schemas.ThresholdAssessmentOut:
    assessment = _service(request).preview_threshold(review_id)
    log_access(AccessAction.VIEW_CASE_REVIEW, KIND, review_id)
    return schemas.ThresholdAssessmentOut(**assessment_fields(assessment))


# -- writing ---------------------------------------------------------------------------

def _result(response: Response, outcome: CommandOutcome,
            number: int | None = None) -> schemas.ReviewCommandResult:
    set_version_headers(response, outcome)
    return schemas.ReviewCommandResult(id=outcome.aggregate_id, version=outcome.version,
                                       position=outcome.position, number=number)


def _complaint(body: schemas.ComplaintIn) -> ComplaintReport:
    return ComplaintReport(**body.model_dump())


def _write(path: str, summary: str, status_code: int = 200
           ) -> Callable[[Callable[..., schemas.ReviewCommandResult]],
                         Callable[..., schemas.ReviewCommandResult]]:
    return router.post(path, status_code=status_code, response_model=schemas.ReviewCommandResult,
                       responses=WRITE_RESPONSES, summary=summary)


@_write("", "Record an application for an ASB Case Review, with its complaints", 201)
def receive(body: schemas.ReceiveApplication, request: Request, response: Response,
            _: Context, idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    given = body.applicant
    applicant = Applicant(
        role=given.role, victim_kind=given.victim_kind,
        victim_person_id=given.victim_person_id,
        applicant_person_id=given.applicant_person_id,
        consent=None if given.consent is None else ConsentRecord(
            given_on=given.consent.given_on, method=given.consent.method),
    )
    outcome = _service(request).receive(
        partnership_id=body.partnership_id, applicant=applicant,
        applicant_description=body.applicant_description, received_via=body.received_via,
        received_on=body.received_on, complaints=[_complaint(c) for c in body.complaints],
        asb_case_ids=body.asb_case_ids, hate_incident_involved=body.hate_incident_involved,
        victim_vulnerable=body.victim_vulnerable,
        idempotency=idempotency(request, idempotency_key, body),
    )
    response.headers["Location"] = f"/api/case-reviews/{outcome.aggregate_id}"
    return _result(response, outcome)


@_write("/{review_id}/complaints", "Add a complaint the application relies on", 201)
def add_complaint(review_id: UUID, body: schemas.ComplaintIn, request: Request,
                  response: Response, _: Context, if_match: IfMatch = None,
                  idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome, number = _service(request).add_complaint(
        review_id, _complaint(body), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, number)


@_write("/{review_id}/acknowledgement", "Acknowledge the application")
def acknowledge(review_id: UUID, body: schemas.Acknowledge, request: Request,
                response: Response, _: Context, if_match: IfMatch = None,
                idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome = _service(request).acknowledge(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{review_id}/threshold-decision",
        "Decide the threshold with the local rules (coordinators); the reasoning is kept")
def decide_threshold(review_id: UUID, body: schemas.DecideThreshold, request: Request,
                     response: Response, _: Context, if_match: IfMatch = None,
                     idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome = _service(request).decide_threshold(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{review_id}/discretionary-review",
        "Agree a review although the threshold was not met (coordinators)")
def agree_discretionary_review(review_id: UUID, body: schemas.AgreeDiscretionaryReview,
                               request: Request, response: Response, _: Context,
                               if_match: IfMatch = None, idempotency_key: IdempotencyKey = None
                               ) -> schemas.ReviewCommandResult:
    outcome = _service(request).agree_discretionary_review(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{review_id}/meetings", "Record the review meeting and its findings", 201)
def hold_review(review_id: UUID, body: schemas.HoldReview, request: Request,
                response: Response, _: Context, if_match: IfMatch = None,
                idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome = _service(request).hold_review(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{review_id}/victim-consultations",
        "Record the victim's response when consulted on the action plan", 201)
def consult_victim(review_id: UUID, body: schemas.VictimConsultationIn, request: Request,
                   response: Response, _: Context, if_match: IfMatch = None,
                   idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome = _service(request).record_victim_consultation(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{review_id}/recommendations",
        "Recommend something to a named agency by a deadline", 201)
def make_recommendation(review_id: UUID, body: schemas.MakeRecommendation, request: Request,
                        response: Response, _: Context, if_match: IfMatch = None,
                        idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome, number = _service(request).make_recommendation(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, number)


@_write("/{review_id}/recommendations/{number}/completion", "Record a recommendation as done")
def complete_recommendation(review_id: UUID, number: int,
                            body: schemas.CompleteRecommendation, request: Request,
                            response: Response, _: Context, if_match: IfMatch = None,
                            idempotency_key: IdempotencyKey = None
                            ) -> schemas.ReviewCommandResult:
    outcome = _service(request).complete_recommendation(
        review_id, number=number, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, number)


@_write("/{review_id}/recommendations/{number}/non-acceptance",
        "Record that a recommendation was not accepted, with the reason")
def recommendation_not_accepted(review_id: UUID, number: int,
                                body: schemas.RecommendationNotAccepted, request: Request,
                                response: Response, _: Context, if_match: IfMatch = None,
                                idempotency_key: IdempotencyKey = None
                                ) -> schemas.ReviewCommandResult:
    outcome = _service(request).record_recommendation_not_accepted(
        review_id, number=number, **body.model_dump(),
        **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome, number)


@_write("/{review_id}/outcome", "Record that the outcome was sent to the applicant")
def send_outcome(review_id: UUID, body: schemas.SendOutcome, request: Request,
                 response: Response, _: Context, if_match: IfMatch = None,
                 idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome = _service(request).send_outcome(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{review_id}/escalation",
        "The applicant asks for the handling to be looked at again (e.g. by the PCC)", 201)
def request_escalation(review_id: UUID, body: schemas.RequestEscalation, request: Request,
                       response: Response, _: Context, if_match: IfMatch = None,
                       idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome = _service(request).request_escalation(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{review_id}/escalation/resolution",
        "Record the escalation result: confirmed, or upheld and referred back (reopens)")
def resolve_escalation(review_id: UUID, body: schemas.ResolveEscalation, request: Request,
                       response: Response, _: Context, if_match: IfMatch = None,
                       idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome = _service(request).resolve_escalation(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{review_id}/closure", "Close the case review (no open recommendations allowed)")
def close_review(review_id: UUID, body: schemas.CloseReview, request: Request,
                 response: Response, _: Context, if_match: IfMatch = None,
                 idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome = _service(request).close(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)


@_write("/{review_id}/withdrawal", "Record that the applicant withdrew the application")
def withdraw(review_id: UUID, body: schemas.WithdrawApplication, request: Request,
             response: Response, _: Context, if_match: IfMatch = None,
             idempotency_key: IdempotencyKey = None) -> schemas.ReviewCommandResult:
    outcome = _service(request).withdraw(
        review_id, **body.model_dump(), **write_options(request, if_match, idempotency_key, body))
    return _result(response, outcome)
