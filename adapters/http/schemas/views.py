"""Response models of the lists, the JAG tasking list, the RAG overview and data return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Count = int | str
"""A published count: the number, "fewer than 5" or "suppressed"."""
RagColour = Literal["red", "amber", "green"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ------------------------------------------------------------------------------ lists


class CaseListItem(_Out):
    case_id: UUID
    partnership_id: str
    reference: str
    status: str
    nsir_category: str
    asb_type: str
    ward: str
    neighbourhood: str | None
    outward_postcode: str | None
    lead_agency: str
    lead_officer: str
    risk_level: str | None = Field(description="high, medium, standard; null: not assessed")
    reported_at: datetime
    opened_at: datetime
    closed_at: datetime | None
    next_review_due: date | None
    open_actions: int
    overdue_actions: int
    overdue: bool = Field(description="Open and past its review date, or an action overdue "
                                      "(today, Europe/London)")
    jag_status: str | None = Field(description="referred or accepted while a JAG referral "
                                               "is open")
    summary: str
    updated_at: datetime


class CaseListPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [{
            "case_id": "5b0d2c7e-4f7e-5a59-9a32-0f1f3c0c8a11", "partnership_id": "north-herts",
            "reference": "ASB-2026-00042", "status": "open", "nsir_category": "personal",
            "asb_type": "noise", "ward": "Hitchin Bearton", "neighbourhood": "Hitchin",
            "outward_postcode": "SG5", "lead_agency": "herts-police",
            "lead_officer": "pc.jones", "risk_level": "high",
            "reported_at": "2026-04-01T08:30:00Z", "opened_at": "2026-04-01T09:00:00Z",
            "closed_at": None, "next_review_due": "2026-04-15", "open_actions": 2,
            "overdue_actions": 0, "overdue": False, "jag_status": None,
            "summary": "Loud music from the flat above most nights",
            "updated_at": "2026-04-02T10:00:00Z"}],
        "total": 1, "offset": 0, "limit": 50, "sort": "-reported_at"}]})

    items: list[CaseListItem]
    total: int
    offset: int
    limit: int
    sort: str


class PlanListItem(_Out):
    plan_id: UUID
    partnership_id: str
    reference: str
    title: str
    ward: str
    neighbourhood: str | None
    priority: str
    lead_agency: str
    lead_officer: str
    stage: str
    status: str
    started_on: date
    agreed_on: date | None
    closed_on: date | None
    next_review_due: date | None
    assessment_result: str | None
    funded: bool
    open_responses: int
    overdue_responses: int
    overdue: bool
    updated_at: datetime


class PlanListPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [{
            "plan_id": "7c1d2e3f-4a5b-5c6d-8e7f-9a0b1c2d3e4f", "partnership_id": "north-herts",
            "reference": "PSP-2026-0007", "title": "Street drinking around the war memorial",
            "ward": "Hitchin Priory", "neighbourhood": "Hitchin",
            "priority": "Anti-social behaviour in town centres",
            "lead_agency": "north-herts-council", "lead_officer": "asb.officer.patel",
            "stage": "response", "status": "agreed", "started_on": "2026-04-02",
            "agreed_on": "2026-05-12", "closed_on": None, "next_review_due": "2026-06-09",
            "assessment_result": None, "funded": True, "open_responses": 3,
            "overdue_responses": 1, "overdue": True,
            "updated_at": "2026-05-20T10:00:00Z"}],
        "total": 1, "offset": 0, "limit": 50, "sort": "-started_on"}]})

    items: list[PlanListItem]
    total: int
    offset: int
    limit: int
    sort: str


class MilestoneOut(_Out):
    milestone: str
    due_on: date
    done_on: date | None
    status: str


class ReviewListItem(_Out):
    review_id: UUID
    partnership_id: str
    reference: str
    status: str
    received_on: date
    victim_kind: str
    threshold_met: bool | None
    first_review_held_on: date | None
    outcome_sent_on: date | None
    closed_on: date | None
    recommendations: int
    open_recommendations: int
    overdue_recommendations: int
    milestones: list[MilestoneOut]
    overdue: bool
    updated_at: datetime


class ReviewListPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [{
            "review_id": "3e4f5a6b-7c8d-5e9f-8a0b-1c2d3e4f5a6b", "partnership_id": "north-herts",
            "reference": "CR-2026-0003", "status": "threshold_met",
            "received_on": "2026-04-07", "victim_kind": "individual", "threshold_met": True,
            "first_review_held_on": None, "outcome_sent_on": None, "closed_on": None,
            "recommendations": 0, "open_recommendations": 0, "overdue_recommendations": 0,
            "milestones": [{"milestone": "acknowledge", "due_on": "2026-04-09",
                            "done_on": "2026-04-08", "status": "done"}],
            "overdue": False, "updated_at": "2026-04-20T09:00:00Z"}],
        "total": 1, "offset": 0, "limit": 50, "sort": "-received_on"}]})

    items: list[ReviewListItem]
    total: int
    offset: int
    limit: int
    sort: str


# ------------------------------------------------------------------------- JAG tasking


class ReferralOut(_Out):
    case_id: UUID
    reference: str
    referred_on: date
    status: str
    outcome: str | None
    lead_agency: str
    lead_officer: str
    ward: str
    risk_level: str | None


class PriorityCaseOut(_Out):
    case_id: UUID
    reference: str
    ward: str
    nsir_category: str
    lead_agency: str
    lead_officer: str
    risk_level: str | None
    high_risk: bool
    repeat_victim: bool
    vulnerable_victim: bool
    jag_status: str | None
    next_review_due: date | None
    review_status: RagColour | None


class PlanForJagOut(_Out):
    plan_id: UUID
    reference: str
    title: str
    ward: str
    lead_agency: str
    lead_officer: str
    stage: str
    status: str
    awaiting: list[str]
    next_review_due: date | None


class MilestoneDueOut(_Out):
    milestone: str
    due_on: date
    status: str
    rag: RagColour


class ReviewForJagOut(_Out):
    review_id: UUID
    reference: str
    status: str
    milestones: list[MilestoneDueOut]


class TaskOut(_Out):
    kind: Literal["action", "recommendation", "response"]
    record_kind: Literal["case", "case-review", "plan"]
    record_id: UUID
    reference: str
    item: str
    description: str
    agency: str
    owner: str | None
    due_on: date
    rag: RagColour
    days_to_due: int


class AgencyTasksOut(_Out):
    agency: str
    agency_name: str
    red: int
    amber: int
    green: int
    tasks: list[TaskOut]


class AwaitingClosureOut(_Out):
    record_kind: str
    record_id: UUID
    reference: str
    lead_agency: str | None
    reason: str


class TaskingListOut(_Out):
    partnership_id: str
    partnership_name: str
    meeting_date: date
    since: date
    amber_within_days: int
    new_referrals: list[ReferralOut]
    priority_cases: list[PriorityCaseOut]
    plans: list[PlanForJagOut]
    case_reviews: list[ReviewForJagOut]
    agencies: list[AgencyTasksOut]
    awaiting_closure: list[AwaitingClosureOut]


# ---------------------------------------------------------------------------- RAG


class FigureRowOut(BaseModel):
    label: str
    this_quarter: Count
    previous_quarter: Count
    same_quarter_last_year: Count


class OverviewSectionOut(BaseModel):
    name: str
    title: str
    rows: list[FigureRowOut]
    total: FigureRowOut | None


class OverviewOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "partnership_id": "north-herts",
        "partnership_name": "North Hertfordshire Community Safety Partnership",
        "quarter": "2026-27-Q1", "first_day": "2026-04-01", "last_day": "2026-06-30",
        "previous_quarter": "2025-26-Q4", "same_quarter_last_year": "2025-26-Q1",
        "suppression": "Counts of 1 to 4 are shown as 'fewer than 5' ...",
        "sections": [{"name": "cases_opened_by_category",
                      "title": "Cases opened, by NSIR category",
                      "rows": [{"label": "personal", "this_quarter": 12,
                                "previous_quarter": "fewer than 5",
                                "same_quarter_last_year": "suppressed"}],
                      "total": {"label": "total", "this_quarter": 31,
                                "previous_quarter": 17, "same_quarter_last_year": 22}}]}]})

    partnership_id: str
    partnership_name: str
    quarter: str
    first_day: date
    last_day: date
    previous_quarter: str
    same_quarter_last_year: str
    suppression: str
    sections: list[OverviewSectionOut]


class DataReturnRowOut(_Out):
    partnership_id: str
    quarter: str
    nsir_category: str
    asb_type: str
    date: date
    time: str
    ward: str
    outward_postcode: str | None
    reports: int
    agencies: int
