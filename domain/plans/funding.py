"""Whether a funding bid for a plan would be considered.

Funders such as a Police and Crime Commissioner's partnership fund consider a plan
only when it shows O'SARA with due regard to victim, location and offender, serves a
current partnership priority, shows the community helped identify the problem and
its causes and helped choose the responses, and brings matched funding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.plans import completeness
from domain.plans.values import PlanStage, TriangleSide

if TYPE_CHECKING:
    from domain.plans.state import PlanState


@dataclass(frozen=True)
class FundingCriterion:
    code: str
    description: str
    met: bool


@dataclass(frozen=True)
class FundingEligibility:
    criteria: tuple[FundingCriterion, ...]

    @property
    def eligible(self) -> bool:
        return all(criterion.met for criterion in self.criteria)

    @property
    def unmet(self) -> tuple[str, ...]:
        return tuple(c.description for c in self.criteria if not c.met)

    def met(self, code: str) -> bool:
        return next(c.met for c in self.criteria if c.code == code)


def assess(plan: PlanState, current_priorities: Sequence[str]) -> FundingEligibility:
    whole_triangle = set(TriangleSide)
    return FundingEligibility(
        (
            FundingCriterion(
                "osara",
                "O'SARA worked through to planned responses "
                "(objective, scanning, analysis with a hypothesis, at least one response)",
                not completeness.jag_blockers(plan),
            ),
            FundingCriterion(
                "triangle",
                "scanning and analysis cover the victim, the location and the offender",
                set(plan.scanning) == whole_triangle and set(plan.analysis) == whole_triangle,
            ),
            FundingCriterion(
                "priority",
                f"serves a current partnership priority (this plan: {plan.priority})",
                plan.priority in current_priorities,
            ),
            FundingCriterion(
                "community-identify",
                "the community helped identify what is happening and why "
                "(involvement recorded at scanning or analysis)",
                bool(
                    plan.community_involvement_at(PlanStage.SCANNING)
                    or plan.community_involvement_at(PlanStage.ANALYSIS)
                ),
            ),
            FundingCriterion(
                "community-responses",
                "the community helped choose the responses (involvement recorded at response)",
                bool(plan.community_involvement_at(PlanStage.RESPONSE)),
            ),
            FundingCriterion(
                "matched-funding",
                "matched funding from partners",
                plan.total_matched_funding > 0,
            ),
        )
    )
