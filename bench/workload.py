"""Random but realistic sequences of real domain commands on ASB cases, problem-solving
plans and ASB Case Reviews, saved to a real store.

Shared by the view tests (``tests/projections/test_views_*.py``, choices drawn by
hypothesis) and the projection benchmark (``bench/bench_projections.py``, choices from a
seeded ``random.Random``), so the benchmark measures the kind of log the tests check.

Each step moves the domain clock on (minutes, hours, days, or to just before or after a
quarter boundary at London midnight, in summer and winter time) and runs one command.
Commands the domain rejects (``DomainError``) change nothing, as the domain guarantees;
the workload carries on. Aggregates are kept in memory and saved every ``save_every``
steps (one transaction per save).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid5

from application.store import CaseworkStore
from domain.cases import (
    AsbCase,
    AsbType,
    ClosureOutcome,
    InterventionResult,
    InterventionType,
    JagOutcome,
    NsirCategory,
    PartyRole,
    ReportingChannel,
    RiskQuestionnaire,
    SupervisorDecision,
    VulnerabilityFlag,
)
from domain.plans import AssessmentResult, Delivery, PlanStage, ProblemSolvingPlan, TriangleSide
from domain.reviews.aggregate import CaseReview
from domain.reviews.rules import TriggerRules
from domain.reviews.values import (
    Applicant,
    ApplicantRole,
    ApplicationChannel,
    ComplaintReport,
    ContactMethod,
    EscalationResult,
    ReviewStatus,
    VictimKind,
    VictimParticipation,
)
from domain.shared import clock
from domain.shared.errors import DomainError
from domain.shared.periods import FinancialQuarter, local_date

T = TypeVar("T")

START = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
PEOPLE_NAMESPACE = UUID("0b7e5a64-2f1d-4c3e-8a59-7d6c1e2f3a4b")


class Chooser(Protocol):
    """Where the workload's choices come from."""

    def integer(self, low: int, high: int) -> int: ...

    def pick(self, options: Sequence[T]) -> T: ...


class RandomChooser:
    def __init__(self, seed: int = 0) -> None:
        self.random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.random.randrange(len(options))]


@dataclass(frozen=True)
class Area:
    partnership_id: str
    wards: tuple[tuple[str, str, str], ...]
    """(ward, neighbourhood, outward postcode)."""
    agencies: tuple[str, ...]
    priorities: tuple[str, ...]


AREAS = (
    Area("north-herts",
         (("Hitchin Bearton", "Hitchin", "SG5"), ("Letchworth Grange", "Letchworth", "SG6"),
          ("Baldock Town", "Baldock", "SG7"), ("Royston Palace", "Royston", "SG8")),
         ("herts-police", "north-herts-council", "settle-housing", "herts-fire"),
         ("Anti-social behaviour in town centres", "Domestic abuse")),
    Area("st-albans",
         (("St Peters", "St Albans City", "AL1"), ("Verulam", "St Albans City", "AL3"),
          ("Harpenden East", "Harpenden", "AL5")),
         ("herts-police", "st-albans-council", "clarion-housing"),
         ("Anti-social behaviour",)),
)
OFFICERS = ("pc.jones", "asb.officer.lee", "pcso.khan", "housing.officer.ray")
SUMMARIES = (
    "Loud music from the flat above most nights",
    "Youths gathering by the shops, shouting and throwing bottles",
    "Fly-tipping behind the garages on the estate",
    "Cars racing around the retail park car park",
    "Graffiti on the underpass and bus shelter",
    "Street drinking outside the off-licence",
    "Neighbour dispute over parking and threats",
)
LIGHT_INTERVENTIONS = (
    InterventionType.ADVISORY_LETTER, InterventionType.WARNING,
    InterventionType.ACCEPTABLE_BEHAVIOUR_AGREEMENT, InterventionType.MEDIATION,
    InterventionType.SUPPORT_REFERRAL, InterventionType.COMMUNITY_PROTECTION_WARNING,
)
QUESTIONS = RiskQuestionnaire().codes
ASB_TYPES = tuple(t for t in AsbType if t is not AsbType.OTHER)


@dataclass
class Workload:
    store: CaseworkStore
    chooser: Chooser
    now: datetime = START
    save_every: int = 1
    pace: tuple[str, ...] = ("minutes", "hours", "hours", "days", "boundary")
    """How the clock moves between steps: minutes, hours, days or boundary (see above)."""
    reference_base: int = 0
    """References are numbered from here: workloads sharing a store use distinct bases."""
    people_per_area: int = 8
    cases: list[AsbCase] = field(default_factory=list)
    plans: list[ProblemSolvingPlan] = field(default_factory=list)
    reviews: list[CaseReview] = field(default_factory=list)
    steps: int = 0
    rejected: int = 0
    _dirty: dict[UUID, Any] = field(default_factory=dict)
    _numbers: dict[str, int] = field(default_factory=dict)

    # -- running -------------------------------------------------------------------

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()
        self.flush()

    def step(self) -> None:
        self.advance_clock()
        operation = self.chooser.pick(OPERATIONS)
        with clock.frozen_at(self.now):
            try:
                operation(self)
            except DomainError:
                self.rejected += 1
        self.steps += 1
        if self.steps % self.save_every == 0:
            self.flush()

    def flush(self) -> None:
        if self._dirty:
            self.store.save(*self._dirty.values())
            self._dirty.clear()

    def touched(self, aggregate: Any) -> None:
        self._dirty[aggregate.id] = aggregate

    def advance_clock(self) -> None:
        kind = self.chooser.pick(self.pace)
        if kind == "minutes":
            self.now += timedelta(minutes=self.chooser.integer(1, 59))
        elif kind == "hours":
            self.now += timedelta(hours=self.chooser.integer(1, 12))
        elif kind == "days":
            self.now += timedelta(days=self.chooser.integer(1, 4),
                                  minutes=self.chooser.integer(0, 600))
        else:  # to just before or after the next quarter boundary, if it is near
            boundary = FinancialQuarter.at(self.now).next().starts_at
            offset = timedelta(minutes=self.chooser.pick((-45, -30, -1, 0, 29, 30, 90)))
            target = boundary + offset
            if self.now < target <= self.now + timedelta(days=30):
                self.now = target
            else:
                self.now += timedelta(hours=self.chooser.integer(1, 30))

    # -- helpers ---------------------------------------------------------------------

    @property
    def today(self) -> date:
        return local_date(self.now)

    def reference(self, prefix: str, width: int) -> str:
        year = self.now.year
        key = f"{prefix}-{year}"
        self._numbers[key] = self._numbers.get(key, self.reference_base) + 1
        return f"{prefix}-{year}-{self._numbers[key]:0{width}d}"

    def area(self, partnership_id: str | None = None) -> Area:
        if partnership_id is None:
            return self.chooser.pick(AREAS)
        return next(a for a in AREAS if a.partnership_id == partnership_id)

    def person(self, partnership_id: str) -> UUID:
        number = self.chooser.integer(1, self.people_per_area)
        return uuid5(PEOPLE_NAMESPACE, f"{partnership_id}/{number}")

    def some(self, items: Sequence[T]) -> T | None:
        return self.chooser.pick(items) if items else None

    def hours_ago(self, low: int, high: int) -> datetime:
        return self.now - timedelta(hours=self.chooser.integer(low, high),
                                    minutes=self.chooser.integer(0, 59))


# ================================================================================ cases


def open_case(w: Workload) -> None:
    area = w.area()
    ward, neighbourhood, postcode = w.chooser.pick(area.wards)
    case = AsbCase.open(
        partnership_id=area.partnership_id, reference=w.reference("ASB", 5),
        nsir_category=w.chooser.pick(tuple(NsirCategory)),
        asb_type=w.chooser.pick(ASB_TYPES), summary=w.chooser.pick(SUMMARIES),
        address=f"{w.chooser.integer(1, 90)} High Street", ward=ward,
        neighbourhood=neighbourhood,
        outward_postcode=w.chooser.pick((postcode, postcode, None)),
        reporting_channel=w.chooser.pick(tuple(ReportingChannel)),
        lead_agency=w.chooser.pick(area.agencies), lead_officer=w.chooser.pick(OFFICERS),
        reported_at=w.hours_ago(0, 60),
    )
    w.cases.append(case)
    w.touched(case)


def _case(w: Workload, op: Callable[[AsbCase], Any], *, closed_too: bool = False) -> None:
    recent = w.cases[-20:]
    case = w.some(recent if closed_too else [c for c in recent if c.is_open][-12:] or recent)
    if case is not None:
        w.touched(case)
        op(case)


def add_party(w: Workload) -> None:
    _case(w, lambda case: case.add_party(
        person_id=w.person(case.partnership_id),
        role=w.chooser.pick((PartyRole.VICTIM, PartyRole.VICTIM, PartyRole.COMPLAINANT,
                             PartyRole.ALLEGED_PERPETRATOR, PartyRole.WITNESS))))


def remove_party(w: Workload) -> None:
    def op(case: AsbCase) -> None:
        party = w.some(case.parties)
        if party is not None:
            case.remove_party(person_id=party.person_id, role=party.role, reason="added in error")

    _case(w, op)


def log_incident(w: Workload) -> None:
    def op(case: AsbCase) -> None:
        occurred = w.hours_ago(1, 24 * 10)
        reported = min(w.now, occurred + timedelta(minutes=w.chooser.integer(0, 300)))
        reporter = w.chooser.pick((None, *case.person_ids))
        case.log_incident(
            occurred_at=occurred, reported_at=reported,
            reported_to_agency=w.chooser.pick(w.area(case.partnership_id).agencies),
            description="Shouting and banging late at night",
            agency_reference=w.chooser.pick((None, None, "HC-001", "HC-002", "NHC 001")),
            reported_by=reporter,
        )

    _case(w, op)


def assess_risk(w: Workload) -> None:
    def op(case: AsbCase) -> None:
        if not case.victim_ids:
            case.add_party(person_id=w.person(case.partnership_id), role=PartyRole.VICTIM)
        victim = w.chooser.pick((*case.victim_ids, *case.victim_ids, w.person(case.partnership_id)))
        yes = {w.chooser.pick(QUESTIONS) for _ in range(w.chooser.integer(0, 8))}
        flags = w.chooser.pick(((), (), (VulnerabilityFlag.OLDER_PERSON,),
                                (VulnerabilityFlag.MENTAL_HEALTH,)))
        case.assess_risk(victim_id=victim, answers={q: q in yes for q in QUESTIONS},
                         assessed_by=w.chooser.pick(OFFICERS), vulnerability_flags=flags)

    _case(w, op)


def supervisor_review(w: Workload) -> None:
    _case(w, lambda case: case.record_supervisor_review(
        reviewed_by="sgt.patel", decision=w.chooser.pick(tuple(SupervisorDecision))))


def record_intervention(w: Workload) -> None:
    def op(case: AsbCase) -> None:
        if not case.alleged_perpetrator_ids:
            case.add_party(person_id=w.person(case.partnership_id),
                           role=PartyRole.ALLEGED_PERPETRATOR)
        case.record_intervention(
            intervention_type=w.chooser.pick(LIGHT_INTERVENTIONS),
            agency=w.chooser.pick(w.area(case.partnership_id).agencies),
            officer=w.chooser.pick(OFFICERS),
            started_on=w.today - timedelta(days=w.chooser.integer(0, 20)),
            subject_id=w.chooser.pick(case.alleged_perpetrator_ids),
        )

    _case(w, op)


def intervention_result(w: Workload) -> None:
    def op(case: AsbCase) -> None:
        intervention = w.some(case.interventions_awaiting_result)
        if intervention is not None:
            case.record_intervention_result(
                intervention_id=intervention.intervention_id,
                result=w.chooser.pick((InterventionResult.COMPLIED, InterventionResult.BREACHED)),
                result_on=w.today)

    _case(w, op)


def set_action(w: Workload) -> None:
    _case(w, lambda case: case.set_action(
        agency=w.chooser.pick(w.area(case.partnership_id).agencies),
        owner=w.chooser.pick(OFFICERS), description="Visit the complainant and update them",
        due_on=w.today + timedelta(days=w.chooser.integer(0, 30))))


def finish_action(w: Workload) -> None:
    def op(case: AsbCase) -> None:
        action = w.some(case.open_actions)
        if action is None:
            return
        how = w.chooser.pick(("complete", "complete", "cancel", "reassign"))
        if how == "complete":
            case.complete_action(action_id=action.action_id, note="done")
        elif how == "cancel":
            case.cancel_action(action_id=action.action_id, reason="no longer needed")
        else:
            case.reassign_action(
                action_id=action.action_id,
                agency=w.chooser.pick(w.area(case.partnership_id).agencies),
                owner=w.chooser.pick(OFFICERS),
                due_on=w.today + timedelta(days=w.chooser.integer(0, 14)))

    _case(w, op)


def jag(w: Workload) -> None:
    def op(case: AsbCase) -> None:
        referral = case.open_jag_referral
        if referral is None:
            case.refer_to_jag(reason="Repeat victim, single-agency work not enough")
        elif referral.accepted_on is None and w.chooser.pick((True, True, False)):
            case.accept_jag_referral(accepted_on=w.today)
        else:
            case.conclude_jag_referral(outcome=w.chooser.pick(tuple(JagOutcome)))

    _case(w, op)


def close_case(w: Workload) -> None:
    def op(case: AsbCase) -> None:
        if case.is_closed:
            if w.chooser.pick((True, False)):
                case.reopen(reason="New reports")
            return
        for action in case.open_actions:
            case.complete_action(action_id=action.action_id, note="done")
        referral = case.open_jag_referral
        if referral is not None:
            case.conclude_jag_referral(outcome=JagOutcome.DISCHARGED
                                       if referral.accepted_on else JagOutcome.WITHDRAWN)
        case.close(outcome=w.chooser.pick(tuple(ClosureOutcome)), reason="Resolved",
                   victim_satisfaction=w.chooser.pick((None, 1, 2, 3, 4, 5)))

    _case(w, op)


def change_lead(w: Workload) -> None:
    _case(w, lambda case: case.change_lead(
        lead_agency=w.chooser.pick(w.area(case.partnership_id).agencies),
        lead_officer=w.chooser.pick(OFFICERS)))


# ================================================================================ plans


def open_plan(w: Workload) -> None:
    if w.plans and w.chooser.pick([True, True, True, False]) is True:
        progress_plan(w)  # plans take many steps: open fewer than cases
        return
    area = w.area()
    ward, neighbourhood, _ = w.chooser.pick(area.wards)
    plan = ProblemSolvingPlan.open(
        partnership_id=area.partnership_id, reference=w.reference("PSP", 4),
        title=f"{w.chooser.pick(('Underpass', 'Retail park', 'Town centre'))} problem",
        ward=ward, neighbourhood=neighbourhood, priority=area.priorities[0],
        allowed_priorities=area.priorities, lead_agency=w.chooser.pick(area.agencies),
        lead_officer=w.chooser.pick(OFFICERS))
    w.plans.append(plan)
    w.touched(plan)


def progress_plan(w: Workload) -> None:
    """The next step a plan needs (what a diligent officer would do next)."""
    plan = w.some(w.plans[-4:])
    if plan is None:
        return
    w.touched(plan)
    stage = plan.stage
    if stage is PlanStage.OBJECTIVE:
        if not plan.objective:
            plan.set_objective("Reduce ASB at the location")
        else:
            plan.advance()
    elif stage is PlanStage.SCANNING:
        missing = [s for s in TriangleSide if s not in plan.scanning]
        if missing:
            plan.record_scanning(missing[0], "What happens", "weekly", "six months", ["police"])
        elif not plan.baseline_measures:
            plan.record_baseline("Calls", w.chooser.integer(5, 60), w.today - timedelta(days=90),
                                 w.today - timedelta(days=31))
        else:
            plan.advance()
    elif stage is PlanStage.ANALYSIS:
        missing = [s for s in TriangleSide if s not in plan.analysis]
        if missing:
            plan.record_analysis(missing[0], "Why it happens")
        elif not plan.triggers:
            plan.record_triggers("School holidays")
        elif not plan.hypothesis:
            plan.set_hypothesis("Poor lighting")
        elif not plan.specific_objectives:
            plan.add_specific_objective("Fewer calls", plan.baseline_measures[0].name, 5)
        else:
            plan.advance()
    elif stage is PlanStage.RESPONSE:
        _respond(w, plan)
    elif stage is PlanStage.ASSESSMENT:
        measured = {m.name for m in plan.after_measures}
        todo = [m for m in plan.baseline_measures if m.name not in measured]
        if todo:
            plan.record_after_measure(todo[0].name, w.chooser.integer(0, 40),
                                      todo[0].period_end + timedelta(days=1), w.today)
        elif plan.assessment is None:
            result = w.chooser.pick(tuple(AssessmentResult))
            plan.record_assessment(
                w.chooser.pick(tuple(Delivery)), result, "Assessed",
                handed_to="herts-police"
                if result is AssessmentResult.HANDED_TO_ANOTHER_AGENCY else None)
        else:
            plan.close("Done")
    elif w.chooser.pick((True, False, False)):
        plan.reopen("New information")


def _respond(w: Workload, plan: ProblemSolvingPlan) -> None:
    area = w.area(plan.partnership_id)
    live = [r for r in plan.responses if r.status.value != "dropped"]
    if not live or (len(plan.responses) < 3 and w.chooser.pick((True, False))):
        plan.plan_response("Improve lighting", w.chooser.pick(area.agencies),
                           w.chooser.pick(OFFICERS),
                           w.today + timedelta(days=w.chooser.integer(0, 30)),
                           w.chooser.pick((False, True)))
    elif not plan.is_signed_off:
        supervisor = "sgt.patel" if plan.lead_officer != "sgt.patel" else "insp.moss"
        plan.record_sign_off(supervisor)
    elif not plan.agreed_at_jag:
        plan.agree_at_jag(w.today)
    elif plan.open_responses:
        response = w.chooser.pick(plan.open_responses)
        if response.status.value == "planned" and w.chooser.pick((True, False)):
            plan.action_response(response.number)
        else:
            plan.complete_response(response.number)
    else:
        plan.advance()


def plan_side_step(w: Workload) -> None:
    """Something that does not move a plan on: reviews, dropping, rescheduling, sending back."""
    plan = w.some(w.plans[-4:])
    if plan is None:
        return
    w.touched(plan)
    what = w.chooser.pick(("review", "schedule", "drop", "reschedule", "send_back", "fund",
                           "link"))
    if what == "review":
        plan.record_review(w.today, "Reviewed at the JAG")
    elif what == "schedule":
        plan.schedule_review(w.today + timedelta(days=w.chooser.integer(0, 20)))
    elif what == "drop" and plan.open_responses:
        plan.drop_response(w.chooser.pick(plan.open_responses).number, "Not needed")
    elif what == "reschedule" and plan.open_responses:
        plan.reschedule_response(w.chooser.pick(plan.open_responses).number,
                                 w.today + timedelta(days=w.chooser.integer(0, 20)))
    elif what == "send_back":
        plan.send_back(w.chooser.pick((PlanStage.SCANNING, PlanStage.ANALYSIS)), "New facts")
    elif what == "fund":
        plan.record_funding_award("PCC fund", Decimal(1000), w.today,
                                  w.today + timedelta(days=120))
    elif what == "link":
        case = w.some([c for c in w.cases if c.partnership_id == plan.partnership_id])
        if case is not None:
            plan.link_case(case.id)


# ============================================================================== reviews


def receive_review(w: Workload) -> None:
    if w.reviews and w.chooser.pick([True, False]) is True:
        progress_review(w)
        return
    area = w.area()
    complaints = [
        ComplaintReport(behaviour_at=(moment := w.hours_ago(24, 24 * 150)),
                        reported_on=min(w.today, local_date(moment)
                                        + timedelta(days=w.chooser.integer(0, 40))),
                        agency=w.chooser.pick(area.agencies),
                        complainant=w.chooser.pick(("victim", "neighbour-1", "neighbour-2")),
                        description="Shouting at night",
                        agency_reference=w.chooser.pick((None, "HC-001", "HC-002")))
        for _ in range(w.chooser.integer(0, 4))
    ]
    cases = [c.id for c in w.cases if c.partnership_id == area.partnership_id][-2:]
    review = CaseReview.receive(
        partnership_id=area.partnership_id, reference=w.reference("CR", 4),
        applicant=Applicant(ApplicantRole.VICTIM, w.chooser.pick(
            (VictimKind.BUSINESS, VictimKind.COMMUNITY_GROUP))),
        applicant_description="A shop keeper on the parade",
        received_via=w.chooser.pick(tuple(ApplicationChannel)), received_on=w.today,
        complaints=complaints, asb_case_ids=w.chooser.pick(((), cases)),
        hate_incident_involved=w.chooser.pick((False, True)),
        victim_vulnerable=w.chooser.pick((False, True)))
    w.reviews.append(review)
    w.touched(review)


def progress_review(w: Workload) -> None:
    review = w.some(w.reviews[-5:])
    if review is None:
        return
    w.touched(review)
    status, today = review.status, w.today
    area = w.area(review.partnership_id)
    s = ReviewStatus
    if status is s.RECEIVED:
        review.acknowledge(today)
    elif status is s.ACKNOWLEDGED:
        review.decide_threshold(TriggerRules(), today)
    elif status is s.THRESHOLD_NOT_MET:
        choice = w.chooser.pick(("discretion", "close", "escalate"))
        if choice == "discretion":
            review.agree_discretionary_review(today, "Vulnerable victim")
        elif choice == "close":
            review.close(today)
        else:
            review.request_escalation(today, "PCC office", "Not handled properly")
    elif status in (s.THRESHOLD_MET, s.REVIEW_AGREED_ON_DISCRETION, s.REOPENED):
        review.hold_review(today, agencies_attending=list(area.agencies[:2]),
                           victim_participation=w.chooser.pick(tuple(VictimParticipation)),
                           findings="Agencies did not share information")
    elif status is s.REVIEW_HELD:
        if len(review.recommendations) < 2 and w.chooser.pick((True, True, False)):
            review.make_recommendation(w.chooser.pick(area.agencies), "Share reports weekly",
                                       today + timedelta(days=w.chooser.integer(0, 30)), today)
        else:
            review.send_outcome(today, w.chooser.pick(tuple(ContactMethod)))
    elif status is s.OUTCOME_SENT:
        if review.open_recommendations:
            number = w.chooser.pick(review.open_recommendations).number
            if w.chooser.pick((True, True, False)):
                review.complete_recommendation(number, today)
            else:
                review.record_recommendation_not_accepted(number, today, "Not feasible")
        elif w.chooser.pick((True, False)):
            review.close(today)
        else:
            review.request_escalation(today, "PCC office", "Outcome not good enough")
    elif status is s.ESCALATED:
        review.resolve_escalation(w.chooser.pick(tuple(EscalationResult)), today)
    elif status is s.CLOSED and w.chooser.pick((True, False, False)):
        review.request_escalation(today, "PCC office", "Closed too soon")


def review_side_step(w: Workload) -> None:
    review = w.some(w.reviews[-5:])
    if review is None:
        return
    w.touched(review)
    what = w.chooser.pick(("complaint", "withdraw", "not_accepted"))
    if what == "complaint":
        moment = w.hours_ago(24, 24 * 60)
        review.add_complaint(ComplaintReport(
            behaviour_at=moment, reported_on=min(review.received_on, local_date(moment)),
            agency="herts-police", complainant="neighbour-3", description="Noise"))
    elif what == "withdraw" and w.chooser.pick((True, False, False)):
        review.withdraw(w.today, "Applicant moved away")
    elif what == "not_accepted" and review.open_recommendations:
        review.record_recommendation_not_accepted(
            review.open_recommendations[0].number, w.today, "Not feasible")


OPERATIONS: tuple[Callable[[Workload], None], ...] = (
    open_case, open_case, open_case, add_party, add_party, add_party, remove_party,
    log_incident, log_incident, log_incident, log_incident, assess_risk, assess_risk,
    supervisor_review, record_intervention, intervention_result, set_action, set_action,
    finish_action, finish_action, jag, jag, close_case, close_case, change_lead,
    open_plan, progress_plan, progress_plan, progress_plan, progress_plan, progress_plan,
    progress_plan, plan_side_step, receive_review, progress_review, progress_review,
    progress_review, progress_review, review_side_step,
)
