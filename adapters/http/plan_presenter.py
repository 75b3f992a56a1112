"""Turning problem-solving plans into response models and the printable document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from adapters.http.presenters import today_in_london
from adapters.http.schemas.plans import (
    AnalysisOut,
    BudgetOut,
    FundingCriterionOut,
    FundingEligibilityOut,
    GovernanceOut,
    LeadOut,
    MatchedFundingOut,
    MissingItemOut,
    PlanOut,
    PlanSummaryOut,
    ScanningOut,
    TimescaleOut,
)
from application.plans_service import PlanSummary
from domain.plans import (
    CommunityInvolvement,
    Measure,
    PlanStage,
    ProblemSolvingPlan,
    TriangleSide,
)

LONDON = ZoneInfo("Europe/London")


def plan_out(plan: ProblemSolvingPlan, current_priorities: Sequence[str],
             today: date | None = None) -> PlanOut:
    today = today or today_in_london()
    scanning = plan.scanning
    analysis = plan.analysis
    eligibility = plan.funding_eligibility(current_priorities)
    return PlanOut(
        id=plan.id, version=plan.version, partnership_id=plan.partnership_id,
        reference=plan.reference, title=plan.title, ward=plan.ward,
        neighbourhood=plan.neighbourhood, priority=plan.priority,
        lead=LeadOut(agency=plan.lead_agency, officer=plan.lead_officer),
        linked_case_ids=list(plan.linked_case_ids), stage=plan.stage, status=plan.status,
        started_on=plan.started_on, closed_on=plan.closed_on, objective=plan.objective,
        scanning=ScanningOut(
            victim=scanning.get(TriangleSide.VICTIM),
            location=scanning.get(TriangleSide.LOCATION),
            offender=scanning.get(TriangleSide.OFFENDER),
        ),
        baseline_measures=list(plan.baseline_measures),
        analysis=AnalysisOut(
            victim=analysis.get(TriangleSide.VICTIM),
            location=analysis.get(TriangleSide.LOCATION),
            offender=analysis.get(TriangleSide.OFFENDER),
            triggers=plan.triggers, hypothesis=plan.hypothesis,
        ),
        specific_objectives=list(plan.specific_objectives),
        responses=list(plan.responses),
        overdue_response_numbers=[r.number for r in plan.overdue_responses(today)],
        after_measures=list(plan.after_measures), assessment=plan.assessment,
        result=plan.result, community_involvement=list(plan.community_involvement),
        risks=list(plan.risks),
        budget=BudgetOut(
            amount_requested=plan.amount_requested,
            matched_funding=[MatchedFundingOut(partner=partner, amount=amount)
                             for partner, amount in plan.matched_funding.items()],
            total_matched_funding=plan.total_matched_funding,
            funding_awards=list(plan.funding_awards), total_awarded=plan.total_awarded,
            spend=list(plan.spend_entries), total_spent=plan.total_spent,
            spend_deadline=plan.spend_deadline, funded=plan.is_funded,
            under_rag_oversight=plan.under_rag_oversight,
        ),
        timescale=TimescaleOut(starts_on=plan.starts_on, ends_on=plan.ends_on,
                               milestones=list(plan.milestones)),
        governance=GovernanceOut(
            sign_off=plan.sign_off, jag_agreement=plan.jag_agreement,
            ready_for_jag=plan.ready_for_jag, next_review_due=plan.next_review_due,
            review_overdue=plan.review_overdue(today), reviews=list(plan.reviews),
        ),
        missing=[MissingItemOut(stage=item.stage, code=item.code, description=item.description)
                 for item in plan.missing_sections()],
        funding_eligibility=FundingEligibilityOut(
            eligible=eligibility.eligible,
            criteria=[FundingCriterionOut(code=c.code, description=c.description, met=c.met)
                      for c in eligibility.criteria],
            unmet=list(eligibility.unmet),
        ),
    )


def plan_summary_out(summary: PlanSummary) -> PlanSummaryOut:
    return PlanSummaryOut(
        id=summary.id, partnership_id=summary.partnership_id, ward=summary.ward,
        neighbourhood=summary.neighbourhood, priority=summary.priority,
        serves_current_priority=summary.serves_current_priority, stage=summary.stage,
        status=summary.status, result=summary.result, started_on=summary.started_on,
        agreed_at_jag_on=summary.agreed_at_jag_on, closed_on=summary.closed_on,
        funded=summary.funded, amount_requested=summary.amount_requested,
        total_matched_funding=summary.total_matched_funding,
        total_awarded=summary.total_awarded, total_spent=summary.total_spent,
        spend_deadline=summary.spend_deadline, responses_planned=summary.responses_planned,
        responses_open=summary.responses_open,
        responses_completed=summary.responses_completed,
        linked_case_count=summary.linked_case_count,
        funding_eligible=summary.funding_eligible, missing_count=summary.missing_count,
    )


# ------------------------------------------------------------------- printable document

@dataclass(frozen=True)
class MeasureRow:
    """A baseline measure beside its target and the figure after the response."""

    name: str
    baseline: Measure
    targets: tuple[Decimal, ...]
    after: Measure | None

    @property
    def change(self) -> Decimal | None:
        return None if self.after is None else self.after.value - self.baseline.value


@dataclass(frozen=True)
class PlanDocument:
    """Everything the printable plan shows, prepared for the template."""

    plan: PlanOut
    partnership_name: str
    agency_names: Mapping[str, str]
    generated_at: datetime
    as_of_version: int | None
    measures: tuple[MeasureRow, ...]
    involvement: Mapping[str, tuple[CommunityInvolvement, ...]]
    missing_by_stage: Mapping[str, tuple[MissingItemOut, ...]]
    sides: tuple[str, ...] = tuple(side.value for side in TriangleSide)

    def agency(self, code: str) -> str:
        return self.agency_names.get(code, code)


def plan_document(plan: ProblemSolvingPlan, current_priorities: Sequence[str], *,
                  partnership_name: str, agency_names: Mapping[str, str],
                  generated_at: datetime, as_of_version: int | None = None,
                  today: date | None = None) -> PlanDocument:
    out = plan_out(plan, current_priorities, today)
    after = {m.name: m for m in plan.after_measures}
    measures = tuple(
        MeasureRow(
            name=baseline.name, baseline=baseline,
            targets=tuple(o.target for o in plan.specific_objectives
                          if o.measure.casefold() == baseline.name.casefold()),
            after=after.get(baseline.name),
        )
        for baseline in plan.baseline_measures
    )
    involvement = {stage.value: plan.community_involvement_at(stage)
                   for stage in PlanStage if stage is not PlanStage.CLOSED}
    missing_by_stage: dict[str, tuple[MissingItemOut, ...]] = {}
    for item in out.missing:
        key = item.stage.value
        missing_by_stage[key] = (*missing_by_stage.get(key, ()), item)
    return PlanDocument(
        plan=out, partnership_name=partnership_name, agency_names=agency_names,
        generated_at=generated_at.astimezone(LONDON), as_of_version=as_of_version,
        measures=measures, involvement=involvement, missing_by_stage=missing_by_stage,
    )
