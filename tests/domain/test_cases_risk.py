"""Risk assessment, review cadence, vulnerability and supervisor reviews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Protocol
from uuid import UUID, uuid4

import pytest

from domain.cases import (
    AsbCase,
    ClosureOutcome,
    PartyRole,
    ReviewCadence,
    RiskLevel,
    RiskQuestion,
    RiskQuestionnaire,
    SupervisorDecision,
    VulnerabilityFlag,
    VulnerableVictimRule,
)
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from domain.shared.personal import personal_fields_of

pytestmark = pytest.mark.usefixtures("frozen_clock")

Rejects = Callable[..., DomainError]
DEFAULT = RiskQuestionnaire()


class CaseWithParties(Protocol):
    case: AsbCase
    victim: UUID
    perpetrator: UUID
    witness: UUID


def level_of(case: AsbCase) -> RiskLevel | None:
    return case.current_risk_level


def answers(*yes: str, questionnaire: RiskQuestionnaire = DEFAULT) -> dict[str, bool]:
    unknown = set(yes) - set(questionnaire.codes)
    assert not unknown, unknown
    return {code: code in yes for code in questionnaire.codes}


def test_default_questionnaire_is_a_sensible_matrix() -> None:
    assert 8 <= len(DEFAULT.questions) <= 10
    assert len(set(DEFAULT.codes)) == len(DEFAULT.codes)
    assert all(q.text.endswith("?") and q.weight > 0 for q in DEFAULT.questions)
    assert {"targeted_for_identity", "previous_asb", "health_affected", "feels_isolated"} <= set(
        DEFAULT.codes
    )
    assert 0 < DEFAULT.medium_from < DEFAULT.high_from <= DEFAULT.max_score


@pytest.mark.parametrize(
    ("yes", "score", "level"),
    [
        ((), 0, RiskLevel.STANDARD),
        (("previous_asb",), 1, RiskLevel.STANDARD),
        (
            ("previous_asb", "feels_isolated", "daily_life_affected", "home_or_property_damaged"),
            4,
            RiskLevel.STANDARD,
        ),
        (("targeted_for_identity", "health_affected"), 5, RiskLevel.MEDIUM),
        (
            ("targeted_for_identity", "violence_or_threats", "afraid_at_home", "previous_asb"),
            9,
            RiskLevel.MEDIUM,
        ),
        (
            ("targeted_for_identity", "violence_or_threats", "afraid_at_home", "getting_worse"),
            10,
            RiskLevel.HIGH,
        ),
        (tuple(DEFAULT.codes), 18, RiskLevel.HIGH),
    ],
)
def test_default_scores_and_bands(yes: tuple[str, ...], score: int, level: RiskLevel) -> None:
    assert DEFAULT.score(answers(*yes)) == score
    assert DEFAULT.level_for(score) is level


def test_a_local_questionnaire() -> None:
    local = RiskQuestionnaire(
        version="herts-2026",
        questions=(RiskQuestion("a", "A?", 1), RiskQuestion("b", "B?", 2)),
        medium_from=1,
        high_from=3,
    )
    assert local.level_for(local.score({"a": True, "b": False})) is RiskLevel.MEDIUM
    assert local.level_for(local.score({"a": True, "b": True})) is RiskLevel.HIGH


@pytest.mark.parametrize(
    "kwargs",
    [
        {"questions": ()},
        {"questions": (RiskQuestion("a", "A?", 1), RiskQuestion("a", "A again?", 1))},
        {"questions": (RiskQuestion("a", "A?", -1),)},
        {"medium_from": 10, "high_from": 5},
        {"medium_from": 0},
        {"high_from": 19},  # more than the maximum score: high could never be reached
    ],
)
def test_questionnaire_rejects_bad_configuration(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="risk"):
        RiskQuestionnaire(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        ({**answers(), "made_up": True}, "unknown_question"),
        ({k: v for k, v in answers().items() if k != "previous_asb"}, "unanswered_question"),
        ({**answers(), "previous_asb": "yes"}, "invalid_answer"),
    ],
)
def test_checked_answers_rejects(given: dict[str, bool], rule: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        DEFAULT.checked_answers(given)
    assert (raised.value.rule, raised.value.field) == (rule, "answers")


def test_review_cadence_defaults_and_dates() -> None:
    cadence = ReviewCadence()
    assert [cadence.days_for(level) for level in RiskLevel] == [56, 28, 14]
    assert cadence.next_review_due(date(2026, 3, 10), RiskLevel.HIGH) == date(2026, 3, 24)
    assert ReviewCadence(high_days=7).next_review_due(date(2026, 3, 10), RiskLevel.HIGH) == date(
        2026, 3, 17
    )
    with pytest.raises(ValueError, match="positive"):
        ReviewCadence(medium_days=0)


# -------------------------------------------------------------- on the case


@pytest.mark.parametrize(
    ("yes", "level", "due"),
    [
        ((), RiskLevel.STANDARD, date(2026, 5, 5)),
        (("targeted_for_identity", "health_affected"), RiskLevel.MEDIUM, date(2026, 4, 7)),
        (tuple(DEFAULT.codes), RiskLevel.HIGH, date(2026, 3, 24)),
    ],
)
def test_assess_risk_sets_level_and_next_review(
    with_parties: CaseWithParties,
    frozen_clock: datetime,
    yes: tuple[str, ...],
    level: RiskLevel,
    due: date,
) -> None:
    case = with_parties.case
    result = case.assess_risk(
        victim_id=with_parties.victim,
        answers=answers(*yes),
        assessed_by="asb.officer.1",
        vulnerability_flags=[VulnerabilityFlag.MENTAL_HEALTH, VulnerabilityFlag.OLDER_PERSON],
        notes="Lives alone since her husband died",
    )
    assert result is level
    assert case.current_risk_level is level
    assert case.next_review_due == due
    assessment = case.latest_risk_assessment(with_parties.victim)
    assert assessment is not None
    assert assessment.assessed_at == frozen_clock
    assert assessment.questionnaire_version == DEFAULT.version
    assert assessment.score == DEFAULT.score(answers(*yes))
    # flags are kept in the vocabulary's order, whatever order they were given in
    assert assessment.vulnerability_flags == [
        VulnerabilityFlag.MENTAL_HEALTH,
        VulnerabilityFlag.OLDER_PERSON,
    ]
    assert personal_fields_of(type(case.pending_events[-1])) == frozenset({"notes"})


def test_assess_risk_uses_the_given_cadence(with_parties: CaseWithParties) -> None:
    case = with_parties.case
    case.assess_risk(
        victim_id=with_parties.victim,
        answers=answers(*DEFAULT.codes),
        assessed_by="asb.officer.1",
        cadence=ReviewCadence(high_days=7),
    )
    assert case.next_review_due == date(2026, 3, 17)


def test_case_level_is_the_highest_current_level_among_victims(
    with_parties: CaseWithParties,
) -> None:
    case = with_parties.case
    second_victim = uuid4()
    case.add_party(person_id=second_victim, role=PartyRole.VICTIM)
    case.assess_risk(
        victim_id=with_parties.victim, answers=answers(*DEFAULT.codes), assessed_by="o"
    )
    case.assess_risk(victim_id=second_victim, answers=answers(), assessed_by="o")
    assert case.current_risk_level is RiskLevel.HIGH
    # the case is still high because of the first victim: the review stays at 14 days
    assert case.next_review_due == date(2026, 3, 24)

    case.assess_risk(victim_id=with_parties.victim, answers=answers(), assessed_by="o")
    assert level_of(case) is RiskLevel.STANDARD
    assert len(case.risk_assessments) == 3

    case.remove_party(person_id=second_victim, role=PartyRole.VICTIM, reason="Error")
    assert [a.victim_id for a in case.current_risk_assessments] == [with_parties.victim]


def test_assess_risk_rejections(with_parties: CaseWithParties, rejects: Rejects) -> None:
    case = with_parties.case
    rejects(
        case,
        RuleViolation,
        "not_a_victim",
        lambda: case.assess_risk(
            victim_id=with_parties.perpetrator, answers=answers(), assessed_by="o"
        ),
    )
    rejects(
        case,
        InvalidValue,
        "unanswered_question",
        lambda: case.assess_risk(victim_id=with_parties.victim, answers={}, assessed_by="o"),
    )
    rejects(
        case,
        InvalidValue,
        "invalid_choice",
        lambda: case.assess_risk(
            victim_id=with_parties.victim,
            answers=answers(),
            assessed_by="o",
            vulnerability_flags=["frail"],  # type: ignore[list-item]
        ),
    )
    rejects(
        case,
        InvalidValue,
        "required",
        lambda: case.assess_risk(victim_id=with_parties.victim, answers=answers(), assessed_by=""),
    )


def test_vulnerable_victims(with_parties: CaseWithParties) -> None:
    case = with_parties.case
    assert not case.has_vulnerable_victim()
    case.assess_risk(victim_id=with_parties.victim, answers=answers(), assessed_by="o")
    assert not case.has_vulnerable_victim()
    case.assess_risk(
        victim_id=with_parties.victim,
        answers=answers(),
        assessed_by="o",
        vulnerability_flags=[VulnerabilityFlag.LEARNING_DISABILITY],
    )
    assert case.vulnerable_victim_ids() == [with_parties.victim]
    assert case.vulnerability_flags == [VulnerabilityFlag.LEARNING_DISABILITY]
    assert not case.has_vulnerable_victim(VulnerableVictimRule(flags_make_vulnerable=False))

    case.assess_risk(
        victim_id=with_parties.victim,
        answers=answers("targeted_for_identity", "health_affected"),
        assessed_by="o",
    )
    assert not case.has_vulnerable_victim()
    medium_rule = VulnerableVictimRule(risk_level_at_least=RiskLevel.MEDIUM)
    assert case.has_vulnerable_victim(medium_rule)


def test_review_overdue_is_derived(with_parties: CaseWithParties) -> None:
    case = with_parties.case
    assert not case.is_review_overdue(date(2030, 1, 1))  # nothing due before assessment
    case.assess_risk(
        victim_id=with_parties.victim, answers=answers(*DEFAULT.codes), assessed_by="o"
    )
    assert not case.is_review_overdue(date(2026, 3, 24))
    assert case.is_review_overdue(date(2026, 3, 25))
    case.close(outcome=ClosureOutcome.RESOLVED, reason="Resolved")
    assert case.next_review_due is None
    assert not case.is_review_overdue(date(2026, 3, 25))


def test_supervisor_review_sets_next_review_by_current_level(
    with_parties: CaseWithParties, frozen_clock: datetime, rejects: Rejects
) -> None:
    case = with_parties.case
    case.record_supervisor_review(reviewed_by="sgt.smith", decision=SupervisorDecision.CONTINUE)
    assert case.next_review_due == date(2026, 5, 5)  # standard until assessed

    case.assess_risk(
        victim_id=with_parties.victim, answers=answers(*DEFAULT.codes), assessed_by="o"
    )
    with_later_clock = frozen_clock + timedelta(days=10)
    from domain.shared import clock

    with clock.frozen_at(with_later_clock):
        case.record_supervisor_review(
            reviewed_by="sgt.smith",
            decision=SupervisorDecision.ESCALATE,
            note="Needs a CPW",
            cadence=ReviewCadence(high_days=10),
        )
    assert case.next_review_due == date(2026, 3, 30)
    review = case.supervisor_reviews[-1]
    assert (review.reviewed_by, review.decision, review.note) == (
        "sgt.smith",
        SupervisorDecision.ESCALATE,
        "Needs a CPW",
    )
    assert review.reviewed_at == with_later_clock
    rejects(
        case,
        InvalidValue,
        "invalid_choice",
        lambda: case.record_supervisor_review(
            reviewed_by="sgt.smith",
            decision="shrug",  # type: ignore[arg-type]
        ),
    )
    rejects(
        case,
        InvalidValue,
        "required",
        lambda: case.record_supervisor_review(
            reviewed_by=" ", decision=SupervisorDecision.CONTINUE
        ),
    )
