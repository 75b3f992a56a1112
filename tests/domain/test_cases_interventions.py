"""Interventions from the escalation ladder, their results, convictions and legal order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Protocol
from uuid import UUID, uuid4

import pytest

from domain.cases import AsbCase, InterventionResult, InterventionType, PartyRole
from domain.cases.escalation import ENFORCEMENT, PLACE_BASED, subject_allowed
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from domain.shared.personal import personal_fields_of

pytestmark = pytest.mark.usefixtures("frozen_clock")

Rejects = Callable[..., DomainError]
TODAY = date(2026, 3, 10)

CPW = InterventionType.COMMUNITY_PROTECTION_WARNING
CPN = InterventionType.COMMUNITY_PROTECTION_NOTICE
CBO = InterventionType.CRIMINAL_BEHAVIOUR_ORDER


class CaseWithParties(Protocol):
    case: AsbCase
    victim: UUID
    perpetrator: UUID
    witness: UUID


def intervene(case: AsbCase, intervention_type: InterventionType, **overrides: Any) -> UUID:
    arguments: dict[str, Any] = {
        "intervention_type": intervention_type,
        "agency": "north-herts-council",
        "officer": "asb.officer.1",
        "started_on": TODAY - timedelta(days=7),
    }
    arguments.update(overrides)
    return case.record_intervention(**arguments)


def test_record_intervention(with_parties: CaseWithParties) -> None:
    case = with_parties.case
    intervention_id = intervene(
        case,
        InterventionType.ACCEPTABLE_BEHAVIOUR_AGREEMENT,
        subject_id=with_parties.perpetrator,
        review_on=TODAY + timedelta(days=90),
        ends_on=TODAY + timedelta(days=180),
        details="Not to play amplified music after 11pm",
    )
    recorded = case.find_intervention(intervention_id)
    assert recorded is not None
    assert recorded.intervention_type is InterventionType.ACCEPTABLE_BEHAVIOUR_AGREEMENT
    assert recorded.subject_id == with_parties.perpetrator
    assert (recorded.review_on, recorded.ends_on) == (date(2026, 6, 8), date(2026, 9, 6))
    assert recorded.result is None
    assert case.interventions_awaiting_result == [recorded]
    assert case.interventions_for(with_parties.perpetrator) == [recorded]
    assert personal_fields_of(type(case.pending_events[-1])) == frozenset({"details"})


# Who may be the subject of what, as a table over every intervention type.
SUBJECT_TABLE = [
    (kind, role, kind in ENFORCEMENT and role is not PartyRole.ALLEGED_PERPETRATOR)
    for kind in InterventionType
    if kind not in {CPN, CBO, InterventionType.CLOSURE_ORDER}  # need earlier steps
    for role in (PartyRole.ALLEGED_PERPETRATOR, PartyRole.VICTIM)
]


@pytest.mark.parametrize(("intervention_type", "role", "refused"), SUBJECT_TABLE)
def test_enforcement_is_aimed_at_alleged_perpetrators(
    new_case: AsbCase,
    rejects: Rejects,
    intervention_type: InterventionType,
    role: PartyRole,
    refused: bool,
) -> None:
    person = uuid4()
    new_case.add_party(person_id=person, role=role)
    if refused:
        rejects(
            new_case,
            RuleViolation,
            "subject_not_alleged_perpetrator",
            lambda: intervene(new_case, intervention_type, subject_id=person),
        )
    else:
        intervene(new_case, intervention_type, subject_id=person)
        assert new_case.interventions[-1].subject_id == person


@pytest.mark.parametrize("intervention_type", list(InterventionType))
def test_subject_rules_without_a_subject(intervention_type: InterventionType) -> None:
    assert subject_allowed(intervention_type, None, []) is (intervention_type in PLACE_BASED)


def test_place_based_interventions_need_no_subject(new_case: AsbCase) -> None:
    intervene(new_case, InterventionType.DISPERSAL)
    intervene(new_case, InterventionType.PUBLIC_SPACES_PROTECTION_ORDER)
    assert [i.subject_id for i in new_case.interventions] == [None, None]


def test_subject_rejections(with_parties: CaseWithParties, rejects: Rejects) -> None:
    case = with_parties.case
    rejects(case, RuleViolation, "subject_required", lambda: intervene(case, CPW))
    rejects(
        case,
        RuleViolation,
        "unknown_party",
        lambda: intervene(case, InterventionType.MEDIATION, subject_id=uuid4()),
    )
    rejects(
        case,
        RuleViolation,
        "unknown_party",
        lambda: intervene(case, InterventionType.DISPERSAL, subject_id=uuid4()),
    )
    rejects(
        case,
        RuleViolation,
        "unknown_party",
        lambda: intervene(case, CPW, subject_id=uuid4()),
    )


def test_date_rejections(with_parties: CaseWithParties, rejects: Rejects) -> None:
    case = with_parties.case
    subject = with_parties.perpetrator
    rejects(
        case,
        InvalidValue,
        "in_future",
        lambda: intervene(case, CPW, subject_id=subject, started_on=TODAY + timedelta(days=1)),
    )
    error = rejects(
        case,
        InvalidValue,
        "before_start",
        lambda: intervene(
            case, CPW, subject_id=subject, started_on=TODAY, review_on=TODAY - timedelta(days=1)
        ),
    )
    assert error.field == "review_on"
    rejects(
        case,
        InvalidValue,
        "before_start",
        lambda: intervene(
            case, CPW, subject_id=subject, started_on=TODAY, ends_on=TODAY - timedelta(days=1)
        ),
    )
    rejects(
        case,
        InvalidValue,
        "invalid_choice",
        lambda: intervene(case, "asbo", subject_id=subject),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("cpw_subject", "cpw_days_before", "allowed"),
    [
        ("perpetrator", 1, True),
        ("perpetrator", 30, True),
        ("perpetrator", 0, False),  # the same day is not earlier
        ("perpetrator", -1, False),  # a later CPW does not count
        ("other", 30, False),  # a CPW to someone else does not count
        (None, 0, False),  # no CPW at all
    ],
)
def test_cpn_needs_an_earlier_cpw_to_the_same_person(
    with_parties: CaseWithParties,
    rejects: Rejects,
    cpw_subject: str | None,
    cpw_days_before: int,
    allowed: bool,
) -> None:
    case = with_parties.case
    other = uuid4()
    case.add_party(person_id=other, role=PartyRole.ALLEGED_PERPETRATOR)
    cpn_day = TODAY - timedelta(days=5)
    if cpw_subject is not None:
        subject = with_parties.perpetrator if cpw_subject == "perpetrator" else other
        intervene(
            case, CPW, subject_id=subject, started_on=cpn_day - timedelta(days=cpw_days_before)
        )

    def record_cpn() -> UUID:
        return intervene(case, CPN, subject_id=with_parties.perpetrator, started_on=cpn_day)

    if allowed:
        record_cpn()
        assert case.interventions[-1].intervention_type is CPN
    else:
        rejects(case, RuleViolation, "cpn_needs_earlier_cpw", record_cpn)


@pytest.mark.parametrize(
    ("convicted_days_before_order", "convicted_person", "allowed"),
    [
        (30, "perpetrator", True),
        (0, "perpetrator", True),  # made on the day of conviction
        (-1, "perpetrator", False),  # convicted after the order's date
        (30, "other", False),
        (None, None, False),
    ],
)
def test_cbo_needs_a_conviction(
    with_parties: CaseWithParties,
    rejects: Rejects,
    convicted_days_before_order: int | None,
    convicted_person: str | None,
    allowed: bool,
) -> None:
    case = with_parties.case
    other = uuid4()
    case.add_party(person_id=other, role=PartyRole.ALLEGED_PERPETRATOR)
    order_day = TODAY - timedelta(days=2)
    if convicted_days_before_order is not None:
        person = with_parties.perpetrator if convicted_person == "perpetrator" else other
        case.record_conviction(
            person_id=person,
            convicted_on=min(order_day - timedelta(days=convicted_days_before_order), TODAY),
            offence="Criminal damage",
            court="Stevenage Magistrates' Court",
        )

    def record_cbo() -> UUID:
        return intervene(case, CBO, subject_id=with_parties.perpetrator, started_on=order_day)

    if allowed:
        record_cbo()
        assert case.interventions[-1].intervention_type is CBO
    else:
        rejects(case, RuleViolation, "cbo_needs_conviction", record_cbo)


def test_closure_order_follows_a_closure_notice(new_case: AsbCase, rejects: Rejects) -> None:
    rejects(
        new_case,
        RuleViolation,
        "closure_order_needs_notice",
        lambda: intervene(new_case, InterventionType.CLOSURE_ORDER),
    )
    intervene(new_case, InterventionType.CLOSURE_NOTICE, started_on=TODAY - timedelta(days=2))
    intervene(new_case, InterventionType.CLOSURE_ORDER, started_on=TODAY)
    assert new_case.interventions[-1].intervention_type is InterventionType.CLOSURE_ORDER


def test_record_conviction(with_parties: CaseWithParties, rejects: Rejects) -> None:
    case = with_parties.case
    case.record_conviction(
        person_id=with_parties.perpetrator, convicted_on=TODAY, offence="Harassment"
    )
    conviction = case.convictions[-1]
    assert (conviction.person_id, conviction.convicted_on, conviction.court) == (
        with_parties.perpetrator,
        TODAY,
        None,
    )
    assert personal_fields_of(type(case.pending_events[-1])) == frozenset({"offence"})
    rejects(
        case,
        RuleViolation,
        "not_an_alleged_perpetrator",
        lambda: case.record_conviction(
            person_id=with_parties.victim, convicted_on=TODAY, offence="x"
        ),
    )
    rejects(
        case,
        InvalidValue,
        "in_future",
        lambda: case.record_conviction(
            person_id=with_parties.perpetrator,
            convicted_on=TODAY + timedelta(days=1),
            offence="x",
        ),
    )
    rejects(
        case,
        InvalidValue,
        "required",
        lambda: case.record_conviction(
            person_id=with_parties.perpetrator, convicted_on=TODAY, offence=""
        ),
    )


def test_record_result_once(with_parties: CaseWithParties, rejects: Rejects) -> None:
    case = with_parties.case
    cpw = intervene(case, CPW, subject_id=with_parties.perpetrator)
    case.record_intervention_result(
        intervention_id=cpw, result=InterventionResult.BREACHED, result_on=TODAY, note="Again"
    )
    recorded = case.find_intervention(cpw)
    assert recorded is not None
    assert (recorded.result, recorded.result_on, recorded.result_note) == (
        InterventionResult.BREACHED,
        TODAY,
        "Again",
    )
    assert case.interventions_awaiting_result == []
    rejects(
        case,
        RuleViolation,
        "result_already_recorded",
        lambda: case.record_intervention_result(
            intervention_id=cpw, result=InterventionResult.COMPLIED, result_on=TODAY
        ),
    )


def test_result_rejections(with_parties: CaseWithParties, rejects: Rejects) -> None:
    case = with_parties.case
    started = TODAY - timedelta(days=7)
    cpw = intervene(case, CPW, subject_id=with_parties.perpetrator, started_on=started)

    def result(**overrides: Any) -> Callable[[], None]:
        arguments: dict[str, Any] = {
            "intervention_id": cpw,
            "result": InterventionResult.COMPLIED,
            "result_on": TODAY,
        }
        arguments.update(overrides)
        return lambda: case.record_intervention_result(**arguments)

    rejects(case, RuleViolation, "unknown_intervention", result(intervention_id=uuid4()))
    rejects(case, InvalidValue, "before_start", result(result_on=started - timedelta(days=1)))
    rejects(case, InvalidValue, "in_future", result(result_on=TODAY + timedelta(days=1)))
    rejects(case, InvalidValue, "invalid_choice", result(result="ignored"))
