"""The problem-solving plan aggregate (O'SARA: objective, scanning, analysis, response,
assessment).

Stage model: a plan starts at the objective stage and moves on with :meth:`advance`
once the current stage's required content is in place (see ``completeness``). Each
stage's section is recorded while the plan is at that stage; to revise scanning or
analysis later the plan is sent back (its own ``SentBack`` event, with a reason),
which withdraws the sign-off, the JAG agreement and any assessment, because the
revised plan has to be agreed and assessed again. Leaving the response stage needs
supervisor sign-off, agreement at the JAG and no open responses. A plan is closed
only from the assessment stage with a complete assessment; a closed plan accepts
nothing but :meth:`reopen`, which returns it to the assessment stage.

Budget, risks, timescales, community involvement, linked cases, reviews and the
progress of responses already planned may be recorded at any stage until closure.

Officer, owner and agency fields hold staff identifiers and agency names, not
personal data about the public; free text that may name people is listed in each
event's ``personal_fields``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.plans import checks
from domain.plans.completeness import jag_blockers, missing_for_stage, missing_items
from domain.plans.dates import today
from domain.plans.rules import PlanRules
from domain.plans.state import PlanState
from domain.plans.values import (
    SEND_BACK_TARGETS,
    STAGE_ORDER,
    WORKING_STAGES,
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
from domain.shared.aggregate import CaseworkAggregate
from domain.shared.errors import InvalidValue, RuleViolation

NOT_PERSONAL: frozenset[str] = frozenset()


class ProblemSolvingPlan(PlanState, CaseworkAggregate):
    # ===================================================================== creation

    class Created(CaseworkAggregate.Created):
        personal_fields = NOT_PERSONAL
        partnership_id: str
        reference: str
        title: str
        ward: str
        neighbourhood: str | None
        priority: str
        lead_agency: str
        lead_officer: str

    @staticmethod
    def create_id(partnership_id: str, reference: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"casework:plan:{partnership_id}:{reference}")

    @event(Created)
    def __init__(
        self,
        partnership_id: str,
        reference: str,
        title: str,
        ward: str,
        neighbourhood: str | None,
        priority: str,
        lead_agency: str,
        lead_officer: str,
    ) -> None:
        self._partnership_id = partnership_id
        self._reference = reference
        self._title = title
        self._ward = ward
        self._neighbourhood = neighbourhood
        self._priority = priority
        self._lead_agency = lead_agency
        self._lead_officer = lead_officer
        self._linked_case_ids = []
        self._stage = PlanStage.OBJECTIVE.value
        self._objective = None
        self._scanning = {}
        self._baseline = []
        self._analysis = {}
        self._triggers = None
        self._hypothesis = None
        self._specific_objectives = []
        self._responses = []
        self._after_measures = []
        self._assessment = None
        self._amount_requested = None
        self._matched_funding = {}
        self._funding_awards = []
        self._spend = []
        self._risks = []
        self._starts_on = None
        self._ends_on = None
        self._milestones = []
        self._community_involvement = []
        self._sign_off = None
        self._jag_agreement = None
        self._next_review_due = None
        self._reviews = []
        self._closed_on = None
        self._last_numbers = {}

    @classmethod
    def open(
        cls,
        *,
        partnership_id: str,
        reference: str,
        title: str,
        ward: str,
        priority: str,
        allowed_priorities: Sequence[str],
        lead_agency: str,
        lead_officer: str,
        neighbourhood: str | None = None,
    ) -> ProblemSolvingPlan:
        """Open a plan. ``reference`` is allocated by the application (``PSP-2026-0007``);
        ``allowed_priorities`` are the partnership's current priorities."""
        return cls(
            partnership_id=checks.slug(partnership_id, "partnership_id"),
            reference=checks.plan_reference(reference),
            title=checks.short_text(title, "title"),
            ward=checks.short_text(ward, "ward"),
            neighbourhood=(
                checks.short_text(neighbourhood, "neighbourhood")
                if neighbourhood is not None and neighbourhood.strip()
                else None
            ),
            priority=checks.current_priority(priority, allowed_priorities),
            lead_agency=checks.short_text(lead_agency, "lead_agency"),
            lead_officer=checks.short_text(lead_officer, "lead_officer"),
        )

    # ============================================================ context of the plan

    class CaseLinked(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        case_id: UUID

    @event(CaseLinked)
    def _link_case(self, case_id: UUID) -> None:
        self._linked_case_ids.append(case_id)

    def link_case(self, case_id: UUID) -> None:
        self._require_open()
        if not isinstance(case_id, UUID):
            raise InvalidValue("Give the id of an ASB case.", rule="not-a-case-id", field="case_id")
        if case_id in self._linked_case_ids:
            raise RuleViolation(
                "That case is already linked to this plan.",
                rule="case-already-linked",
                field="case_id",
            )
        self._link_case(case_id=case_id)

    class CaseUnlinked(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        case_id: UUID

    @event(CaseUnlinked)
    def _unlink_case(self, case_id: UUID) -> None:
        self._linked_case_ids = [c for c in self._linked_case_ids if c != case_id]

    def unlink_case(self, case_id: UUID) -> None:
        self._require_open()
        if case_id not in self._linked_case_ids:
            raise RuleViolation(
                "That case is not linked to this plan.", rule="case-not-linked", field="case_id"
            )
        self._unlink_case(case_id=case_id)

    class LeadReassigned(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        lead_agency: str
        lead_officer: str

    @event(LeadReassigned)
    def _reassign_lead(self, lead_agency: str, lead_officer: str) -> None:
        self._lead_agency = lead_agency
        self._lead_officer = lead_officer

    def reassign_lead(self, lead_agency: str, lead_officer: str) -> None:
        self._require_open()
        agency = checks.short_text(lead_agency, "lead_agency")
        officer = checks.short_text(lead_officer, "lead_officer")
        if (agency, officer) == (self._lead_agency, self._lead_officer):
            raise RuleViolation("That agency and officer already lead the plan.", rule="no-change")
        self._reassign_lead(lead_agency=agency, lead_officer=officer)

    class PriorityChanged(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        priority: str

    @event(PriorityChanged)
    def _change_priority(self, priority: str) -> None:
        self._priority = priority

    def change_priority(self, priority: str, allowed_priorities: Sequence[str]) -> None:
        self._require_open()
        chosen = checks.current_priority(priority, allowed_priorities)
        if chosen == self._priority:
            raise RuleViolation("The plan already serves that priority.", rule="no-change")
        self._change_priority(priority=chosen)

    # ======================================================================= stages

    class StageAdvanced(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        from_stage: PlanStage
        to_stage: PlanStage

    @event(StageAdvanced)
    def _advance(self, from_stage: PlanStage, to_stage: PlanStage) -> None:
        self._stage = PlanStage(to_stage).value

    def advance(self) -> PlanStage:
        """Move on to the next stage; the current stage must be complete."""
        self._require_open()
        if self.stage is PlanStage.ASSESSMENT:
            raise RuleViolation(
                "The assessment is the last stage: close the plan instead.", rule="no-next-stage"
            )
        missing = missing_items(self)
        if missing:
            raise RuleViolation(
                f"The {self.stage.value} stage is not complete: "
                + "; ".join(str(item) for item in missing),
                rule="stage-incomplete",
            )
        to_stage = STAGE_ORDER[self.stage.rank + 1]
        self._advance(from_stage=self.stage, to_stage=to_stage)
        return to_stage

    class SentBack(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        from_stage: PlanStage
        to_stage: PlanStage
        reason: str

    @event(SentBack)
    def _send_back(self, from_stage: PlanStage, to_stage: PlanStage, reason: str) -> None:
        self._stage = PlanStage(to_stage).value
        self._sign_off = None
        self._jag_agreement = None
        self._assessment = None
        self._after_measures = []

    def send_back(self, to_stage: PlanStage | str, reason: str) -> None:
        """Return the plan to scanning or analysis because of new information."""
        self._require_open()
        target = checks.choice(PlanStage, to_stage, "to_stage")
        if target not in SEND_BACK_TARGETS:
            raise InvalidValue(
                "A plan can only be sent back to scanning or analysis.",
                rule="send-back-target",
                field="to_stage",
            )
        if target.rank >= self.stage.rank:
            raise RuleViolation(
                f"The plan is at the {self.stage.value} stage: it can only be sent back to "
                "an earlier stage.",
                rule="send-back-not-earlier",
                field="to_stage",
            )
        why = checks.text(reason, "reason")
        self._send_back(from_stage=self.stage, to_stage=target, reason=why)

    class Closed(CaseworkAggregate.Event):
        personal_fields = frozenset({"notes"})
        closed_on: date
        notes: str

    @event(Closed)
    def _close(self, closed_on: date, notes: str) -> None:
        self._stage = PlanStage.CLOSED.value
        self._closed_on = closed_on
        self._next_review_due = None

    def close(self, notes: str | None = None) -> None:
        """Close the plan; only from the assessment stage with a complete assessment."""
        self._require_open()
        if self.stage is not PlanStage.ASSESSMENT:
            raise RuleViolation(
                f"A plan can only be closed after an assessment; it is at the "
                f"{self.stage.value} stage.",
                rule="not-assessed",
            )
        missing = missing_for_stage(self, PlanStage.ASSESSMENT)
        if missing:
            raise RuleViolation(
                "The assessment is not complete: " + "; ".join(str(item) for item in missing),
                rule="assessment-incomplete",
            )
        self._close(closed_on=today(), notes=checks.optional_text(notes, "notes"))

    class Reopened(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        reason: str

    @event(Reopened)
    def _reopen(self, reason: str) -> None:
        self._stage = PlanStage.ASSESSMENT.value
        self._closed_on = None

    def reopen(self, reason: str) -> None:
        """Reopen a closed plan; it returns to the assessment stage."""
        if not self.is_closed:
            raise RuleViolation("Only a closed plan can be reopened.", rule="not-closed")
        self._reopen(reason=checks.text(reason, "reason"))

    # ==================================================================== objective

    class ObjectiveSet(CaseworkAggregate.Event):
        personal_fields = frozenset({"aim"})
        aim: str

    @event(ObjectiveSet)
    def _set_objective(self, aim: str) -> None:
        self._objective = aim

    def set_objective(self, aim: str) -> None:
        self._require_stage(PlanStage.OBJECTIVE, "The overall aim")
        self._set_objective(aim=checks.text(aim, "aim"))

    # ===================================================================== scanning

    class ScanningRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"description"})
        side: TriangleSide
        description: str
        frequency: str
        duration: str
        data_sources: list[str]

    @event(ScanningRecorded)
    def _record_scanning(
        self,
        side: TriangleSide,
        description: str,
        frequency: str,
        duration: str,
        data_sources: list[str],
    ) -> None:
        self._scanning[TriangleSide(side).value] = ScanningSide(
            side, description, frequency, duration, list(data_sources)
        )

    def record_scanning(
        self,
        side: TriangleSide | str,
        description: str,
        frequency: str,
        duration: str,
        data_sources: Sequence[str],
    ) -> None:
        """What is happening from one side of the triangle (replaces an earlier entry)."""
        self._require_stage(PlanStage.SCANNING, "Scanning")
        self._record_scanning(
            side=checks.choice(TriangleSide, side, "side"),
            description=checks.text(description, "description"),
            frequency=checks.short_text(frequency, "frequency"),
            duration=checks.short_text(duration, "duration"),
            data_sources=checks.text_list(data_sources, "data_sources"),
        )

    class BaselineMeasureRecorded(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        name: str
        value: Decimal
        period_start: date
        period_end: date

    @event(BaselineMeasureRecorded)
    def _record_baseline(
        self, name: str, value: Decimal, period_start: date, period_end: date
    ) -> None:
        measure = Measure(name, value, period_start, period_end)
        self._baseline = [m for m in self._baseline if m.name.casefold() != name.casefold()]
        self._baseline.append(measure)

    def record_baseline(
        self, name: str, value: Decimal | int, period_start: date, period_end: date
    ) -> None:
        """A named baseline figure over a period (replaces one of the same name)."""
        self._require_stage(PlanStage.SCANNING, "Baseline measures")
        start, end = self._measure_period(period_start, period_end)
        self._record_baseline(
            name=checks.short_text(name, "name"),
            value=checks.measure_value(checks.number(value, "value"), "value"),
            period_start=start,
            period_end=end,
        )

    # ===================================================================== analysis

    class AnalysisRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"why"})
        side: TriangleSide
        why: str

    @event(AnalysisRecorded)
    def _record_analysis(self, side: TriangleSide, why: str) -> None:
        self._analysis[TriangleSide(side).value] = why

    def record_analysis(self, side: TriangleSide | str, why: str) -> None:
        """Why it is happening, from one side of the triangle (replaces an earlier entry)."""
        self._require_stage(PlanStage.ANALYSIS, "Analysis")
        self._record_analysis(
            side=checks.choice(TriangleSide, side, "side"), why=checks.text(why, "why")
        )

    class TriggersRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"triggers"})
        triggers: str

    @event(TriggersRecorded)
    def _record_triggers(self, triggers: str) -> None:
        self._triggers = triggers

    def record_triggers(self, triggers: str) -> None:
        self._require_stage(PlanStage.ANALYSIS, "Triggers")
        self._record_triggers(triggers=checks.text(triggers, "triggers"))

    class HypothesisSet(CaseworkAggregate.Event):
        personal_fields = frozenset({"hypothesis"})
        hypothesis: str

    @event(HypothesisSet)
    def _set_hypothesis(self, hypothesis: str) -> None:
        self._hypothesis = hypothesis

    def set_hypothesis(self, hypothesis: str) -> None:
        self._require_stage(PlanStage.ANALYSIS, "The working hypothesis")
        self._set_hypothesis(hypothesis=checks.text(hypothesis, "hypothesis"))

    class SpecificObjectiveAdded(CaseworkAggregate.Event):
        personal_fields = frozenset({"description"})
        number: int
        description: str
        measure: str
        target: Decimal

    @event(SpecificObjectiveAdded)
    def _add_specific_objective(
        self, number: int, description: str, measure: str, target: Decimal
    ) -> None:
        self._specific_objectives.append(SpecificObjective(number, description, measure, target))
        self._last_numbers["objective"] = number

    def add_specific_objective(self, description: str, measure: str, target: Decimal | int) -> int:
        """A measurable objective: a target for one of the baseline measures."""
        self._require_stage(PlanStage.ANALYSIS, "Specific objectives")
        what = checks.text(description, "description")
        baseline = self._known_baseline(measure)
        goal = checks.measure_value(checks.number(target, "target"), "target")
        number = self._next_number("objective")
        self._add_specific_objective(
            number=number, description=what, measure=baseline.name, target=goal
        )
        return number

    class SpecificObjectiveRemoved(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        number: int

    @event(SpecificObjectiveRemoved)
    def _remove_specific_objective(self, number: int) -> None:
        self._specific_objectives = [o for o in self._specific_objectives if o.number != number]

    def remove_specific_objective(self, number: int) -> None:
        self._require_stage(PlanStage.ANALYSIS, "Specific objectives")
        if all(o.number != number for o in self._specific_objectives):
            raise RuleViolation(
                f"The plan has no specific objective {number}.",
                rule="objective-unknown",
                field="number",
            )
        self._remove_specific_objective(number=number)

    # ==================================================================== responses

    class ResponsePlanned(CaseworkAggregate.Event):
        personal_fields = frozenset({"description"})
        number: int
        description: str
        agency: str
        owner: str
        due_on: date
        depends_on_funding: bool

    @event(ResponsePlanned)
    def _plan_response(
        self,
        number: int,
        description: str,
        agency: str,
        owner: str,
        due_on: date,
        depends_on_funding: bool,
    ) -> None:
        self._responses.append(
            PlannedResponse(number, description, agency, owner, due_on, depends_on_funding)
        )
        self._last_numbers["response"] = number

    def plan_response(
        self,
        description: str,
        agency: str,
        owner: str,
        due_on: date,
        depends_on_funding: bool = False,
    ) -> int:
        """Plan a response; returns its number (shown as R1, R2...)."""
        self._require_stage(PlanStage.RESPONSE, "New responses")
        what = checks.text(description, "description")
        by_agency = checks.short_text(agency, "agency")
        by_owner = checks.short_text(owner, "owner")
        due = checks.not_in_past(checks.calendar_date(due_on, "due_on"), today(), "due_on")
        number = self._next_number("response")
        self._plan_response(
            number=number,
            description=what,
            agency=by_agency,
            owner=by_owner,
            due_on=due,
            depends_on_funding=bool(depends_on_funding),
        )
        return number

    class ResponseRescheduled(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        number: int
        due_on: date

    @event(ResponseRescheduled)
    def _reschedule_response(self, number: int, due_on: date) -> None:
        self._update_response(number, due_on=due_on)

    def reschedule_response(self, number: int, due_on: date) -> None:
        self._open_response(number)
        due = checks.not_in_past(checks.calendar_date(due_on, "due_on"), today(), "due_on")
        self._reschedule_response(number=number, due_on=due)

    class ResponseActioned(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        number: int
        actioned_on: date

    @event(ResponseActioned)
    def _action_response(self, number: int, actioned_on: date) -> None:
        self._update_response(number, status=ResponseStatus.ACTIONED, actioned_on=actioned_on)

    def action_response(self, number: int, actioned_on: date | None = None) -> None:
        """Record that work on a planned response has started."""
        response = self._open_response(number)
        if response.status is not ResponseStatus.PLANNED:
            raise RuleViolation(
                f"Response R{number} has already been actioned.",
                rule="response-already-actioned",
                field="number",
            )
        self._action_response(
            number=number, actioned_on=self._fact_date(actioned_on, "actioned_on")
        )

    class ResponseCompleted(CaseworkAggregate.Event):
        personal_fields = frozenset({"notes"})
        number: int
        completed_on: date
        notes: str

    @event(ResponseCompleted)
    def _complete_response(self, number: int, completed_on: date, notes: str) -> None:
        self._update_response(
            number, status=ResponseStatus.COMPLETED, completed_on=completed_on, closing_note=notes
        )

    def complete_response(
        self, number: int, completed_on: date | None = None, notes: str | None = None
    ) -> None:
        response = self._open_response(number)
        done_on = self._fact_date(completed_on, "completed_on")
        if response.actioned_on is not None:
            checks.date_order(response.actioned_on, done_on, "completed_on")
        self._complete_response(
            number=number, completed_on=done_on, notes=checks.optional_text(notes, "notes")
        )

    class ResponseDropped(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        number: int
        dropped_on: date
        reason: str

    @event(ResponseDropped)
    def _drop_response(self, number: int, dropped_on: date, reason: str) -> None:
        self._update_response(
            number, status=ResponseStatus.DROPPED, dropped_on=dropped_on, closing_note=reason
        )

    def drop_response(self, number: int, reason: str) -> None:
        self._open_response(number)
        self._drop_response(number=number, dropped_on=today(), reason=checks.text(reason, "reason"))

    # =================================================================== assessment

    class AfterMeasureRecorded(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        name: str
        value: Decimal
        period_start: date
        period_end: date

    @event(AfterMeasureRecorded)
    def _record_after_measure(
        self, name: str, value: Decimal, period_start: date, period_end: date
    ) -> None:
        self._after_measures = [m for m in self._after_measures if m.name != name]
        self._after_measures.append(Measure(name, value, period_start, period_end))

    def record_after_measure(
        self, name: str, value: Decimal | int, period_start: date, period_end: date
    ) -> None:
        """A baseline measure taken again after the response (named as in the baseline)."""
        self._require_stage(PlanStage.ASSESSMENT, "Measures after the response")
        baseline = self._known_baseline(name)
        start, end = self._measure_period(period_start, period_end)
        if start <= baseline.period_end:
            raise InvalidValue(
                f"The period after the response must start after the baseline period ended "
                f"({baseline.period_end.isoformat()}).",
                rule="after-period-overlaps-baseline",
                field="period_start",
            )
        self._record_after_measure(
            name=baseline.name,
            value=checks.measure_value(checks.number(value, "value"), "value"),
            period_start=start,
            period_end=end,
        )

    class AssessmentRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"notes"})
        delivery: Delivery
        result: AssessmentResult
        notes: str
        assessed_on: date
        handed_to: str | None

    @event(AssessmentRecorded)
    def _record_assessment(
        self,
        delivery: Delivery,
        result: AssessmentResult,
        notes: str,
        assessed_on: date,
        handed_to: str | None,
    ) -> None:
        self._assessment = Assessment(delivery, result, notes, assessed_on, handed_to)

    def record_assessment(
        self,
        delivery: Delivery | str,
        result: AssessmentResult | str,
        notes: str,
        handed_to: str | None = None,
    ) -> None:
        """Whether the plan was carried out and its result (replaces an earlier one)."""
        self._require_stage(PlanStage.ASSESSMENT, "The assessment")
        outcome = checks.choice(AssessmentResult, result, "result")
        handed_over = outcome is AssessmentResult.HANDED_TO_ANOTHER_AGENCY
        if handed_over and not (handed_to and handed_to.strip()):
            raise InvalidValue(
                "Name the agency the problem was handed to.",
                rule="handed-to-required",
                field="handed_to",
            )
        if not handed_over and handed_to is not None and handed_to.strip():
            raise InvalidValue(
                "Only a problem handed to another agency names an agency it was handed to.",
                rule="handed-to-unexpected",
                field="handed_to",
            )
        handed_to_agency = (
            checks.short_text(handed_to, "handed_to") if handed_over and handed_to else None
        )
        self._record_assessment(
            delivery=checks.choice(Delivery, delivery, "delivery"),
            result=outcome,
            notes=checks.text(notes, "notes"),
            assessed_on=today(),
            handed_to=handed_to_agency,
        )

    # ======================================================= budget and resources

    class FundingRequested(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        amount: Decimal

    @event(FundingRequested)
    def _request_funding(self, amount: Decimal) -> None:
        self._amount_requested = amount

    def request_funding(self, amount: Decimal | int) -> None:
        """Set the amount the plan asks funders for (replaces an earlier amount)."""
        self._require_open()
        self._request_funding(amount=checks.money(checks.number(amount, "amount"), "amount"))

    class MatchedFundingRecorded(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        partner: str
        amount: Decimal

    @event(MatchedFundingRecorded)
    def _record_matched_funding(self, partner: str, amount: Decimal) -> None:
        self._matched_funding[partner] = amount

    def record_matched_funding(self, partner: str, amount: Decimal | int) -> None:
        """A partner's contribution (replaces that partner's earlier figure)."""
        self._require_open()
        self._record_matched_funding(
            partner=checks.short_text(partner, "partner"),
            amount=checks.money(checks.number(amount, "amount"), "amount"),
        )

    class MatchedFundingWithdrawn(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        partner: str

    @event(MatchedFundingWithdrawn)
    def _withdraw_matched_funding(self, partner: str) -> None:
        self._matched_funding.pop(partner, None)

    def withdraw_matched_funding(self, partner: str) -> None:
        self._require_open()
        if partner not in self._matched_funding:
            raise RuleViolation(
                f"{partner!r} has no matched funding recorded.",
                rule="matched-funding-unknown",
                field="partner",
            )
        self._withdraw_matched_funding(partner=partner)

    class FundingAwarded(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        funder: str
        amount: Decimal
        awarded_on: date
        spend_by: date

    @event(FundingAwarded)
    def _award_funding(
        self, funder: str, amount: Decimal, awarded_on: date, spend_by: date
    ) -> None:
        self._funding_awards.append(FundingAward(funder, amount, awarded_on, spend_by))

    def record_funding_award(
        self, funder: str, amount: Decimal | int, awarded_on: date, spend_by: date
    ) -> None:
        """Funding granted to the plan; a funded plan is overseen by the RAG."""
        self._require_open()
        granted_on = self._fact_date(awarded_on, "awarded_on")
        deadline = checks.calendar_date(spend_by, "spend_by")
        checks.date_order(granted_on, deadline, "spend_by")
        self._award_funding(
            funder=checks.short_text(funder, "funder"),
            amount=checks.money(checks.number(amount, "amount"), "amount"),
            awarded_on=granted_on,
            spend_by=deadline,
        )

    class SpendRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"description"})
        number: int
        amount: Decimal
        spent_on: date
        description: str

    @event(SpendRecorded)
    def _record_spend(self, number: int, amount: Decimal, spent_on: date, description: str) -> None:
        self._spend.append(SpendEntry(number, amount, spent_on, description))
        self._last_numbers["spend"] = number

    def record_spend(self, amount: Decimal | int, spent_on: date, description: str) -> int:
        self._require_open()
        money = checks.money(checks.number(amount, "amount"), "amount")
        on = self._fact_date(spent_on, "spent_on")
        what = checks.text(description, "description")
        number = self._next_number("spend")
        self._record_spend(number=number, amount=money, spent_on=on, description=what)
        return number

    class RiskAdded(CaseworkAggregate.Event):
        personal_fields = frozenset({"description", "mitigation"})
        number: int
        description: str
        mitigation: str
        level: RiskLevel

    @event(RiskAdded)
    def _add_risk(self, number: int, description: str, mitigation: str, level: RiskLevel) -> None:
        self._risks.append(Risk(number, description, mitigation, level))
        self._last_numbers["risk"] = number

    def add_risk(self, description: str, mitigation: str, level: RiskLevel | str) -> int:
        self._require_open()
        what = checks.text(description, "description")
        how = checks.text(mitigation, "mitigation")
        rating = checks.choice(RiskLevel, level, "level")
        number = self._next_number("risk")
        self._add_risk(number=number, description=what, mitigation=how, level=rating)
        return number

    class RiskRemoved(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        number: int

    @event(RiskRemoved)
    def _remove_risk(self, number: int) -> None:
        self._risks = [r for r in self._risks if r.number != number]

    def remove_risk(self, number: int) -> None:
        self._require_open()
        if all(r.number != number for r in self._risks):
            raise RuleViolation(
                f"The plan has no risk {number}.", rule="risk-unknown", field="number"
            )
        self._remove_risk(number=number)

    class TimescaleSet(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        starts_on: date
        ends_on: date

    @event(TimescaleSet)
    def _set_timescale(self, starts_on: date, ends_on: date) -> None:
        self._starts_on = starts_on
        self._ends_on = ends_on

    def set_timescale(self, starts_on: date, ends_on: date) -> None:
        self._require_open()
        start = checks.calendar_date(starts_on, "starts_on")
        end = checks.calendar_date(ends_on, "ends_on")
        checks.date_order(start, end, "ends_on")
        self._set_timescale(starts_on=start, ends_on=end)

    class MilestoneAdded(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        number: int
        title: str
        due_on: date

    @event(MilestoneAdded)
    def _add_milestone(self, number: int, title: str, due_on: date) -> None:
        self._milestones.append(Milestone(number, title, due_on))
        self._last_numbers["milestone"] = number

    def add_milestone(self, title: str, due_on: date) -> int:
        self._require_open()
        name = checks.short_text(title, "title")
        due = checks.not_before_plan(
            checks.calendar_date(due_on, "due_on"), self.started_on, "due_on"
        )
        number = self._next_number("milestone")
        self._add_milestone(number=number, title=name, due_on=due)
        return number

    class MilestoneAchieved(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        number: int
        achieved_on: date

    @event(MilestoneAchieved)
    def _achieve_milestone(self, number: int, achieved_on: date) -> None:
        self._milestones = [
            replace(m, achieved_on=achieved_on) if m.number == number else m
            for m in self._milestones
        ]

    def achieve_milestone(self, number: int, achieved_on: date | None = None) -> None:
        self._require_open()
        milestone = next((m for m in self._milestones if m.number == number), None)
        if milestone is None:
            raise RuleViolation(
                f"The plan has no milestone {number}.", rule="milestone-unknown", field="number"
            )
        if milestone.achieved_on is not None:
            raise RuleViolation(
                f"Milestone {number} was already achieved on {milestone.achieved_on.isoformat()}.",
                rule="milestone-already-achieved",
                field="number",
            )
        self._achieve_milestone(
            number=number, achieved_on=self._fact_date(achieved_on, "achieved_on")
        )

    # ======================================================== community involvement

    class CommunityInvolvementRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"description"})
        stage: PlanStage
        description: str
        recorded_on: date

    @event(CommunityInvolvementRecorded)
    def _record_community_involvement(
        self, stage: PlanStage, description: str, recorded_on: date
    ) -> None:
        self._community_involvement.append(CommunityInvolvement(stage, description, recorded_on))

    def record_community_involvement(self, stage: PlanStage | str, description: str) -> None:
        """How the community took part in a stage the plan has reached."""
        self._require_open()
        at_stage = checks.choice(PlanStage, stage, "stage")
        if at_stage not in WORKING_STAGES:
            raise InvalidValue(
                "Community involvement belongs to an O'SARA stage, not to closure.",
                rule="involvement-stage-invalid",
                field="stage",
            )
        if at_stage.rank > self.stage.rank:
            raise RuleViolation(
                f"The plan has not reached the {at_stage.value} stage yet.",
                rule="involvement-stage-not-reached",
                field="stage",
            )
        self._record_community_involvement(
            stage=at_stage,
            description=checks.text(description, "description"),
            recorded_on=today(),
        )

    # =================================================================== governance

    class SignedOff(CaseworkAggregate.Event):
        personal_fields = frozenset({"notes"})
        supervisor: str
        signed_on: date
        notes: str

    @event(SignedOff)
    def _sign_off_plan(self, supervisor: str, signed_on: date, notes: str) -> None:
        self._sign_off = SignOff(supervisor, signed_on, notes)

    def record_sign_off(
        self, supervisor: str, notes: str | None = None, signed_on: date | None = None
    ) -> None:
        """A supervisor approves the plan for the JAG (on ``signed_on``, default today)."""
        self._require_open()
        self._require_ready_for_jag("signed off")
        if self._sign_off is not None:
            raise RuleViolation(
                f"The plan was already signed off by {self._sign_off.supervisor}.",
                rule="already-signed-off",
            )
        approver = checks.short_text(supervisor, "supervisor")
        if approver.casefold() == self._lead_officer.casefold():
            raise RuleViolation(
                "The lead officer cannot sign off their own plan.",
                rule="sign-off-by-lead",
                field="supervisor",
            )
        self._sign_off_plan(
            supervisor=approver,
            signed_on=self._fact_date(signed_on, "signed_on"),
            notes=checks.optional_text(notes, "notes"),
        )

    class AgreedAtJag(CaseworkAggregate.Event):
        personal_fields = frozenset({"notes"})
        meeting_on: date
        notes: str

    @event(AgreedAtJag)
    def _agree_at_jag(self, meeting_on: date, notes: str) -> None:
        self._jag_agreement = JagAgreement(meeting_on, notes)

    def agree_at_jag(self, meeting_on: date, notes: str | None = None) -> None:
        """The JAG agreed the plan at its meeting on ``meeting_on``."""
        self._require_open()
        self._require_ready_for_jag("agreed at the JAG")
        if self._sign_off is None:
            raise RuleViolation(
                "A supervisor must sign the plan off before the JAG agrees it.",
                rule="jag-needs-sign-off",
            )
        if self._jag_agreement is not None:
            agreed_on = self._jag_agreement.meeting_on.isoformat()
            raise RuleViolation(
                f"The JAG already agreed this plan on {agreed_on}.",
                rule="already-agreed",
            )
        meeting = self._fact_date(meeting_on, "meeting_on")
        checks.date_order(self._sign_off.signed_on, meeting, "meeting_on")
        self._agree_at_jag(meeting_on=meeting, notes=checks.optional_text(notes, "notes"))

    class ReviewScheduled(CaseworkAggregate.Event):
        personal_fields = NOT_PERSONAL
        due_on: date

    @event(ReviewScheduled)
    def _schedule_review(self, due_on: date) -> None:
        self._next_review_due = due_on

    def schedule_review(self, due_on: date) -> None:
        self._require_open()
        due = checks.not_in_past(checks.calendar_date(due_on, "due_on"), today(), "due_on")
        self._schedule_review(due_on=due)

    class ReviewRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"notes"})
        held_on: date
        notes: str
        next_review_due: date

    @event(ReviewRecorded)
    def _record_review(self, held_on: date, notes: str, next_review_due: date) -> None:
        self._reviews.append(Review(held_on, notes, next_review_due))
        self._next_review_due = next_review_due

    def record_review(
        self,
        held_on: date,
        notes: str,
        next_review_due: date | None = None,
        rules: PlanRules | None = None,
    ) -> date:
        """Record a periodic review; the next falls due on the date given or after the
        local review interval. Returns the next due date."""
        self._require_open()
        held = self._fact_date(held_on, "held_on")
        summary = checks.text(notes, "notes")
        if next_review_due is None:
            interval = (rules or PlanRules()).review_interval_days
            next_due = held + timedelta(days=interval)
        else:
            next_due = checks.calendar_date(next_review_due, "next_review_due")
            if next_due <= held:
                raise InvalidValue(
                    "The next review must fall after this one.",
                    rule="date-order",
                    field="next_review_due",
                )
        self._record_review(held_on=held, notes=summary, next_review_due=next_due)
        return next_due

    # ===================================================================== guards

    def _require_open(self) -> None:
        if self.is_closed:
            raise RuleViolation(
                "The plan is closed: reopen it to change anything.", rule="plan-closed"
            )

    def _require_stage(self, stage: PlanStage, section: str) -> None:
        self._require_open()
        if self.stage is not stage:
            hint = (
                f" Send the plan back to {stage.value} to revise it."
                if stage in SEND_BACK_TARGETS and stage.rank < self.stage.rank
                else ""
            )
            raise RuleViolation(
                f"{section} can only be recorded at the {stage.value} stage; the plan is at "
                f"the {self.stage.value} stage.{hint}",
                rule="wrong-stage",
            )

    def _require_ready_for_jag(self, action: str) -> None:
        if self.stage is not PlanStage.RESPONSE:
            raise RuleViolation(
                f"A plan is {action} at the response stage; this plan is at the "
                f"{self.stage.value} stage.",
                rule="not-ready-for-jag",
            )
        blockers = jag_blockers(self)
        if blockers:
            raise RuleViolation(
                f"The plan cannot be {action} yet: " + "; ".join(str(b) for b in blockers),
                rule="not-ready-for-jag",
            )

    def _open_response(self, number: int) -> PlannedResponse:
        self._require_open()
        response = self.response(number)
        if response is None:
            raise RuleViolation(
                f"The plan has no response R{number}.", rule="response-unknown", field="number"
            )
        if not response.is_open:
            raise RuleViolation(
                f"Response R{number} is already {response.status.value}.",
                rule="response-not-open",
                field="number",
            )
        return response

    def _known_baseline(self, name: str) -> Measure:
        baseline = self.baseline_measure(checks.short_text(name, "measure"))
        if baseline is None:
            known = ", ".join(repr(m.name) for m in self._baseline) or "none yet"
            raise InvalidValue(
                f"{name!r} is not one of the plan's baseline measures ({known}).",
                rule="measure-unknown",
                field="measure",
            )
        return baseline

    def _measure_period(self, period_start: date, period_end: date) -> tuple[date, date]:
        start = checks.calendar_date(period_start, "period_start")
        end = checks.not_in_future(
            checks.calendar_date(period_end, "period_end"), today(), "period_end"
        )
        checks.date_order(start, end, "period_end")
        return start, end

    def _fact_date(self, day: date | None, field: str) -> date:
        """The date something happened: today unless given; never future, never before
        the plan was opened."""
        if day is None:
            return today()
        return checks.past_fact_date(
            checks.calendar_date(day, field), today(), self.started_on, field
        )

    def _next_number(self, kind: str) -> int:
        return self._last_numbers.get(kind, 0) + 1

    def _update_response(self, number: int, **changes: object) -> None:
        self._responses = [
            replace(r, **changes) if r.number == number else r  # type: ignore[arg-type]
            for r in self._responses
        ]
