"""The parts of an ASB case's state: frozen records, rebuilt by the apply methods.

Records are registered value types so that snapshots can store them. A stored
record comes back through its constructor with enum members as plain strings,
so ``__post_init__`` converts them back: replayed and snapshotted state are then
equal to the original, type for type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from domain.cases.values import (
    ActionStatus,
    AsbType,
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
from domain.shared.values import value_type

E = TypeVar("E", bound=StrEnum)


def _restore(record: Any, field: str, enum_class: type[E]) -> None:
    value = getattr(record, field)
    if value is not None and not isinstance(value, enum_class):
        object.__setattr__(record, field, enum_class(value))


@value_type
@dataclass(frozen=True)
class Classification:
    nsir_category: NsirCategory
    asb_type: AsbType
    other_type: str | None
    """What the behaviour is, when ``asb_type`` is "other"."""

    def __post_init__(self) -> None:
        _restore(self, "nsir_category", NsirCategory)
        _restore(self, "asb_type", AsbType)


@value_type
@dataclass(frozen=True)
class Location:
    address: str
    """Personal: the full address or place description."""
    ward: str
    neighbourhood: str | None
    outward_postcode: str | None


@value_type
@dataclass(frozen=True)
class FirstReport:
    channel: ReportingChannel
    reported_at: datetime

    def __post_init__(self) -> None:
        _restore(self, "channel", ReportingChannel)


@value_type
@dataclass(frozen=True)
class Lead:
    agency: str
    officer: str


@value_type
@dataclass(frozen=True)
class Party:
    """One person in one role on the case (a person may hold several roles)."""

    person_id: UUID
    role: PartyRole
    consent_to_share: bool
    anonymity_requested: bool
    added_at: datetime

    def __post_init__(self) -> None:
        _restore(self, "role", PartyRole)


@value_type
@dataclass(frozen=True)
class IncidentReport:
    """One report of an incident to one agency. See :mod:`domain.cases.incidents`."""

    incident_id: UUID
    occurred_at: datetime
    reported_at: datetime
    reported_to_agency: str
    agency_reference: str | None
    description: str
    reported_by: UUID | None
    logged_at: datetime


@value_type
@dataclass(frozen=True)
class RiskAssessment:
    victim_id: UUID
    assessed_at: datetime
    assessed_by: str
    questionnaire_version: str
    answers: dict[str, bool]
    score: int
    level: RiskLevel
    vulnerability_flags: list[VulnerabilityFlag]
    notes: str | None
    next_review_due: date

    def __post_init__(self) -> None:
        _restore(self, "level", RiskLevel)
        object.__setattr__(
            self, "vulnerability_flags", [VulnerabilityFlag(f) for f in self.vulnerability_flags]
        )


@value_type
@dataclass(frozen=True)
class Intervention:
    intervention_id: UUID
    intervention_type: InterventionType
    agency: str
    officer: str
    subject_id: UUID | None
    started_on: date
    review_on: date | None
    ends_on: date | None
    details: str | None
    result: InterventionResult | None = None
    result_on: date | None = None
    result_note: str | None = None

    def __post_init__(self) -> None:
        _restore(self, "intervention_type", InterventionType)
        _restore(self, "result", InterventionResult)

    @property
    def has_result(self) -> bool:
        return self.result is not None


@value_type
@dataclass(frozen=True)
class Conviction:
    person_id: UUID
    convicted_on: date
    court: str | None
    offence: str
    recorded_at: datetime


@value_type
@dataclass(frozen=True)
class Action:
    action_id: UUID
    agency: str
    owner: str
    description: str
    due_on: date
    set_at: datetime
    status: ActionStatus = ActionStatus.OPEN
    finished_at: datetime | None = None
    """When it was completed or cancelled."""
    finishing_note: str | None = None
    """The completion note or the cancellation reason."""

    def __post_init__(self) -> None:
        _restore(self, "status", ActionStatus)

    @property
    def is_open(self) -> bool:
        return self.status is ActionStatus.OPEN

    def is_overdue(self, today: date) -> bool:
        """Open and due before ``today`` (derived, never stored)."""
        return self.is_open and self.due_on < today


@value_type
@dataclass(frozen=True)
class SupervisorReview:
    reviewed_by: str
    reviewed_at: datetime
    decision: SupervisorDecision
    note: str | None
    next_review_due: date

    def __post_init__(self) -> None:
        _restore(self, "decision", SupervisorDecision)


@value_type
@dataclass(frozen=True)
class VictimContact:
    person_id: UUID
    contacted_at: datetime
    method: ContactMethod
    contacted_by: str
    note: str

    def __post_init__(self) -> None:
        _restore(self, "method", ContactMethod)


@value_type
@dataclass(frozen=True)
class JagReferral:
    referral_id: UUID
    referred_at: datetime
    reason: str
    accepted_on: date | None = None
    concluded_at: datetime | None = None
    outcome: JagOutcome | None = None
    outcome_note: str | None = None

    def __post_init__(self) -> None:
        _restore(self, "outcome", JagOutcome)

    @property
    def is_open(self) -> bool:
        return self.outcome is None


@value_type
@dataclass(frozen=True)
class CaseReviewRightExplanation:
    person_id: UUID
    explained_at: datetime
    method: ContactMethod

    def __post_init__(self) -> None:
        _restore(self, "method", ContactMethod)


@value_type
@dataclass(frozen=True)
class Closure:
    outcome: ClosureOutcome
    reason: str
    victim_satisfaction: VictimSatisfaction | None
    closed_at: datetime

    def __post_init__(self) -> None:
        _restore(self, "outcome", ClosureOutcome)
        _restore(self, "victim_satisfaction", VictimSatisfaction)


@value_type
@dataclass(frozen=True)
class Reopening:
    reason: str
    reopened_at: datetime
