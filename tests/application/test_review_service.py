"""ReviewService on both stores: roles, links, local rules, and the yearly figures.

The property test runs random valid sequences of case reviews through the service on the
``container`` fixture and checks that the published figures equal a direct count over
what was done, and that each review loaded afresh equals the live one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Container
from application.cases_service import CaseService
from application.commands import Idempotency
from application.context import Actor, RequestContext, acting_as
from application.errors import Forbidden, NotFound
from application.review_figures import NotificationLogIndex, published_figures
from application.reviews_service import ReviewService
from domain.cases import AsbType, NsirCategory, ReportingChannel
from domain.reviews.aggregate import CaseReview
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
from domain.shared.errors import InvalidValue
from tests.domain.test_reviews_properties import assert_same, brute_force_working_days, middle

S = ReviewStatus
FAR_FUTURE = datetime(2031, 1, 1, 12, tzinfo=UTC)
PARTNERSHIPS = ("north-herts", "st-albans")


def actor(*roles: str, partnerships: tuple[str, ...] = ("north-herts",),
          everywhere: bool = False) -> RequestContext:
    return RequestContext(actor=Actor(
        user_id=f"{roles[0]}.user", display_name="Test User", agency="herts-police",
        roles=roles, partnerships=partnerships, all_partnerships=everywhere))


OFFICER = actor("officer")
COORDINATOR = actor("coordinator")
COUNTY_COORDINATOR = actor("coordinator", partnerships=(), everywhere=True)
RAG = actor("rag")
COUNTY_RAG = actor("rag", partnerships=(), everywhere=True)


@pytest.fixture(autouse=True)
def far_clock() -> Iterator[None]:
    with clock.frozen_at(FAR_FUTURE):
        yield


def reviews_of(container: Container) -> ReviewService:
    service: ReviewService = container.services["reviews"]
    return service


def complaints(received_on: date, count: int, start: int = 0) -> list[ComplaintReport]:
    """``count`` timely complaints about different incidents, made to the police."""
    return [
        ComplaintReport(
            behaviour_at=datetime.combine(received_on - timedelta(days=10 + n), time(9),
                                          tzinfo=UTC),
            reported_on=received_on - timedelta(days=10 + n),
            agency="herts-police", complainant="victim", description="Noise at night",
        )
        for n in range(start, start + count)
    ]


def receive(service: ReviewService, received_on: date, count: int = 3, *,
            partnership_id: str = "north-herts", **extra: Any) -> UUID:
    return service.receive(
        partnership_id=partnership_id,
        applicant=Applicant(ApplicantRole.VICTIM, VictimKind.BUSINESS),
        applicant_description="Owner of the corner shop", received_via=ApplicationChannel.EMAIL,
        received_on=received_on, complaints=complaints(received_on, count), **extra,
    ).aggregate_id


# ------------------------------------------------------------------ roles, links, rules


def test_roles(container: Container) -> None:
    service = reviews_of(container)
    with acting_as(OFFICER):
        review_id = receive(service, date(2026, 3, 2))
        service.acknowledge(review_id, acknowledged_on=date(2026, 3, 3))
        with pytest.raises(Forbidden):
            service.decide_threshold(review_id, decided_on=date(2026, 3, 5))
    with acting_as(RAG), pytest.raises(Forbidden):
        service.get(review_id)
    with acting_as(actor("auditor")):
        assert service.get(review_id).status is S.ACKNOWLEDGED
        with pytest.raises(Forbidden):
            service.withdraw(review_id, withdrawn_on=date(2026, 3, 6))
    with acting_as(COORDINATOR):
        service.decide_threshold(review_id, decided_on=date(2026, 3, 5))
        review = service.get(review_id)
    assert review.status is S.THRESHOLD_MET
    assert review.threshold_decision is not None
    assert review.threshold_decision.assessment.counted == [1, 2, 3]
    assert review.reference.startswith("CR-2031-")
    with acting_as(actor("officer", partnerships=("st-albans",))), pytest.raises(NotFound):
        service.get(review_id)


def test_linked_cases_must_be_in_the_same_partnership(container: Container) -> None:
    cases: CaseService = container.services["cases"]
    service = reviews_of(container)

    def open_case(partnership_id: str, ward: str) -> UUID:
        return cases.open_case(
            partnership_id=partnership_id, nsir_category=NsirCategory.PERSONAL,
            asb_type=AsbType.NOISE, summary="Noise", address="1 High Street", ward=ward,
            reporting_channel=ReportingChannel.PHONE, lead_agency="herts-police",
            lead_officer="pc.jones", reported_at=FAR_FUTURE - timedelta(days=400),
        ).aggregate_id

    with acting_as(COUNTY_COORDINATOR):
        here = open_case("north-herts", "Baldock Town")
        there = open_case("st-albans", "Verulam")
        with pytest.raises(InvalidValue) as raised:
            receive(service, date(2030, 1, 6), asb_case_ids=[here, there])
        assert (raised.value.rule, raised.value.field) == ("case_in_other_partnership",
                                                           "asb_case_ids")
        linked = receive(service, date(2030, 1, 6), asb_case_ids=[here])
    with acting_as(OFFICER):
        # A case the officer cannot see is reported as unknown, not as elsewhere.
        with pytest.raises(InvalidValue) as raised:
            receive(service, date(2030, 1, 6), asb_case_ids=[there])
        assert raised.value.rule == "unknown_case"
        assert service.get(linked).asb_case_ids == [here]


def test_agencies_come_from_the_partnership(container: Container) -> None:
    service = reviews_of(container)
    with acting_as(COORDINATOR):
        review_id = receive(service, date(2026, 3, 2))
        service.acknowledge(review_id, acknowledged_on=date(2026, 3, 3))
        with pytest.raises(InvalidValue) as raised:
            service.add_complaint(review_id, ComplaintReport(
                behaviour_at=datetime(2026, 2, 1, 9, tzinfo=UTC), reported_on=date(2026, 2, 1),
                agency="clarion-housing", complainant="victim", description="Noise"))
        assert (raised.value.rule, raised.value.field) == ("unknown_agency", "agency")
        service.decide_threshold(review_id, decided_on=date(2026, 3, 5))
        with pytest.raises(InvalidValue) as raised:
            service.hold_review(review_id, held_on=date(2026, 3, 20),
                                agencies_attending=["herts-police", "nobody"],
                                victim_participation=VictimParticipation.ATTENDED,
                                findings="Findings")
        assert raised.value.field == "agencies_attending"


def test_numbered_items_survive_an_idempotent_retry(container: Container) -> None:
    service = reviews_of(container)
    with acting_as(OFFICER):
        review_id = receive(service, date(2026, 3, 2), count=1)
        report = complaints(date(2026, 3, 2), 1, start=5)[0]
        key = Idempotency(key="add-c2", fingerprint="same")
        first, number = service.add_complaint(review_id, report, idempotency=key)
        again, number_again = service.add_complaint(review_id, report, idempotency=key)
    assert (number, number_again) == (2, 2)
    assert again.replayed
    assert again.version == first.version


def test_the_threshold_uses_the_local_rules_and_keeps_them(container: Container) -> None:
    service = reviews_of(container)
    local = replace(container.rules.reviews,
                    trigger=replace(container.rules.reviews.trigger, local_qualifying_complaints=2))
    service.rules = replace(service.rules, reviews=local)
    with acting_as(COORDINATOR):
        review_id = receive(service, date(2026, 3, 2), count=2)
        service.acknowledge(review_id, acknowledged_on=date(2026, 3, 2))
        assert service.preview_threshold(review_id).met is True
        service.decide_threshold(review_id, decided_on=date(2026, 3, 4))
        decision = service.get(review_id).threshold_decision
    assert decision is not None
    assert decision.met
    assert decision.assessment.rules.local_qualifying_complaints == 2
    assert decision.assessment.complaints_required == 2


def test_milestones_use_the_closure_days(container: Container) -> None:
    service = reviews_of(container)
    with acting_as(OFFICER):
        review_id = receive(service, date(2026, 3, 2))  # a Monday
        review = service.get(review_id)
    plain = {m.milestone: m.due_on for m in service.milestones(review, date(2026, 3, 2))}
    service.rules = replace(service.rules, reviews=replace(
        service.rules.reviews, closure_days=(date(2026, 3, 3),)))
    closed = {m.milestone: m.due_on for m in service.milestones(review, date(2026, 3, 2))}
    assert plain["acknowledgement"] == date(2026, 3, 4)
    assert closed["acknowledgement"] == date(2026, 3, 5)


def test_figures_scope_follows_the_actors_partnerships(container: Container) -> None:
    store, rules = container.store, container.rules
    with acting_as(RAG):
        assert published_figures(store, rules, "2025-26", "north-herts").partnerships == (
            "north-herts",)
        with pytest.raises(Forbidden):
            published_figures(store, rules, "2025-26", "st-albans")
        with pytest.raises(InvalidValue) as raised:
            published_figures(store, rules, "2025-26")
        assert raised.value.field == "partnership_id"
        with pytest.raises(InvalidValue) as raised:
            published_figures(store, rules, "2025-27", "north-herts")
        assert raised.value.field == "year"
    with acting_as(COUNTY_RAG):
        everything = published_figures(store, rules, "2025-26")
        assert everything.partnership_id is None
        assert everything.partnerships == PARTNERSHIPS
        with pytest.raises(InvalidValue):
            published_figures(store, rules, "2025-26", "nowhere")
    with acting_as(OFFICER), pytest.raises(Forbidden):
        published_figures(store, rules, "2025-26", "north-herts")


def test_the_light_index_pages_through_the_log(container: Container) -> None:
    service = reviews_of(container)
    with acting_as(COUNTY_COORDINATOR):
        made = [receive(service, date(2026, 1, 5) + timedelta(days=n),
                        partnership_id=PARTNERSHIPS[n % 2]) for n in range(5)]
    index = NotificationLogIndex(container.store, page_size=2)
    assert index.review_ids(None, received_by=date(2026, 12, 31)) == made
    assert index.review_ids(("st-albans",), received_by=date(2026, 12, 31)) == made[1::2]
    assert index.review_ids(None, received_by=date(2026, 1, 6)) == made[:2]


# ------------------------------------------------------------------ the property


@dataclass
class History:
    """What the test did to one review, kept apart from the aggregate."""

    review_id: UUID
    partnership_id: str
    received_on: date
    acknowledged_on: date | None = None
    latest_decision: tuple[date, bool] | None = None
    meetings: list[date] = field(default_factory=list)
    recommendations: int = 0
    outcomes: list[date] = field(default_factory=list)


def run_review(service: ReviewService, draw: Callable[[Any], Any],
               ledger: list[History]) -> None:
    """Drive one review through a random valid path, recording each step once it is saved."""
    received_on = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)))
    partnership_id = draw(st.sampled_from(PARTNERSHIPS))
    met = draw(st.booleans())
    review_id = receive(service, received_on, 3 if met else 1, partnership_id=partnership_id)
    history = History(review_id, partnership_id, received_on)
    ledger.append(history)
    stage = draw(st.integers(min_value=0, max_value=6))
    day = received_on

    def step() -> date:
        nonlocal day
        day += timedelta(days=draw(st.integers(min_value=0, max_value=40)))
        return day

    def status() -> ReviewStatus:
        return service.get(review_id).status

    if stage >= 1:
        service.acknowledge(review_id, acknowledged_on=step())
        history.acknowledged_on = day
    if stage >= 2:
        service.decide_threshold(review_id, decided_on=step())
        history.latest_decision = (day, met)
        if not met and draw(st.booleans()):
            service.request_escalation(review_id, requested_on=step(), reviewer="herts-pcc",
                                       grounds="Complaints were missed")
            service.resolve_escalation(review_id, result=EscalationResult.UPHELD_REFERRED_BACK,
                                       decided_on=step())
            for report in complaints(received_on, 2, start=1):
                service.add_complaint(review_id, report)
            service.decide_threshold(review_id, decided_on=step())
            met = True
            history.latest_decision = (day, met)
        if not met and stage >= 3 and draw(st.booleans()):
            service.agree_discretionary_review(review_id, agreed_on=step(), reason="Repeat victim")
    if stage >= 3 and status() in {S.THRESHOLD_MET, S.REVIEW_AGREED_ON_DISCRETION}:
        rounds = 2 if stage >= 6 else 1
        for round_ in range(rounds):
            service.hold_review(review_id, held_on=step(), agencies_attending=["herts-police"],
                                victim_participation=VictimParticipation.ATTENDED,
                                findings="Findings")
            history.meetings.append(day)
            for _ in range(draw(st.integers(min_value=0, max_value=2))):
                service.make_recommendation(review_id, to_agency="herts-police",
                                            recommendation="Act", deadline=day + timedelta(30),
                                            made_on=day)
                history.recommendations += 1
            if stage < 4:
                break
            for recommendation in service.get(review_id).open_recommendations:
                service.complete_recommendation(review_id, number=recommendation.number,
                                                completed_on=day)
            service.send_outcome(review_id, sent_on=step(), via=ContactMethod.LETTER)
            history.outcomes.append(day)
            if stage >= 5:
                service.close(review_id, closed_on=step())
            if round_ == 0 and rounds == 2:
                service.request_escalation(review_id, requested_on=step(), reviewer="herts-pcc",
                                           grounds="The review was unfair")
                service.resolve_escalation(
                    review_id, result=EscalationResult.UPHELD_REFERRED_BACK, decided_on=step())
    if draw(st.booleans()) and status() not in {S.OUTCOME_SENT, S.ESCALATED, S.CLOSED}:
        service.withdraw(review_id, withdrawn_on=step(), reason=None)


def expected_figures(histories: list[History], start_year: int,
                     partnerships: tuple[str, ...]) -> dict[str, Any]:
    first, last = date(start_year, 4, 1), date(start_year + 1, 3, 31)
    mine = [h for h in histories if h.partnership_id in partnerships]

    def in_year(day: date | None) -> bool:
        return day is not None and first <= day <= last

    received = [h for h in mine if in_year(h.received_on)]
    carried_out = [h for h in mine if h.meetings and in_year(h.meetings[0])]

    def median_to(done: Callable[[History], date | None]) -> float | None:
        return middle([brute_force_working_days(h.received_on, d)
                       for h in received if (d := done(h)) is not None])

    return {
        "applications_received": len(received),
        "threshold_not_met": sum(1 for h in mine if h.latest_decision is not None
                                 and not h.latest_decision[1] and in_year(h.latest_decision[0])),
        "reviews_carried_out": len(carried_out),
        "reviews_with_recommendations": sum(1 for h in carried_out if h.recommendations),
        "median_working_days_to_acknowledgement": median_to(lambda h: h.acknowledged_on),
        "median_working_days_to_threshold_decision": median_to(
            lambda h: h.latest_decision[0] if h.latest_decision else None),
        "median_working_days_to_review_meeting": median_to(
            lambda h: h.meetings[0] if h.meetings else None),
        "median_working_days_to_outcome": median_to(
            lambda h: h.outcomes[0] if h.outcomes else None),
    }


@pytest.fixture
def ledger() -> list[History]:
    """Every review made in this test's container (shared by the hypothesis examples)."""
    return []


@pytest.fixture
def live(container: Container) -> dict[UUID, CaseReview]:
    """The review objects as the service last saved them (its live state), by id."""
    saved: dict[UUID, CaseReview] = {}
    store = container.store
    original = store.save

    def capture(*objs: Any, **kwargs: Any) -> Any:
        recordings = original(*objs, **kwargs)
        saved.update({obj.id: obj for obj in objs if isinstance(obj, CaseReview)})
        return recordings

    store.save = capture  # type: ignore[method-assign]
    return saved


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), start_year=st.integers(min_value=2023, max_value=2027))
def test_figures_are_direct_counts_and_replay_equals_live(
    container: Container, ledger: list[History], live: dict[UUID, CaseReview],
    data: st.DataObject, start_year: int,
) -> None:
    service = reviews_of(container)
    before = len(ledger)
    with acting_as(COUNTY_COORDINATOR):
        for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
            run_review(service, data.draw, ledger)

    year = f"{start_year}-{(start_year + 1) % 100:02d}"
    with acting_as(COUNTY_RAG):
        for scope, covered in ((None, PARTNERSHIPS), ("st-albans", ("st-albans",))):
            figures = service.yearly_figures(year, scope).figures
            got = {name: getattr(figures, name)
                   for name in expected_figures([], start_year, covered)}
            assert got == expected_figures(ledger, start_year, covered), scope

    for history in ledger[before:]:
        fresh = container.store.repository.get(history.review_id)
        assert_same(vars(live[history.review_id]), vars(fresh), "review")
