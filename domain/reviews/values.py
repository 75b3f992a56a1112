"""Enums and value objects of an ASB Case Review.

Every class here may appear in an event or in the aggregate's state, so each is
registered with :func:`~domain.shared.values.value_type`. The store gives enum
members back as plain strings inside events and snapshots (JSON writes a ``str``
subclass as a string), so each value object turns its enum fields back into members
in ``__post_init__``; sequences are lists because JSON gives tuples back as lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import TypeVar
from uuid import UUID

from domain.reviews.rules import TriggerRules
from domain.shared.values import value_type

E = TypeVar("E", bound=Enum)


def restore_enum(value: E | str, enum_class: type[E]) -> E:
    """``value`` as a member of ``enum_class`` (it may have come back from JSON as a str)."""
    return value if isinstance(value, enum_class) else enum_class(value)


def _restore_field(obj: object, name: str, enum_class: type[Enum]) -> None:
    value = getattr(obj, name)
    if value is not None and not isinstance(value, enum_class):
        object.__setattr__(obj, name, enum_class(value))


@value_type
class ReviewStatus(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    THRESHOLD_MET = "threshold_met"
    THRESHOLD_NOT_MET = "threshold_not_met"
    REVIEW_AGREED_ON_DISCRETION = "review_agreed_on_discretion"
    REVIEW_HELD = "review_held"
    OUTCOME_SENT = "outcome_sent"
    ESCALATED = "escalated"
    REOPENED = "reopened"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


AWAITING_REVIEW_MEETING = frozenset(
    {ReviewStatus.THRESHOLD_MET, ReviewStatus.REVIEW_AGREED_ON_DISCRETION, ReviewStatus.REOPENED}
)
"""Statuses in which the partnership owes the applicant a review meeting."""


@value_type
class VictimKind(StrEnum):
    PERSON = "person"
    BUSINESS = "business"
    COMMUNITY_GROUP = "community_group"


@value_type
class ApplicantRole(StrEnum):
    """Who made the application: the victim, or someone acting for them with consent."""

    VICTIM = "victim"
    FAMILY_MEMBER = "family_member"
    COUNCILLOR = "councillor"
    MP = "mp"
    OTHER_REPRESENTATIVE = "other_representative"

    @property
    def acts_for_victim(self) -> bool:
        return self is not ApplicantRole.VICTIM


@value_type
class ConsentMethod(StrEnum):
    WRITTEN = "written"
    EMAIL = "email"
    ONLINE_FORM = "online_form"
    VERBAL = "verbal"


@value_type
class ApplicationChannel(StrEnum):
    PHONE = "phone"
    ONLINE_FORM = "online_form"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"


@value_type
class ContactMethod(StrEnum):
    LETTER = "letter"
    EMAIL = "email"
    PHONE = "phone"
    IN_PERSON = "in_person"


@value_type
class VictimParticipation(StrEnum):
    NOT_PRESENT = "not_present"
    ATTENDED = "attended"
    PRESENTED = "presented"
    """Attended and put their account to the meeting themselves."""


@value_type
class RecommendationStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_ACCEPTED = "not_accepted"


@value_type
class EscalationResult(StrEnum):
    CONFIRMED = "confirmed"
    UPHELD_REFERRED_BACK = "upheld_referred_back"


@value_type
class ThresholdRoute(StrEnum):
    """How the threshold was met, in the order the routes are tried."""

    QUALIFYING_COMPLAINTS = "qualifying_complaints"
    DIFFERENT_COMPLAINANTS = "different_complainants"
    HATE_INCIDENT = "hate_incident"
    VULNERABLE_VICTIM_DISCRETION = "vulnerable_victim_discretion"


@value_type
class NotCountedReason(StrEnum):
    MADE_AFTER_APPLICATION = "made_after_application"
    OUTSIDE_WINDOW = "outside_window"
    """Made too long before the application (more than the window, six months)."""
    REPORTED_TOO_LATE = "reported_too_late"
    """Made more than the reporting period (one month) after the behaviour."""
    DUPLICATE = "duplicate"
    """Another complaint about the same incident is counted instead."""


@value_type
@dataclass(frozen=True)
class ConsentRecord:
    """The victim's consent for someone else to apply on their behalf."""

    given_on: date
    method: ConsentMethod

    def __post_init__(self) -> None:
        _restore_field(self, "method", ConsentMethod)


@value_type
@dataclass(frozen=True)
class Applicant:
    """Who applied and for whom. People are referred to by their Person aggregate's id."""

    role: ApplicantRole
    victim_kind: VictimKind
    victim_person_id: UUID | None = None
    applicant_person_id: UUID | None = None
    consent: ConsentRecord | None = None

    def __post_init__(self) -> None:
        _restore_field(self, "role", ApplicantRole)
        _restore_field(self, "victim_kind", VictimKind)


@dataclass(frozen=True)
class ComplaintReport:
    """A complaint an application relies on, as given to a command (not stored as such).

    ``complainant`` tells different complainants apart: a person id or a label such as
    ``"victim"`` or ``"neighbour-2"``, never a name. ``description`` is personal.
    """

    behaviour_at: datetime
    reported_on: date
    agency: str
    complainant: str
    description: str
    agency_reference: str | None = None


@value_type
@dataclass(frozen=True)
class Complaint:
    """A complaint recorded on the review, numbered 1, 2, 3... in the order recorded."""

    number: int
    behaviour_at: datetime
    reported_on: date
    agency: str
    agency_reference: str | None
    complainant: str
    description: str

    @property
    def label(self) -> str:
        return f"C{self.number}"


@value_type
@dataclass(frozen=True)
class ComplaintFinding:
    """Whether one complaint counted towards the threshold and, if not, why not."""

    complaint_number: int
    counted: bool
    reason: NotCountedReason | None = None
    duplicate_of: int | None = None

    def __post_init__(self) -> None:
        _restore_field(self, "reason", NotCountedReason)


@value_type
@dataclass(frozen=True)
class ThresholdAssessment:
    """The result of applying the trigger rules to an application's complaints."""

    met: bool
    route: ThresholdRoute | None
    counted: list[int]
    findings: list[ComplaintFinding]
    complaints_required: int
    distinct_complainants: int
    hate_incident_involved: bool
    victim_vulnerable: bool
    application_received_on: date
    rules: TriggerRules

    def __post_init__(self) -> None:
        _restore_field(self, "route", ThresholdRoute)

    def finding_for(self, complaint_number: int) -> ComplaintFinding:
        return next(f for f in self.findings if f.complaint_number == complaint_number)


@value_type
@dataclass(frozen=True)
class ThresholdDecision:
    decided_on: date
    assessment: ThresholdAssessment
    discretion_reason: str | None
    applicant_informed_on: date | None

    @property
    def met(self) -> bool:
        return self.assessment.met


@value_type
@dataclass(frozen=True)
class DiscretionaryReview:
    """The partnership agreed to hold a review although the threshold was not met."""

    agreed_on: date
    reason: str


@value_type
@dataclass(frozen=True)
class ReviewMeeting:
    held_on: date
    agencies_attending: list[str]
    victim_participation: VictimParticipation
    independent_chair: str | None
    findings: str

    def __post_init__(self) -> None:
        _restore_field(self, "victim_participation", VictimParticipation)


@value_type
@dataclass(frozen=True)
class VictimConsultation:
    """The victim's response when consulted on the action plan before it is final."""

    consulted_on: date
    response: str


@value_type
@dataclass(frozen=True)
class Recommendation:
    number: int
    to_agency: str
    text: str
    deadline: date
    made_on: date
    status: RecommendationStatus = RecommendationStatus.OPEN
    resolved_on: date | None = None
    not_accepted_reason: str | None = None

    def __post_init__(self) -> None:
        _restore_field(self, "status", RecommendationStatus)

    @property
    def is_open(self) -> bool:
        return self.status is RecommendationStatus.OPEN

    def is_overdue(self, today: date) -> bool:
        return self.is_open and today > self.deadline


@value_type
@dataclass(frozen=True)
class OutcomeNotice:
    sent_on: date
    via: ContactMethod

    def __post_init__(self) -> None:
        _restore_field(self, "via", ContactMethod)


@value_type
@dataclass(frozen=True)
class Escalation:
    """The applicant asked for the handling to be looked at again (e.g. by the PCC's office)."""

    requested_on: date
    reviewer: str
    grounds: str
    escalated_from: ReviewStatus
    result: EscalationResult | None = None
    decided_on: date | None = None
    notes: str | None = None

    def __post_init__(self) -> None:
        _restore_field(self, "escalated_from", ReviewStatus)
        _restore_field(self, "result", EscalationResult)

    @property
    def is_open(self) -> bool:
        return self.result is None


@value_type
@dataclass(frozen=True)
class Withdrawal:
    withdrawn_on: date
    reason: str | None
