"""Problem-solving plans (O'SARA): objective, scanning, analysis, response, assessment."""

from domain.plans.aggregate import ProblemSolvingPlan
from domain.plans.completeness import MissingItem
from domain.plans.funding import FundingCriterion, FundingEligibility
from domain.plans.rules import PlanRules
from domain.plans.values import (
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
    ResponseStatus,
    Review,
    Risk,
    RiskLevel,
    ScanningSide,
    SignOff,
    SpecificObjective,
    SpendEntry,
    TriangleSide,
)

__all__ = [
    "Assessment",
    "AssessmentResult",
    "CommunityInvolvement",
    "Delivery",
    "FundingAward",
    "FundingCriterion",
    "FundingEligibility",
    "JagAgreement",
    "Measure",
    "Milestone",
    "MissingItem",
    "PlanRules",
    "PlanStage",
    "PlanStatus",
    "PlannedResponse",
    "ProblemSolvingPlan",
    "ResponseStatus",
    "Review",
    "Risk",
    "RiskLevel",
    "ScanningSide",
    "SignOff",
    "SpecificObjective",
    "SpendEntry",
    "TriangleSide",
]
