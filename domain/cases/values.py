"""Enumerations used by ASB cases: the vocabulary officers choose from.

Every enum is a ``StrEnum`` registered with :func:`value_type`. Stored events give
StrEnum members back as plain strings, so apply methods and records convert them
back with ``EnumClass(value)``.
"""

from __future__ import annotations

from enum import StrEnum

from domain.shared.values import value_type


@value_type
class NsirCategory(StrEnum):
    """The national standard for incident recording (NSIR) class of the behaviour."""

    PERSONAL = "personal"
    NUISANCE = "nuisance"
    ENVIRONMENTAL = "environmental"


@value_type
class AsbType(StrEnum):
    NOISE = "noise"
    INTIMIDATION = "intimidation"
    VANDALISM = "vandalism"
    DRUG_USE = "drug_use"
    FLY_TIPPING = "fly_tipping"
    VEHICLE_NUISANCE = "vehicle_nuisance"
    STREET_DRINKING = "street_drinking"
    ROWDY_BEHAVIOUR = "rowdy_behaviour"
    NEIGHBOUR_DISPUTE = "neighbour_dispute"
    BEGGING = "begging"
    LITTERING = "littering"
    GRAFFITI = "graffiti"
    ANIMAL_NUISANCE = "animal_nuisance"
    FIREWORKS = "fireworks"
    OTHER = "other"


@value_type
class ReportingChannel(StrEnum):
    PHONE = "phone"
    ONLINE = "online"
    EMAIL = "email"
    IN_PERSON = "in_person"
    PARTNER_REFERRAL = "partner_referral"
    LETTER = "letter"
    COUNCILLOR_OR_MP = "councillor_or_mp"
    OTHER = "other"


@value_type
class PartyRole(StrEnum):
    COMPLAINANT = "complainant"
    VICTIM = "victim"
    ALLEGED_PERPETRATOR = "alleged_perpetrator"
    WITNESS = "witness"


@value_type
class RiskLevel(StrEnum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Standard 0, medium 1, high 2: for "at least" comparisons."""
        return _RISK_RANKS[self]


_RISK_RANKS = {RiskLevel.STANDARD: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


@value_type
class VulnerabilityFlag(StrEnum):
    PHYSICAL_DISABILITY = "physical_disability"
    MENTAL_HEALTH = "mental_health"
    LEARNING_DISABILITY = "learning_disability"
    OLDER_PERSON = "older_person"
    CHILD_OR_YOUNG_PERSON = "child_or_young_person"
    LIVES_ALONE_OR_ISOLATED = "lives_alone_or_isolated"
    TARGETED_FOR_IDENTITY = "targeted_for_identity"
    DOMESTIC_ABUSE = "domestic_abuse"
    SUBSTANCE_MISUSE = "substance_misuse"
    LANGUAGE_OR_COMMUNICATION = "language_or_communication"
    CARER_OR_CARED_FOR = "carer_or_cared_for"
    OTHER = "other"


@value_type
class InterventionType(StrEnum):
    """The escalation ladder, roughly from the lightest to the heaviest touch."""

    ADVISORY_LETTER = "advisory_letter"
    WARNING = "warning"
    ACCEPTABLE_BEHAVIOUR_AGREEMENT = "acceptable_behaviour_agreement"
    MEDIATION = "mediation"
    SUPPORT_REFERRAL = "support_referral"
    COMMUNITY_PROTECTION_WARNING = "community_protection_warning"
    COMMUNITY_PROTECTION_NOTICE = "community_protection_notice"
    CIVIL_INJUNCTION = "civil_injunction"
    CRIMINAL_BEHAVIOUR_ORDER = "criminal_behaviour_order"
    CLOSURE_NOTICE = "closure_notice"
    CLOSURE_ORDER = "closure_order"
    DISPERSAL = "dispersal"
    PUBLIC_SPACES_PROTECTION_ORDER = "public_spaces_protection_order"
    TENANCY_ACTION = "tenancy_action"


@value_type
class InterventionResult(StrEnum):
    COMPLIED = "complied"
    BREACHED = "breached"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    DISCHARGED = "discharged"


@value_type
class ActionStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@value_type
class ContactMethod(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    TEXT_MESSAGE = "text_message"
    HOME_VISIT = "home_visit"
    IN_PERSON = "in_person"
    VIDEO_CALL = "video_call"


@value_type
class SupervisorDecision(StrEnum):
    CONTINUE = "continue"
    ESCALATE = "escalate"
    REFER_TO_JAG = "refer_to_jag"
    RECOMMEND_CLOSURE = "recommend_closure"


@value_type
class JagOutcome(StrEnum):
    DECLINED = "declined"
    """Not taken on by the JAG (only before it was accepted)."""
    DISCHARGED = "discharged"
    """Taken off the tasking list after JAG work (only after it was accepted)."""
    WITHDRAWN = "withdrawn"
    """Withdrawn by the referrer."""


@value_type
class ClosureOutcome(StrEnum):
    RESOLVED = "resolved"
    REDUCED = "reduced"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    NO_FURTHER_ACTION = "no_further_action"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    VICTIM_DISENGAGED = "victim_disengaged"
    DUPLICATE = "duplicate"


@value_type
class VictimSatisfaction(StrEnum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    NEITHER = "neither"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def score(self) -> int:
        """5 (very satisfied) down to 1 (very dissatisfied)."""
        return _SATISFACTION_SCORES[self]

    @classmethod
    def from_score(cls, score: int) -> VictimSatisfaction:
        for member, member_score in _SATISFACTION_SCORES.items():
            if member_score == score:
                return member
        raise ValueError(f"victim satisfaction score must be 1 to 5, not {score!r}")


_SATISFACTION_SCORES = {
    VictimSatisfaction.VERY_SATISFIED: 5,
    VictimSatisfaction.SATISFIED: 4,
    VictimSatisfaction.NEITHER: 3,
    VictimSatisfaction.DISSATISFIED: 2,
    VictimSatisfaction.VERY_DISSATISFIED: 1,
}


@value_type
class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
