"""The plan service on both stores: replay equals live state, roles, time travel, references.

The property test drives random command sequences through :class:`PlanService` (so through
the command runner, the mapper that seals free text and the real recorders) and, in lock
step, the same commands on an in-memory plan. The service must accept and refuse exactly
what the in-memory plan does, and the plan rebuilt from the store (from its events alone,
and through a sealed snapshot) must equal the in-memory one, type for type.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, cast
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Container
from application.cases_service import CaseService
from application.context import Actor, RequestContext, acting_as
from application.errors import Forbidden, NotFound
from application.plans_service import PlanService
from domain.cases import AsbType, NsirCategory, ReportingChannel
from domain.plans import (
    AssessmentResult,
    Delivery,
    PlanRules,
    PlanStage,
    ProblemSolvingPlan,
    ResponseStatus,
    RiskLevel,
    TriangleSide,
)
from domain.shared import clock
from domain.shared.errors import DomainError, RuleViolation
from tests.domain.test_plans_stateful import state_of, strictly_equal

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LEAD = "asb.officer.patel"
PRIORITIES = ("Anti-social behaviour in town centres", "Serious violence and knife crime",
              "Drug-related harm and county lines", "Domestic abuse", "Vulnerable people")
MEASURES = ("Calls to police", "Litter reports")


def _actor(user: str, *roles: str, partnerships: tuple[str, ...] = ("north-herts",)
           ) -> RequestContext:
    return RequestContext(actor=Actor(
        user_id=user, display_name=user, agency="herts-police", roles=roles,
        partnerships=partnerships))


SUPERVISOR = _actor("sgt.khan", "officer", "coordinator")
OFFICER = _actor(LEAD, "officer")
COORDINATOR = _actor("csp.coordinator", "coordinator")
RAG = _actor("rag.member", "rag")

OPEN_ARGS: dict[str, Any] = {
    "partnership_id": "north-herts", "title": "Street drinking in Market Place",
    "ward": "Hitchin Priory", "priority": PRIORITIES[0],
    "lead_agency": "north-herts-council", "lead_officer": LEAD,
}

DOMAIN_ONLY_ARGUMENTS: dict[str, dict[str, Any]] = {
    "record_sign_off": {"supervisor": SUPERVISOR.actor.user_id},
    "record_review": {"rules": PlanRules()},
    "change_priority": {"allowed_priorities": PRIORITIES},
}
"""What the service adds from the actor and the local rules, given to the in-memory plan."""


def _open_case(container: Container) -> UUID:
    service: CaseService = container.services["cases"]
    with acting_as(SUPERVISOR), clock.frozen_at(START):
        return service.open_case(
            partnership_id="north-herts", nsir_category=NsirCategory.NUISANCE,
            asb_type=AsbType.STREET_DRINKING, summary="Drinking by the benches.",
            address="Market Place", ward="Hitchin Priory",
            reporting_channel=ReportingChannel.PHONE, lead_agency="herts-police",
            lead_officer="pc.jones", reported_at=START - timedelta(days=3),
        ).aggregate_id


class LockStep:
    """One plan worked through the service and, command for command, in memory."""

    def __init__(self, container: Container, case_id: UUID) -> None:
        self.store = container.store
        self.service: PlanService = container.services["plans"]
        self.case_id = case_id
        self.now = START
        with self.moment():
            self.plan_id = self.service.open_plan(**OPEN_ARGS).aggregate_id
            stored: ProblemSolvingPlan = self.store.repository.get(self.plan_id)
            reference = stored.reference
            self.live = ProblemSolvingPlan.open(
                reference=reference, neighbourhood="Hitchin", allowed_priorities=PRIORITIES,
                **OPEN_ARGS)
        self.live.collect_events()
        self.accepted = 0
        self.snapshot_versions: set[int] = set()
        self.accepted_commands: set[str] = set()
        self.furthest = PlanStage.OBJECTIVE

    @contextmanager
    def moment(self) -> Iterator[None]:
        with acting_as(SUPERVISOR), clock.frozen_at(self.now):
            yield

    @property
    def today(self) -> date:
        return self.now.date()

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def run(self, command: str, /, **arguments: Any) -> bool:
        """Run ``command`` through the service and on the in-memory plan: both accept it or
        both refuse it with the same rule."""
        refused: list[DomainError | None] = []
        through_the_service = getattr(self.service, command)
        on_the_live_plan = getattr(self.live, command)
        with self.moment():
            for attempt, extra in ((partial(through_the_service, self.plan_id), {}),
                                   (on_the_live_plan, DOMAIN_ONLY_ARGUMENTS.get(command, {}))):
                try:
                    attempt(**arguments, **extra)
                    refused.append(None)
                except DomainError as error:
                    refused.append(error)
        through_service, in_memory = refused
        assert (through_service is None) == (in_memory is None), (command, refused)
        if through_service is not None and in_memory is not None:
            assert through_service.rule == in_memory.rule
            return False
        self.accepted += 1
        self.accepted_commands.add(command)
        if self.live.stage.rank > self.furthest.rank:
            self.furthest = self.live.stage
        return True

    def fill_and_move_on(self) -> None:
        """Record what the current stage needs, then advance (or close after assessment)."""
        live = self.live
        stage = live.stage
        if stage is PlanStage.OBJECTIVE:
            self.run("set_objective", aim="Market Place is safe to use")
        elif stage is PlanStage.SCANNING:
            for side in TriangleSide:
                if side not in live.scanning:
                    self.run("record_scanning", side=side, description="What happens",
                             frequency="Daily", duration="Months", data_sources=["Calls"])
            if not live.baseline_measures:
                self.run("record_baseline", name=MEASURES[0], value=40,
                         period_start=self.day(-120), period_end=self.day(-30))
        elif stage is PlanStage.ANALYSIS:
            for side in TriangleSide:
                if side not in live.analysis:
                    self.run("record_analysis", side=side, why="Why it happens")
            if not live.triggers:
                self.run("record_triggers", triggers="Payday")
            if not live.hypothesis:
                self.run("set_hypothesis", hypothesis="Late sales draw drinkers")
            if not live.specific_objectives:
                self.run("add_specific_objective", description="Fewer calls",
                         measure=live.baseline_measures[0].name, target=20)
        elif stage is PlanStage.RESPONSE:
            if all(r.status is ResponseStatus.DROPPED for r in live.responses):
                self.run("plan_response", description="Patrols", agency="herts-police",
                         owner="sgt.jones", due_on=self.day(14))
            if not live.is_signed_off:
                self.run("record_sign_off", notes="Fine")
            if not live.agreed_at_jag:
                self.run("agree_at_jag", meeting_on=self.today)
            for response in live.open_responses:
                self.run("complete_response", number=response.number)
        elif stage is PlanStage.ASSESSMENT:
            for baseline in live.baseline_measures:
                if all(m.name != baseline.name for m in live.after_measures):
                    after_start = baseline.period_end + timedelta(days=1)
                    while self.today < after_start:
                        self.now += timedelta(days=1)
                    self.run("record_after_measure", name=baseline.name, value=10,
                             period_start=after_start, period_end=self.today)
            if live.assessment is None:
                self.run("record_assessment", delivery=Delivery.IN_FULL,
                         result=AssessmentResult.REDUCED, notes="Calls fell")
        if live.stage is PlanStage.ASSESSMENT:
            self.run("close", notes="Done")
        elif live.is_closed:
            self.run("reopen", reason="It started again")
        else:
            self.run("advance")

    def stored_equals_live(self, *, snapshot: bool) -> None:
        live = state_of(self.live)
        if snapshot and self.live.version not in self.snapshot_versions:
            self.store.take_snapshot(self.plan_id)
            self.snapshot_versions.add(self.live.version)
        self.store.forget_cached_aggregates()  # from the store, not the cached copy
        fresh: ProblemSolvingPlan = self.store.repository.get(self.plan_id)
        strictly_equal(live, state_of(fresh))
        replayed: Any = None
        for stored_event in self.store.events.get(self.plan_id):
            replayed = cast(Any, stored_event).mutate(replayed)
        assert replayed is not None
        strictly_equal(live, state_of(replayed))


def _commands(step: LockStep) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """A command the plan may or may not accept now, with plausible arguments."""
    offsets = st.integers(min_value=-3, max_value=30)
    numbers = st.integers(min_value=1, max_value=3)
    texts = st.sampled_from(["Traders sworn at", "Group by the fountain", "Shop sells early"])
    money = st.sampled_from([Decimal("250.00"), Decimal("1500"), 75])
    return st.one_of(
        st.tuples(st.just("advance"), st.just({})),
        st.tuples(st.just("send_back"), st.fixed_dictionaries({
            "to_stage": st.sampled_from([PlanStage.SCANNING, PlanStage.ANALYSIS]),
            "reason": texts})),
        st.tuples(st.just("record_scanning"), st.fixed_dictionaries({
            "side": st.sampled_from(list(TriangleSide)), "description": texts,
            "frequency": st.just("Weekly"), "duration": st.just("A year"),
            "data_sources": st.lists(texts, min_size=1, max_size=2)})),
        st.tuples(st.just("record_analysis"), st.fixed_dictionaries({
            "side": st.sampled_from(list(TriangleSide)), "why": texts})),
        st.tuples(st.just("set_hypothesis"), st.fixed_dictionaries({"hypothesis": texts})),
        st.tuples(st.just("add_specific_objective"), st.fixed_dictionaries({
            "description": texts, "measure": st.sampled_from(MEASURES),
            "target": st.integers(min_value=0, max_value=30)})),
        st.tuples(st.just("plan_response"), offsets.flatmap(lambda due: st.fixed_dictionaries({
            "description": texts, "agency": st.sampled_from(["herts-police", "herts-fire"]),
            "owner": st.just("pc.1"), "due_on": st.just(step.day(due)),
            "depends_on_funding": st.booleans()}))),
        st.tuples(st.sampled_from(["action_response", "complete_response"]),
                  st.fixed_dictionaries({"number": numbers})),
        st.tuples(st.just("drop_response"),
                  st.fixed_dictionaries({"number": numbers, "reason": texts})),
        st.tuples(st.just("record_community_involvement"), st.fixed_dictionaries({
            "stage": st.sampled_from([s for s in PlanStage if s is not PlanStage.CLOSED]),
            "description": texts})),
        st.tuples(st.just("record_matched_funding"), st.fixed_dictionaries({
            "partner": st.sampled_from(["north-herts-council", "settle-housing"]),
            "amount": money})),
        st.tuples(st.just("withdraw_matched_funding"), st.fixed_dictionaries({
            "partner": st.sampled_from(["north-herts-council", "settle-housing"])})),
        st.tuples(st.just("request_funding"), st.fixed_dictionaries({"amount": money})),
        st.tuples(st.just("record_funding_award"), st.fixed_dictionaries({
            "funder": st.just("PCC fund"), "amount": money, "awarded_on": st.just(step.today),
            "spend_by": st.just(step.day(180))})),
        st.tuples(st.just("record_spend"), st.fixed_dictionaries({
            "amount": money, "spent_on": st.just(step.today), "description": texts})),
        st.tuples(st.just("add_risk"), st.fixed_dictionaries({
            "description": texts, "mitigation": texts,
            "level": st.sampled_from(list(RiskLevel))})),
        st.tuples(st.just("remove_risk"), st.fixed_dictionaries({"number": numbers})),
        st.tuples(st.just("add_milestone"), offsets.map(lambda due: {
            "title": "Hearing", "due_on": step.day(due)})),
        st.tuples(st.just("achieve_milestone"), st.fixed_dictionaries({"number": numbers})),
        st.tuples(st.just("set_timescale"), st.just({
            "starts_on": step.today, "ends_on": step.day(90)})),
        st.tuples(st.just("link_case"), st.just({"case_id": step.case_id})),
        st.tuples(st.just("unlink_case"), st.just({"case_id": step.case_id})),
        st.tuples(st.just("change_priority"), st.fixed_dictionaries({
            "priority": st.sampled_from(PRIORITIES[:2])})),
        st.tuples(st.just("reassign_lead"), st.fixed_dictionaries({
            "lead_agency": st.sampled_from(["herts-police", "north-herts-council"]),
            "lead_officer": st.sampled_from([LEAD, "pc.jones"])})),
        st.tuples(st.just("schedule_review"), offsets.map(lambda due: {
            "due_on": step.day(due)})),
        st.tuples(st.just("record_review"), st.just({
            "held_on": step.today, "notes": "Reviewed", "next_review_due": None})),
    )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_the_stored_plan_equals_the_live_one(container: Container, data: st.DataObject
                                             ) -> None:
    step = LockStep(container, _open_case(container))
    start = data.draw(st.sampled_from(list(PlanStage)), label="start at")
    while step.live.stage.rank < start.rank:
        step.fill_and_move_on()
    for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="steps")):
        kind = data.draw(st.sampled_from(["progress", "progress", "command", "command",
                                          "command", "time", "snapshot"]), label="kind")
        if kind == "progress":
            step.fill_and_move_on()
        elif kind == "time":
            step.now += timedelta(days=data.draw(st.integers(1, 20), label="days"))
        elif kind == "snapshot":
            step.stored_equals_live(snapshot=True)
        else:
            name, arguments = data.draw(_commands(step), label="command")
            step.run(name, **arguments)
    assert step.live.version == 1 + step.accepted
    event(f"furthest stage: {step.furthest.value}")
    event(f"sent back: {'send_back' in step.accepted_commands}")
    step.stored_equals_live(snapshot=False)


def _plan_at_response(container: Container) -> tuple[PlanService, UUID]:
    step = LockStep(container, _open_case(container))
    while step.live.stage is not PlanStage.RESPONSE:
        step.fill_and_move_on()
    step.run("plan_response", description="Patrols", agency="herts-police", owner="pc.1",
             due_on=step.day(10))
    return step.service, step.plan_id


def test_roles_and_sign_off_by_the_acting_supervisor(container: Container) -> None:
    service, plan_id = _plan_at_response(container)
    with clock.frozen_at(START):
        with acting_as(OFFICER), pytest.raises(RuleViolation) as own:
            service.record_sign_off(plan_id)
        assert own.value.rule == "sign-off-by-lead"
        with acting_as(_actor("pcso.ward", "officer")):
            service.record_sign_off(plan_id, notes="Looks right")
        with acting_as(OFFICER), pytest.raises(Forbidden):
            service.agree_at_jag(plan_id, meeting_on=START.date())
        with acting_as(COORDINATOR):
            service.agree_at_jag(plan_id, meeting_on=START.date())
        with acting_as(OFFICER), pytest.raises(Forbidden):
            service.record_funding_award(plan_id, funder="PCC", amount=100,
                                         awarded_on=START.date(), spend_by=date(2027, 3, 31))
        with acting_as(RAG), pytest.raises(Forbidden):
            service.get(plan_id)
        with acting_as(RAG), pytest.raises(Forbidden):
            service.set_timescale(plan_id, starts_on=START.date(), ends_on=date(2026, 9, 30))
        with acting_as(RAG):
            summary = service.summary(plan_id)
        with acting_as(_actor("rag.elsewhere", "rag", partnerships=("st-albans",))), \
                pytest.raises(NotFound):
            service.summary(plan_id)
        with acting_as(OFFICER):
            plan = service.get(plan_id)
    assert plan.sign_off is not None
    assert plan.sign_off.supervisor == "pcso.ward"
    assert plan.agreed_at_jag
    assert summary.status.value == "agreed"
    assert (summary.ward, summary.priority, summary.responses_open) == (
        "Hitchin Priory", PRIORITIES[0], 1)
    assert not hasattr(summary, "reference")
    assert not hasattr(summary, "title")


def test_as_at_shows_the_plan_as_it_was(container: Container) -> None:
    service: PlanService = container.services["plans"]
    with acting_as(OFFICER):
        with clock.frozen_at(START):
            plan_id = service.open_plan(**OPEN_ARGS).aggregate_id
        with clock.frozen_at(START + timedelta(days=2)):
            service.set_objective(plan_id, aim="Market Place is safe to use")
        then = service.get(plan_id, as_at=START + timedelta(days=1))
        now = service.get(plan_id)
        with pytest.raises(NotFound):
            service.get(plan_id, as_at=START - timedelta(days=1))
    assert (then.version, then.objective) == (1, None)
    assert [item.code for item in then.missing_sections()] == ["objective.aim"]
    assert (now.version, now.objective) == (2, "Market Place is safe to use")
    assert now.missing_sections() == ()


def test_concurrent_openings_get_distinct_references(container: Container) -> None:
    service: PlanService = container.services["plans"]
    references: list[str] = []
    failures: list[BaseException] = []

    def open_one() -> None:
        with acting_as(OFFICER):
            try:
                plan_id = service.open_plan(**OPEN_ARGS).aggregate_id
                references.append(service.get(plan_id).reference)
            except BaseException as error:  # pragma: no cover - asserted below
                failures.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(set(references)) == 5
    year = datetime.now(tz=UTC).year
    assert sorted(references) == [f"PSP-{year}-{n:04d}" for n in range(1, 6)]


def test_a_linked_case_must_exist_in_the_plan_partnership(container: Container) -> None:
    service: PlanService = container.services["plans"]
    with acting_as(OFFICER), clock.frozen_at(START):
        plan_id = service.open_plan(**OPEN_ARGS).aggregate_id
        case_id = _open_case(container)
        service.link_case(plan_id, case_id=case_id)
        with pytest.raises(DomainError) as unknown:
            service.link_case(plan_id, case_id=UUID(int=7))
        with pytest.raises(RuleViolation) as twice:
            service.link_case(plan_id, case_id=case_id)
        assert service.get(plan_id).linked_case_ids == (case_id,)
    assert unknown.value.rule == "unknown_case"
    assert twice.value.rule == "case-already-linked"
