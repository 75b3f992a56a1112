"""Victim contact, JAG referrals, closing and reopening, and what a closed case refuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Protocol
from uuid import UUID, uuid4

import pytest

from domain.cases import (
    AsbCase,
    CaseStatus,
    ClosureOutcome,
    ContactMethod,
    InterventionResult,
    InterventionType,
    JagOutcome,
    PartyRole,
    ReviewCadence,
    RiskQuestionnaire,
    SupervisorDecision,
    VictimSatisfaction,
)
from domain.shared import clock
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from domain.shared.personal import personal_fields_of

pytestmark = pytest.mark.usefixtures("frozen_clock")

Rejects = Callable[..., DomainError]
TODAY = date(2026, 3, 10)


class CaseWithParties(Protocol):
    case: AsbCase
    victim: UUID
    perpetrator: UUID
    witness: UUID


# ------------------------------------------------------------ victim contact


def test_record_victim_contact(with_parties: CaseWithParties, frozen_clock: datetime) -> None:
    case = with_parties.case
    assert case.last_victim_contact_at is None
    contacted_at = frozen_clock - timedelta(hours=2)
    case.record_victim_contact(
        person_id=with_parties.victim,
        contacted_at=contacted_at,
        method=ContactMethod.PHONE,
        contacted_by="asb.officer.1",
        note="Updated on the CPW; noise is a little better",
    )
    contact = case.victim_contacts[-1]
    assert (contact.person_id, contact.method, contact.contacted_by) == (
        with_parties.victim,
        ContactMethod.PHONE,
        "asb.officer.1",
    )
    assert case.last_victim_contact_at == contacted_at
    assert personal_fields_of(type(case.pending_events[-1])) == frozenset({"note"})


def test_victim_contact_rejections(
    with_parties: CaseWithParties, rejects: Rejects, frozen_clock: datetime
) -> None:
    case = with_parties.case

    def contact(person: UUID, at: datetime, note: str = "Called") -> Callable[[], None]:
        return lambda: case.record_victim_contact(
            person_id=person,
            contacted_at=at,
            method=ContactMethod.EMAIL,
            contacted_by="asb.officer.1",
            note=note,
        )

    earlier = frozen_clock - timedelta(hours=1)
    rejects(case, RuleViolation, "not_a_victim", contact(with_parties.witness, earlier))
    rejects(case, RuleViolation, "unknown_party", contact(uuid4(), earlier))
    rejects(
        case, InvalidValue, "in_future", contact(with_parties.victim, frozen_clock + timedelta(1))
    )
    rejects(
        case,
        InvalidValue,
        "before_report",
        contact(with_parties.victim, frozen_clock - timedelta(days=3)),
    )
    rejects(case, InvalidValue, "required", contact(with_parties.victim, earlier, note=""))


# ------------------------------------------------------------------- the JAG


def test_one_open_jag_referral_at_a_time(new_case: AsbCase, rejects: Rejects) -> None:
    referral_id = new_case.refer_to_jag(reason="Escalating despite a CPW")
    referral = new_case.open_jag_referral
    assert referral is not None
    assert referral.referral_id == referral_id
    assert referral.reason == "Escalating despite a CPW"
    assert personal_fields_of(type(new_case.pending_events[-1])) == frozenset({"reason"})
    rejects(new_case, RuleViolation, "jag_referral_open", lambda: new_case.refer_to_jag(reason="x"))

    new_case.conclude_jag_referral(outcome=JagOutcome.WITHDRAWN, note="Resolved by mediation")
    assert new_case.open_jag_referral is None
    second = new_case.refer_to_jag(reason="Started again")
    assert [r.referral_id for r in new_case.jag_referrals] == [referral_id, second]
    assert new_case.jag_referrals[0].outcome is JagOutcome.WITHDRAWN


def test_jag_accepts_then_discharges(new_case: AsbCase, rejects: Rejects) -> None:
    new_case.refer_to_jag(reason="Needs partners")
    rejects(
        new_case,
        RuleViolation,
        "jag_referral_not_accepted",
        lambda: new_case.conclude_jag_referral(outcome=JagOutcome.DISCHARGED),
    )
    new_case.accept_jag_referral(accepted_on=TODAY)
    rejects(
        new_case,
        RuleViolation,
        "jag_referral_accepted",
        lambda: new_case.accept_jag_referral(accepted_on=TODAY),
    )
    rejects(
        new_case,
        RuleViolation,
        "jag_referral_accepted",
        lambda: new_case.conclude_jag_referral(outcome=JagOutcome.DECLINED),
    )
    new_case.conclude_jag_referral(outcome=JagOutcome.DISCHARGED)
    referral = new_case.jag_referrals[-1]
    assert (referral.accepted_on, referral.outcome) == (TODAY, JagOutcome.DISCHARGED)
    assert referral.concluded_at is not None


def test_jag_declines(new_case: AsbCase) -> None:
    new_case.refer_to_jag(reason="Needs partners")
    new_case.conclude_jag_referral(outcome=JagOutcome.DECLINED, note="Single-agency matter")
    assert new_case.jag_referrals[-1].outcome is JagOutcome.DECLINED
    assert new_case.jag_referrals[-1].outcome_note == "Single-agency matter"


def test_jag_rejections(new_case: AsbCase, rejects: Rejects) -> None:
    rejects(
        new_case,
        RuleViolation,
        "no_open_jag_referral",
        lambda: new_case.accept_jag_referral(accepted_on=TODAY),
    )
    rejects(
        new_case,
        RuleViolation,
        "no_open_jag_referral",
        lambda: new_case.conclude_jag_referral(outcome=JagOutcome.WITHDRAWN),
    )
    rejects(new_case, InvalidValue, "required", lambda: new_case.refer_to_jag(reason=""))
    new_case.refer_to_jag(reason="Needs partners")
    rejects(
        new_case,
        InvalidValue,
        "before_referral",
        lambda: new_case.accept_jag_referral(accepted_on=TODAY - timedelta(days=1)),
    )
    rejects(
        new_case,
        InvalidValue,
        "in_future",
        lambda: new_case.accept_jag_referral(accepted_on=TODAY + timedelta(days=1)),
    )


# ------------------------------------------------------ closing and reopening


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        (5, VictimSatisfaction.VERY_SATISFIED),
        (1, VictimSatisfaction.VERY_DISSATISFIED),
        (VictimSatisfaction.NEITHER, VictimSatisfaction.NEITHER),
        ("satisfied", VictimSatisfaction.SATISFIED),
    ],
)
def test_close_with_outcome_and_satisfaction(
    new_case: AsbCase,
    frozen_clock: datetime,
    given: VictimSatisfaction | int | None,
    expected: VictimSatisfaction | None,
) -> None:
    new_case.close(outcome=ClosureOutcome.REDUCED, reason="Much quieter", victim_satisfaction=given)
    assert new_case.status is CaseStatus.CLOSED
    assert new_case.closure is not None
    assert new_case.closure.outcome is ClosureOutcome.REDUCED
    assert new_case.closure.reason == "Much quieter"
    assert new_case.closure.victim_satisfaction == expected
    assert new_case.closure.closed_at == frozen_clock


@pytest.mark.parametrize(
    ("satisfaction", "rule"),
    [
        (0, "invalid_choice"),
        (6, "invalid_choice"),
        ("chuffed", "invalid_choice"),
        (True, "invalid_choice"),
    ],
)
def test_close_rejects_bad_satisfaction(
    new_case: AsbCase, rejects: Rejects, satisfaction: object, rule: str
) -> None:
    rejects(
        new_case,
        InvalidValue,
        rule,
        lambda: new_case.close(
            outcome=ClosureOutcome.RESOLVED,
            reason="Done",
            victim_satisfaction=satisfaction,  # type: ignore[arg-type]
        ),
    )


def test_cannot_close_with_open_actions(new_case: AsbCase, rejects: Rejects) -> None:
    action_id = new_case.set_action(
        agency="herts-police", owner="pc.jones", description="Patrol", due_on=TODAY
    )
    error = rejects(
        new_case,
        RuleViolation,
        "open_actions",
        lambda: new_case.close(outcome=ClosureOutcome.RESOLVED, reason="Done"),
    )
    assert "1 open action" in error.message
    new_case.cancel_action(action_id=action_id, reason="No longer needed")
    new_case.close(outcome=ClosureOutcome.RESOLVED, reason="Done")
    assert new_case.is_closed


def test_cannot_close_with_an_open_jag_referral(new_case: AsbCase, rejects: Rejects) -> None:
    new_case.refer_to_jag(reason="Needs partners")
    rejects(
        new_case,
        RuleViolation,
        "jag_referral_open",
        lambda: new_case.close(outcome=ClosureOutcome.RESOLVED, reason="Done"),
    )


def test_close_rejections(new_case: AsbCase, rejects: Rejects) -> None:
    rejects(
        new_case,
        InvalidValue,
        "required",
        lambda: new_case.close(outcome=ClosureOutcome.RESOLVED, reason=" "),
    )
    rejects(
        new_case,
        InvalidValue,
        "invalid_choice",
        lambda: new_case.close(outcome="sorted", reason="Done"),  # type: ignore[arg-type]
    )
    rejects(
        new_case, RuleViolation, "case_not_closed", lambda: new_case.reopen(reason="New reports")
    )


def test_reopen(with_parties: CaseWithParties, frozen_clock: datetime, rejects: Rejects) -> None:
    case = with_parties.case
    case.assess_risk(
        victim_id=with_parties.victim,
        answers=dict.fromkeys(RiskQuestionnaire().codes, True),
        assessed_by="asb.officer.1",
    )
    case.close(outcome=ClosureOutcome.RESOLVED, reason="Quiet for a month")
    rejects(
        case,
        RuleViolation,
        "case_closed",
        lambda: case.close(outcome=ClosureOutcome.RESOLVED, reason="Again"),
    )
    later = frozen_clock + timedelta(days=30)
    with clock.frozen_at(later):
        rejects(case, InvalidValue, "required", lambda: case.reopen(reason=""))
        case.reopen(reason="Music started again", cadence=ReviewCadence(high_days=7))
    assert case.status is CaseStatus.OPEN
    assert case.closure is None
    assert len(case.closures) == 1
    assert case.reopenings[-1].reopened_at == later
    assert case.next_review_due == date(2026, 4, 16)  # high risk still: 7 days from 9 April
    case.set_action(
        agency="herts-police", owner="pc.jones", description="Visit", due_on=date(2026, 5, 1)
    )
    assert len(case.open_actions) == 1


# ----------------------------------------------- a closed case refuses changes


def _commands(parties: CaseWithParties, now: datetime) -> dict[str, Callable[[], object]]:
    case = parties.case
    earlier = now - timedelta(hours=1)
    return {
        "change_lead": lambda: case.change_lead(lead_agency="herts-police", lead_officer="pc"),
        "add_party": lambda: case.add_party(person_id=uuid4(), role=PartyRole.WITNESS),
        "update_party": lambda: case.update_party(
            person_id=parties.witness,
            role=PartyRole.WITNESS,
            consent_to_share=True,
            anonymity_requested=False,
        ),
        "remove_party": lambda: case.remove_party(
            person_id=parties.witness, role=PartyRole.WITNESS, reason="x"
        ),
        "log_incident": lambda: case.log_incident(
            occurred_at=earlier, reported_at=earlier, reported_to_agency="p", description="x"
        ),
        "assess_risk": lambda: case.assess_risk(
            victim_id=parties.victim,
            answers=dict.fromkeys(RiskQuestionnaire().codes, False),
            assessed_by="o",
        ),
        "record_supervisor_review": lambda: case.record_supervisor_review(
            reviewed_by="s", decision=SupervisorDecision.CONTINUE
        ),
        "record_intervention": lambda: case.record_intervention(
            intervention_type=InterventionType.ADVISORY_LETTER,
            agency="a",
            officer="o",
            started_on=TODAY,
            subject_id=parties.perpetrator,
        ),
        "record_intervention_result": lambda: case.record_intervention_result(
            intervention_id=case.interventions[0].intervention_id,
            result=InterventionResult.COMPLIED,
            result_on=TODAY,
        ),
        "record_conviction": lambda: case.record_conviction(
            person_id=parties.perpetrator, convicted_on=TODAY, offence="x"
        ),
        "set_action": lambda: case.set_action(agency="a", owner="o", description="x", due_on=TODAY),
        "complete_action": lambda: case.complete_action(action_id=case.actions[0].action_id),
        "cancel_action": lambda: case.cancel_action(
            action_id=case.actions[0].action_id, reason="x"
        ),
        "reassign_action": lambda: case.reassign_action(
            action_id=case.actions[0].action_id, agency="b", owner="p"
        ),
        "record_victim_contact": lambda: case.record_victim_contact(
            person_id=parties.victim,
            contacted_at=earlier,
            method=ContactMethod.PHONE,
            contacted_by="o",
            note="x",
        ),
        "record_case_review_right_explained": lambda: case.record_case_review_right_explained(
            person_id=parties.victim, explained_at=earlier, method=ContactMethod.PHONE
        ),
        "refer_to_jag": lambda: case.refer_to_jag(reason="x"),
        "accept_jag_referral": lambda: case.accept_jag_referral(accepted_on=TODAY),
        "conclude_jag_referral": lambda: case.conclude_jag_referral(outcome=JagOutcome.WITHDRAWN),
        "close": lambda: case.close(outcome=ClosureOutcome.RESOLVED, reason="x"),
    }


COMMAND_NAMES = [
    "change_lead",
    "add_party",
    "update_party",
    "remove_party",
    "log_incident",
    "assess_risk",
    "record_supervisor_review",
    "record_intervention",
    "record_intervention_result",
    "record_conviction",
    "set_action",
    "complete_action",
    "cancel_action",
    "reassign_action",
    "record_victim_contact",
    "record_case_review_right_explained",
    "refer_to_jag",
    "accept_jag_referral",
    "conclude_jag_referral",
    "close",
]


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_a_closed_case_refuses_every_command_but_reopen(
    with_parties: CaseWithParties, frozen_clock: datetime, rejects: Rejects, command: str
) -> None:
    case = with_parties.case
    case.record_intervention(
        intervention_type=InterventionType.ADVISORY_LETTER,
        agency="a",
        officer="o",
        started_on=TODAY,
        subject_id=with_parties.perpetrator,
    )
    action_id = case.set_action(agency="a", owner="o", description="x", due_on=TODAY)
    case.complete_action(action_id=action_id)
    case.close(outcome=ClosureOutcome.NO_FURTHER_ACTION, reason="Nothing more to do")

    rejects(case, RuleViolation, "case_closed", _commands(with_parties, frozen_clock)[command])


def test_every_public_command_is_checked_on_a_closed_case() -> None:
    commands = {
        name
        for name, value in vars(AsbCase).items()
        if callable(value) and not name.startswith("_") and name[0].islower()
    }
    queries = {
        "find_party",
        "roles_of",
        "is_party",
        "people_in_role",
        "distinct_incidents",
        "distinct_incident_count",
        "find_incident",
        "is_repeat_victim_case",
        "people_due_case_review_prompt",
        "case_review_prompt_due",
        "latest_risk_assessment",
        "vulnerable_victim_ids",
        "has_vulnerable_victim",
        "is_review_overdue",
        "find_intervention",
        "interventions_for",
        "find_action",
        "overdue_actions",
        "create_id",
    }
    assert commands - queries - {"reopen"} == set(COMMAND_NAMES)
