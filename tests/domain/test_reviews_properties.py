"""Properties of case reviews: replay equals live state, and the yearly figures are counts."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from application.store import CaseworkStore
from domain.reviews.aggregate import CaseReview
from domain.reviews.figures import yearly_figures
from domain.reviews.rules import ServiceLevels, TriggerRules
from domain.reviews.values import (
    Applicant,
    ApplicantRole,
    ApplicationChannel,
    ComplaintReport,
    ConsentMethod,
    ConsentRecord,
    ContactMethod,
    EscalationResult,
    ReviewStatus,
    VictimKind,
    VictimParticipation,
)
from domain.shared import clock
from domain.shared.calendar import WorkingCalendar, bank_holidays
from domain.shared.errors import RuleViolation
from domain.shared.periods import FinancialYear, local_date

S = ReviewStatus
FAR_FUTURE = datetime(2031, 1, 1, 12, tzinfo=UTC)
RECEIVED_ON = date(2025, 9, 1)
VICTIM = UUID("00000000-0000-4000-8000-000000000001")
FAMILY = UUID("00000000-0000-4000-8000-000000000002")
CALENDAR = WorkingCalendar()


@pytest.fixture(autouse=True)
def far_clock() -> Iterator[None]:
    with clock.frozen_at(FAR_FUTURE):
        yield


# ---------------------------------------------------------------------------- strict equality


def assert_same(live: Any, loaded: Any, path: str) -> None:
    """Equal values of exactly the same types, all the way down."""
    assert type(live) is type(loaded), f"{path}: {type(live)} != {type(loaded)}"
    if dataclasses.is_dataclass(live) and not isinstance(live, type):
        for item in dataclasses.fields(live):
            assert_same(getattr(live, item.name), getattr(loaded, item.name), f"{path}.{item.name}")
    elif isinstance(live, list):
        assert len(live) == len(loaded), path
        for index, (a, b) in enumerate(zip(live, loaded, strict=True)):
            assert_same(a, b, f"{path}[{index}]")
    elif isinstance(live, dict):
        assert live.keys() == loaded.keys(), path
        for key in live:
            assert_same(live[key], loaded[key], f"{path}[{key!r}]")
    elif isinstance(live, datetime):
        assert (live, live.utcoffset()) == (loaded, loaded.utcoffset()), path
    else:
        assert live == loaded, path


# ---------------------------------------------------------------------------- strategies


@st.composite
def complaint_reports(draw: st.DrawFn, received_on: date = RECEIVED_ON) -> ComplaintReport:
    behaviour_day = received_on - timedelta(days=draw(st.integers(0, 240)))
    behaviour_at = datetime.combine(behaviour_day, time(draw(st.integers(0, 21))), tzinfo=UTC)
    delay = timedelta(days=draw(st.integers(0, 45)))
    return ComplaintReport(
        behaviour_at=behaviour_at,
        reported_on=min(local_date(behaviour_at) + delay, received_on),
        agency=draw(st.sampled_from(["police", "council", "housing"])),
        complainant=draw(st.sampled_from(["victim", "neighbour-1", "neighbour-2"])),
        description=draw(st.sampled_from(["Noise at night", "Threats", "Graffiti"])),
        agency_reference=draw(st.sampled_from([None, None, "CAD-1", "CAD-2", "ASB/7"])),
    )


applicants = st.sampled_from(
    [
        Applicant(ApplicantRole.VICTIM, VictimKind.PERSON, VICTIM),
        Applicant(ApplicantRole.VICTIM, VictimKind.COMMUNITY_GROUP),
        Applicant(
            ApplicantRole.FAMILY_MEMBER,
            VictimKind.PERSON,
            VICTIM,
            FAMILY,
            ConsentRecord(date(2025, 8, 20), ConsentMethod.WRITTEN),
        ),
    ]
)
trigger_rules = st.just(TriggerRules()) | st.builds(
    TriggerRules,
    local_qualifying_complaints=st.sampled_from([None, 1, 2]),
    different_complainants=st.sampled_from([None, 3, 5]),
    hate_incident_route=st.booleans(),
    vulnerable_victim_discretion=st.booleans(),
)
gaps = st.integers(min_value=0, max_value=12)
texts = st.sampled_from(["Agreed", "Not happy with the police response", "Wants a move"])


# ---------------------------------------------------------------------------- replay


class CaseReviewLifecycle(RuleBasedStateMachine):
    """Random valid histories; after every step the stored history replays to the live state."""

    def __init__(self) -> None:
        super().__init__()
        self.store = CaseworkStore()
        self.review: CaseReview | None = None
        self.day = RECEIVED_ON
        self.snapshot_version = 0

    @property
    def r(self) -> CaseReview:
        assert self.review is not None
        return self.review

    def next_day(self, gap: int) -> date:
        self.day += timedelta(days=gap)
        return self.day

    def status_in(self, *statuses: ReviewStatus) -> bool:
        return self.review is not None and self.review.status in statuses

    @initialize(
        complaints=st.lists(complaint_reports(), max_size=5),
        applicant=applicants,
        via=st.sampled_from(ApplicationChannel),
        hate=st.booleans(),
        vulnerable=st.booleans(),
    )
    def receive(
        self,
        complaints: list[ComplaintReport],
        applicant: Applicant,
        via: ApplicationChannel,
        hate: bool,
        vulnerable: bool,
    ) -> None:
        self.review = CaseReview.receive(
            partnership_id="north-herts",
            reference="CR-2025-0042",
            applicant=applicant,
            applicant_description="Applicant's own words about who they are",
            received_via=via,
            received_on=RECEIVED_ON,
            complaints=complaints,
            hate_incident_involved=hate,
            victim_vulnerable=vulnerable,
        )

    @precondition(lambda self: self.status_in(S.RECEIVED, S.ACKNOWLEDGED))
    @rule(complaint=complaint_reports())
    def add_complaint(self, complaint: ComplaintReport) -> None:
        self.r.add_complaint(complaint)

    @precondition(lambda self: self.status_in(S.RECEIVED))
    @rule(gap=gaps)
    def acknowledge(self, gap: int) -> None:
        self.r.acknowledge(self.next_day(gap))

    @precondition(lambda self: self.status_in(S.ACKNOWLEDGED))
    @rule(gap=gaps, rules=trigger_rules, use_discretion=st.booleans(), informed=st.booleans())
    def decide_threshold(
        self, gap: int, rules: TriggerRules, use_discretion: bool, informed: bool
    ) -> None:
        decided_on = self.next_day(gap)
        discretion = use_discretion and rules.vulnerable_victim_discretion
        self.r.decide_threshold(
            rules,
            decided_on,
            vulnerable_victim_discretion_reason=(
                "Lives alone" if discretion and self.r.victim_vulnerable else None
            ),
            applicant_informed_on=decided_on if informed else None,
        )

    @precondition(lambda self: self.status_in(S.THRESHOLD_NOT_MET))
    @rule(gap=gaps, reason=texts)
    def agree_discretionary_review(self, gap: int, reason: str) -> None:
        self.r.agree_discretionary_review(self.next_day(gap), reason)

    @precondition(
        lambda self: self.status_in(S.THRESHOLD_MET, S.REVIEW_AGREED_ON_DISCRETION, S.REOPENED)
    )
    @rule(
        gap=gaps,
        agencies=st.lists(st.sampled_from(["police", "council", "housing", "icb"]), min_size=1),
        participation=st.sampled_from(VictimParticipation),
        chair=st.sampled_from([None, "Independent chair"]),
        findings=texts,
    )
    def hold_review(
        self,
        gap: int,
        agencies: list[str],
        participation: VictimParticipation,
        chair: str | None,
        findings: str,
    ) -> None:
        self.r.hold_review(
            self.next_day(gap),
            agencies_attending=agencies,
            victim_participation=participation,
            findings=findings,
            independent_chair=chair,
        )

    @precondition(lambda self: self.status_in(S.REVIEW_HELD))
    @rule(gap=gaps, response=texts)
    def consult_victim(self, gap: int, response: str) -> None:
        self.r.record_victim_consultation(self.next_day(gap), response)

    @precondition(lambda self: self.status_in(S.REVIEW_HELD))
    @rule(gap=gaps, agency=st.sampled_from(["police", "housing"]), weeks=st.integers(0, 10))
    def make_recommendation(self, gap: int, agency: str, weeks: int) -> None:
        made_on = self.next_day(gap)
        self.r.make_recommendation(agency, "Do better", made_on + timedelta(weeks=weeks), made_on)

    @precondition(lambda self: self.review is not None and bool(self.review.open_recommendations))
    @rule(data=st.data(), done=st.booleans(), days_after=st.integers(0, 30))
    def resolve_recommendation(self, data: st.DataObject, done: bool, days_after: int) -> None:
        recommendation = data.draw(st.sampled_from(self.r.open_recommendations))
        resolved_on = recommendation.made_on + timedelta(days=days_after)
        if done:
            self.r.complete_recommendation(recommendation.number, resolved_on)
        else:
            self.r.record_recommendation_not_accepted(recommendation.number, resolved_on, "No")

    @precondition(lambda self: self.status_in(S.REVIEW_HELD))
    @rule(gap=gaps, via=st.sampled_from(ContactMethod))
    def send_outcome(self, gap: int, via: ContactMethod) -> None:
        self.r.send_outcome(self.next_day(gap), via)

    @precondition(lambda self: self.status_in(S.THRESHOLD_NOT_MET, S.OUTCOME_SENT, S.CLOSED))
    @rule(gap=gaps, grounds=texts)
    def request_escalation(self, gap: int, grounds: str) -> None:
        self.r.request_escalation(self.next_day(gap), "PCC's office", grounds)

    @precondition(lambda self: self.status_in(S.ESCALATED))
    @rule(gap=gaps, result=st.sampled_from(EscalationResult), notes=st.none() | texts)
    def resolve_escalation(self, gap: int, result: EscalationResult, notes: str | None) -> None:
        self.r.resolve_escalation(result, self.next_day(gap), notes)

    @precondition(
        lambda self: (
            self.status_in(S.THRESHOLD_NOT_MET, S.OUTCOME_SENT) and not self.r.open_recommendations
        )
    )
    @rule(gap=gaps)
    def close(self, gap: int) -> None:
        resolved = [r.resolved_on for r in self.r.recommendations if r.resolved_on]
        self.day = max([self.day, *resolved])
        self.r.close(self.next_day(gap))

    @precondition(
        lambda self: (
            self.review is not None
            and self.review.status not in {S.OUTCOME_SENT, S.ESCALATED, S.CLOSED, S.WITHDRAWN}
        )
    )
    @rule(gap=gaps, reason=st.none() | texts, dice=st.integers(min_value=1, max_value=6))
    def withdraw(self, gap: int, reason: str | None, dice: int) -> None:
        if dice == 6:  # rarely, so that most histories go further
            self.r.withdraw(self.next_day(gap), reason)

    @precondition(lambda self: self.review is not None)
    @rule(attempt=st.sampled_from(["acknowledge", "send_outcome", "close", "withdraw"]))
    def forbidden_commands_change_nothing(self, attempt: str) -> None:
        commands: dict[str, tuple[set[ReviewStatus], Callable[[], object]]] = {
            "acknowledge": ({S.RECEIVED}, lambda: self.r.acknowledge(self.day)),
            "send_outcome": (
                {S.REVIEW_HELD},
                lambda: self.r.send_outcome(self.day, ContactMethod.EMAIL),
            ),
            "close": ({S.THRESHOLD_NOT_MET, S.OUTCOME_SENT}, lambda: self.r.close(self.day)),
            "withdraw": (
                set(S) - {S.OUTCOME_SENT, S.ESCALATED, S.CLOSED, S.WITHDRAWN},
                lambda: self.r.withdraw(self.day),
            ),
        }
        allowed, command = commands[attempt]
        if self.r.status in allowed:
            return
        version, status = self.r.version, self.r.status
        with pytest.raises(RuleViolation):
            command()
        assert (self.r.version, self.r.status) == (version, status)

    @invariant()
    def replay_equals_live_state(self) -> None:
        if self.review is None:
            return
        event(f"status: {self.review.status.value}")
        self.store.save(self.review)
        loaded: CaseReview = self.store.repository.get(self.review.id)
        assert_same(vars(self.review), vars(loaded), "review")
        today = self.day + timedelta(days=3)
        assert loaded.milestones(today, CALENDAR, ServiceLevels()) == self.review.milestones(
            today, CALENDAR, ServiceLevels()
        )
        if self.review.version == self.snapshot_version:
            return
        with contextlib.suppress(IntegrityError):  # the store may have taken this one itself
            self.store.take_snapshot(self.review.id)
        self.snapshot_version = self.review.version
        self.store.forget_cached_aggregates()  # the snapshot, not the copy cached by the save
        from_snapshot: CaseReview = self.store.repository.get(self.review.id)
        assert_same(vars(self.review), vars(from_snapshot), "review (from snapshot)")


TestCaseReviewLifecycle = CaseReviewLifecycle.TestCase


# ---------------------------------------------------------------------------- yearly figures


@dataclass
class History:
    """What the generator did to a review, kept independently of the aggregate."""

    received_on: date
    acknowledged_on: date | None = None
    latest_decision: tuple[date, bool] | None = None
    meetings: list[date] = field(default_factory=list)
    recommendations: int = 0
    outcomes: list[date] = field(default_factory=list)


def timely_reports(received_on: date, count: int, start: int = 0) -> list[ComplaintReport]:
    return [
        ComplaintReport(
            behaviour_at=datetime.combine(
                received_on - timedelta(days=10 + n), time(9), tzinfo=UTC
            ),
            reported_on=received_on - timedelta(days=10 + n),
            agency="police",
            complainant="victim",
            description="Noise",
        )
        for n in range(start, start + count)
    ]


@st.composite
def histories(draw: st.DrawFn) -> tuple[CaseReview, History]:
    received_on = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)))
    met = draw(st.booleans())
    review = CaseReview.receive(
        partnership_id="north-herts",
        reference="CR-2025-0001",
        applicant=Applicant(ApplicantRole.VICTIM, VictimKind.BUSINESS),
        applicant_description="Shop owner",
        received_via=ApplicationChannel.EMAIL,
        received_on=received_on,
        complaints=timely_reports(received_on, 3 if met else 1),
    )
    history = History(received_on)
    day = received_on
    stage = draw(st.integers(min_value=0, max_value=6))

    def step() -> date:
        nonlocal day
        day += timedelta(days=draw(st.integers(min_value=0, max_value=40)))
        return day

    if stage >= 1:
        review.acknowledge(step())
        history.acknowledged_on = day
    if stage >= 2:
        review.decide_threshold(TriggerRules(), step())
        history.latest_decision = (day, met)
        if not met and draw(st.booleans()):
            review.request_escalation(step(), "PCC's office", "Complaints missed")
            review.resolve_escalation(EscalationResult.UPHELD_REFERRED_BACK, step())
            for report in timely_reports(received_on, 2, start=1):
                review.add_complaint(report)
            review.decide_threshold(TriggerRules(), step())
            met = True
            history.latest_decision = (day, met)
        if not met and stage >= 3 and draw(st.booleans()):
            review.agree_discretionary_review(step(), "Repeat victim")
    if stage >= 3 and review.status in {S.THRESHOLD_MET, S.REVIEW_AGREED_ON_DISCRETION}:
        rounds = 2 if stage >= 6 else 1
        for _ in range(rounds):
            review.hold_review(
                step(),
                agencies_attending=["police"],
                victim_participation=VictimParticipation.ATTENDED,
                findings="Findings",
            )
            history.meetings.append(day)
            for _ in range(draw(st.integers(min_value=0, max_value=2))):
                review.make_recommendation("police", "Act", day + timedelta(days=30), day)
                history.recommendations += 1
            if stage < 4:
                break
            for recommendation in review.open_recommendations:
                review.complete_recommendation(recommendation.number, day)
            review.send_outcome(step(), ContactMethod.LETTER)
            history.outcomes.append(day)
            if stage >= 5:
                review.close(step())
            if rounds == 2 and not history.meetings[1:]:
                review.request_escalation(step(), "PCC's office", "Review was unfair")
                review.resolve_escalation(EscalationResult.UPHELD_REFERRED_BACK, step())
    if draw(st.booleans()) and review.status not in {
        S.OUTCOME_SENT,
        S.ESCALATED,
        S.CLOSED,
        S.WITHDRAWN,
    }:
        review.withdraw(step())
    return review, history


def brute_force_working_days(start: date, end: date) -> int:
    days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(1 for d in days if d.weekday() < 5 and d not in bank_holidays(d.year))


def middle(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[half])
    return (ordered[half - 1] + ordered[half]) / 2


@given(st.lists(histories(), max_size=8), st.integers(min_value=2023, max_value=2028))
def test_yearly_figures_are_direct_counts(
    generated: list[tuple[CaseReview, History]], start_year: int
) -> None:
    first_day, last_day = date(start_year, 4, 1), date(start_year + 1, 3, 31)

    def in_year(day: date | None) -> bool:
        return day is not None and first_day <= day <= last_day

    reviews = [review for review, _ in generated]
    histories_ = [history for _, history in generated]
    figures = yearly_figures(reviews, FinancialYear(start_year), CALENDAR)

    received = [h for h in histories_ if in_year(h.received_on)]
    carried_out = [h for h in histories_ if h.meetings and in_year(h.meetings[0])]
    assert figures.financial_year.label == f"{start_year}-{(start_year + 1) % 100:02d}"
    assert figures.applications_received == len(received)
    assert figures.threshold_not_met == sum(
        1
        for h in histories_
        if h.latest_decision is not None
        and not h.latest_decision[1]
        and in_year(h.latest_decision[0])
    )
    assert figures.reviews_carried_out == len(carried_out)
    assert figures.reviews_with_recommendations == sum(1 for h in carried_out if h.recommendations)

    def expected_median(done: Callable[[History], date | None]) -> float | None:
        return middle(
            [
                brute_force_working_days(h.received_on, d)
                for h in received
                if (d := done(h)) is not None
            ]
        )

    assert figures.median_working_days_to_acknowledgement == expected_median(
        lambda h: h.acknowledged_on
    )
    assert figures.median_working_days_to_threshold_decision == expected_median(
        lambda h: h.latest_decision[0] if h.latest_decision else None
    )
    assert figures.median_working_days_to_review_meeting == expected_median(
        lambda h: h.meetings[0] if h.meetings else None
    )
    assert figures.median_working_days_to_outcome == expected_median(
        lambda h: h.outcomes[0] if h.outcomes else None
    )


def test_a_review_held_on_discretion_counts_as_not_met_and_as_carried_out() -> None:
    review = CaseReview.receive(
        partnership_id="north-herts",
        reference="CR-2026-0001",
        applicant=Applicant(ApplicantRole.VICTIM, VictimKind.BUSINESS),
        applicant_description="Shop owner",
        received_via=ApplicationChannel.PHONE,
        received_on=date(2026, 3, 30),
        complaints=timely_reports(date(2026, 3, 30), 1),
    )
    review.acknowledge(date(2026, 3, 31))
    review.decide_threshold(TriggerRules(), date(2026, 4, 1))
    review.agree_discretionary_review(date(2026, 4, 2), "Repeat victim")
    review.hold_review(
        date(2026, 4, 20),
        agencies_attending=["police", "council"],
        victim_participation=VictimParticipation.NOT_PRESENT,
        findings="Findings",
    )
    review.make_recommendation("police", "Link reports", date(2026, 6, 1), date(2026, 4, 20))

    last_year = yearly_figures([review], FinancialYear(2025))
    this_year = yearly_figures([review], FinancialYear(2026))

    assert (last_year.applications_received, last_year.threshold_not_met) == (1, 0)
    assert last_year.reviews_carried_out == 0
    assert (this_year.applications_received, this_year.threshold_not_met) == (0, 1)
    assert (this_year.reviews_carried_out, this_year.reviews_with_recommendations) == (1, 1)
    # Received Monday 30 March; acknowledged the next working day.
    assert last_year.median_working_days_to_acknowledgement == 1.0
    # 1 April to 20 April 2026 crosses Good Friday and Easter Monday.
    assert last_year.median_working_days_to_review_meeting == 13.0
    assert this_year.median_working_days_to_review_meeting is None
