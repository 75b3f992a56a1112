"""All the local rules the use cases need, assembled from the rules file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.cases.rules import (
    CaseReviewPromptRule,
    IncidentMatching,
    RepeatVictimRule,
    ReviewCadence,
    RiskQuestionnaire,
    VulnerableVictimRule,
)
from domain.protection.restriction import RestrictionRules
from domain.protection.retention import RetentionRules
from domain.reviews.rules import ServiceLevels, TriggerRules
from domain.shared.partnerships import PartnershipDirectory


@dataclass(frozen=True)
class TaskingRules:
    amber_within_days: int = 7
    """An open action or recommendation due within this many days is amber."""


@dataclass(frozen=True)
class CaseRules:
    risk_questionnaire: RiskQuestionnaire = field(default_factory=RiskQuestionnaire)
    review_cadence: ReviewCadence = field(default_factory=ReviewCadence)
    incident_matching: IncidentMatching = field(default_factory=IncidentMatching)
    repeat_victim: RepeatVictimRule = field(default_factory=RepeatVictimRule)
    vulnerable_victim: VulnerableVictimRule = field(default_factory=VulnerableVictimRule)
    case_review_prompt: CaseReviewPromptRule = field(default_factory=CaseReviewPromptRule)


@dataclass(frozen=True)
class ReviewRules:
    """ASB Case Reviews: the trigger threshold, service levels and local closure days."""

    trigger: TriggerRules = field(default_factory=TriggerRules)
    service_levels: ServiceLevels = field(default_factory=ServiceLevels)
    closure_days: tuple[date, ...] = ()
    """Local closure days (not working days for milestones), besides bank holidays."""

    def __post_init__(self) -> None:
        for day in self.closure_days:
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"closure_days: {day!r} is not a date like 2026-12-29")


@dataclass(frozen=True)
class LocalRules:
    partnerships: PartnershipDirectory
    agencies: dict[str, str] = field(default_factory=dict)
    tasking: TaskingRules = field(default_factory=TaskingRules)
    cases: CaseRules = field(default_factory=CaseRules)
    retention: RetentionRules = field(default_factory=RetentionRules)
    restriction: RestrictionRules = field(default_factory=RestrictionRules)
    reviews: ReviewRules = field(default_factory=ReviewRules)
