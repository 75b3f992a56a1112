"""The CaseReview aggregate: application, status machine, validation, milestones."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.reviews.aggregate import CaseReview
from domain.reviews.milestones import Milestone, MilestoneStatus
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
    NotCountedReason,
    RecommendationStatus,
    ReviewStatus,
    ThresholdRoute,
    VictimKind,
    VictimParticipation,
)
from domain.shared import clock
from domain.shared.calendar import WorkingCalendar
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from domain.shared.personal import ERASED, personal_fields_of

S = ReviewStatus
D = date
NOW = datetime(2026, 6, 15, 11, 0, tzinfo=UTC)  # Monday 15 June 2026, noon in London
TODAY = D(2026, 6, 15)
VICTIM = UUID("00000000-0000-4000-8000-000000000001")
COUNCILLOR = UUID("00000000-0000-4000-8000-000000000002")
CALENDAR = WorkingCalendar()
LEVELS = ServiceLevels()


@pytest.fixture(autouse=True)
def review_clock() -> Iterator[None]:
    with clock.frozen_at(NOW):
        yield


def report(
    day: int,
    month: int = 2,
    *,
    complainant: str = "victim",
    agency: str = "police",
    reference: str | None = None,
    reported: date | None = None,
) -> ComplaintReport:
    behaviour_at = datetime(2026, month, day, 10, 0, tzinfo=UTC)
    return ComplaintReport(
        behaviour_at=behaviour_at,
        reported_on=reported or behaviour_at.date(),
        agency=agency,
        complainant=complainant,
        description=f"Shouting and banging on {day}/{month}",
        agency_reference=reference,
    )


def application(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "partnership_id": "north-herts",
        "reference": "CR-2026-0003",
        "applicant": Applicant(ApplicantRole.VICTIM, VictimKind.PERSON, VICTIM),
        "applicant_description": "Tenant at Example Road, applying for herself",
        "received_via": ApplicationChannel.ONLINE_FORM,
        "received_on": D(2026, 3, 2),
        "complaints": [report(2), report(9), report(16)],
        "asb_case_ids": [],
        "hate_incident_involved": False,
        "victim_vulnerable": False,
    }
    arguments.update(overrides)
    return arguments


def new_review(**overrides: Any) -> CaseReview:
    return CaseReview.receive(**application(**overrides))


def at_stage(stage: str) -> CaseReview:
    """A review brought to ``stage`` with dates between March and May 2026."""
    met = stage not in {"threshold_not_met", "closed_not_met", "review_agreed_on_discretion"}
    review = new_review(complaints=[report(2), report(9), report(16)] if met else [report(2)])
    steps: list[Callable[[], object]] = [
        lambda: review.acknowledge(D(2026, 3, 3)),
        lambda: review.decide_threshold(TriggerRules(), D(2026, 3, 10)),
    ]
    if stage == "review_agreed_on_discretion":
        steps.append(lambda: review.agree_discretionary_review(D(2026, 3, 12), "Very isolated"))
    if stage in {"review_held", "outcome_sent", "closed", "escalated", "reopened"}:
        steps.append(lambda: hold(review, D(2026, 4, 1)))
    if stage in {"outcome_sent", "closed", "escalated", "reopened"}:
        steps.append(lambda: review.send_outcome(D(2026, 4, 8), ContactMethod.LETTER))
    if stage in {"closed", "escalated", "reopened"}:
        steps.append(lambda: review.close(D(2026, 4, 9)))
    if stage == "closed_not_met":
        steps.append(lambda: review.close(D(2026, 3, 11)))
    if stage in {"escalated", "reopened"}:
        steps.append(lambda: review.request_escalation(D(2026, 4, 20), "PCC's office", "Unfair"))
    if stage == "reopened":
        steps.append(
            lambda: review.resolve_escalation(EscalationResult.UPHELD_REFERRED_BACK, D(2026, 5, 1))
        )
    if stage == "withdrawn":
        steps.append(lambda: review.withdraw(D(2026, 3, 20)))
    stop = {"received": 0, "acknowledged": 1}.get(stage, len(steps))
    for step in steps[:stop]:
        step()
    expected = S.CLOSED if stage == "closed_not_met" else S(stage)
    assert review.status is expected
    return review


def hold(review: CaseReview, held_on: date) -> None:
    review.hold_review(
        held_on,
        agencies_attending=["north-herts-council", "herts-police", "housing"],
        victim_participation=VictimParticipation.PRESENTED,
        findings="Reports were not linked between agencies",
        independent_chair="Chair from a neighbouring partnership",
    )


def rejects(
    review: CaseReview, error_class: type[DomainError], rule: str, command: Callable[[], object]
) -> DomainError:
    version, pending = review.version, len(review.pending_events)
    with pytest.raises(error_class) as raised:
        command()
    assert raised.value.rule == rule, raised.value.message
    assert raised.value.message
    assert (review.version, len(review.pending_events)) == (version, pending)
    return raised.value


# ---------------------------------------------------------------------------- application


def test_an_application_records_who_applied_and_the_complaints_relied_on() -> None:
    case_id = UUID("00000000-0000-4000-8000-0000000000aa")
    review = new_review(
        complaints=[report(2, reference="HC-1"), report(9)],
        asb_case_ids=[case_id, case_id],
        hate_incident_involved=True,
        victim_vulnerable=True,
    )

    assert review.status is S.RECEIVED
    assert review.id == CaseReview.create_id("north-herts", "CR-2026-0003")
    assert (review.partnership_id, review.reference) == ("north-herts", "CR-2026-0003")
    assert review.received_on == D(2026, 3, 2)
    assert review.received_via is ApplicationChannel.ONLINE_FORM
    assert review.applicant.applicant_person_id == VICTIM  # the victim applied herself
    assert [c.number for c in review.complaints] == [1, 2]
    assert review.complaints[0].agency_reference == "HC-1"
    assert review.complaints[0].behaviour_at.tzinfo is UTC
    assert review.asb_case_ids == [case_id]
    assert (review.hate_incident_involved, review.victim_vulnerable) == (True, True)
    assert review.threshold_met is None
    assert not review.review_held
    assert [type(e).__name__ for e in review.pending_events] == [
        "Received",
        "ComplaintRecorded",
        "ComplaintRecorded",
    ]


def test_a_councillor_applies_with_the_victims_consent() -> None:
    consent = ConsentRecord(D(2026, 2, 27), ConsentMethod.WRITTEN)
    review = new_review(
        applicant=Applicant(
            ApplicantRole.COUNCILLOR, VictimKind.PERSON, VICTIM, COUNCILLOR, consent
        )
    )
    assert review.applicant.consent == consent
    assert review.applicant.applicant_person_id == COUNCILLOR


def test_a_business_applies_for_itself_without_a_person_id() -> None:
    review = new_review(applicant=Applicant(ApplicantRole.VICTIM, VictimKind.BUSINESS))
    assert review.applicant.victim_person_id is None


CONSENT = ConsentRecord(D(2026, 2, 27), ConsentMethod.VERBAL)

BAD_APPLICATIONS = [
    ("reference", {"reference": "CR-26-0003"}, "reference-format"),
    ("reference", {"reference": "CR-2026-003"}, "reference-format"),
    ("reference", {"reference": "ASB-2026-00003"}, "reference-format"),
    ("reference", {"reference": "CR-2026-0003 "}, "reference-format"),
    ("partnership_id", {"partnership_id": "North Herts"}, "slug-format"),
    ("received_on", {"received_on": D(2026, 6, 16)}, "date-in-future"),
    ("received_on", {"received_on": datetime(2026, 3, 2, tzinfo=UTC)}, "not-a-date"),
    ("received_via", {"received_via": "carrier-pigeon"}, "unknown-choice"),
    ("applicant_description", {"applicant_description": "  "}, "required"),
    (
        "victim_person_id",
        {"applicant": Applicant(ApplicantRole.VICTIM, VictimKind.PERSON)},
        "victim-person-required",
    ),
    (
        "victim_person_id",
        {"applicant": Applicant(ApplicantRole.VICTIM, VictimKind.BUSINESS, VICTIM)},
        "victim-person-not-allowed",
    ),
    (
        "consent",
        {"applicant": Applicant(ApplicantRole.MP, VictimKind.PERSON, VICTIM)},
        "consent-required",
    ),
    (
        "consent",
        {"applicant": Applicant(ApplicantRole.VICTIM, VictimKind.PERSON, VICTIM, consent=CONSENT)},
        "consent-not-applicable",
    ),
    (
        "consent_given_on",
        {
            "applicant": Applicant(
                ApplicantRole.FAMILY_MEMBER,
                VictimKind.PERSON,
                VICTIM,
                consent=ConsentRecord(D(2026, 3, 3), ConsentMethod.EMAIL),
            )
        },
        "consent-after-application",
    ),
    (
        "applicant_person_id",
        {
            "applicant": Applicant(
                ApplicantRole.FAMILY_MEMBER, VictimKind.PERSON, VICTIM, VICTIM, CONSENT
            )
        },
        "applicant-is-victim",
    ),
    (
        "applicant_person_id",
        {"applicant": Applicant(ApplicantRole.VICTIM, VictimKind.PERSON, VICTIM, COUNCILLOR)},
        "applicant-is-not-victim",
    ),
    (
        "reported_on",
        {"complaints": [report(2, reported=D(2026, 2, 1))]},
        "reported-before-behaviour",
    ),
    (
        "reported_on",
        {"complaints": [report(2, 3, reported=D(2026, 3, 3))]},
        "complaint-after-application",
    ),
    (
        "behaviour_at",
        {"complaints": [dataclasses.replace(report(2), behaviour_at=datetime(2026, 2, 2))]},
        "naive-datetime",
    ),
    ("description", {"complaints": [dataclasses.replace(report(2), description="")]}, "required"),
    ("agency", {"complaints": [dataclasses.replace(report(2), agency=" ")]}, "required"),
]


@pytest.mark.parametrize(
    ("field_name", "overrides", "rule"),
    BAD_APPLICATIONS,
    ids=[f"{rule}:{field_name}" for field_name, _, rule in BAD_APPLICATIONS],
)
def test_an_invalid_application_is_refused(
    field_name: str, overrides: dict[str, Any], rule: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        new_review(**overrides)
    assert raised.value.rule == rule
    assert raised.value.field == field_name


def test_complaints_can_be_added_until_the_threshold_is_decided() -> None:
    review = at_stage("acknowledged")
    assert review.add_complaint(report(20)) == 4
    assert review.complaints[-1].number == 4
    review.decide_threshold(TriggerRules(), D(2026, 3, 10))
    rejects(review, RuleViolation, "cannot-add-complaint", lambda: review.add_complaint(report(21)))


# ---------------------------------------------------------------------------- status machine

COMMANDS: dict[str, tuple[Callable[[CaseReview], object], set[str]]] = {
    "add-complaint": (lambda r: r.add_complaint(report(25)), {"received", "acknowledged"}),
    "acknowledge": (lambda r: r.acknowledge(D(2026, 6, 1)), {"received"}),
    "decide-threshold": (
        lambda r: r.decide_threshold(TriggerRules(), D(2026, 6, 1)),
        {"acknowledged"},
    ),
    "agree-discretionary-review": (
        lambda r: r.agree_discretionary_review(D(2026, 6, 1), "Repeat victim"),
        {"threshold_not_met"},
    ),
    "hold-review": (
        lambda r: hold(r, D(2026, 6, 1)),
        {"threshold_met", "review_agreed_on_discretion", "reopened"},
    ),
    "record-victim-consultation": (
        lambda r: r.record_victim_consultation(D(2026, 6, 1), "Agrees with the plan"),
        {"review_held"},
    ),
    "make-recommendation": (
        lambda r: r.make_recommendation("housing", "Move the victim", D(2026, 7, 1), D(2026, 6, 1)),
        {"review_held"},
    ),
    "send-outcome": (lambda r: r.send_outcome(D(2026, 6, 1), ContactMethod.EMAIL), {"review_held"}),
    "request-escalation": (
        lambda r: r.request_escalation(D(2026, 6, 1), "PCC's office", "Not listened to"),
        {"threshold_not_met", "outcome_sent", "closed", "closed_not_met"},
    ),
    "resolve-escalation": (
        lambda r: r.resolve_escalation(EscalationResult.CONFIRMED, D(2026, 6, 1)),
        {"escalated"},
    ),
    "close": (lambda r: r.close(D(2026, 6, 1)), {"threshold_not_met", "outcome_sent"}),
    "withdraw": (
        lambda r: r.withdraw(D(2026, 6, 1), "Moved away"),
        {
            "received",
            "acknowledged",
            "threshold_met",
            "threshold_not_met",
            "review_agreed_on_discretion",
            "reopened",
            "review_held",
        },
    ),
}
STAGES = [
    "received",
    "acknowledged",
    "threshold_met",
    "threshold_not_met",
    "review_agreed_on_discretion",
    "review_held",
    "outcome_sent",
    "closed",
    "closed_not_met",
    "escalated",
    "reopened",
    "withdrawn",
]
TARGET = {
    "acknowledge": S.ACKNOWLEDGED,
    "decide-threshold": None,  # met or not met, depending on the complaints
    "agree-discretionary-review": S.REVIEW_AGREED_ON_DISCRETION,
    "hold-review": S.REVIEW_HELD,
    "send-outcome": S.OUTCOME_SENT,
    "request-escalation": S.ESCALATED,
    "resolve-escalation": S.CLOSED,  # confirmed: back to where it was escalated from
    "close": S.CLOSED,
    "withdraw": S.WITHDRAWN,
}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_status_machine(stage: str, command: str) -> None:
    review = at_stage(stage)
    run, allowed_in = COMMANDS[command]
    if stage in allowed_in:
        before = review.status
        run(review)
        target = TARGET.get(command, before)
        if target is not None:
            assert review.status is target
        else:
            assert review.status in {S.THRESHOLD_MET, S.THRESHOLD_NOT_MET}
    else:
        error = rejects(review, RuleViolation, f"cannot-{command}", lambda: run(review))
        assert review.status.label in error.message


# ---------------------------------------------------------------------------- dates


def test_lifecycle_dates_must_be_in_order_and_not_in_the_future() -> None:
    review = at_stage("acknowledged")
    error = rejects(
        review,
        InvalidValue,
        "date-too-early",
        lambda: review.decide_threshold(TriggerRules(), D(2026, 3, 2)),
    )
    assert error.field == "decided_on"
    rejects(
        review,
        InvalidValue,
        "date-in-future",
        lambda: review.decide_threshold(TriggerRules(), D(2026, 6, 16)),
    )
    rejects(
        review,
        InvalidValue,
        "not-a-date",
        lambda: review.decide_threshold(TriggerRules(), NOW),
    )
    review.decide_threshold(TriggerRules(), D(2026, 3, 3))  # the same day is fine
    assert review.threshold_decided_on == D(2026, 3, 3)


def test_today_is_the_london_date() -> None:
    review = at_stage("received")
    # 23:30 UTC on 14 June is already 15 June in London (summer time).
    with clock.frozen_at(datetime(2026, 6, 14, 23, 30, tzinfo=UTC)):
        review.acknowledge(D(2026, 6, 15))
    assert review.acknowledged_on == D(2026, 6, 15)


# ---------------------------------------------------------------------------- threshold


def test_the_threshold_decision_records_what_counted_and_why_not() -> None:
    review = new_review(
        complaints=[
            report(2, reference="CAD-1"),
            report(2, agency="council", reference="cad-1", reported=D(2026, 2, 3)),
            report(5, 1, reported=D(2026, 2, 20)),
        ]
    )
    review.acknowledge(D(2026, 3, 3))
    assessment = review.decide_threshold(
        TriggerRules(), D(2026, 3, 10), applicant_informed_on=D(2026, 3, 11)
    )

    assert review.status is S.THRESHOLD_NOT_MET
    assert review.threshold_met is False
    assert review.threshold_decision is not None
    assert review.threshold_decision.assessment == assessment
    assert review.threshold_decision.applicant_informed_on == D(2026, 3, 11)
    assert assessment.counted == [1]
    assert [(f.reason, f.duplicate_of) for f in assessment.findings] == [
        (None, None),
        (NotCountedReason.DUPLICATE, 1),
        (NotCountedReason.REPORTED_TOO_LATE, None),
    ]
    assert assessment.rules == TriggerRules()


def test_informing_the_applicant_cannot_precede_the_decision() -> None:
    review = at_stage("acknowledged")
    rejects(
        review,
        InvalidValue,
        "date-too-early",
        lambda: review.decide_threshold(
            TriggerRules(), D(2026, 3, 10), applicant_informed_on=D(2026, 3, 9)
        ),
    )


def test_discretion_for_a_vulnerable_victim_needs_local_rules_and_a_vulnerable_victim() -> None:
    allowing = TriggerRules(vulnerable_victim_discretion=True)

    not_vulnerable = new_review(complaints=[report(2)])
    not_vulnerable.acknowledge(D(2026, 3, 3))
    rejects(
        not_vulnerable,
        RuleViolation,
        "victim-not-vulnerable",
        lambda: not_vulnerable.decide_threshold(
            allowing, D(2026, 3, 10), vulnerable_victim_discretion_reason="Lives alone"
        ),
    )

    vulnerable = new_review(complaints=[report(2)], victim_vulnerable=True)
    vulnerable.acknowledge(D(2026, 3, 3))
    rejects(
        vulnerable,
        RuleViolation,
        "vulnerable-victim-discretion-not-allowed",
        lambda: vulnerable.decide_threshold(
            TriggerRules(), D(2026, 3, 10), vulnerable_victim_discretion_reason="Lives alone"
        ),
    )
    assessment = vulnerable.decide_threshold(
        allowing, D(2026, 3, 10), vulnerable_victim_discretion_reason=" Lives alone "
    )
    assert assessment.route is ThresholdRoute.VULNERABLE_VICTIM_DISCRETION
    assert vulnerable.threshold_met is True
    assert vulnerable.status is S.THRESHOLD_MET
    assert vulnerable.threshold_decision is not None
    assert vulnerable.threshold_decision.discretion_reason == "Lives alone"


def test_a_review_agreed_on_discretion_is_held_but_the_threshold_stays_not_met() -> None:
    review = at_stage("review_agreed_on_discretion")
    assert review.discretionary_review is not None
    assert review.discretionary_review.reason == "Very isolated"
    hold(review, D(2026, 3, 20))
    assert review.review_held
    assert review.review_held_on == D(2026, 3, 20)
    assert review.threshold_met is False


# ---------------------------------------------------------------------------- review


def test_the_review_meeting_and_the_victims_consultation() -> None:
    review = at_stage("review_held")
    meeting = review.latest_meeting
    assert meeting is not None
    assert meeting.agencies_attending == ["north-herts-council", "herts-police", "housing"]
    assert meeting.victim_participation is VictimParticipation.PRESENTED
    assert meeting.independent_chair == "Chair from a neighbouring partnership"
    review.record_victim_consultation(D(2026, 4, 3), "Wants the housing move prioritised")
    assert review.victim_consultations[0].response == "Wants the housing move prioritised"
    rejects(
        review,
        InvalidValue,
        "required",
        lambda: review.record_victim_consultation(D(2026, 4, 3), ""),
    )


def test_a_review_meeting_needs_an_agency_and_findings() -> None:
    review = at_stage("threshold_met")
    rejects(
        review,
        InvalidValue,
        "required",
        lambda: review.hold_review(
            D(2026, 4, 1),
            agencies_attending=[" "],
            victim_participation=VictimParticipation.NOT_PRESENT,
            findings="x",
        ),
    )
    rejects(
        review,
        InvalidValue,
        "unknown-choice",
        lambda: review.hold_review(
            D(2026, 4, 1),
            agencies_attending=["police"],
            victim_participation="maybe",  # type: ignore[arg-type]
            findings="x",
        ),
    )


def test_recommendations_are_tracked_to_done_or_not_accepted() -> None:
    review = at_stage("review_held")
    first = review.make_recommendation("housing", "Offer a move", D(2026, 5, 1), D(2026, 4, 2))
    second = review.make_recommendation("police", "Link the reports", D(2026, 4, 30), D(2026, 4, 2))
    assert (first, second) == (1, 2)
    assert review.has_recommendations
    assert [r.number for r in review.overdue_recommendations(D(2026, 5, 1))] == [2]
    review.send_outcome(D(2026, 4, 6), ContactMethod.EMAIL)

    error = rejects(
        review, RuleViolation, "recommendations-outstanding", lambda: review.close(D(2026, 6, 1))
    )
    assert "R1, R2" in error.message

    review.complete_recommendation(1, D(2026, 4, 28))
    review.record_recommendation_not_accepted(2, D(2026, 5, 5), "No power to do it")
    assert [r.status for r in review.recommendations] == [
        RecommendationStatus.DONE,
        RecommendationStatus.NOT_ACCEPTED,
    ]
    assert review.recommendations[1].not_accepted_reason == "No power to do it"
    assert review.open_recommendations == []
    rejects(
        review,
        RuleViolation,
        "recommendation-already-resolved",
        lambda: review.complete_recommendation(1, D(2026, 5, 6)),
    )
    rejects(
        review,
        InvalidValue,
        "unknown-recommendation",
        lambda: review.complete_recommendation(3, D(2026, 5, 6)),
    )
    rejects(review, InvalidValue, "date-too-early", lambda: review.close(D(2026, 5, 4)))
    review.close(D(2026, 5, 5))
    assert review.status is S.CLOSED


def test_a_recommendation_deadline_cannot_precede_it() -> None:
    review = at_stage("review_held")
    rejects(
        review,
        InvalidValue,
        "date-too-early",
        lambda: review.make_recommendation("housing", "x", D(2026, 4, 1), D(2026, 4, 2)),
    )
    rejects(
        review,
        InvalidValue,
        "required",
        lambda: review.make_recommendation(" ", "x", D(2026, 5, 1), D(2026, 4, 2)),
    )


def test_a_recommendation_cannot_be_done_before_it_was_made() -> None:
    review = at_stage("review_held")
    review.make_recommendation("housing", "Offer a move", D(2026, 5, 1), D(2026, 4, 2))
    rejects(
        review,
        InvalidValue,
        "date-too-early",
        lambda: review.complete_recommendation(1, D(2026, 4, 1)),
    )


# ---------------------------------------------------------------------------- escalation


def test_a_confirmed_escalation_returns_to_where_it_was() -> None:
    review = at_stage("escalated")
    assert review.open_escalation is not None
    assert review.open_escalation.escalated_from is S.CLOSED
    review.resolve_escalation(EscalationResult.CONFIRMED, D(2026, 5, 1), "Due process followed")
    assert review.status is S.CLOSED
    assert review.open_escalation is None
    assert review.escalations[-1].notes == "Due process followed"


def test_upheld_after_a_review_reopens_it_and_restarts_the_meeting_clock() -> None:
    review = at_stage("reopened")
    assert review.closed_on is None
    by_milestone = {m.milestone: m for m in review.milestones(TODAY, CALENDAR, LEVELS)}
    meeting = by_milestone[Milestone.REVIEW_MEETING]
    assert meeting.done_on is None
    assert meeting.due_on == CALENDAR.add_working_days(D(2026, 5, 1), 20)
    assert Milestone.OUTCOME not in by_milestone

    hold(review, D(2026, 5, 20))
    review.send_outcome(D(2026, 5, 22), ContactMethod.LETTER)
    assert len(review.meetings) == 2
    assert review.review_held_on == D(2026, 4, 1)  # the first meeting, for the yearly figures
    assert review.outcome_sent_on == D(2026, 4, 8)
    statuses = {m.milestone: m.status for m in review.milestones(TODAY, CALENDAR, LEVELS)}
    assert statuses[Milestone.REVIEW_MEETING] is MilestoneStatus.DONE
    assert statuses[Milestone.OUTCOME] is MilestoneStatus.DONE


def test_upheld_after_threshold_not_met_sends_it_back_for_a_new_decision() -> None:
    review = at_stage("threshold_not_met")
    review.request_escalation(D(2026, 3, 12), "PCC's office", "Two complaints were missed")
    review.resolve_escalation(EscalationResult.UPHELD_REFERRED_BACK, D(2026, 3, 20))
    assert review.status is S.ACKNOWLEDGED
    assert review.threshold_met is False  # until decided again
    decision = {m.milestone: m for m in review.milestones(D(2026, 3, 20), CALENDAR, LEVELS)}[
        Milestone.THRESHOLD_DECISION
    ]
    assert (decision.due_on, decision.status) == (D(2026, 4, 7), MilestoneStatus.DUE)

    review.add_complaint(report(9))
    review.add_complaint(report(16))
    review.decide_threshold(TriggerRules(), D(2026, 3, 25))
    assert review.threshold_met is True
    assert len(review.threshold_decisions) == 2
    assert review.threshold_decided_on == D(2026, 3, 25)


# ---------------------------------------------------------------------------- milestones


@pytest.mark.parametrize(
    ("today", "acknowledged_on", "status"),
    [
        # Received Thursday 2 April 2026: Good Friday and Easter Monday do not count,
        # so two working days end on Wednesday 8 April.
        (D(2026, 4, 2), None, MilestoneStatus.AT_RISK),
        (D(2026, 4, 8), None, MilestoneStatus.AT_RISK),
        (D(2026, 4, 9), None, MilestoneStatus.MISSED),
        (D(2026, 4, 9), D(2026, 4, 8), MilestoneStatus.DONE),
        (D(2026, 4, 9), D(2026, 4, 9), MilestoneStatus.DONE_LATE),
    ],
)
def test_acknowledgement_milestone(
    today: date, acknowledged_on: date | None, status: MilestoneStatus
) -> None:
    review = new_review(received_on=D(2026, 4, 2))
    if acknowledged_on:
        review.acknowledge(acknowledged_on)
    acknowledgement = review.milestones(today, CALENDAR, LEVELS)[0]
    assert acknowledgement.milestone is Milestone.ACKNOWLEDGEMENT
    assert acknowledgement.due_on == D(2026, 4, 8)
    assert acknowledgement.done_on == acknowledged_on
    assert acknowledgement.status is status


@pytest.mark.parametrize(
    ("received_on", "due_on", "why"),
    [
        (D(2026, 3, 2), D(2026, 3, 16), "two plain weeks"),
        (D(2026, 3, 27), D(2026, 4, 14), "over the year end and Easter"),
        (D(2026, 12, 18), D(2027, 1, 6), "over Christmas and New Year"),
        (D(2026, 3, 7), D(2026, 3, 20), "received on a Saturday"),
    ],
)
def test_threshold_decision_due_dates(received_on: date, due_on: date, why: str) -> None:
    complaints = [report(2), report(9), report(16)] if received_on.month == 3 else []
    with clock.frozen_at(datetime(2027, 2, 1, 12, tzinfo=UTC)):
        review = new_review(received_on=received_on, complaints=complaints)
    decision = review.milestones(received_on, CALENDAR, LEVELS)[1]
    assert decision.milestone is Milestone.THRESHOLD_DECISION
    assert decision.due_on == due_on, why


@pytest.mark.parametrize(
    ("today", "at_risk_within", "status"),
    [
        (D(2026, 3, 9), 2, MilestoneStatus.DUE),  # due 16 March: 5 working days away
        (D(2026, 3, 11), 2, MilestoneStatus.DUE),  # 3 working days away
        (D(2026, 3, 12), 2, MilestoneStatus.AT_RISK),  # 2 working days away
        (D(2026, 3, 14), 2, MilestoneStatus.AT_RISK),  # Saturday: Monday is 1 working day away
        (D(2026, 3, 16), 0, MilestoneStatus.AT_RISK),  # due today
        (D(2026, 3, 13), 0, MilestoneStatus.DUE),
        (D(2026, 3, 9), 5, MilestoneStatus.AT_RISK),
        (D(2026, 3, 17), 2, MilestoneStatus.MISSED),
    ],
)
def test_at_risk_is_derived_from_the_day_asked_and_the_local_setting(
    today: date, at_risk_within: int, status: MilestoneStatus
) -> None:
    review = new_review()
    review.acknowledge(D(2026, 3, 3))
    levels = ServiceLevels(at_risk_within_working_days=at_risk_within)
    decision = review.milestones(today, CALENDAR, levels)[1]
    assert decision.due_on == D(2026, 3, 16)
    assert decision.status is status


def test_service_levels_are_settings() -> None:
    assert ServiceLevels() == ServiceLevels(2, 10, 20, 5, 2)
    review = at_stage("outcome_sent")
    levels = ServiceLevels(
        acknowledge_within_working_days=1,
        decide_threshold_within_working_days=21,
        hold_review_within_working_days=28,
        send_outcome_within_working_days=10,
    )
    progress = {m.milestone: m for m in review.milestones(TODAY, CALENDAR, levels)}
    assert progress[Milestone.ACKNOWLEDGEMENT].due_on == D(2026, 3, 3)
    assert progress[Milestone.THRESHOLD_DECISION].due_on == D(2026, 3, 31)
    assert progress[Milestone.REVIEW_MEETING].due_on == D(2026, 4, 21)
    assert progress[Milestone.OUTCOME].due_on == D(2026, 4, 17)
    default = {m.milestone: m for m in review.milestones(TODAY, CALENDAR, LEVELS)}
    assert default[Milestone.REVIEW_MEETING].due_on == D(2026, 4, 9)
    assert all(m.status is MilestoneStatus.DONE for m in default.values())
    with pytest.raises(InvalidValue):
        ServiceLevels(hold_review_within_working_days=0)


def test_local_closure_days_move_due_dates() -> None:
    review = new_review()
    closed = WorkingCalendar(closure_days=[D(2026, 3, 3), D(2026, 3, 4)])
    assert review.milestones(TODAY, closed, LEVELS)[0].due_on == D(2026, 3, 6)


def test_only_the_milestones_that_apply_are_listed() -> None:
    not_met = at_stage("threshold_not_met")
    assert [m.milestone for m in not_met.milestones(TODAY, CALENDAR, LEVELS)] == [
        Milestone.ACKNOWLEDGEMENT,
        Milestone.THRESHOLD_DECISION,
    ]
    met = at_stage("threshold_met")
    assert [m.milestone for m in met.milestones(TODAY, CALENDAR, LEVELS)][-1] is (
        Milestone.REVIEW_MEETING
    )


def test_after_withdrawal_milestones_not_done_are_no_longer_due() -> None:
    review = at_stage("threshold_met")
    review.withdraw(D(2026, 3, 20), "Problem has stopped")
    assert review.withdrawn_on == D(2026, 3, 20)
    assert [m.milestone for m in review.milestones(TODAY, CALENDAR, LEVELS)] == [
        Milestone.ACKNOWLEDGEMENT,
        Milestone.THRESHOLD_DECISION,
    ]


# ---------------------------------------------------------------------------- personal data

EXPECTED_PERSONAL_FIELDS = {
    "Received": {"applicant_description"},
    "ComplaintRecorded": {"description"},
    "Acknowledged": set(),
    "ThresholdDecided": {"discretion_reason"},
    "DiscretionaryReviewAgreed": {"reason"},
    "ReviewHeld": {"findings"},
    "VictimConsulted": {"response"},
    "RecommendationMade": {"recommendation_text"},
    "RecommendationCompleted": set(),
    "RecommendationNotAccepted": {"reason"},
    "OutcomeSent": set(),
    "EscalationRequested": {"grounds"},
    "EscalationResolved": {"notes"},
    "Closed": set(),
    "Withdrawn": {"reason"},
}


def test_personal_fields_are_declared_on_every_event() -> None:
    classes = {
        name: value
        for name, value in vars(CaseReview).items()
        if isinstance(value, type)
        and issubclass(value, CaseReview.Event)
        and name not in {"Event", "Created"}
    }
    assert set(classes) == set(EXPECTED_PERSONAL_FIELDS)
    for name, event_class in classes.items():
        declared = set(personal_fields_of(event_class))
        assert declared == EXPECTED_PERSONAL_FIELDS[name], name
        field_types = {f.name: str(f.type) for f in dataclasses.fields(event_class)}
        assert all("str" in field_types[f] for f in declared), name


def test_a_review_replays_with_its_personal_data_erased() -> None:
    review = at_stage("review_agreed_on_discretion")
    hold(review, D(2026, 4, 1))
    review.record_victim_consultation(D(2026, 4, 2), "Content")
    review.make_recommendation("housing", "Offer a move", D(2026, 5, 1), D(2026, 4, 2))
    review.record_recommendation_not_accepted(1, D(2026, 4, 3), "No stock")
    review.send_outcome(D(2026, 4, 6), ContactMethod.LETTER)
    review.request_escalation(D(2026, 4, 7), "PCC's office", "Slow")
    review.resolve_escalation(EscalationResult.CONFIRMED, D(2026, 4, 9), "Fine")
    review.close(D(2026, 4, 10))
    events: list[Any] = list(review.collect_events())
    erased = [
        dataclasses.replace(e, **dict.fromkeys(personal_fields_of(type(e)), ERASED)) for e in events
    ]
    replayed: Any = None
    for event in erased:
        replayed = event.mutate(replayed)
    assert isinstance(replayed, CaseReview)
    assert replayed.status is S.CLOSED
    assert replayed.applicant_description == ERASED
    assert replayed.complaints[0].description == ERASED
    assert replayed.meetings[0].findings == ERASED
    assert replayed.recommendations[0].text == ERASED
    assert replayed.escalations[0].grounds == ERASED
    assert replayed.discretionary_review is not None
    assert replayed.discretionary_review.reason == ERASED
