"""Request and response models for ASB Case Reviews and their yearly figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from adapters.http.schemas.common import CommandResult
from domain.reviews.milestones import Milestone, MilestoneStatus
from domain.reviews.values import (
    ApplicantRole,
    ApplicationChannel,
    ConsentMethod,
    ContactMethod,
    EscalationResult,
    NotCountedReason,
    RecommendationStatus,
    ReviewStatus,
    ThresholdRoute,
    VictimKind,
    VictimParticipation,
)

Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2999, 12, 31))]
Moment = Annotated[AwareDatetime, Field(ge=datetime.fromisoformat("2000-01-01T00:00:00+00:00"))]

VICTIM_ID = "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f"
COUNCILLOR_ID = "1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
CASE_ID = "5b0d2c7e-4f7e-5a59-9a32-0f1f3c0c8a11"
REVIEW_ID = "0a3d6a8e-8b4b-5d0e-9c8f-3c1f2b7e9d10"


def _example(data: dict[str, Any], *, request: bool = True) -> ConfigDict:
    config = ConfigDict(json_schema_extra={"examples": [data]})
    if request:
        config["extra"] = "forbid"
    return config


# -- requests --------------------------------------------------------------------------

CONSENT_EXAMPLE = {"given_on": "2026-02-27", "method": "written"}
APPLICANT_EXAMPLE = {
    "role": "councillor", "victim_kind": "person", "victim_person_id": VICTIM_ID,
    "applicant_person_id": COUNCILLOR_ID, "consent": CONSENT_EXAMPLE,
}
COMPLAINT_EXAMPLE = {
    "behaviour_at": "2026-01-14T23:30:00Z", "reported_on": "2026-01-15",
    "agency": "herts-police", "agency_reference": "CAD-1187",
    "complainant": VICTIM_ID, "description": "Shouting and banging on the door after midnight.",
}


class ConsentIn(BaseModel):
    """The victim's consent for someone else to apply on their behalf."""

    model_config = _example(CONSENT_EXAMPLE)
    given_on: Day
    method: ConsentMethod


class ApplicantIn(BaseModel):
    """Who applied and for whom (people by their person id; a business or group has none)."""

    model_config = _example(APPLICANT_EXAMPLE)
    role: ApplicantRole
    victim_kind: VictimKind
    victim_person_id: UUID | None = None
    applicant_person_id: UUID | None = None
    consent: ConsentIn | None = None


class ComplaintIn(BaseModel):
    """A complaint the application relies on. ``agency`` is the agency it was made to;
    ``complainant`` tells complainants apart (a person id or a label such as
    ``neighbour-2``, never a name)."""

    model_config = _example(COMPLAINT_EXAMPLE)
    behaviour_at: Moment
    reported_on: Day
    agency: Name
    agency_reference: Name | None = None
    complainant: Name
    description: Text


class ReceiveApplication(BaseModel):
    model_config = _example({
        "partnership_id": "north-herts", "applicant": APPLICANT_EXAMPLE,
        "applicant_description": "Ward councillor applying for an older resident with her "
                                 "written consent.",
        "received_via": "email", "received_on": "2026-03-02",
        "complaints": [
            COMPLAINT_EXAMPLE,
            {**COMPLAINT_EXAMPLE, "behaviour_at": "2026-02-02T22:10:00Z",
             "reported_on": "2026-02-03", "agency": "north-herts-council",
             "agency_reference": "ASB/2026/114", "description": "Eggs thrown at the window."},
            {**COMPLAINT_EXAMPLE, "behaviour_at": "2026-02-20T21:00:00Z",
             "reported_on": "2026-02-21", "agency": "settle-housing",
             "agency_reference": None, "description": "Threats in the stairwell."},
        ],
        "asb_case_ids": [CASE_ID], "hate_incident_involved": False, "victim_vulnerable": True,
    })
    partnership_id: Name
    applicant: ApplicantIn
    applicant_description: Text
    received_via: ApplicationChannel
    received_on: Day
    complaints: list[ComplaintIn] = Field(default_factory=list, max_length=200)
    asb_case_ids: list[UUID] = Field(default_factory=list, max_length=50)
    hate_incident_involved: bool = False
    victim_vulnerable: bool = False


class Acknowledge(BaseModel):
    model_config = _example({"acknowledged_on": "2026-03-03"})
    acknowledged_on: Day


class DecideThreshold(BaseModel):
    """The decision is computed from the local trigger rules; a coordinator may give a
    reason to use the vulnerable-victim discretion where the local rules allow it."""

    model_config = _example({"decided_on": "2026-03-13", "applicant_informed_on": "2026-03-13",
                             "vulnerable_victim_discretion_reason": None})
    decided_on: Day
    vulnerable_victim_discretion_reason: Text | None = None
    applicant_informed_on: Day | None = None


class AgreeDiscretionaryReview(BaseModel):
    model_config = _example({"agreed_on": "2026-03-16",
                             "reason": "Repeat victim with a long history of reports."})
    agreed_on: Day
    reason: Text


class HoldReview(BaseModel):
    model_config = _example({
        "held_on": "2026-04-08",
        "agencies_attending": ["herts-police", "north-herts-council", "settle-housing"],
        "victim_participation": "attended", "independent_chair": "Independent chair (PCC)",
        "findings": "Reports were handled separately by each agency; no joint plan.",
    })
    held_on: Day
    agencies_attending: list[Name] = Field(min_length=1, max_length=30)
    victim_participation: VictimParticipation
    independent_chair: Name | None = None
    findings: Text


class VictimConsultationIn(BaseModel):
    model_config = _example({"consulted_on": "2026-04-10",
                             "response": "Agrees with the plan; asks for weekly updates."})
    consulted_on: Day
    response: Text


class MakeRecommendation(BaseModel):
    model_config = _example({"to_agency": "settle-housing",
                             "recommendation": "Offer a management move within 8 weeks.",
                             "deadline": "2026-06-05", "made_on": "2026-04-08"})
    to_agency: Name
    recommendation: Text
    deadline: Day
    made_on: Day


class CompleteRecommendation(BaseModel):
    model_config = _example({"completed_on": "2026-05-20"})
    completed_on: Day


class RecommendationNotAccepted(BaseModel):
    model_config = _example({"recorded_on": "2026-04-20",
                             "reason": "No suitable property; alternative support offered."})
    recorded_on: Day
    reason: Text


class SendOutcome(BaseModel):
    model_config = _example({"sent_on": "2026-04-14", "via": "letter"})
    sent_on: Day
    via: ContactMethod


class RequestEscalation(BaseModel):
    model_config = _example({"requested_on": "2026-04-28", "reviewer": "herts-pcc",
                             "grounds": "The police reports were not considered."})
    requested_on: Day
    reviewer: Name
    grounds: Text


class ResolveEscalation(BaseModel):
    model_config = _example({"result": "upheld_referred_back", "decided_on": "2026-05-12",
                             "notes": "Two police reports were missed: review again."})
    result: EscalationResult
    decided_on: Day
    notes: Text | None = None


class CloseReview(BaseModel):
    model_config = _example({"closed_on": "2026-06-10"})
    closed_on: Day


class WithdrawApplication(BaseModel):
    model_config = _example({"withdrawn_on": "2026-03-05",
                             "reason": "The applicant has moved away."})
    withdrawn_on: Day
    reason: Text | None = None


# -- responses -------------------------------------------------------------------------

class ReviewCommandResult(CommandResult):
    """A write's result; ``number`` is the new complaint's or recommendation's number."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": REVIEW_ID, "version": 7, "position": 1402, "created_id": None, "number": 2,
    }]})
    number: int | None = None


class ConsentOut(BaseModel):
    model_config = _example(CONSENT_EXAMPLE, request=False)
    given_on: date
    method: ConsentMethod


class ApplicantOut(BaseModel):
    model_config = _example(APPLICANT_EXAMPLE, request=False)
    role: ApplicantRole
    victim_kind: VictimKind
    victim_person_id: UUID | None
    applicant_person_id: UUID | None
    consent: ConsentOut | None


class ComplaintOut(BaseModel):
    model_config = _example({"number": 1, "label": "C1", **COMPLAINT_EXAMPLE}, request=False)
    number: int
    label: str
    behaviour_at: datetime
    reported_on: date
    agency: str
    agency_reference: str | None
    complainant: str
    description: str


class ComplaintFindingOut(BaseModel):
    """Whether one complaint counted towards the threshold and, if not, why not."""

    model_config = _example({"complaint_number": 3, "label": "C3", "counted": False,
                             "reason": "duplicate", "duplicate_of": 1,
                             "explanation": "C3 did not count: it is about the same incident "
                                            "as C1, which counts instead."}, request=False)
    complaint_number: int
    label: str
    counted: bool
    reason: NotCountedReason | None
    duplicate_of: int | None
    explanation: str


TRIGGER_RULES_EXAMPLE = {
    "qualifying_complaints": 3, "window_months": 6, "report_within_months": 1,
    "local_qualifying_complaints": None, "different_complainants": None,
    "hate_incident_route": False, "vulnerable_victim_discretion": False,
}


class TriggerRulesOut(BaseModel):
    """The local trigger rules the decision was made with (kept with the decision)."""

    model_config = _example(TRIGGER_RULES_EXAMPLE, request=False)
    qualifying_complaints: int
    window_months: int
    report_within_months: int
    local_qualifying_complaints: int | None
    different_complainants: int | None
    hate_incident_route: bool
    vulnerable_victim_discretion: bool


THRESHOLD_EXAMPLE: dict[str, Any] = {
    "met": True, "route": "qualifying_complaints",
    "explanation": "Threshold met: 3 qualifying complaints (C1, C2, C4); 3 needed.",
    "counted": [1, 2, 4], "complaints_required": 3, "distinct_complainants": 2,
    "hate_incident_involved": False, "victim_vulnerable": True,
    "application_received_on": "2026-03-02",
    "findings": [
        {"complaint_number": 3, "label": "C3", "counted": False, "reason": "duplicate",
         "duplicate_of": 1, "explanation": "C3 did not count: it is about the same incident "
                                           "as C1, which counts instead."},
    ],
    "rules": TRIGGER_RULES_EXAMPLE,
}


class ThresholdAssessmentOut(BaseModel):
    """Which complaints counted, why each other did not, and the route (if met)."""

    model_config = _example(THRESHOLD_EXAMPLE, request=False)
    met: bool
    route: ThresholdRoute | None
    explanation: str
    counted: list[int]
    complaints_required: int
    distinct_complainants: int
    hate_incident_involved: bool
    victim_vulnerable: bool
    application_received_on: date
    findings: list[ComplaintFindingOut]
    rules: TriggerRulesOut


class ThresholdDecisionOut(ThresholdAssessmentOut):
    model_config = _example({"decided_on": "2026-03-13", "discretion_reason": None,
                             "applicant_informed_on": "2026-03-13", **THRESHOLD_EXAMPLE},
                            request=False)
    decided_on: date
    discretion_reason: str | None
    applicant_informed_on: date | None


class DiscretionaryReviewOut(BaseModel):
    model_config = _example({"agreed_on": "2026-03-16", "reason": "Repeat victim."},
                            request=False)
    agreed_on: date
    reason: str


class MeetingOut(BaseModel):
    model_config = _example({
        "held_on": "2026-04-08", "agencies_attending": ["herts-police", "settle-housing"],
        "victim_participation": "attended", "independent_chair": None,
        "findings": "No joint plan between agencies.",
    }, request=False)
    held_on: date
    agencies_attending: list[str]
    victim_participation: VictimParticipation
    independent_chair: str | None
    findings: str


class VictimConsultationOut(BaseModel):
    model_config = _example({"consulted_on": "2026-04-10", "response": "Agrees with the plan."},
                            request=False)
    consulted_on: date
    response: str


class RecommendationOut(BaseModel):
    model_config = _example({
        "number": 1, "label": "R1", "to_agency": "settle-housing",
        "text": "Offer a management move within 8 weeks.", "deadline": "2026-06-05",
        "made_on": "2026-04-08", "status": "open", "resolved_on": None,
        "not_accepted_reason": None, "overdue": False,
    }, request=False)
    number: int
    label: str
    to_agency: str
    text: str
    deadline: date
    made_on: date
    status: RecommendationStatus
    resolved_on: date | None
    not_accepted_reason: str | None
    overdue: bool


class OutcomeOut(BaseModel):
    model_config = _example({"sent_on": "2026-04-14", "via": "letter"}, request=False)
    sent_on: date
    via: ContactMethod


class EscalationOut(BaseModel):
    model_config = _example({
        "requested_on": "2026-04-28", "reviewer": "herts-pcc",
        "grounds": "Police reports not considered.", "escalated_from": "outcome_sent",
        "result": "upheld_referred_back", "decided_on": "2026-05-12", "notes": None,
    }, request=False)
    requested_on: date
    reviewer: str
    grounds: str
    escalated_from: ReviewStatus
    result: EscalationResult | None
    decided_on: date | None
    notes: str | None


class WithdrawalOut(BaseModel):
    model_config = _example({"withdrawn_on": "2026-03-05", "reason": None}, request=False)
    withdrawn_on: date
    reason: str | None


MILESTONE_EXAMPLE = {"milestone": "threshold_decision", "due_on": "2026-04-15",
                     "done_on": None, "status": "at_risk", "working_days_allowed": 10}


class MilestoneOut(BaseModel):
    """A milestone's due date (working days from the local service levels), when it was
    done, and how it stands on ``ReviewOut.milestones_as_of`` (derived, never stored)."""

    model_config = _example(MILESTONE_EXAMPLE, request=False)
    milestone: Milestone
    due_on: date
    done_on: date | None
    status: MilestoneStatus
    working_days_allowed: int


class ReviewOut(BaseModel):
    """An ASB Case Review as it is now (or as it was, with ``as_at``/``version``)."""

    model_config = _example({
        "id": REVIEW_ID, "version": 6, "partnership_id": "north-herts",
        "reference": "CR-2026-0003", "status": "threshold_met",
        "applicant": APPLICANT_EXAMPLE,
        "applicant_description": "Ward councillor applying for an older resident.",
        "received_via": "email", "received_on": "2026-03-02", "asb_case_ids": [CASE_ID],
        "hate_incident_involved": False, "victim_vulnerable": True,
        "complaints": [{"number": 1, "label": "C1", **COMPLAINT_EXAMPLE}],
        "acknowledged_on": "2026-03-03",
        "threshold_decision": {"decided_on": "2026-03-13", "discretion_reason": None,
                               "applicant_informed_on": "2026-03-13", **THRESHOLD_EXAMPLE},
        "threshold_decisions": [], "discretionary_review": None, "meetings": [],
        "victim_consultations": [], "recommendations": [], "outcomes": [],
        "escalations": [], "closed_on": None, "withdrawal": None,
        "milestones_as_of": "2026-04-14",
        "milestones": [
            {"milestone": "acknowledgement", "due_on": "2026-03-04", "done_on": "2026-03-03",
             "status": "done", "working_days_allowed": 2},
            {"milestone": "threshold_decision", "due_on": "2026-03-16",
             "done_on": "2026-03-13", "status": "done", "working_days_allowed": 10},
            {"milestone": "review_meeting", "due_on": "2026-04-15", "done_on": None,
             "status": "at_risk", "working_days_allowed": 20},
        ],
        "late_milestones": [], "open_recommendation_count": 0,
        "overdue_recommendation_numbers": [],
    }, request=False)

    id: UUID
    version: int
    partnership_id: str
    reference: str
    status: ReviewStatus
    applicant: ApplicantOut
    applicant_description: str
    received_via: ApplicationChannel
    received_on: date
    asb_case_ids: list[UUID]
    hate_incident_involved: bool
    victim_vulnerable: bool
    complaints: list[ComplaintOut]
    acknowledged_on: date | None
    threshold_decision: ThresholdDecisionOut | None = Field(
        description="The latest threshold decision, with its reasoning")
    threshold_decisions: list[ThresholdDecisionOut] = Field(
        description="Every decision, oldest first (a referral back can lead to a new one)")
    discretionary_review: DiscretionaryReviewOut | None
    meetings: list[MeetingOut]
    victim_consultations: list[VictimConsultationOut]
    recommendations: list[RecommendationOut]
    outcomes: list[OutcomeOut]
    escalations: list[EscalationOut]
    closed_on: date | None
    withdrawal: WithdrawalOut | None
    milestones_as_of: date = Field(
        description="The day (Europe/London) the milestone statuses are worked out for")
    milestones: list[MilestoneOut]
    late_milestones: list[Milestone] = Field(
        description="Milestones missed or done late as of milestones_as_of")
    open_recommendation_count: int
    overdue_recommendation_numbers: list[int]


class YearlyFiguresOut(BaseModel):
    """The statutory yearly figures for ASB Case Reviews: counts and medians only."""

    model_config = _example({
        "financial_year": "2025-26", "first_day": "2025-04-01", "last_day": "2026-03-31",
        "partnership_id": "north-herts",
        "partnership_name": "North Hertfordshire Community Safety Partnership",
        "partnerships": ["north-herts"],
        "applications_received": 7, "threshold_not_met": 3, "reviews_carried_out": 4,
        "reviews_with_recommendations": 3,
        "median_working_days_to_acknowledgement": 1.0,
        "median_working_days_to_threshold_decision": 8.0,
        "median_working_days_to_review_meeting": 27.5,
        "median_working_days_to_outcome": 33.0,
    }, request=False)

    financial_year: str
    first_day: date
    last_day: date
    partnership_id: str | None = Field(description="null when covering every partnership")
    partnership_name: str
    partnerships: list[str]
    applications_received: int = Field(description="Applications received in the year")
    threshold_not_met: int = Field(
        description="Threshold decisions in the year that found it not met")
    reviews_carried_out: int = Field(description="Reviews whose first meeting was in the year")
    reviews_with_recommendations: int = Field(
        description="Of the reviews carried out, those that made recommendations")
    median_working_days_to_acknowledgement: float | None
    median_working_days_to_threshold_decision: float | None
    median_working_days_to_review_meeting: float | None
    median_working_days_to_outcome: float | None
