"""Enums and value objects of a problem-solving plan.

State keeps lists (not tuples) and string-keyed dicts so that a snapshot of the
plan, which goes through JSON, comes back equal to the live object. A StrEnum is a
str to the JSON encoder, so it is stored as its plain value and comes back as a str:
value objects turn their enum fields back into members in ``__post_init__``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.shared.values import value_type


@value_type
class PlanStage(StrEnum):
    OBJECTIVE = "objective"
    SCANNING = "scanning"
    ANALYSIS = "analysis"
    RESPONSE = "response"
    ASSESSMENT = "assessment"
    CLOSED = "closed"

    @property
    def rank(self) -> int:
        return STAGE_ORDER.index(self)

    @property
    def label(self) -> str:
        return self.value.capitalize()


STAGE_ORDER: tuple[PlanStage, ...] = tuple(PlanStage)

WORKING_STAGES: tuple[PlanStage, ...] = STAGE_ORDER[:-1]
"""The stages at which work is recorded (everything but closed)."""

SEND_BACK_TARGETS: frozenset[PlanStage] = frozenset({PlanStage.SCANNING, PlanStage.ANALYSIS})


@value_type
class PlanStatus(StrEnum):
    """Where the plan stands in governance (derived, never stored)."""

    IN_PREPARATION = "in_preparation"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    AWAITING_JAG_AGREEMENT = "awaiting_jag_agreement"
    AGREED = "agreed"
    CLOSED = "closed"


@value_type
class TriangleSide(StrEnum):
    """A side of the problem analysis triangle."""

    VICTIM = "victim"
    LOCATION = "location"
    OFFENDER = "offender"


@value_type
class ResponseStatus(StrEnum):
    PLANNED = "planned"
    ACTIONED = "actioned"
    COMPLETED = "completed"
    DROPPED = "dropped"

    @property
    def is_open(self) -> bool:
        return self in (ResponseStatus.PLANNED, ResponseStatus.ACTIONED)


@value_type
class Delivery(StrEnum):
    """Whether the planned responses were carried out."""

    IN_FULL = "in_full"
    IN_PART = "in_part"
    NOT_CARRIED_OUT = "not_carried_out"


@value_type
class AssessmentResult(StrEnum):
    ELIMINATED = "eliminated"
    REDUCED = "reduced"
    MANAGED_BETTER = "managed_better"
    DISPLACED = "displaced"
    NO_DIFFERENCE = "no_difference"
    HANDED_TO_ANOTHER_AGENCY = "handed_to_another_agency"


@value_type
class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def _restore_enum(obj: Any, field: str, enum_class: type[StrEnum]) -> None:
    object.__setattr__(obj, field, enum_class(getattr(obj, field)))


@value_type
@dataclass(frozen=True)
class ScanningSide:
    """What is happening, seen from one side of the triangle."""

    side: TriangleSide
    description: str
    frequency: str
    duration: str
    data_sources: list[str]

    def __post_init__(self) -> None:
        _restore_enum(self, "side", TriangleSide)


@value_type
@dataclass(frozen=True)
class Measure:
    """A named figure over a period, e.g. 42 calls to police in January-March 2026."""

    name: str
    value: Decimal
    period_start: date
    period_end: date


@value_type
@dataclass(frozen=True)
class SpecificObjective:
    """A realistic, measurable objective: a baseline measure and the target for it."""

    number: int
    description: str
    measure: str
    target: Decimal


@value_type
@dataclass(frozen=True)
class PlannedResponse:
    number: int
    description: str
    agency: str
    owner: str
    due_on: date
    depends_on_funding: bool
    status: ResponseStatus = ResponseStatus.PLANNED
    actioned_on: date | None = None
    completed_on: date | None = None
    dropped_on: date | None = None
    closing_note: str | None = None
    """Completion notes or the reason it was dropped."""

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def __post_init__(self) -> None:
        _restore_enum(self, "status", ResponseStatus)


@value_type
@dataclass(frozen=True)
class Assessment:
    delivery: Delivery
    result: AssessmentResult
    notes: str
    assessed_on: date
    handed_to: str | None = None

    def __post_init__(self) -> None:
        _restore_enum(self, "delivery", Delivery)
        _restore_enum(self, "result", AssessmentResult)


@value_type
@dataclass(frozen=True)
class FundingAward:
    funder: str
    amount: Decimal
    awarded_on: date
    spend_by: date


@value_type
@dataclass(frozen=True)
class SpendEntry:
    number: int
    amount: Decimal
    spent_on: date
    description: str


@value_type
@dataclass(frozen=True)
class Risk:
    number: int
    description: str
    mitigation: str
    level: RiskLevel

    def __post_init__(self) -> None:
        _restore_enum(self, "level", RiskLevel)


@value_type
@dataclass(frozen=True)
class Milestone:
    number: int
    title: str
    due_on: date
    achieved_on: date | None = None


@value_type
@dataclass(frozen=True)
class CommunityInvolvement:
    stage: PlanStage
    description: str
    recorded_on: date

    def __post_init__(self) -> None:
        _restore_enum(self, "stage", PlanStage)


@value_type
@dataclass(frozen=True)
class SignOff:
    supervisor: str
    signed_on: date
    notes: str


@value_type
@dataclass(frozen=True)
class JagAgreement:
    meeting_on: date
    notes: str


@value_type
@dataclass(frozen=True)
class Review:
    held_on: date
    notes: str
    next_review_due: date
