"""Parties: people on a case by person id and role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol
from uuid import UUID, uuid4

import pytest

from domain.cases import AsbCase, InterventionType, PartyRole
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from domain.shared.personal import personal_fields_of

pytestmark = pytest.mark.usefixtures("frozen_clock")

Rejects = Callable[..., DomainError]


class CaseWithParties(Protocol):
    case: AsbCase
    victim: UUID
    perpetrator: UUID
    witness: UUID


def test_add_party_records_person_role_and_flags(new_case: AsbCase) -> None:
    person = uuid4()
    new_case.add_party(
        person_id=person, role=PartyRole.VICTIM, consent_to_share=True, anonymity_requested=True
    )

    party = new_case.find_party(person, PartyRole.VICTIM)
    assert party is not None
    assert (party.consent_to_share, party.anonymity_requested) == (True, True)
    assert new_case.roles_of(person) == [PartyRole.VICTIM]
    assert new_case.is_party(person)
    assert new_case.victim_ids == [person]
    assert type(new_case.pending_events[-1]).__name__ == "PartyAdded"


def test_one_person_can_hold_several_roles(new_case: AsbCase) -> None:
    person = uuid4()
    new_case.add_party(person_id=person, role=PartyRole.VICTIM)
    new_case.add_party(person_id=person, role=PartyRole.COMPLAINANT)
    assert new_case.roles_of(person) == [PartyRole.VICTIM, PartyRole.COMPLAINANT]
    assert new_case.person_ids == [person]


def test_party_events_hold_no_personal_fields(with_parties: CaseWithParties) -> None:
    for event in with_parties.case.pending_events[1:]:
        assert getattr(type(event), "personal_fields", frozenset()) == frozenset()
        assert set(vars(event)) >= {"person_id", "role"}


def test_add_party_rejections(with_parties: CaseWithParties, rejects: Rejects) -> None:
    case = with_parties.case
    rejects(
        case,
        RuleViolation,
        "duplicate_party",
        lambda: case.add_party(person_id=with_parties.victim, role=PartyRole.VICTIM),
    )
    rejects(
        case,
        InvalidValue,
        "invalid_choice",
        lambda: case.add_party(person_id=uuid4(), role="bystander"),  # type: ignore[arg-type]
    )
    rejects(
        case,
        InvalidValue,
        "invalid_type",
        lambda: case.add_party(person_id="not-a-uuid", role=PartyRole.VICTIM),  # type: ignore[arg-type]
    )
    rejects(
        case,
        InvalidValue,
        "invalid_type",
        lambda: case.add_party(
            person_id=uuid4(),
            role=PartyRole.WITNESS,
            consent_to_share="yes",  # type: ignore[arg-type]
        ),
    )


def test_update_party_changes_flags(with_parties: CaseWithParties, rejects: Rejects) -> None:
    case = with_parties.case
    case.update_party(
        person_id=with_parties.witness,
        role=PartyRole.WITNESS,
        consent_to_share=True,
        anonymity_requested=True,
    )
    witness = case.find_party(with_parties.witness, PartyRole.WITNESS)
    assert witness is not None
    assert (witness.consent_to_share, witness.anonymity_requested) == (True, True)

    rejects(
        case,
        RuleViolation,
        "no_change",
        lambda: case.update_party(
            person_id=with_parties.witness,
            role=PartyRole.WITNESS,
            consent_to_share=True,
            anonymity_requested=True,
        ),
    )
    rejects(
        case,
        RuleViolation,
        "unknown_party",
        lambda: case.update_party(
            person_id=with_parties.witness,
            role=PartyRole.VICTIM,
            consent_to_share=True,
            anonymity_requested=False,
        ),
    )


def test_remove_party_removes_only_that_role(with_parties: CaseWithParties) -> None:
    case = with_parties.case
    case.remove_party(person_id=with_parties.victim, role=PartyRole.COMPLAINANT, reason="Error")
    assert case.roles_of(with_parties.victim) == [PartyRole.VICTIM]
    case.remove_party(person_id=with_parties.witness, role=PartyRole.WITNESS, reason="Error")
    assert not case.is_party(with_parties.witness)
    assert personal_fields_of(type(case.pending_events[-1])) == frozenset({"reason"})


def test_remove_party_rejections(with_parties: CaseWithParties, rejects: Rejects) -> None:
    case = with_parties.case
    rejects(
        case,
        RuleViolation,
        "unknown_party",
        lambda: case.remove_party(person_id=uuid4(), role=PartyRole.WITNESS, reason="Error"),
    )
    rejects(
        case,
        InvalidValue,
        "required",
        lambda: case.remove_party(
            person_id=with_parties.witness, role=PartyRole.WITNESS, reason=""
        ),
    )


@pytest.mark.parametrize(
    ("intervention_type", "role_removed", "blocked"),
    [
        # Enforcement needs the subject to stay an alleged perpetrator.
        (InterventionType.WARNING, PartyRole.ALLEGED_PERPETRATOR, True),
        (InterventionType.WARNING, PartyRole.WITNESS, False),
        # Other interventions need the subject to stay on the case in some role.
        (InterventionType.MEDIATION, PartyRole.ALLEGED_PERPETRATOR, False),
    ],
)
def test_cannot_remove_the_role_an_intervention_relies_on(
    new_case: AsbCase,
    rejects: Rejects,
    intervention_type: InterventionType,
    role_removed: PartyRole,
    blocked: bool,
) -> None:
    person = uuid4()
    new_case.add_party(person_id=person, role=PartyRole.ALLEGED_PERPETRATOR)
    new_case.add_party(person_id=person, role=PartyRole.WITNESS)
    new_case.record_intervention(
        intervention_type=intervention_type,
        agency="north-herts-council",
        officer="asb.officer.1",
        started_on=date(2026, 3, 1),
        subject_id=person,
    )

    def remove() -> None:
        new_case.remove_party(person_id=person, role=role_removed, reason="Added in error")

    if blocked:
        rejects(new_case, RuleViolation, "party_is_intervention_subject", remove)
    else:
        remove()
        assert role_removed not in new_case.roles_of(person)


def test_cannot_remove_the_last_role_of_an_intervention_subject(
    with_parties: CaseWithParties, rejects: Rejects
) -> None:
    case = with_parties.case
    case.record_intervention(
        intervention_type=InterventionType.SUPPORT_REFERRAL,
        agency="north-herts-council",
        officer="asb.officer.1",
        started_on=date(2026, 3, 1),
        subject_id=with_parties.witness,
    )
    rejects(
        case,
        RuleViolation,
        "party_is_intervention_subject",
        lambda: case.remove_party(
            person_id=with_parties.witness, role=PartyRole.WITNESS, reason="Error"
        ),
    )
