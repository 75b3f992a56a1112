"""Request and response models for problem-solving plans (O'SARA)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.plans import (
    Assessment,
    AssessmentResult,
    CommunityInvolvement,
    Delivery,
    FundingAward,
    JagAgreement,
    Measure,
    Milestone,
    PlannedResponse,
    PlanStage,
    PlanStatus,
    Review,
    Risk,
    RiskLevel,
    ScanningSide,
    SignOff,
    SpecificObjective,
    SpendEntry,
)

Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]
Money = Annotated[Decimal, Field(gt=0, le=1_000_000_000,
                                 description="Pounds, at most two decimal places")]
Figure = Annotated[Decimal, Field(ge=0, le=1_000_000_000,
                                  description="A count or rate, zero or more")]
WorkingStage = Literal["objective", "scanning", "analysis", "response", "assessment"]

PLAN_ID = "3f6b8e2a-1c4d-5e7f-8a9b-0c1d2e3f4a5b"
CASE_ID = "5b0d2c7e-4f7e-5a59-9a32-0f1f3c0c8a11"


def _example(data: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [data]})


def _response_example(data: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [data]})


# =============================================================================== requests

class OpenPlan(BaseModel):
    model_config = _example({
        "partnership_id": "north-herts",
        "title": "Street drinking and intimidation in Market Place, Hitchin",
        "ward": "Hitchin Priory",
        "priority": "Anti-social behaviour in town centres",
        "lead_agency": "north-herts-council",
        "lead_officer": "asb.officer.patel",
    })

    partnership_id: Name
    title: Name
    ward: Name
    priority: Name = Field(description="One of the partnership's current priorities")
    lead_agency: Name
    lead_officer: Name


class ReassignLead(BaseModel):
    model_config = _example({"lead_agency": "herts-police", "lead_officer": "sgt.khan"})
    lead_agency: Name
    lead_officer: Name


class ChangePriority(BaseModel):
    model_config = _example({"priority": "Drug-related harm and county lines"})
    priority: Name


class LinkCase(BaseModel):
    model_config = _example({"case_id": CASE_ID})
    case_id: UUID = Field(description="An ASB case in the plan's partnership")


class SendBack(BaseModel):
    model_config = _example({
        "to_stage": "analysis",
        "reason": "Licensing data shows the off-licence sells high-strength cider after 10pm.",
    })
    to_stage: Literal["scanning", "analysis"]
    reason: Reason


class SetObjective(BaseModel):
    model_config = _example({
        "aim": "Residents, traders and visitors can use Market Place without intimidation."})
    aim: Text


class RecordScanning(BaseModel):
    model_config = _example({
        "description": "Traders report groups drinking from late morning; shoppers avoid "
                       "the benches; staff are sworn at when they ask people to move.",
        "frequency": "Daily, worst Thursday to Saturday",
        "duration": "Since summer 2025",
        "data_sources": ["Police calls for service", "Council ASB reports",
                         "Business crime partnership survey"],
    })
    description: Text
    frequency: Name
    duration: Name
    data_sources: Annotated[list[Name], Field(min_length=1, max_length=50)]


class RecordBaseline(BaseModel):
    model_config = _example({"name": "Calls to police about Market Place", "value": 42,
                             "period_start": "2025-10-01", "period_end": "2025-12-31"})
    name: Name
    value: Figure
    period_start: date
    period_end: date


class RecordAnalysis(BaseModel):
    model_config = _example({
        "why": "The benches by the off-licence give shelter and a view of the street; "
               "there is no guardian after the market closes."})
    why: Text


class RecordTriggers(BaseModel):
    model_config = _example({
        "triggers": "Benefit payday; warm weather; the off-licence's 8am opening."})
    triggers: Text


class SetHypothesis(BaseModel):
    model_config = _example({
        "hypothesis": "Cheap high-strength cider sold from 8am draws drinkers to the benches "
                      "nearest the shop."})
    hypothesis: Text


class AddSpecificObjective(BaseModel):
    model_config = _example({
        "description": "Halve calls to police about Market Place within six months",
        "measure": "Calls to police about Market Place", "target": 21})
    description: Text
    measure: Name = Field(description="The name of one of the plan's baseline measures")
    target: Figure


class PlanResponseIn(BaseModel):
    model_config = _example({
        "description": "Licensing visit and review of the off-licence's conditions",
        "agency": "north-herts-council", "owner": "licensing.officer.reid",
        "due_on": "2026-04-30", "depends_on_funding": False})
    description: Text
    agency: Name
    owner: Name
    due_on: date
    depends_on_funding: bool = False


class RescheduleResponse(BaseModel):
    model_config = _example({"due_on": "2026-05-15"})
    due_on: date


class ActionResponse(BaseModel):
    model_config = _example({"actioned_on": "2026-04-02"})
    actioned_on: date | None = Field(default=None, description="Default: today")


class CompleteResponse(BaseModel):
    model_config = _example({"completed_on": "2026-04-20",
                             "notes": "Licence conditions varied: no sales before 10am."})
    completed_on: date | None = Field(default=None, description="Default: today")
    notes: Text | None = None


class DropResponse(BaseModel):
    model_config = _example({"reason": "Funding for the CCTV camera was not granted."})
    reason: Reason


class RecordAfterMeasure(BaseModel):
    model_config = _example({"name": "Calls to police about Market Place", "value": 14,
                             "period_start": "2026-04-01", "period_end": "2026-06-30"})
    name: Name = Field(description="The name of one of the plan's baseline measures")
    value: Figure
    period_start: date
    period_end: date


class RecordAssessment(BaseModel):
    model_config = _example({
        "delivery": "in_full", "result": "reduced",
        "notes": "Calls fell by two thirds; traders report the benches are used by shoppers "
                 "again.", "handed_to": None})
    delivery: Delivery
    result: AssessmentResult
    notes: Text
    handed_to: Name | None = Field(
        default=None, description="Only when the result is handed_to_another_agency")


class RequestFunding(BaseModel):
    model_config = _example({"amount": "4500.00"})
    amount: Money


class MatchedFundingIn(BaseModel):
    model_config = _example({"partner": "north-herts-council", "amount": "1500.00"})
    partner: Name
    amount: Money


class WithdrawMatchedFunding(BaseModel):
    model_config = _example({"partner": "north-herts-council"})
    partner: Name


class FundingAwardIn(BaseModel):
    model_config = _example({"funder": "Police and Crime Commissioner's Community Fund",
                             "amount": "4500.00", "awarded_on": "2026-04-14",
                             "spend_by": "2027-03-31"})
    funder: Name
    amount: Money
    awarded_on: date
    spend_by: date


class SpendIn(BaseModel):
    model_config = _example({"amount": "1200.00", "spent_on": "2026-05-02",
                             "description": "Two replacement benches away from the shop"})
    amount: Money
    spent_on: date
    description: Text


class AddRisk(BaseModel):
    model_config = _example({
        "description": "Drinking moves to the churchyard",
        "mitigation": "PCSO patrols of the churchyard; monitor calls there too",
        "level": "medium"})
    description: Text
    mitigation: Text
    level: RiskLevel


class SetTimescale(BaseModel):
    model_config = _example({"starts_on": "2026-04-01", "ends_on": "2026-09-30"})
    starts_on: date
    ends_on: date


class AddMilestone(BaseModel):
    model_config = _example({"title": "Licence review hearing", "due_on": "2026-05-20"})
    title: Name
    due_on: date


class AchieveMilestone(BaseModel):
    model_config = _example({"achieved_on": "2026-05-20"})
    achieved_on: date | None = Field(default=None, description="Default: today")


class CommunityInvolvementIn(BaseModel):
    model_config = _example({
        "stage": "scanning",
        "description": "Street survey of 40 traders and shoppers; residents' association "
                       "walkabout with the PCSO."})
    stage: WorkingStage
    description: Text


class SignOffIn(BaseModel):
    model_config = _example({"notes": "Proportionate; ready for the JAG.",
                             "signed_on": "2026-03-30"})
    notes: Text | None = None
    signed_on: date | None = Field(default=None, description="Default: today")


class JagAgreementIn(BaseModel):
    model_config = _example({"meeting_on": "2026-04-14",
                             "notes": "Agreed; housing to join the licensing visit."})
    meeting_on: date
    notes: Text | None = None


class ScheduleReview(BaseModel):
    model_config = _example({"due_on": "2026-05-12"})
    due_on: date


class RecordReview(BaseModel):
    model_config = _example({"held_on": "2026-05-12",
                             "notes": "Calls down; keep the patrols until the hearing.",
                             "next_review_due": "2026-06-09"})
    held_on: date
    notes: Text
    next_review_due: date | None = Field(
        default=None, description="Default: after the local review interval")


class ClosePlan(BaseModel):
    model_config = _example({"notes": "Objective met; monitoring handed to the neighbourhood "
                                      "team."})
    notes: Text | None = None


class ReopenPlan(BaseModel):
    model_config = _example({"reason": "Drinking has returned since the licence changed hands."})
    reason: Reason


# ============================================================================== responses

class PlanCommandResult(BaseModel):
    """What every plan write returns: the plan's id, new version and log position, and
    the number of the item it added (response R1, risk 2...), if any."""

    model_config = _response_example({
        "id": PLAN_ID, "version": 12, "position": 3120, "created_number": 1})

    id: UUID
    version: int
    position: int | None
    created_number: int | None = None


class LeadOut(BaseModel):
    model_config = _response_example({"agency": "north-herts-council",
                                      "officer": "asb.officer.patel"})
    agency: str
    officer: str


class ScanningOut(BaseModel):
    """Scanning from each side of the problem analysis triangle (null: not recorded)."""

    model_config = _response_example({"victim": None, "location": None, "offender": None})
    victim: ScanningSide | None
    location: ScanningSide | None
    offender: ScanningSide | None


class AnalysisOut(BaseModel):
    """Why it is happening, from each side of the triangle (null: not recorded)."""

    model_config = _response_example({
        "victim": "Shoppers and traders are there all day and cannot avoid the square.",
        "location": "Sheltered benches next to the shop; no guardian after 5pm.",
        "offender": "A group of regular drinkers with nowhere else to meet.",
        "triggers": "Benefit payday; warm weather.",
        "hypothesis": "Cheap cider sold from 8am draws drinkers to the nearest benches."})
    victim: str | None
    location: str | None
    offender: str | None
    triggers: str | None
    hypothesis: str | None


class MatchedFundingOut(BaseModel):
    model_config = _response_example({"partner": "north-herts-council", "amount": "1500.00"})
    partner: str
    amount: Decimal


class BudgetOut(BaseModel):
    model_config = _response_example({
        "amount_requested": "4500.00",
        "matched_funding": [{"partner": "north-herts-council", "amount": "1500.00"}],
        "total_matched_funding": "1500.00", "funding_awards": [], "total_awarded": "0",
        "spend": [], "total_spent": "0", "spend_deadline": None, "funded": False,
        "under_rag_oversight": False})
    amount_requested: Decimal | None
    matched_funding: list[MatchedFundingOut]
    total_matched_funding: Decimal
    funding_awards: list[FundingAward]
    total_awarded: Decimal
    spend: list[SpendEntry]
    total_spent: Decimal
    spend_deadline: date | None
    funded: bool
    under_rag_oversight: bool


class TimescaleOut(BaseModel):
    model_config = _response_example({"starts_on": "2026-04-01", "ends_on": "2026-09-30",
                                      "milestones": []})
    starts_on: date | None
    ends_on: date | None
    milestones: list[Milestone]


class GovernanceOut(BaseModel):
    model_config = _response_example({
        "sign_off": {"supervisor": "sgt.khan", "signed_on": "2026-03-30", "notes": ""},
        "jag_agreement": None, "ready_for_jag": True, "next_review_due": None,
        "review_overdue": False, "reviews": []})
    sign_off: SignOff | None
    jag_agreement: JagAgreement | None
    ready_for_jag: bool
    next_review_due: date | None
    review_overdue: bool
    reviews: list[Review]


class MissingItemOut(BaseModel):
    model_config = _response_example({
        "stage": "scanning", "code": "scanning.offender",
        "description": "record what is happening from the offender's side"})
    stage: PlanStage
    code: str = Field(description="Stable identifier, e.g. scanning.offender")
    description: str


class FundingCriterionOut(BaseModel):
    model_config = _response_example({"code": "matched-funding",
                                      "description": "matched funding from partners",
                                      "met": True})
    code: str
    description: str
    met: bool


class FundingEligibilityOut(BaseModel):
    """Whether a funding bid would be considered (e.g. a PCC partnership fund)."""

    model_config = _response_example({
        "eligible": False,
        "criteria": [{"code": "matched-funding", "description": "matched funding from partners",
                      "met": False}],
        "unmet": ["matched funding from partners"]})
    eligible: bool
    criteria: list[FundingCriterionOut]
    unmet: list[str]


class PlanOut(BaseModel):
    """A problem-solving plan as it is now (or as it was, with ``version``/``as_at``)."""

    model_config = _response_example({
        "id": PLAN_ID, "version": 3, "partnership_id": "north-herts",
        "reference": "PSP-2026-0007",
        "title": "Street drinking and intimidation in Market Place, Hitchin",
        "ward": "Hitchin Priory", "neighbourhood": "Hitchin",
        "priority": "Anti-social behaviour in town centres",
        "lead": {"agency": "north-herts-council", "officer": "asb.officer.patel"},
        "linked_case_ids": [CASE_ID], "stage": "scanning", "status": "in_preparation",
        "started_on": "2026-03-02", "closed_on": None,
        "objective": "Residents, traders and visitors can use Market Place without "
                     "intimidation.",
        "scanning": {"victim": None, "location": None, "offender": None},
        "baseline_measures": [], "analysis": {"victim": None, "location": None,
                                              "offender": None, "triggers": None,
                                              "hypothesis": None},
        "specific_objectives": [], "responses": [], "overdue_response_numbers": [],
        "after_measures": [], "assessment": None, "result": None,
        "community_involvement": [], "risks": [],
        "budget": {"amount_requested": None, "matched_funding": [],
                   "total_matched_funding": "0", "funding_awards": [], "total_awarded": "0",
                   "spend": [], "total_spent": "0", "spend_deadline": None, "funded": False,
                   "under_rag_oversight": False},
        "timescale": {"starts_on": None, "ends_on": None, "milestones": []},
        "governance": {"sign_off": None, "jag_agreement": None, "ready_for_jag": False,
                       "next_review_due": None, "review_overdue": False, "reviews": []},
        "missing": [
            {"stage": "scanning", "code": "scanning.victim",
             "description": "record what is happening from the victim's side"},
            {"stage": "scanning", "code": "scanning.baseline",
             "description": "record at least one baseline measure"}],
        "funding_eligibility": {
            "eligible": False,
            "criteria": [{"code": "priority",
                          "description": "serves a current partnership priority",
                          "met": True}],
            "unmet": []},
    })

    id: UUID
    version: int
    partnership_id: str
    reference: str
    title: str
    ward: str
    neighbourhood: str | None
    priority: str
    lead: LeadOut
    linked_case_ids: list[UUID]
    stage: PlanStage
    status: PlanStatus
    started_on: date
    closed_on: date | None
    objective: str | None
    scanning: ScanningOut
    baseline_measures: list[Measure]
    analysis: AnalysisOut
    specific_objectives: list[SpecificObjective]
    responses: list[PlannedResponse]
    overdue_response_numbers: list[int]
    after_measures: list[Measure]
    assessment: Assessment | None
    result: AssessmentResult | None
    community_involvement: list[CommunityInvolvement]
    risks: list[Risk]
    budget: BudgetOut
    timescale: TimescaleOut
    governance: GovernanceOut
    missing: list[MissingItemOut] = Field(
        description="What must still be recorded before the plan can move on from its stage "
                    "(and any earlier stage); empty once closed")
    funding_eligibility: FundingEligibilityOut


class PlanSummaryOut(BaseModel):
    """A depersonalised plan summary (what the RAG sees): no free text, no names, no
    references."""

    model_config = _response_example({
        "id": PLAN_ID, "partnership_id": "north-herts", "ward": "Hitchin Priory",
        "neighbourhood": "Hitchin", "priority": "Anti-social behaviour in town centres",
        "serves_current_priority": True, "stage": "assessment", "status": "agreed",
        "result": "reduced", "started_on": "2026-03-02", "agreed_at_jag_on": "2026-04-14",
        "closed_on": None, "funded": True, "amount_requested": "4500.00",
        "total_matched_funding": "1500.00", "total_awarded": "4500.00",
        "total_spent": "1200.00", "spend_deadline": "2027-03-31", "responses_planned": 3,
        "responses_open": 0, "responses_completed": 2, "linked_case_count": 2,
        "funding_eligible": True, "missing_count": 1})

    id: UUID
    partnership_id: str
    ward: str
    neighbourhood: str | None
    priority: str
    serves_current_priority: bool
    stage: PlanStage
    status: PlanStatus
    result: AssessmentResult | None
    started_on: date
    agreed_at_jag_on: date | None
    closed_on: date | None
    funded: bool
    amount_requested: Decimal | None
    total_matched_funding: Decimal
    total_awarded: Decimal
    total_spent: Decimal
    spend_deadline: date | None
    responses_planned: int
    responses_open: int
    responses_completed: int
    linked_case_count: int
    funding_eligible: bool
    missing_count: int
