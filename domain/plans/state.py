"""The state of a problem-solving plan and the read-only views the read models need.

:class:`PlanState` is mixed into the aggregate: the aggregate's event-applying
methods write the private attributes declared here, and everything else reads them
through these properties (which hand out copies, never the lists themselves).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from domain.plans import completeness, funding
from domain.plans.completeness import MissingItem
from domain.plans.dates import local_date
from domain.plans.funding import FundingEligibility
from domain.plans.values import (
    Assessment,
    AssessmentResult,
    CommunityInvolvement,
    FundingAward,
    JagAgreement,
    Measure,
    Milestone,
    PlannedResponse,
    PlanStage,
    PlanStatus,
    Review,
    Risk,
    ScanningSide,
    SignOff,
    SpecificObjective,
    SpendEntry,
    TriangleSide,
)


class PlanState:
    # Written only by the aggregate's @event methods.
    _partnership_id: str
    _reference: str
    _title: str
    _ward: str
    _neighbourhood: str | None
    _priority: str
    _lead_agency: str
    _lead_officer: str
    _linked_case_ids: list[UUID]
    _stage: str  # a PlanStage value: a plain str survives a snapshot unchanged
    _objective: str | None
    _scanning: dict[str, ScanningSide]  # keyed by TriangleSide value
    _baseline: list[Measure]
    _analysis: dict[str, str]  # why it happens, keyed by TriangleSide value
    _triggers: str | None
    _hypothesis: str | None
    _specific_objectives: list[SpecificObjective]
    _responses: list[PlannedResponse]
    _after_measures: list[Measure]
    _assessment: Assessment | None
    _amount_requested: Decimal | None
    _matched_funding: dict[str, Decimal]  # keyed by partner
    _funding_awards: list[FundingAward]
    _spend: list[SpendEntry]
    _risks: list[Risk]
    _starts_on: date | None
    _ends_on: date | None
    _milestones: list[Milestone]
    _community_involvement: list[CommunityInvolvement]
    _sign_off: SignOff | None
    _jag_agreement: JagAgreement | None
    _next_review_due: date | None
    _reviews: list[Review]
    _closed_on: date | None
    _last_numbers: dict[str, int]  # numbering of responses, risks... never reused

    if TYPE_CHECKING:  # provided by the aggregate base class

        @property
        def created_on(self) -> datetime: ...

    # --- identity and context -------------------------------------------------------

    @property
    def partnership_id(self) -> str:
        return self._partnership_id

    @property
    def reference(self) -> str:
        return self._reference

    @property
    def title(self) -> str:
        return self._title

    @property
    def ward(self) -> str:
        return self._ward

    @property
    def neighbourhood(self) -> str | None:
        return self._neighbourhood

    @property
    def priority(self) -> str:
        return self._priority

    @property
    def lead_agency(self) -> str:
        return self._lead_agency

    @property
    def lead_officer(self) -> str:
        return self._lead_officer

    @property
    def linked_case_ids(self) -> tuple[UUID, ...]:
        return tuple(self._linked_case_ids)

    @property
    def started_on(self) -> date:
        """The day (Europe/London) the plan was opened."""
        return local_date(self.created_on)

    # --- stage and status -----------------------------------------------------------

    @property
    def stage(self) -> PlanStage:
        return PlanStage(self._stage)

    @property
    def is_closed(self) -> bool:
        return self.stage is PlanStage.CLOSED

    @property
    def closed_on(self) -> date | None:
        return self._closed_on

    @property
    def status(self) -> PlanStatus:
        if self.is_closed:
            return PlanStatus.CLOSED
        if self.agreed_at_jag:
            return PlanStatus.AGREED
        if self.awaiting_jag_agreement:
            return PlanStatus.AWAITING_JAG_AGREEMENT
        if self.awaiting_sign_off:
            return PlanStatus.AWAITING_SIGN_OFF
        return PlanStatus.IN_PREPARATION

    def missing_sections(self) -> tuple[MissingItem, ...]:
        """What must still be recorded before the plan can move on from its stage."""
        return completeness.missing_items(self)

    # --- O'SARA content ---------------------------------------------------------------

    @property
    def objective(self) -> str | None:
        return self._objective

    @property
    def scanning(self) -> dict[TriangleSide, ScanningSide]:
        return {TriangleSide(side): scan for side, scan in self._scanning.items()}

    @property
    def baseline_measures(self) -> tuple[Measure, ...]:
        return tuple(self._baseline)

    def baseline_measure(self, name: str) -> Measure | None:
        """The baseline measure with this name (ignoring case and surrounding spaces)."""
        wanted = name.strip().casefold()
        return next((m for m in self._baseline if m.name.casefold() == wanted), None)

    @property
    def analysis(self) -> dict[TriangleSide, str]:
        return {TriangleSide(side): why for side, why in self._analysis.items()}

    @property
    def triggers(self) -> str | None:
        return self._triggers

    @property
    def hypothesis(self) -> str | None:
        return self._hypothesis

    @property
    def specific_objectives(self) -> tuple[SpecificObjective, ...]:
        return tuple(self._specific_objectives)

    @property
    def responses(self) -> tuple[PlannedResponse, ...]:
        return tuple(self._responses)

    def response(self, number: int) -> PlannedResponse | None:
        return next((r for r in self._responses if r.number == number), None)

    @property
    def open_responses(self) -> tuple[PlannedResponse, ...]:
        """Planned or actioned responses, soonest due first."""
        return tuple(
            sorted((r for r in self._responses if r.is_open), key=lambda r: (r.due_on, r.number))
        )

    def overdue_responses(self, on: date) -> tuple[PlannedResponse, ...]:
        return tuple(r for r in self.open_responses if r.due_on < on)

    @property
    def after_measures(self) -> tuple[Measure, ...]:
        return tuple(self._after_measures)

    @property
    def assessment(self) -> Assessment | None:
        return self._assessment

    @property
    def result(self) -> AssessmentResult | None:
        return self._assessment.result if self._assessment else None

    @property
    def community_involvement(self) -> tuple[CommunityInvolvement, ...]:
        return tuple(self._community_involvement)

    def community_involvement_at(self, stage: PlanStage) -> tuple[CommunityInvolvement, ...]:
        return tuple(c for c in self._community_involvement if c.stage is stage)

    # --- budget, resources, risks, timescales -----------------------------------------

    @property
    def amount_requested(self) -> Decimal | None:
        return self._amount_requested

    @property
    def matched_funding(self) -> dict[str, Decimal]:
        return dict(self._matched_funding)

    @property
    def total_matched_funding(self) -> Decimal:
        return sum(self._matched_funding.values(), Decimal(0))

    @property
    def funding_awards(self) -> tuple[FundingAward, ...]:
        return tuple(self._funding_awards)

    @property
    def total_awarded(self) -> Decimal:
        return sum((award.amount for award in self._funding_awards), Decimal(0))

    @property
    def is_funded(self) -> bool:
        return bool(self._funding_awards)

    @property
    def under_rag_oversight(self) -> bool:
        """The RAG monitors every plan that has received funding."""
        return self.is_funded

    @property
    def spend_deadline(self) -> date | None:
        """The earliest date by which awarded money must be spent."""
        return min((award.spend_by for award in self._funding_awards), default=None)

    @property
    def spend_entries(self) -> tuple[SpendEntry, ...]:
        return tuple(self._spend)

    @property
    def total_spent(self) -> Decimal:
        return sum((entry.amount for entry in self._spend), Decimal(0))

    @property
    def risks(self) -> tuple[Risk, ...]:
        return tuple(self._risks)

    @property
    def starts_on(self) -> date | None:
        return self._starts_on

    @property
    def ends_on(self) -> date | None:
        return self._ends_on

    @property
    def milestones(self) -> tuple[Milestone, ...]:
        return tuple(self._milestones)

    @property
    def outstanding_milestones(self) -> tuple[Milestone, ...]:
        return tuple(
            sorted((m for m in self._milestones if m.achieved_on is None), key=lambda m: m.due_on)
        )

    def funding_eligibility(self, current_priorities: Sequence[str]) -> FundingEligibility:
        """Whether a funding bid for this plan would be considered, criterion by criterion."""
        return funding.assess(self, current_priorities)

    # --- governance ---------------------------------------------------------------------

    @property
    def sign_off(self) -> SignOff | None:
        return self._sign_off

    @property
    def is_signed_off(self) -> bool:
        return self._sign_off is not None

    @property
    def jag_agreement(self) -> JagAgreement | None:
        return self._jag_agreement

    @property
    def agreed_at_jag(self) -> bool:
        return self._jag_agreement is not None

    @property
    def jag_agreed_on(self) -> date | None:
        return self._jag_agreement.meeting_on if self._jag_agreement else None

    @property
    def ready_for_jag(self) -> bool:
        """Objective, scanning, analysis and at least one live response are in place."""
        return self.stage is PlanStage.RESPONSE and not completeness.jag_blockers(self)

    @property
    def awaiting_sign_off(self) -> bool:
        return self.ready_for_jag and not self.is_signed_off

    @property
    def awaiting_jag_agreement(self) -> bool:
        return self.ready_for_jag and self.is_signed_off and not self.agreed_at_jag

    @property
    def next_review_due(self) -> date | None:
        return self._next_review_due

    def review_overdue(self, on: date) -> bool:
        return self._next_review_due is not None and self._next_review_due < on

    @property
    def reviews(self) -> tuple[Review, ...]:
        return tuple(self._reviews)
