"""Stateful property test: any sequence of plan commands keeps the stage rules, and the
plan replayed from the store equals the live one."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from application.store import CaseworkStore
from domain.plans import (
    AssessmentResult,
    Delivery,
    PlanStage,
    PlanStatus,
    ProblemSolvingPlan,
    ResponseStatus,
    TriangleSide,
)
from domain.shared import clock
from domain.shared.errors import DomainError

PRIORITIES = ("Anti-social behaviour", "Drug-related harm")
LEAD_OFFICER = "asb.officer.1"
MEASURES = ("Calls to police", "Litter reports")
CASE_IDS = (
    UUID("00000000-0000-4000-8000-000000000001"),
    UUID("00000000-0000-4000-8000-000000000002"),
)

texts = st.sampled_from(["", "  ", "Traders shouted at", "Young people gather by the fountain"])
sides = st.sampled_from([*TriangleSide, "bystander"])
stages = st.sampled_from([*PlanStage, "nowhere"])
numbers = st.integers(min_value=0, max_value=4)
day_offsets = st.integers(min_value=-5, max_value=30)
amounts = st.sampled_from([Decimal("0"), Decimal("-1"), Decimal("250.00"), Decimal("12.345"), 100])


def strictly_equal(live: Any, replayed: Any, path: str = "plan") -> None:
    """Equal values of exactly the same types all the way down (a str is not an enum)."""
    assert type(live) is type(replayed), f"{path}: {type(live)} != {type(replayed)}"
    if isinstance(live, dict):
        assert live.keys() == replayed.keys(), path
        for key in live:
            strictly_equal(live[key], replayed[key], f"{path}[{key!r}]")
    elif isinstance(live, list | tuple):
        assert len(live) == len(replayed), path
        for index, (a, b) in enumerate(zip(live, replayed, strict=True)):
            strictly_equal(a, b, f"{path}[{index}]")
    elif dataclasses.is_dataclass(live):
        for f in dataclasses.fields(live):
            strictly_equal(getattr(live, f.name), getattr(replayed, f.name), f"{path}.{f.name}")
    else:
        assert live == replayed, path


def state_of(plan: ProblemSolvingPlan) -> dict[str, Any]:
    return {k: v for k, v in vars(plan).items() if k != "_pending_events"}


class PlanMachine(RuleBasedStateMachine):
    """Drives one plan with valid and invalid commands while the clock moves forward."""

    def __init__(self) -> None:
        super().__init__()
        self.today = date(2026, 3, 2)
        self.furthest = PlanStage.OBJECTIVE
        with self.clock():
            self.plan = ProblemSolvingPlan.open(
                partnership_id="north-herts",
                reference="PSP-2026-0001",
                title="Street drinking in Market Square",
                ward="Hitchin Bearton",
                priority=PRIORITIES[0],
                allowed_priorities=PRIORITIES,
                lead_agency="north-herts-council",
                lead_officer=LEAD_OFFICER,
            )

    @contextmanager
    def clock(self) -> Iterator[None]:
        with clock.frozen_at(datetime.combine(self.today, time(12), tzinfo=UTC)):
            yield

    def attempt(self, command: Callable[[], object]) -> bool:
        """Run a command: accepted, it records exactly one event; rejected, it changes
        nothing at all."""
        version = self.plan.version
        before = copy.deepcopy(state_of(self.plan))
        rejection: DomainError | None = None
        with self.clock():
            try:
                command()
            except DomainError as error:
                rejection = error
        if rejection is None:
            assert self.plan.version == version + 1
            return True
        assert rejection.rule
        assert rejection.message
        assert self.plan.version == version
        assert state_of(self.plan) == before
        return False

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    # ------------------------------------------------------------------ the clock

    @rule(days=st.integers(min_value=1, max_value=40))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    # -------------------------------------------------------------- stage moves

    @rule()
    def advance(self) -> None:
        stage = self.plan.stage
        could_move = stage.rank < PlanStage.ASSESSMENT.rank and not self.plan.missing_sections()
        moved = self.attempt(self.plan.advance)
        assert moved == could_move
        if moved:
            assert self.plan.stage.rank == stage.rank + 1

    @rule(to_stage=stages, reason=texts)
    def send_back(self, to_stage: PlanStage | str, reason: str) -> None:
        stage = self.plan.stage
        if self.attempt(lambda: self.plan.send_back(to_stage, reason)):
            assert self.plan.stage in (PlanStage.SCANNING, PlanStage.ANALYSIS)
            assert self.plan.stage.rank < stage.rank
            # the revised plan is signed off, agreed and assessed afresh
            assert not self.plan.is_signed_off
            assert not self.plan.agreed_at_jag
            assert self.plan.assessment is None
            assert self.plan.after_measures == ()

    @rule(notes=texts)
    def close(self, notes: str) -> None:
        could_close = self.plan.stage is PlanStage.ASSESSMENT and not self.plan.missing_sections()
        assert self.attempt(lambda: self.plan.close(notes)) == could_close

    @rule(reason=texts)
    def reopen(self, reason: str) -> None:
        was_closed = self.plan.is_closed
        if self.attempt(lambda: self.plan.reopen(reason)):
            assert was_closed
            assert self.plan.stage is PlanStage.ASSESSMENT

    @initialize(start=st.sampled_from(list(PlanStage)))
    def start_at(self, start: PlanStage) -> None:
        """Begin each run at any stage, reached the valid way."""
        while self.plan.stage.rank < start.rank:
            stage = self.plan.stage
            self.progress()
            assert self.plan.stage.rank == stage.rank + 1

    @rule()
    def progress(self) -> None:
        """Complete the current stage and move on (or close after the assessment)."""
        self.fill_current_stage()
        if self.plan.stage is PlanStage.ASSESSMENT:
            self.close("Objective met")
        elif not self.plan.is_closed:
            self.advance()

    @rule()
    def fill_current_stage(self) -> None:
        """Record everything the current stage still needs, so runs reach every stage."""
        plan = self.plan
        if plan.stage is PlanStage.OBJECTIVE:
            self.attempt(lambda: plan.set_objective("Market Square is safe to use"))
        elif plan.stage is PlanStage.SCANNING:
            for side in TriangleSide:
                self.attempt(partial(plan.record_scanning, side, "What", "Daily", "Months", ["C"]))
            if not plan.baseline_measures:
                self.attempt(
                    lambda: plan.record_baseline(MEASURES[0], 40, self.day(-120), self.day(-30))
                )
        elif plan.stage is PlanStage.ANALYSIS:
            for side in TriangleSide:
                self.attempt(partial(plan.record_analysis, side, "Why it happens"))
            self.attempt(lambda: plan.record_triggers("Payday"))
            self.attempt(lambda: plan.set_hypothesis("Late sales draw drinkers"))
            measure = plan.baseline_measures[0].name
            self.attempt(lambda: plan.add_specific_objective("Fewer calls", measure, 20))
        elif plan.stage is PlanStage.RESPONSE:
            self.attempt(lambda: plan.plan_response("Patrols", "police", "sgt.jones", self.today))
            if not plan.is_signed_off:
                self.attempt(lambda: plan.record_sign_off("sgt.jones"))
            if not plan.agreed_at_jag:
                self.attempt(lambda: plan.agree_at_jag(self.today))
            for response in plan.open_responses:
                self.attempt(partial(plan.complete_response, response.number))
        elif plan.stage is PlanStage.ASSESSMENT:
            for baseline in plan.baseline_measures:
                self.today = max(self.today, baseline.period_end + timedelta(days=1))
                after_start = baseline.period_end + timedelta(days=1)
                self.attempt(
                    partial(plan.record_after_measure, baseline.name, 10, after_start, self.today)
                )
            self.attempt(lambda: plan.record_assessment("in_full", "reduced", "Calls fell"))

    # ---------------------------------------------------------- section content

    @rule(aim=texts)
    def set_objective(self, aim: str) -> None:
        self.attempt(lambda: self.plan.set_objective(aim))

    @rule(side=sides, description=texts, sources=st.lists(texts, max_size=2))
    def record_scanning(self, side: Any, description: str, sources: list[str]) -> None:
        self.attempt(
            lambda: self.plan.record_scanning(side, description, "Daily", "Months", sources)
        )

    @rule(
        name=st.sampled_from(MEASURES),
        value=st.integers(min_value=-1, max_value=50),
        start=st.integers(min_value=-200, max_value=0),
        end=st.integers(min_value=-100, max_value=2),
    )
    def record_baseline(self, name: str, value: int, start: int, end: int) -> None:
        self.attempt(lambda: self.plan.record_baseline(name, value, self.day(start), self.day(end)))

    @rule(side=sides, why=texts)
    def record_analysis(self, side: Any, why: str) -> None:
        self.attempt(lambda: self.plan.record_analysis(side, why))

    @rule(triggers=texts)
    def record_triggers(self, triggers: str) -> None:
        self.attempt(lambda: self.plan.record_triggers(triggers))

    @rule(hypothesis=texts)
    def set_hypothesis(self, hypothesis: str) -> None:
        self.attempt(lambda: self.plan.set_hypothesis(hypothesis))

    @rule(measure=st.sampled_from([*MEASURES, "Unknown"]), goal=st.integers(-1, 30))
    def add_specific_objective(self, measure: str, goal: int) -> None:
        self.attempt(lambda: self.plan.add_specific_objective("Fewer", measure, goal))

    @rule(number=numbers)
    def remove_specific_objective(self, number: int) -> None:
        self.attempt(lambda: self.plan.remove_specific_objective(number))

    @rule(description=texts, due=day_offsets, funded=st.booleans())
    def plan_response(self, description: str, due: int, funded: bool) -> None:
        self.attempt(
            lambda: self.plan.plan_response(description, "police", "pc.1", self.day(due), funded)
        )

    @rule(number=numbers, on=st.integers(-3, 1))
    def action_response(self, number: int, on: int) -> None:
        self.attempt(lambda: self.plan.action_response(number, self.day(on)))

    @rule(number=numbers, notes=texts)
    def complete_response(self, number: int, notes: str) -> None:
        self.attempt(lambda: self.plan.complete_response(number, notes=notes))

    @rule(number=numbers, reason=texts)
    def drop_response(self, number: int, reason: str) -> None:
        self.attempt(lambda: self.plan.drop_response(number, reason))

    @rule(supervisor=st.sampled_from(["sgt.jones", LEAD_OFFICER]))
    def sign_off(self, supervisor: str) -> None:
        self.attempt(lambda: self.plan.record_sign_off(supervisor))

    @rule(meeting=st.integers(-3, 1))
    def agree_at_jag(self, meeting: int) -> None:
        self.attempt(lambda: self.plan.agree_at_jag(self.day(meeting)))

    @rule(
        name=st.sampled_from([*MEASURES, "Unknown"]),
        start=st.integers(-60, 0),
        end=st.integers(-30, 1),
    )
    def record_after_measure(self, name: str, start: int, end: int) -> None:
        self.attempt(
            lambda: self.plan.record_after_measure(name, 5, self.day(start), self.day(end))
        )

    @rule(
        delivery=st.sampled_from(list(Delivery)),
        result=st.sampled_from(list(AssessmentResult)),
        handed_to=st.sampled_from([None, "", "Housing"]),
    )
    def record_assessment(
        self, delivery: Delivery, result: AssessmentResult, handed_to: str | None
    ) -> None:
        self.attempt(lambda: self.plan.record_assessment(delivery, result, "Notes", handed_to))

    # ------------------------------------------------- context, budget, governance

    @rule(case_id=st.sampled_from(CASE_IDS), link=st.booleans())
    def link_or_unlink_case(self, case_id: UUID, link: bool) -> None:
        if link:
            self.attempt(lambda: self.plan.link_case(case_id))
        else:
            self.attempt(lambda: self.plan.unlink_case(case_id))

    @rule(stage=stages, description=texts)
    def record_community_involvement(self, stage: Any, description: str) -> None:
        self.attempt(lambda: self.plan.record_community_involvement(stage, description))

    @rule(partner=st.sampled_from(["police", "housing"]), amount=amounts, withdraw=st.booleans())
    def matched_funding(self, partner: str, amount: Any, withdraw: bool) -> None:
        if withdraw:
            self.attempt(lambda: self.plan.withdraw_matched_funding(partner))
        else:
            self.attempt(lambda: self.plan.record_matched_funding(partner, amount))

    @rule(amount=amounts, awarded=st.integers(-2, 1), spend_by=st.integers(-5, 200))
    def award_funding(self, amount: Any, awarded: int, spend_by: int) -> None:
        self.attempt(
            lambda: self.plan.record_funding_award(
                "PCC fund", amount, self.day(awarded), self.day(spend_by)
            )
        )

    @rule(amount=amounts, on=st.integers(-2, 1), description=texts)
    def record_spend(self, amount: Any, on: int, description: str) -> None:
        self.attempt(lambda: self.plan.record_spend(amount, self.day(on), description))

    @rule(due=day_offsets)
    def schedule_review(self, due: int) -> None:
        self.attempt(lambda: self.plan.schedule_review(self.day(due)))

    @rule(held=st.integers(-2, 1), notes=texts)
    def record_review(self, held: int, notes: str) -> None:
        self.attempt(lambda: self.plan.record_review(self.day(held), notes))

    # ------------------------------------------------------------------ invariants

    @invariant()
    def version_equals_the_number_of_events(self) -> None:
        assert self.plan.version == len(self.plan.pending_events)
        if self.plan.stage.rank > self.furthest.rank:
            self.furthest = self.plan.stage

    @invariant()
    def stages_are_only_reached_with_their_prerequisites(self) -> None:
        plan = self.plan
        rank = plan.stage.rank
        if rank >= PlanStage.SCANNING.rank:
            assert plan.objective
        if rank >= PlanStage.ANALYSIS.rank:
            assert set(plan.scanning) == set(TriangleSide)
            assert plan.baseline_measures
        if rank >= PlanStage.RESPONSE.rank:
            assert plan.hypothesis
            assert plan.triggers
            assert set(plan.analysis) == set(TriangleSide)
            assert plan.specific_objectives
        if rank >= PlanStage.ASSESSMENT.rank:
            assert plan.agreed_at_jag
            assert not plan.open_responses
            # at least one response was not dropped, and none is still open
            assert any(r.status is ResponseStatus.COMPLETED for r in plan.responses)
        if plan.stage is PlanStage.CLOSED:
            assert plan.assessment is not None
            assert {m.name for m in plan.after_measures} == {m.name for m in plan.baseline_measures}
            assert plan.closed_on is not None
            assert plan.missing_sections() == ()

    @invariant()
    def governance_is_consistent(self) -> None:
        plan = self.plan
        if plan.agreed_at_jag:
            assert plan.is_signed_off
        if plan.is_signed_off:
            assert plan.stage.rank >= PlanStage.RESPONSE.rank
        assert (plan.status is PlanStatus.CLOSED) == plan.is_closed
        assert plan.under_rag_oversight == plan.is_funded

    @invariant()
    def measures_refer_to_the_baseline(self) -> None:
        plan = self.plan
        baseline_names = {m.name.casefold() for m in plan.baseline_measures}
        assert {o.measure.casefold() for o in plan.specific_objectives} <= baseline_names
        assert {m.name.casefold() for m in plan.after_measures} <= baseline_names
        if plan.after_measures or plan.assessment:
            assert plan.stage.rank >= PlanStage.ASSESSMENT.rank

    @invariant()
    def missing_sections_never_look_ahead(self) -> None:
        assert all(item.stage.rank <= self.plan.stage.rank for item in self.plan.missing_sections())

    def teardown(self) -> None:
        plan = self.plan
        event(f"furthest stage: {self.furthest.value}")
        # Snapshots on, but none taken by the store itself: a plan that reaches a multiple
        # of the default interval would otherwise already have one at this version.
        store = CaseworkStore(snapshot_interval=None, env={"IS_SNAPSHOTTING_ENABLED": "y"})
        store.save(plan)
        assert len(list(store.events.get(plan.id))) == plan.version
        replayed: ProblemSolvingPlan = store.repository.get(plan.id)
        strictly_equal(state_of(plan), state_of(replayed))
        assert store.snapshots is not None
        store.take_snapshot(plan.id)
        store.forget_cached_aggregates()
        strictly_equal(state_of(plan), state_of(store.repository.get(plan.id)))


TestPlanMachine = PlanMachine.TestCase
