"""ASB Case Review pages: the list, the application form (several complaints, with a
button that adds a row and works without JavaScript), the review page (milestones with
their status, the threshold decision with its reasoning, meeting, recommendations,
outcome, escalation) and a form per step.

Steps use the record-step machinery of ``plans.py``. Only coordinators decide the
threshold and agree a review on discretion, as in the API; the RAG sees none of this.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from adapters.http.pages.case_view import PersonName, people_names
from adapters.http.pages.forms import FormState, validated
from adapters.http.pages.home import find_case
from adapters.http.pages.people_search import PeopleSearch, find_people
from adapters.http.pages.plans import (
    list_lag,
)
from adapters.http.pages.record_steps import (
    FLASH_MESSAGES,
    Input,
    RecordKind,
    RecordPage,
    RecordStep,
    container_of,
    flash_message,
    install_steps,
    kind_timeline,
    number_param,
    redirect_with_flash,
    today_text,
    with_flash_cleared,
)
from adapters.http.pages.rendering import choices, day, render
from adapters.http.pages.session import PageContext, PageForm, PageRoute
from adapters.http.presenters import today_in_london
from adapters.http.routes.reviews import assessment_fields, review_out
from adapters.http.schemas import reviews as schemas
from adapters.http.schemas.people import RegisterPerson
from application import access
from application.access_log import AccessAction
from application.cases_service import PeopleService
from application.context import Actor
from application.errors import Forbidden, IdempotencyKeyReused, NotFound
from application.reviews_service import ReviewService, people_of
from domain.reviews.aggregate import CaseReview
from domain.reviews.intake import checked_complaint
from domain.reviews.milestones import Milestone, MilestoneStatus
from domain.reviews.values import (
    Applicant,
    ApplicantRole,
    ApplicationChannel,
    ComplaintReport,
    ConsentMethod,
    ConsentRecord,
    ContactMethod,
    EscalationResult,
    ReviewStatus,
    VictimKind,
    VictimParticipation,
)
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from projections.queries import Reader, ReviewFilters, list_reviews

router = APIRouter(route_class=PageRoute, include_in_schema=False)
M = TypeVar("M", bound=BaseModel)

LIST_PAGE = 50
RECENT_CHANGES = 15
DEFAULT_COMPLAINT_ROWS = 3
MAX_COMPLAINT_ROWS = 30
S = ReviewStatus

REVIEW_TITLES = {
    "Received": "Application received", "ComplaintRecorded": "Complaint recorded",
    "ThresholdDecided": "Threshold decided", "ReviewHeld": "Review meeting held",
    "VictimConsulted": "Victim consulted on the action plan",
    "OutcomeSent": "Outcome sent to the applicant", "Closed": "Case review closed",
    "Withdrawn": "Application withdrawn",
}
MILESTONE_NAMES = {
    Milestone.ACKNOWLEDGEMENT: "Acknowledge the application",
    Milestone.THRESHOLD_DECISION: "Decide the threshold",
    Milestone.REVIEW_MEETING: "Hold the review meeting",
    Milestone.OUTCOME: "Send the outcome to the applicant",
}
MILESTONE_STATUS = {
    MilestoneStatus.DONE: "Done", MilestoneStatus.DONE_LATE: "Done late",
    MilestoneStatus.DUE: "Due", MilestoneStatus.AT_RISK: "At risk",
    MilestoneStatus.MISSED: "Missed",
}


def reviews_service(request: Request) -> ReviewService:
    service: ReviewService = container_of(request).services["reviews"]
    return service


def people_service(request: Request) -> PeopleService:
    service: PeopleService = container_of(request).services["people"]
    return service


def review_state(review: CaseReview) -> dict[str, Any]:
    """What a case review's history compares (its status is a private attribute)."""
    state: dict[str, Any] = {
        "status": review.status, "applicant": review.applicant,
        "applicant_description": review.applicant_description,
        "received_via": review.received_via, "received_on": review.received_on,
        "hate_incident_involved": review.hate_incident_involved,
        "victim_vulnerable": review.victim_vulnerable,
        "linked_cases": list(review.asb_case_ids), "acknowledged_on": review.acknowledged_on,
    }
    for complaint in review.complaints:
        state[f"complaint C{complaint.number}"] = complaint
    decision = review.threshold_decision
    if decision is not None:
        assessment = decision.assessment
        state["threshold_decided_on"] = decision.decided_on
        state["threshold"] = "met" if assessment.met else "not met"
        state["threshold_route"] = assessment.route
        state["complaints_counted"] = ", ".join(f"C{n}" for n in assessment.counted) or None
        state["discretion_reason"] = decision.discretion_reason
        state["applicant_told_on"] = decision.applicant_informed_on
    state["discretionary_review"] = review.discretionary_review
    for number, meeting in enumerate(review.meetings, start=1):
        state[f"review meeting {number}"] = meeting
    for number, consultation in enumerate(review.victim_consultations, start=1):
        state[f"victim consultation {number}"] = consultation
    for recommendation in review.recommendations:
        state[f"recommendation R{recommendation.number}"] = recommendation
    for number, outcome in enumerate(review.outcomes, start=1):
        state[f"outcome sent {number}"] = outcome
    for number, escalation in enumerate(review.escalations, start=1):
        state[f"escalation {number}"] = escalation
    state["closed_on"] = review.closed_on
    state["withdrawal"] = review.withdrawal
    return state


def review_names(request: Request, review: CaseReview) -> Mapping[UUID, PersonName]:
    return people_names(people_service(request), people_of(review))


REVIEWS = RecordKind(
    kind="case-review", noun="case review", base_path="/case-reviews",
    api_path="/api/case-reviews", view_action=AccessAction.VIEW_CASE_REVIEW,
    load=lambda request, review_id: reviews_service(request).get(review_id),
    load_version=lambda request, review_id, version: reviews_service(request).get(
        review_id, version=version),
    people_of=people_of, state_view=review_state, titles=REVIEW_TITLES, names=review_names,
)


def _review(page: RecordPage) -> CaseReview:
    review: CaseReview = page.record
    return review


def _service(page: RecordPage) -> ReviewService:
    return reviews_service(page.request)


# -- steps ---------------------------------------------------------------------------------

def _day_command(model: type[Any], method: str, *days: str, texts: tuple[str, ...] = (),
                 choices_: tuple[str, ...] = ()) -> Any:
    """A step whose request model has only dates, texts and choices: read, validate, run."""

    def submit(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
        values: dict[str, Any] = {name: form.day(name) for name in days}
        values |= {name: form.text(name) for name in (*texts, *choices_)}
        body = validated(model, values, form)
        if body is None:
            return None
        extra = {"number": page.params["number"]} if "number" in page.params else {}
        result = getattr(_service(page), method)(page.record.id, **extra, **body.model_dump(),
                                                 **options)
        return result[0] if isinstance(result, tuple) else result

    return submit


def _complaint_values(form: FormState, prefix: str = "") -> dict[str, Any]:
    return {
        "behaviour_at": form.moment(f"{prefix}behaviour_at"),
        "reported_on": form.day(f"{prefix}reported_on"),
        "agency": form.text(f"{prefix}agency"),
        "agency_reference": form.text(f"{prefix}agency_reference"),
        "complainant": form.text(f"{prefix}complainant"),
        "description": form.text(f"{prefix}description"),
    }


def _add_complaint(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ComplaintIn, _complaint_values(form), form)
    if body is None:
        return None
    outcome, _ = _service(page).add_complaint(page.record.id,
                                              ComplaintReport(**body.model_dump()), **options)
    return outcome


def _recommendation_param(page: RecordPage) -> None:
    number = number_param(page)
    if not any(r.number == number for r in _review(page).recommendations):
        raise NotFound("recommendation", f"R{number}")
    page.params.update(number=number, label=f"R{number}")


def _hold_review(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.HoldReview, {
        "held_on": form.day("held_on"),
        "agencies_attending": form.values_of("agencies_attending") or None,
        "victim_participation": form.text("victim_participation"),
        "independent_chair": form.text("independent_chair"),
        "findings": form.text("findings")}, form)
    return None if body is None else _service(page).hold_review(
        page.record.id, **body.model_dump(), **options)


def _today(*names: str) -> Any:
    return lambda page: {name: today_text() for name in names}


def _meeting_defaults(page: RecordPage) -> dict[str, Any]:
    return {"held_on": today_text(), "agencies_attending": [page.actor.agency]}


COMPLAINT_INPUTS = (
    Input("behaviour_at", "When the behaviour happened", "when the behaviour happened",
          "when"),
    Input("reported_on", "When it was reported", "the day it was reported", "date",
          hint="A complaint qualifies when made within a month of the behaviour"),
    Input("agency", "Reported to", "the agency it was reported to", "select",
          options="agencies"),
    Input("agency_reference", "The agency's reference", "the agency's reference",
          required=False, width="half",
          hint="The same reference on two complaints means one incident: it counts once"),
    Input("complainant", "Who complained", "who complained", width="half",
          hint="victim, or a label such as neighbour-2 (never a name)"),
    Input("description", "What the complaint was about", "what the complaint was about",
          "textarea", rows=3),
)

REVIEW_STEPS: tuple[RecordStep, ...] = (
    RecordStep("acknowledge", "acknowledge", "Acknowledge the application",
               (Input("acknowledged_on", "Acknowledged on", "the day it was acknowledged",
                      "date"),),
               _day_command(schemas.Acknowledge, "acknowledge", "acknowledged_on"),
               "Application acknowledged.", "milestones", _today("acknowledged_on")),
    RecordStep("complaint", "complaints/new", "Add a complaint", COMPLAINT_INPUTS,
               _add_complaint, "Complaint added.", "complaints",
               lambda page: {"complainant": "victim"}),
    RecordStep("decide", "threshold-decision", "Decide the threshold",
               (Input("decided_on", "Decided on", "the day of the decision", "date"),
                Input("applicant_informed_on", "Applicant told on",
                      "the day the applicant was told", "date", required=False,
                      hint="Leave empty if the applicant has not been told yet"),
                Input("vulnerable_victim_discretion_reason",
                      "Reason to use the discretion for a vulnerable victim",
                      "the reason for the discretion", "textarea", required=False, rows=3,
                      hint="Only to find the threshold met for a vulnerable victim when the "
                      "complaints alone do not meet it")),
               _day_command(schemas.DecideThreshold, "decide_threshold", "decided_on",
                            "applicant_informed_on",
                            texts=("vulnerable_victim_discretion_reason",)),
               "Threshold decided.", "threshold",
               _today("decided_on", "applicant_informed_on"), roles=access.COORDINATORS,
               doing="deciding the threshold", template="reviews/decide.html"),
    RecordStep("discretion", "discretionary-review", "Agree a review on discretion",
               (Input("agreed_on", "Agreed on", "the day it was agreed", "date"),
                Input("reason", "Why the review will be held", "why the review will be held",
                      "textarea", rows=4,
                      hint="The threshold still counts as not met in the yearly figures")),
               _day_command(schemas.AgreeDiscretionaryReview, "agree_discretionary_review",
                            "agreed_on", texts=("reason",)),
               "Review agreed on discretion.", "threshold", _today("agreed_on"),
               roles=access.COORDINATORS, doing="agreeing a review on discretion"),
    RecordStep("meeting", "meetings/new", "Record the review meeting",
               (Input("held_on", "Held on", "the day of the meeting", "date"),
                Input("agencies_attending", "Agencies attending", "the agencies attending",
                      "checkboxes", options="agencies"),
                Input("victim_participation", "The victim", "how the victim took part",
                      "radios", options="participation"),
                Input("independent_chair", "Independent chair", "the independent chair",
                      required=False, width="two-thirds"),
                Input("findings", "Findings", "the findings", "textarea", rows=6)),
               _hold_review, "Review meeting recorded.", "meeting", _meeting_defaults),
    RecordStep("consultation", "victim-consultations/new",
               "Record the victim's view of the action plan",
               (Input("consulted_on", "Consulted on", "the day they were consulted", "date"),
                Input("response", "What the victim said", "what the victim said",
                      "textarea", rows=4)),
               _day_command(schemas.VictimConsultationIn, "record_victim_consultation",
                            "consulted_on", texts=("response",)),
               "Victim's view recorded.", "meeting", _today("consulted_on")),
    RecordStep("recommendation", "recommendations/new", "Make a recommendation",
               (Input("to_agency", "To", "the agency it is made to", "select",
                      options="agencies"),
                Input("recommendation", "Recommendation", "the recommendation", "textarea",
                      rows=4),
                Input("deadline", "Deadline", "the deadline", "date"),
                Input("made_on", "Made on", "the day it was made", "date")),
               _day_command(schemas.MakeRecommendation, "make_recommendation", "deadline",
                            "made_on", texts=("recommendation",), choices_=("to_agency",)),
               "Recommendation made.", "recommendations", _today("made_on")),
    RecordStep("complete-recommendation", "recommendations/{number}/complete",
               "Record {label} as done",
               (Input("completed_on", "Done on", "the day it was done", "date"),),
               _day_command(schemas.CompleteRecommendation, "complete_recommendation",
                            "completed_on"),
               "Recommendation recorded as done.", "recommendations", _today("completed_on"),
               resolve=_recommendation_param),
    RecordStep("not-accepted", "recommendations/{number}/not-accepted",
               "Record that {label} was not accepted",
               (Input("recorded_on", "Recorded on", "the day it was recorded", "date"),
                Input("reason", "Why it was not accepted", "why it was not accepted",
                      "textarea", rows=4)),
               _day_command(schemas.RecommendationNotAccepted,
                            "record_recommendation_not_accepted", "recorded_on",
                            texts=("reason",)),
               "Recommendation recorded as not accepted.", "recommendations",
               _today("recorded_on"), resolve=_recommendation_param),
    RecordStep("outcome", "outcome", "Record that the outcome was sent",
               (Input("sent_on", "Sent on", "the day it was sent", "date"),
                Input("via", "Sent by", "how it was sent", "radios", options="contact")),
               _day_command(schemas.SendOutcome, "send_outcome", "sent_on",
                            choices_=("via",)),
               "Outcome recorded as sent.", "outcome", _today("sent_on")),
    RecordStep("escalate", "escalation", "Record an escalation",
               (Input("requested_on", "Asked for on", "the day it was asked for", "date"),
                Input("reviewer", "Looked at again by", "who looks at it again",
                      width="two-thirds",
                      hint="For example: the Police and Crime Commissioner's office"),
                Input("grounds", "Why the applicant is unhappy", "the grounds", "textarea",
                      rows=4)),
               _day_command(schemas.RequestEscalation, "request_escalation", "requested_on",
                            texts=("reviewer", "grounds")),
               "Escalation recorded.", "escalation", _today("requested_on")),
    RecordStep("resolve", "escalation/resolution", "Record the escalation result",
               (Input("result", "Result", "the result", "radios", options="escalation"),
                Input("decided_on", "Decided on", "the day it was decided", "date"),
                Input("notes", "Notes", "the notes", "textarea", required=False, rows=3)),
               _day_command(schemas.ResolveEscalation, "resolve_escalation", "decided_on",
                            texts=("notes",), choices_=("result",)),
               "Escalation result recorded.", "escalation", _today("decided_on")),
    RecordStep("close", "close", "Close the case review",
               (Input("closed_on", "Closed on", "the day it was closed", "date"),),
               _day_command(schemas.CloseReview, "close", "closed_on"),
               "Case review closed.", "outcome", _today("closed_on")),
    RecordStep("withdraw", "withdraw", "Record that the application was withdrawn",
               (Input("withdrawn_on", "Withdrawn on", "the day it was withdrawn", "date"),
                Input("reason", "Why", "why it was withdrawn", "textarea", required=False,
                      rows=3)),
               _day_command(schemas.WithdrawApplication, "withdraw", "withdrawn_on",
                            texts=("reason",)),
               "Withdrawal recorded.", "outcome", _today("withdrawn_on")),
)


def _review_options(page: RecordPage) -> dict[str, Any]:
    review = _review(page)
    rules = page.container.rules.reviews
    service = _service(page)
    preview = None
    if page.request.url.path.endswith("/threshold-decision"):
        preview = assessment_fields(service.preview_threshold(review.id))
    return {
        "agencies": page.agencies, "participation": choices(VictimParticipation),
        "contact": choices(ContactMethod), "escalation": choices(EscalationResult),
        "preview": preview, "trigger": rules.trigger,
        "discretion_possible": rules.trigger.vulnerable_victim_discretion
        and review.victim_vulnerable,
        "complaints": review.complaints,
    }


# -- what can be done now ---------------------------------------------------------------------

STEPS_BY_STATUS: dict[ReviewStatus, frozenset[str]] = {
    S.RECEIVED: frozenset({"acknowledge", "complaint", "withdraw"}),
    S.ACKNOWLEDGED: frozenset({"decide", "complaint", "withdraw"}),
    S.THRESHOLD_MET: frozenset({"meeting", "withdraw"}),
    S.REVIEW_AGREED_ON_DISCRETION: frozenset({"meeting", "withdraw"}),
    S.REOPENED: frozenset({"meeting", "withdraw"}),
    S.THRESHOLD_NOT_MET: frozenset({"discretion", "close", "escalate", "withdraw"}),
    S.REVIEW_HELD: frozenset({"consultation", "recommendation", "outcome", "withdraw"}),
    S.OUTCOME_SENT: frozenset({"close", "escalate"}),
    S.ESCALATED: frozenset({"resolve"}),
    S.CLOSED: frozenset({"escalate"}),
    S.WITHDRAWN: frozenset(),
}
COORDINATOR_STEPS = frozenset({"decide", "discretion"})


def available_steps(review: CaseReview, actor: Actor) -> frozenset[str]:
    """The steps the review's status allows that the user's role may take."""
    if not actor.has_role(*access.CASEWORK_WRITERS):
        return frozenset()
    allowed = STEPS_BY_STATUS.get(review.status, frozenset())
    if not actor.has_role(*access.COORDINATORS):
        allowed = allowed - COORDINATOR_STEPS
    return allowed


def review_body_context(request: Request, review: CaseReview, *, today: date,
                        can_write: bool, with_preview: bool = True) -> dict[str, Any]:
    """What ``reviews/_body.html`` needs (the review page, and the review as at a version:
    ``with_preview`` false, as the preview applies today's rules to today's complaints)."""
    service = reviews_service(request)
    actor: Actor = request.state.actor
    out = review_out(review, service, today)
    decision = out.threshold_decision
    preview = None
    if (with_preview and decision is None and review.status in (S.RECEIVED, S.ACKNOWLEDGED)
            and review.complaints):
        preview = schemas.ThresholdAssessmentOut(**assessment_fields(service.preview_threshold(
            review.id)))
    shown = decision or preview
    names = review_names(request, review)
    partnership = container_of(request).rules.partnerships.get(review.partnership_id)
    cases = container_of(request).services["cases"]
    linked = []
    for case_id in review.asb_case_ids:
        try:
            linked.append((case_id, cases.get(case_id).reference))
        except (NotFound, Forbidden):  # a case the reader may not see shows no reference
            linked.append((case_id, None))
    return {
        "review": review, "out": out, "decision": decision, "preview": preview,
        "findings": {f.complaint_number: f for f in shown.findings} if shown else {},
        "names": names, "people": _complainant_names(names),
        "partnership_name": partnership.name if partnership else review.partnership_id,
        "steps": available_steps(review, actor) if can_write else frozenset(),
        "can_write": can_write, "base": f"/case-reviews/{review.id}",
        "milestone_names": MILESTONE_NAMES, "milestone_status": MILESTONE_STATUS,
        "linked_cases": linked, "today": today,
    }


def _complainant_names(names: Mapping[UUID, PersonName]) -> dict[str, str]:
    """Complainants recorded by person id, shown by name."""
    return {str(person_id): person.name for person_id, person in names.items()}


@router.get("/case-reviews", name="review_list")
def review_list(
    request: Request, context: PageContext,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    access.require_role(*access.CASEWORK_READERS, doing="listing case reviews")
    found = find_review(request, context.actor, q) if q else None
    if found is not None:
        return RedirectResponse(REVIEWS.path(found), status_code=303)
    status_filter = status if status in {s.value for s in ReviewStatus} else None
    container = container_of(request)
    page = None
    if container.projections is not None:
        filters = ReviewFilters(q=q or None, status=status_filter, offset=offset,
                                limit=LIST_PAGE)
        service = reviews_service(request)
        with container.projections.reading() as cursor:
            page = list_reviews(cursor, Reader(container.rules), filters, today_in_london(),
                                service.calendar, container.rules.reviews.service_levels)
        if q and q.strip():  # as the list API: a search is logged, without its terms
            container.record_read(request, AccessAction.SEARCH, REVIEWS.kind, None)
    return render(request, "reviews/list.html", {
        "page": page, "q": q or "", "status": status_filter or "",
        "behind": list_lag(request, "review_list"),
        "statuses": choices(ReviewStatus), "milestone_names": MILESTONE_NAMES,
        "on_day": lambda text: day(date.fromisoformat(str(text))),
        "can_open": context.actor.has_role(*access.CASEWORK_WRITERS),
    })


def find_review(request: Request, actor: Actor, text: str) -> UUID | None:
    """The case review with this id or reference (``CR-2026-0003``) the actor may see."""
    cleaned = text.strip()
    candidates: list[UUID] = []
    try:
        candidates.append(UUID(cleaned))
    except ValueError:
        reference = cleaned.upper().replace(" ", "")
        if reference.startswith("CR-"):
            candidates += [CaseReview.create_id(p, reference)
                           for p in container_of(request).rules.partnerships.ids
                           if actor.can_see_partnership(p)]
    for candidate in candidates:
        try:
            return reviews_service(request).get(candidate).id
        except NotFound:
            continue
    return None


# -- the application form ---------------------------------------------------------------------

_APPLICATION_LABELS = {
    "partnership_id": "the partnership", "applicant_role": "who is applying",
    "victim_kind": "who the victim is", "victim_choice": "whether the victim is recorded",
    "victim_person_id": "the victim's record id", "victim_name": "the victim's name",
    "victim_phone": "the victim's phone number", "victim_email": "the victim's email address",
    "victim_address": "the victim's address",
    "applicant_person_id": "the applicant's record id",
    "consent_given_on": "the day the victim gave consent",
    "consent_method": "how the victim gave consent",
    "applicant_description": "who applied and why", "received_via": "how it was received",
    "received_on": "the day it was received", "hate_incident_involved": "hate incident",
    "victim_vulnerable": "vulnerable victim", "asb_case_ids": "the linked ASB cases",
}
_APPLICATION_FIELDS = (
    "partnership_id", "applicant_role", "victim_kind", "victim_choice", "victim_person_id",
    "victim_name", "victim_phone", "victim_email", "victim_address", "applicant_person_id",
    "consent_given_on", "consent_method", "applicant_description", "received_via",
    "received_on", "hate_incident_involved", "victim_vulnerable", "asb_case_ids",
    "complaints.*",
)
_APPLICATION_CHOICES = ("partnership_id", "applicant_role", "victim_kind", "victim_choice",
                        "consent_method", "received_via")
_COMPLAINT_FIELDS = ("behaviour_at", "reported_on", "agency", "agency_reference",
                     "complainant", "description")
_DOMAIN_FIELDS = {"consent": "consent_given_on", "applicant": "applicant_role",
                  "role": "applicant_role"}
FLASH_MESSAGES["case-review:received"] = (
    "Application recorded. Acknowledge it, then a coordinator decides the threshold.")


def _application_form(values: Mapping[str, Any] | None = None, rows: int = 0) -> FormState:
    form = FormState(values, fields=_APPLICATION_FIELDS, labels=_APPLICATION_LABELS,
                     choice_fields=_APPLICATION_CHOICES)
    _label_rows(form, rows or DEFAULT_COMPLAINT_ROWS)
    return form


def _label_rows(form: FormState, rows: int) -> None:
    form.choice_fields = form.choice_fields | {f"complaints.{row}.agency"
                                               for row in range(rows)}
    for row in range(rows):
        n = row + 1
        form.labels |= {
            f"complaints.{row}.behaviour_at": f"when the behaviour in complaint {n} happened",
            f"complaints.{row}.reported_on": f"the day complaint {n} was reported",
            f"complaints.{row}.agency": f"the agency complaint {n} was reported to",
            f"complaints.{row}.agency_reference": f"the agency's reference for complaint {n}",
            f"complaints.{row}.complainant": f"who made complaint {n}",
            f"complaints.{row}.description": f"what complaint {n} was about",
        }


def _row_count(form: FormState) -> int:
    try:
        count = int(form.value("complaint_rows", str(DEFAULT_COMPLAINT_ROWS)))
    except ValueError:
        count = DEFAULT_COMPLAINT_ROWS
    return max(1, min(count, MAX_COMPLAINT_ROWS))


def _application_choices(request: Request, actor: Actor) -> dict[str, Any]:
    rules = container_of(request).rules
    partnerships = [p for p in rules.partnerships.partnerships
                    if actor.can_see_partnership(p.id)]
    agency_ids = list(dict.fromkeys(a for p in partnerships for a in p.agencies))
    return {
        "partnerships": partnerships,
        "partnership_options": [(p.id, p.name) for p in partnerships],
        "agencies": [(a, rules.agencies.get(a, a)) for a in agency_ids],
        "roles": [(ApplicantRole.VICTIM.value, "The victim themselves"),
                  (ApplicantRole.FAMILY_MEMBER.value, "A family member"),
                  (ApplicantRole.COUNCILLOR.value, "A councillor"),
                  (ApplicantRole.MP.value, "Their MP"),
                  (ApplicantRole.OTHER_REPRESENTATIVE.value, "Someone else acting for them")],
        "victim_kinds": [(VictimKind.PERSON.value, "A person"),
                         (VictimKind.BUSINESS.value, "A business"),
                         (VictimKind.COMMUNITY_GROUP.value, "A community group")],
        "consent_methods": choices(ConsentMethod), "channels": choices(ApplicationChannel),
    }


def _victim_search(request: Request, form: FormState, options: Mapping[str, Any]
                   ) -> tuple[PeopleSearch | None, str]:
    """The people found for the victim (``q``: the search box posted with the form, or a
    link's query) in the partnership chosen on the form, or the user's only one; and its name."""
    params = request.query_params
    q = (form.value("q") or params.get("q", "")).strip()
    by_id = {p.id: p.name for p in options["partnerships"]}
    partnership_id = form.text("partnership_id")
    if partnership_id not in by_id and len(by_id) == 1:
        partnership_id = next(iter(by_id))
    if partnership_id is None or partnership_id not in by_id:
        error = "Choose the partnership above, then search" if q else None
        return (PeopleSearch(q[:200], error=error) if q else None), "the partnership chosen"
    # A result page is kept only for the words it was found with.
    if (form.value("search_q") or "").strip() == q:
        offset = form.value("search_offset") or "0"
    else:
        offset = params.get("offset", "0") if params.get("q", "").strip() == q else "0"
    return find_people(request, partnership_id, q, offset), by_id[partnership_id]


def _render_application(request: Request, actor: Actor, form: FormState, rows: int, *,
                        status: int = 200, focus_row: int | None = None) -> Response:
    options = _application_choices(request, actor)
    search, partnership_name = _victim_search(request, form, options)
    return render(request, "reviews/new.html", {
        "form": form, "rows": rows, "focus_row": focus_row,
        "max_rows": MAX_COMPLAINT_ROWS, "search": search,
        "search_partnership": partnership_name, **options,
    }, status_code=status)


@router.get("/case-reviews/new", name="review_new_form")
def new_review_form(request: Request, context: PageContext) -> Response:
    access.require_role(*access.CASEWORK_WRITERS, doing="recording a case review")
    actor = context.actor
    params = request.query_params
    options = _application_choices(request, actor)
    values: dict[str, Any] = {"received_on": today_text(), "victim_choice": "new",
                              "applicant_role": "victim", "victim_kind": "person"}
    if len(options["partnerships"]) == 1:
        values["partnership_id"] = options["partnerships"][0].id
    for row in range(DEFAULT_COMPLAINT_ROWS):
        values[f"complaints.{row}.complainant"] = "victim"
    form, rows = _application_form(values), DEFAULT_COMPLAINT_ROWS
    if params.get("q", "").strip():
        form.set("victim_kind", VictimKind.PERSON.value)
        form.set("victim_choice", "existing")
    return _render_application(request, actor, form, rows)


def _complaint_rows(form: FormState, rows: int, received_on: date | None
                    ) -> list[ComplaintReport] | None:
    """The complaints typed (blank rows left out), each checked as the API and the domain
    would; errors go on the row's fields."""
    reports: list[ComplaintReport] = []
    for row in range(rows):
        prefix = f"complaints.{row}."
        if not any(form.text(prefix + name) for name in _COMPLAINT_FIELDS
                   if name != "complainant"):
            continue
        body = validated_as(schemas.ComplaintIn, _complaint_values(form, prefix), form,
                            {name: prefix + name for name in _COMPLAINT_FIELDS})
        if body is None:
            continue
        report = ComplaintReport(**body.model_dump())
        if received_on is not None:
            try:
                report = checked_complaint(report, received_on)
            except InvalidValue as error:
                form.add_error(prefix + (error.field or "description"), error.message)
                continue
        reports.append(report)
    return reports if form.ok else None


def _person_id(form: FormState, name: str) -> UUID | None:
    # A search result's radio and the record id typed share the name; the typed id, later
    # in the form, wins when both are given.
    chosen = [value.strip() for value in form.values_of(name) if value.strip()]
    text = chosen[-1] if chosen else None
    if text is None:
        return None
    try:
        return UUID(text)
    except ValueError:
        form.add_error(name, f"Enter {form.label(name)} in full, like "
                             "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f")
        return None


def _linked_cases(request: Request, actor: Actor, form: FormState) -> list[UUID]:
    found: list[UUID] = []
    partnerships = container_of(request).rules.partnerships.ids
    for line in form.value("asb_case_ids").replace(",", "\n").splitlines():
        if not line.strip():
            continue
        case_id = find_case(container_of(request).services["cases"], actor, partnerships,
                            line)
        if case_id is None:
            form.add_error("asb_case_ids", f"No case {line.strip()} is in your partnerships: "
                                           "give its reference, like ASB-2026-00042, or its id")
        elif case_id not in found:
            found.append(case_id)
    return found


def validated_as(model: type[M], data: Mapping[str, Any], form: FormState,
                 names: Mapping[str, str]) -> M | None:
    """``validated``, with the model's field names shown as the page's (``names``)."""
    scratch = FormState(labels={model_name: form.label(page_name)
                                for model_name, page_name in names.items()},
                        choice_fields=[model_name for model_name, page_name in names.items()
                                       if page_name in form.choice_fields])
    result = validated(model, data, scratch)
    for name, message in scratch.errors.items():
        form.add_error(names.get(name, name), message)
    for problem in scratch.problems:
        form.add_error(None, problem)
    return result if form.ok else None


def _domain_error(form: FormState, error: DomainError) -> None:
    field = _DOMAIN_FIELDS.get(error.field or "", error.field)
    form.add_error(field, error.message)


@router.post("/case-reviews/new", name="review_new")
def receive_application(request: Request, context: PageContext, posted: PageForm) -> Response:
    access.require_role(*access.CASEWORK_WRITERS, doing="recording a case review")
    actor = context.actor
    form = FormState.posted(posted, fields=_APPLICATION_FIELDS, labels=_APPLICATION_LABELS,
                            choice_fields=_APPLICATION_CHOICES)
    rows = _row_count(form)
    if form.value("action") == "search-people" or form.value("search_offset"):
        # The victim search: the form comes back as typed, with the people found.
        _label_rows(form, rows)
        form.set("victim_kind", VictimKind.PERSON.value)
        form.set("victim_choice", "existing")
        return _render_application(request, actor, form, rows)
    if form.value("action") == "add-complaint":
        rows = min(rows + 1, MAX_COMPLAINT_ROWS)
        form.set(f"complaints.{rows - 1}.complainant", "victim")
        _label_rows(form, rows)
        return _render_application(request, actor, form, rows, focus_row=rows - 1)
    _label_rows(form, rows)

    received_on = form.day("received_on")
    role = form.text("applicant_role")
    victim_kind = form.text("victim_kind")
    registering = victim_kind == VictimKind.PERSON.value and form.value("victim_choice") == "new"
    victim_id = (_person_id(form, "victim_person_id")
                 if victim_kind == VictimKind.PERSON.value and not registering else None)
    if victim_kind == VictimKind.PERSON.value and not registering and victim_id is None \
            and form.error("victim_person_id") is None:
        form.add_error("victim_person_id", "Search for the victim and choose them, enter "
                                           "their record id, or record them as a new person")
    applicant_id = (_person_id(form, "applicant_person_id")
                    if role and role != ApplicantRole.VICTIM.value else None)
    consent = None
    if role and role != ApplicantRole.VICTIM.value:
        consent = validated_as(schemas.ConsentIn, {
            "given_on": form.day("consent_given_on"), "method": form.text("consent_method"),
        }, form, {"given_on": "consent_given_on", "method": "consent_method"})
    person = None
    if registering:
        person = validated_as(RegisterPerson, {
            "partnership_id": form.text("partnership_id") or "-", "kind": "individual",
            "name": form.text("victim_name"), "phone": form.text("victim_phone"),
            "email": form.text("victim_email"), "address": form.text("victim_address"),
        }, form, {"name": "victim_name", "phone": "victim_phone", "email": "victim_email",
                  "address": "victim_address"})
    applicant = validated_as(schemas.ApplicantIn, {"role": role, "victim_kind": victim_kind},
                             form, {"role": "applicant_role", "victim_kind": "victim_kind"})
    case_ids = _linked_cases(request, actor, form)
    complaints = _complaint_rows(form, rows, received_on)
    body = validated_as(schemas.ReceiveApplication, {
        "partnership_id": form.text("partnership_id"),
        "applicant": applicant.model_dump() if applicant else {},
        "applicant_description": form.text("applicant_description"),
        "received_via": form.text("received_via"), "received_on": received_on,
        "hate_incident_involved": form.checked("hate_incident_involved"),
        "victim_vulnerable": form.checked("victim_vulnerable"),
    }, form, {name: name for name in ("partnership_id", "applicant_description",
                                      "received_via", "received_on")})
    if body is None or complaints is None or not form.ok:
        return _render_application(request, actor, form, rows, status=422)
    service = reviews_service(request)
    status = 422
    try:
        if person is not None:
            registered = people_service(request).register(
                **person.model_dump(exclude={"partnership_id"}),
                partnership_id=body.partnership_id,
                idempotency=form.idempotency(request.url.path, ":victim"))
            victim_id = registered.aggregate_id
            # From here the person exists: a retry offers them as already recorded.
            form.set("victim_choice", "existing")
            form.set("victim_person_id", str(victim_id))
        who = Applicant(
            role=ApplicantRole(body.applicant.role),
            victim_kind=VictimKind(body.applicant.victim_kind),
            victim_person_id=victim_id, applicant_person_id=applicant_id,
            consent=None if consent is None else ConsentRecord(consent.given_on,
                                                               consent.method))
        outcome = service.receive(
            partnership_id=body.partnership_id, applicant=who,
            applicant_description=body.applicant_description,
            received_via=body.received_via, received_on=body.received_on,
            complaints=complaints, asb_case_ids=case_ids,
            hate_incident_involved=body.hate_incident_involved,
            victim_vulnerable=body.victim_vulnerable,
            idempotency=form.idempotency(request.url.path))
    except InvalidValue as error:
        _domain_error(form, error)
    except RuleViolation as error:
        _domain_error(form, error)
        status = 409
    except IdempotencyKeyReused:
        form.add_error(None, "This form was already sent once with other details.")
        form.renew_key()
    else:
        return redirect_with_flash(REVIEWS.path(outcome.aggregate_id), "case-review:received")
    return _render_application(request, actor, form, rows, status=status)


# -- the review page --------------------------------------------------------------------------

@router.get("/case-reviews/{review_id}", name="review_page")
def review_page(review_id: UUID, request: Request, context: PageContext) -> Response:
    review = reviews_service(request).get(review_id)
    REVIEWS.log_view(request, review)
    can_write = context.actor.has_role(*access.CASEWORK_WRITERS)
    recent = kind_timeline(request, REVIEWS, review,
                           after_version=max(0, review.version - RECENT_CHANGES),
                           up_to_version=review.version)
    response = render(request, "reviews/show.html", {
        **review_body_context(request, review, today=today_in_london(), can_write=can_write),
        "timeline": recent, "more_history": review.version > RECENT_CHANGES,
        "history_path": REVIEWS.history_path(review.id), "flash": flash_message(request),
    })
    return with_flash_cleared(request, response)


install_steps(router, REVIEWS, REVIEW_STEPS, _review_options)


__all__ = ["REVIEWS", "REVIEW_STEPS", "available_steps", "find_review",
           "review_body_context", "router"]
