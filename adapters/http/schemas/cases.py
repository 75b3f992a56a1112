"""Request and response models for ASB cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.cases import (
    AsbType,
    CaseStatus,
    ClosureOutcome,
    ContactMethod,
    InterventionResult,
    InterventionType,
    JagOutcome,
    NsirCategory,
    PartyRole,
    ReportingChannel,
    RiskLevel,
    SupervisorDecision,
    VictimSatisfaction,
    VulnerabilityFlag,
)
from domain.cases.records import (
    Action,
    CaseReviewRightExplanation,
    Classification,
    Closure,
    Conviction,
    FirstReport,
    IncidentReport,
    Intervention,
    JagReferral,
    Lead,
    Location,
    Party,
    Reopening,
    RiskAssessment,
    SupervisorReview,
    VictimContact,
)

Text = Annotated[str, Field(min_length=1, max_length=4000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]


def _example(data: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [data]})


class OpenCase(BaseModel):
    model_config = _example({
        "partnership_id": "north-herts",
        "nsir_category": "personal",
        "asb_type": "noise",
        "summary": "Loud music and shouting from the flat above most nights after midnight.",
        "address": "Flat 3, 12 Bancroft, Hitchin",
        "ward": "Hitchin Bearton",
        "outward_postcode": "SG5",
        "reporting_channel": "phone",
        "lead_agency": "north-herts-council",
        "lead_officer": "asb.officer.patel",
        "reported_at": "2026-03-02T09:15:00Z",
    })

    partnership_id: Name
    nsir_category: NsirCategory
    asb_type: AsbType
    other_type: Name | None = None
    summary: Text
    address: Name
    ward: Name
    outward_postcode: Annotated[str, Field(max_length=4)] | None = None
    reporting_channel: ReportingChannel
    lead_agency: Name
    lead_officer: Name
    reported_at: AwareDatetime


class ChangeLead(BaseModel):
    model_config = _example({"lead_agency": "herts-police", "lead_officer": "pc.jones"})
    lead_agency: Name
    lead_officer: Name


class AddParty(BaseModel):
    model_config = _example({
        "person_id": "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f", "role": "victim",
        "consent_to_share": True, "anonymity_requested": False,
    })
    person_id: UUID
    role: PartyRole
    consent_to_share: bool = False
    anonymity_requested: bool = False


class UpdateParty(BaseModel):
    model_config = _example({"consent_to_share": True, "anonymity_requested": True})
    consent_to_share: bool
    anonymity_requested: bool


class RemoveParty(BaseModel):
    model_config = _example({"reason": "Added to the wrong case."})
    reason: Reason


class LogIncident(BaseModel):
    model_config = _example({
        "occurred_at": "2026-03-01T23:40:00Z",
        "reported_at": "2026-03-02T08:05:00Z",
        "reported_to_agency": "herts-police",
        "agency_reference": "HC-26-031245",
        "description": "Music and shouting until 2am; banging on the ceiling.",
        "reported_by": "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f",
    })
    occurred_at: AwareDatetime
    reported_at: AwareDatetime
    reported_to_agency: Name
    agency_reference: Name | None = None
    description: Text
    reported_by: UUID | None = None


class AssessRisk(BaseModel):
    model_config = _example({
        "victim_id": "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f",
        "answers": {"targeted": True, "previous_asb": True, "health_affected": True},
        "assessed_by": "pc.jones",
        "vulnerability_flags": ["mental_health"],
        "notes": "Victim is not sleeping and is anxious about going out.",
    })
    victim_id: UUID
    answers: dict[str, bool]
    assessed_by: Name
    vulnerability_flags: list[VulnerabilityFlag] = []
    notes: Text | None = None


class SupervisorReviewIn(BaseModel):
    model_config = _example({"reviewed_by": "sgt.khan", "decision": "continue",
                             "note": "Good progress; keep weekly contact."})
    reviewed_by: Name
    decision: SupervisorDecision
    note: Text | None = None


class RecordIntervention(BaseModel):
    model_config = _example({
        "intervention_type": "community_protection_warning",
        "agency": "north-herts-council", "officer": "asb.officer.patel",
        "started_on": "2026-03-10", "subject_id": "9a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",
        "review_on": "2026-04-10", "details": "Warning about amplified music after 11pm.",
    })
    intervention_type: InterventionType
    agency: Name
    officer: Name
    started_on: date
    subject_id: UUID | None = None
    review_on: date | None = None
    ends_on: date | None = None
    details: Text | None = None


class InterventionResultIn(BaseModel):
    model_config = _example({"result": "complied", "result_on": "2026-04-10",
                             "note": "No further reports since the warning."})
    result: InterventionResult
    result_on: date
    note: Text | None = None


class RecordConviction(BaseModel):
    model_config = _example({"person_id": "9a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",
                             "convicted_on": "2026-05-20", "offence": "Criminal damage",
                             "court": "Stevenage Magistrates' Court"})
    person_id: UUID
    convicted_on: date
    offence: Name
    court: Name | None = None


class SetAction(BaseModel):
    model_config = _example({"agency": "settle-housing", "owner": "housing.officer.lee",
                             "description": "Tenancy visit to discuss noise complaints.",
                             "due_on": "2026-03-20"})
    agency: Name
    owner: Name
    description: Text
    due_on: date


class CompleteAction(BaseModel):
    model_config = _example({"note": "Visit done; tenant agreed to keep music down."})
    note: Text | None = None


class CancelAction(BaseModel):
    model_config = _example({"reason": "Superseded by the JAG action."})
    reason: Reason


class ReassignAction(BaseModel):
    model_config = _example({"agency": "herts-police", "owner": "pcso.ward",
                             "due_on": "2026-03-27"})
    agency: Name
    owner: Name
    due_on: date | None = None


class VictimContactIn(BaseModel):
    model_config = _example({"person_id": "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f",
                             "contacted_at": "2026-03-12T14:00:00Z", "method": "phone",
                             "contacted_by": "asb.officer.patel",
                             "note": "Updated on the warning; victim reports it is quieter."})
    person_id: UUID
    contacted_at: AwareDatetime
    method: ContactMethod
    contacted_by: Name
    note: Text


class CaseReviewRightIn(BaseModel):
    model_config = _example({"person_id": "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f",
                             "explained_at": "2026-03-12T14:05:00Z", "method": "phone"})
    person_id: UUID
    explained_at: AwareDatetime
    method: ContactMethod


class ReferToJag(BaseModel):
    model_config = _example({"reason": "Single-agency work has not stopped the behaviour; "
                                       "needs housing and police together."})
    reason: Reason


class AcceptJagReferral(BaseModel):
    model_config = _example({"accepted_on": "2026-03-17"})
    accepted_on: date


class ConcludeJagReferral(BaseModel):
    model_config = _example({"outcome": "discharged", "note": "Problem resolved."})
    outcome: JagOutcome
    note: Text | None = None


class CloseCase(BaseModel):
    model_config = _example({"outcome": "resolved", "reason": "No incidents for 8 weeks.",
                             "victim_satisfaction": "satisfied"})
    outcome: ClosureOutcome
    reason: Reason
    victim_satisfaction: VictimSatisfaction | None = None


class ReopenCase(BaseModel):
    model_config = _example({"reason": "Behaviour has started again."})
    reason: Reason


class CaseIndicators(BaseModel):
    distinct_incident_count: int
    current_risk_level: RiskLevel | None
    vulnerability_flags: list[VulnerabilityFlag]
    is_repeat_victim_case: bool
    has_vulnerable_victim: bool
    case_review_prompt_due: bool
    people_due_case_review_prompt: list[UUID]
    open_action_count: int
    overdue_action_ids: list[UUID]
    review_overdue: bool


class CaseOut(BaseModel):
    """An ASB case as it is now (or as it was, with ``as_at``/``version``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5b0d2c7e-4f7e-5a59-9a32-0f1f3c0c8a11", "version": 3,
        "partnership_id": "north-herts", "reference": "ASB-2026-00042", "status": "open",
        "classification": {"nsir_category": "personal", "asb_type": "noise",
                           "other_type": None},
        "summary": "Loud music and shouting from the flat above most nights.",
        "location": {"address": "Flat 3, 12 Bancroft, Hitchin", "ward": "Hitchin Bearton",
                     "neighbourhood": "Hitchin", "outward_postcode": "SG5"},
        "first_report": {"channel": "phone", "reported_at": "2026-03-02T09:15:00Z"},
        "lead": {"agency": "north-herts-council", "officer": "asb.officer.patel"},
        "opened_at": "2026-03-02T09:20:00Z", "next_review_due": "2026-03-30",
        "parties": [], "incidents": [], "risk_assessments": [], "interventions": [],
        "convictions": [], "actions": [], "supervisor_reviews": [], "victim_contacts": [],
        "jag_referrals": [], "case_review_rights_explained": [], "closures": [],
        "reopenings": [], "closure": None,
        "indicators": {"distinct_incident_count": 0, "current_risk_level": None,
                       "vulnerability_flags": [], "is_repeat_victim_case": False,
                       "has_vulnerable_victim": False, "case_review_prompt_due": False,
                       "people_due_case_review_prompt": [], "open_action_count": 0,
                       "overdue_action_ids": [], "review_overdue": False},
    }]})

    id: UUID
    version: int
    partnership_id: str
    reference: str
    status: CaseStatus
    classification: Classification
    summary: str
    location: Location
    first_report: FirstReport
    lead: Lead
    opened_at: datetime
    next_review_due: date | None
    parties: list[Party]
    incidents: list[IncidentReport]
    risk_assessments: list[RiskAssessment]
    interventions: list[Intervention]
    convictions: list[Conviction]
    actions: list[Action]
    supervisor_reviews: list[SupervisorReview]
    victim_contacts: list[VictimContact]
    jag_referrals: list[JagReferral]
    case_review_rights_explained: list[CaseReviewRightExplanation]
    closures: list[Closure]
    reopenings: list[Reopening]
    closure: Closure | None
    indicators: CaseIndicators
