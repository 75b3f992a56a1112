"""Use cases for problem-solving plans (O'SARA).

Officers, coordinators and admins draft and work plans. Supervisor sign-off is
recorded by the acting user, who must not be the plan's lead officer (the domain's
rule). Only coordinators record the JAG's agreement and funding awards. The RAG
sees depersonalised summaries only (:meth:`PlanService.summary`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application import access
from application.commands import CommandOutcome, CommandRunner, Idempotency
from application.context import Role
from application.errors import NotFound
from application.records import (
    PartnershipChecks,
    RecordLoader,
    next_reference,
    reference_counter_id,
)
from application.rules import LocalRules
from application.store import CaseworkStore
from domain.plans import (
    AssessmentResult,
    Delivery,
    FundingEligibility,
    PlanRules,
    PlanStage,
    PlanStatus,
    ProblemSolvingPlan,
    ResponseStatus,
    RiskLevel,
    TriangleSide,
)
from domain.shared.errors import InvalidValue

PLAN_READERS = access.CASEWORK_READERS
PLAN_WRITERS = access.CASEWORK_WRITERS
SUMMARY_READERS = Role.ALL
"""Everyone, the RAG included: a summary holds no free text, names or references."""


@dataclass(frozen=True)
class PlanSummary:
    """A plan as the RAG may see it: no free text, no names, no references."""

    id: UUID
    partnership_id: str
    ward: str
    neighbourhood: str | None
    priority: str
    serves_current_priority: bool
    stage: PlanStage
    status: PlanStatus
    result: AssessmentResult | None
    started_on: date
    agreed_at_jag_on: date | None
    closed_on: date | None
    funded: bool
    amount_requested: Decimal | None
    total_matched_funding: Decimal
    total_awarded: Decimal
    total_spent: Decimal
    spend_deadline: date | None
    responses_planned: int
    responses_open: int
    responses_completed: int
    linked_case_count: int
    funding_eligible: bool
    missing_count: int


def summarise(plan: ProblemSolvingPlan, current_priorities: Sequence[str]) -> PlanSummary:
    responses = plan.responses
    return PlanSummary(
        id=plan.id,
        partnership_id=plan.partnership_id,
        ward=plan.ward,
        neighbourhood=plan.neighbourhood,
        priority=plan.priority,
        serves_current_priority=plan.priority in current_priorities,
        stage=plan.stage,
        status=plan.status,
        result=plan.result,
        started_on=plan.started_on,
        agreed_at_jag_on=plan.jag_agreed_on,
        closed_on=plan.closed_on,
        funded=plan.is_funded,
        amount_requested=plan.amount_requested,
        total_matched_funding=plan.total_matched_funding,
        total_awarded=plan.total_awarded,
        total_spent=plan.total_spent,
        spend_deadline=plan.spend_deadline,
        responses_planned=len(responses),
        responses_open=len(plan.open_responses),
        responses_completed=sum(1 for r in responses if r.status is ResponseStatus.COMPLETED),
        linked_case_count=len(plan.linked_case_ids),
        funding_eligible=plan.funding_eligibility(current_priorities).eligible,
        missing_count=len(plan.missing_sections()),
    )


class PlanService:
    """Every command on a problem-solving plan, with the role and partnership checks."""

    def __init__(self, store: CaseworkStore, runner: CommandRunner, rules: LocalRules) -> None:
        self.store = store
        self.runner = runner
        self.rules = rules
        self.loader = RecordLoader(store)
        self.checks = PartnershipChecks(rules, self.loader)
        # The rules file has no plans section yet; use one when LocalRules grows it.
        configured = getattr(rules, "plans", None)
        self.plan_rules = configured if isinstance(configured, PlanRules) else PlanRules()

    # -- reading -------------------------------------------------------------------

    def get(self, plan_id: UUID, *, version: int | None = None,
            as_at: datetime | None = None) -> ProblemSolvingPlan:
        access.require_role(*PLAN_READERS, doing="reading a plan")
        return self.loader.load_as_at(ProblemSolvingPlan, "plan", plan_id, version=version,
                                      as_at=as_at)

    def summary(self, plan_id: UUID) -> PlanSummary:
        access.require_role(*SUMMARY_READERS, doing="reading a plan summary")
        plan = self._load(plan_id)
        return summarise(plan, self.current_priorities(plan.partnership_id))

    def current_priorities(self, partnership_id: str) -> tuple[str, ...]:
        partnership = self.rules.partnerships.get(partnership_id)
        return partnership.priorities if partnership is not None else ()

    def funding_eligibility(self, plan: ProblemSolvingPlan) -> FundingEligibility:
        return plan.funding_eligibility(self.current_priorities(plan.partnership_id))

    def partnership_name(self, partnership_id: str) -> str:
        partnership = self.rules.partnerships.get(partnership_id)
        return partnership.name if partnership is not None else partnership_id

    # -- opening -------------------------------------------------------------------

    def open_plan(
        self,
        *,
        partnership_id: str,
        title: str,
        ward: str,
        priority: str,
        lead_agency: str,
        lead_officer: str,
        idempotency: Idempotency | None = None,
    ) -> CommandOutcome:
        access.require_role(*PLAN_WRITERS, doing="opening a problem-solving plan")
        access.require_partnership(partnership_id)
        partnership = self.checks.partnership(partnership_id)
        configured_ward = partnership.ward(ward)
        if configured_ward is None:
            raise InvalidValue(
                f"{ward!r} is not a ward of {partnership.name}; choose one of "
                + ", ".join(w.name for w in partnership.wards),
                rule="unknown_ward", field="ward",
            )
        self.checks.agency(partnership_id, lead_agency, "lead_agency")

        def build() -> list[Aggregate]:
            counter, reference = next_reference(self.store, "PSP")
            plan = ProblemSolvingPlan.open(
                partnership_id=partnership_id, reference=reference, title=title,
                ward=configured_ward.name, neighbourhood=configured_ward.neighbourhood,
                priority=priority, allowed_priorities=partnership.priorities,
                lead_agency=lead_agency, lead_officer=lead_officer,
            )
            return [plan, counter]

        return self.runner.create(build, idempotency=idempotency,
                                  contended=reference_counter_id("PSP"))

    # -- context of the plan -------------------------------------------------------

    def reassign_lead(self, plan_id: UUID, *, lead_agency: str, lead_officer: str,
                      **options: Any) -> CommandOutcome:
        def command(plan: ProblemSolvingPlan) -> None:
            self.checks.agency(plan.partnership_id, lead_agency, "lead_agency")
            plan.reassign_lead(lead_agency=lead_agency, lead_officer=lead_officer)

        return self._change(plan_id, command, **options)

    def change_priority(self, plan_id: UUID, *, priority: str,
                        **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.change_priority(
            priority, self.current_priorities(plan.partnership_id)), **options)

    def link_case(self, plan_id: UUID, *, case_id: UUID, **options: Any) -> CommandOutcome:
        def command(plan: ProblemSolvingPlan) -> None:
            self.checks.case(case_id, plan.partnership_id)
            plan.link_case(case_id)

        return self._change(plan_id, command, **options)

    def unlink_case(self, plan_id: UUID, *, case_id: UUID, **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.unlink_case(case_id), **options)

    # -- stages --------------------------------------------------------------------

    def advance(self, plan_id: UUID, **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.advance(), **options)

    def send_back(self, plan_id: UUID, *, to_stage: PlanStage | str, reason: str,
                  **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.send_back(to_stage, reason), **options)

    def close(self, plan_id: UUID, *, notes: str | None = None,
              **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.close(notes), **options)

    def reopen(self, plan_id: UUID, *, reason: str, **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.reopen(reason), **options)

    # -- objective, scanning, analysis ---------------------------------------------

    def set_objective(self, plan_id: UUID, *, aim: str, **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.set_objective(aim), **options)

    def record_scanning(self, plan_id: UUID, *, side: TriangleSide | str, description: str,
                        frequency: str, duration: str, data_sources: Sequence[str],
                        **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.record_scanning(
            side, description, frequency, duration, data_sources), **options)

    def record_baseline(self, plan_id: UUID, *, name: str, value: Decimal | int,
                        period_start: date, period_end: date,
                        **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.record_baseline(
            name, value, period_start, period_end), **options)

    def record_analysis(self, plan_id: UUID, *, side: TriangleSide | str, why: str,
                        **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.record_analysis(side, why), **options)

    def record_triggers(self, plan_id: UUID, *, triggers: str,
                        **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.record_triggers(triggers), **options)

    def set_hypothesis(self, plan_id: UUID, *, hypothesis: str,
                       **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.set_hypothesis(hypothesis), **options)

    def add_specific_objective(self, plan_id: UUID, *, description: str, measure: str,
                               target: Decimal | int,
                               **options: Any) -> tuple[CommandOutcome, int]:
        return self._change_numbered(plan_id, lambda plan: plan.add_specific_objective(
            description, measure, target), **options)

    def remove_specific_objective(self, plan_id: UUID, *, number: int,
                                  **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.remove_specific_objective(number),
                            **options)

    # -- responses -----------------------------------------------------------------

    def plan_response(self, plan_id: UUID, *, description: str, agency: str, owner: str,
                      due_on: date, depends_on_funding: bool = False,
                      **options: Any) -> tuple[CommandOutcome, int]:
        def command(plan: ProblemSolvingPlan) -> int:
            self.checks.agency(plan.partnership_id, agency, "agency")
            return plan.plan_response(description, agency, owner, due_on, depends_on_funding)

        return self._change_numbered(plan_id, command, **options)

    def reschedule_response(self, plan_id: UUID, *, number: int, due_on: date,
                            **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.reschedule_response(number, due_on),
                            **options)

    def action_response(self, plan_id: UUID, *, number: int, actioned_on: date | None = None,
                        **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.action_response(number, actioned_on),
                            **options)

    def complete_response(self, plan_id: UUID, *, number: int,
                          completed_on: date | None = None, notes: str | None = None,
                          **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.complete_response(
            number, completed_on, notes), **options)

    def drop_response(self, plan_id: UUID, *, number: int, reason: str,
                      **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.drop_response(number, reason),
                            **options)

    # -- assessment ----------------------------------------------------------------

    def record_after_measure(self, plan_id: UUID, *, name: str, value: Decimal | int,
                             period_start: date, period_end: date,
                             **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.record_after_measure(
            name, value, period_start, period_end), **options)

    def record_assessment(self, plan_id: UUID, *, delivery: Delivery | str,
                          result: AssessmentResult | str, notes: str,
                          handed_to: str | None = None, **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.record_assessment(
            delivery, result, notes, handed_to), **options)

    # -- budget, risks, timescales ---------------------------------------------------

    def request_funding(self, plan_id: UUID, *, amount: Decimal | int,
                        **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.request_funding(amount), **options)

    def record_matched_funding(self, plan_id: UUID, *, partner: str, amount: Decimal | int,
                               **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.record_matched_funding(partner, amount),
                            **options)

    def withdraw_matched_funding(self, plan_id: UUID, *, partner: str,
                                 **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.withdraw_matched_funding(partner),
                            **options)

    def record_funding_award(self, plan_id: UUID, *, funder: str, amount: Decimal | int,
                             awarded_on: date, spend_by: date,
                             **options: Any) -> CommandOutcome:
        access.require_role(*access.COORDINATORS, doing="recording a funding award")
        return self._change(plan_id, lambda plan: plan.record_funding_award(
            funder, amount, awarded_on, spend_by), **options)

    def record_spend(self, plan_id: UUID, *, amount: Decimal | int, spent_on: date,
                     description: str, **options: Any) -> tuple[CommandOutcome, int]:
        return self._change_numbered(plan_id, lambda plan: plan.record_spend(
            amount, spent_on, description), **options)

    def add_risk(self, plan_id: UUID, *, description: str, mitigation: str,
                 level: RiskLevel | str, **options: Any) -> tuple[CommandOutcome, int]:
        return self._change_numbered(plan_id, lambda plan: plan.add_risk(
            description, mitigation, level), **options)

    def remove_risk(self, plan_id: UUID, *, number: int, **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.remove_risk(number), **options)

    def set_timescale(self, plan_id: UUID, *, starts_on: date, ends_on: date,
                      **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.set_timescale(starts_on, ends_on),
                            **options)

    def add_milestone(self, plan_id: UUID, *, title: str, due_on: date,
                      **options: Any) -> tuple[CommandOutcome, int]:
        return self._change_numbered(plan_id, lambda plan: plan.add_milestone(title, due_on),
                                     **options)

    def achieve_milestone(self, plan_id: UUID, *, number: int,
                          achieved_on: date | None = None, **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.achieve_milestone(number, achieved_on),
                            **options)

    def record_community_involvement(self, plan_id: UUID, *, stage: PlanStage | str,
                                     description: str, **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.record_community_involvement(
            stage, description), **options)

    # -- governance ----------------------------------------------------------------

    def record_sign_off(self, plan_id: UUID, *, notes: str | None = None,
                        signed_on: date | None = None, **options: Any) -> CommandOutcome:
        """The acting user signs the plan off as its supervisor (not the lead officer)."""
        supervisor = access.require_role(*PLAN_WRITERS, doing="signing off a plan").user_id
        return self._change(plan_id, lambda plan: plan.record_sign_off(
            supervisor, notes, signed_on), **options)

    def agree_at_jag(self, plan_id: UUID, *, meeting_on: date, notes: str | None = None,
                     **options: Any) -> CommandOutcome:
        access.require_role(*access.COORDINATORS, doing="recording the JAG's agreement")
        return self._change(plan_id, lambda plan: plan.agree_at_jag(meeting_on, notes),
                            **options)

    def schedule_review(self, plan_id: UUID, *, due_on: date,
                        **options: Any) -> CommandOutcome:
        return self._change(plan_id, lambda plan: plan.schedule_review(due_on), **options)

    def record_review(self, plan_id: UUID, *, held_on: date, notes: str,
                      next_review_due: date | None = None, **options: Any) -> CommandOutcome:
        rules = self.plan_rules
        return self._change(plan_id, lambda plan: plan.record_review(
            held_on, notes, next_review_due, rules), **options)

    # -- plumbing ------------------------------------------------------------------

    def _load(self, plan_id: UUID) -> ProblemSolvingPlan:
        return self.loader.load(ProblemSolvingPlan, "plan", plan_id)

    def _change(self, plan_id: UUID, command: Callable[[ProblemSolvingPlan], object], *,
                expected_version: int | None = None,
                idempotency: Idempotency | None = None) -> CommandOutcome:
        access.require_role(*PLAN_WRITERS, doing="changing a plan")

        def run(plan: ProblemSolvingPlan) -> None:
            command(plan)

        return self.runner.update(plan_id, self._load, run,
                                  expected_version=expected_version, idempotency=idempotency)

    def _change_numbered(self, plan_id: UUID, command: Callable[[ProblemSolvingPlan], int], *,
                         expected_version: int | None = None,
                         idempotency: Idempotency | None = None) -> tuple[CommandOutcome, int]:
        """For commands that add a numbered item (response R1, risk 2...) and return it.

        On an idempotent replay the command does not run again, so the number is found
        by comparing the plan at the recorded version with the version before it.
        """
        created: list[int] = []

        def run(plan: ProblemSolvingPlan) -> None:
            created.clear()
            created.append(command(plan))

        outcome = self._change(plan_id, run, expected_version=expected_version,
                               idempotency=idempotency)
        if created:
            return outcome, created[0]
        after = self.loader.load(ProblemSolvingPlan, "plan", plan_id, version=outcome.version)
        before = self.loader.load(ProblemSolvingPlan, "plan", plan_id,
                                  version=outcome.version - 1)
        new = _numbered_items(after) - _numbered_items(before)
        if len(new) != 1:
            raise NotFound("numbered item of plan", plan_id)
        return outcome, new.pop()[1]


def _numbered_items(plan: ProblemSolvingPlan) -> set[tuple[str, int]]:
    return (
        {("objective", o.number) for o in plan.specific_objectives}
        | {("response", r.number) for r in plan.responses}
        | {("spend", s.number) for s in plan.spend_entries}
        | {("risk", r.number) for r in plan.risks}
        | {("milestone", m.number) for m in plan.milestones}
    )
