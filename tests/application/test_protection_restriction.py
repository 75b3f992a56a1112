"""Restriction of processing on both stores: who is refused, who reads, what is logged."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from adapters.bootstrap import Container
from application.access_log import AccessQuery
from application.errors import Forbidden, NotFound
from application.protection_service import (
    RESTRICTED_READ,
    RESTRICTED_REFUSED,
    ProtectionService,
)
from domain.cases import PartyRole
from domain.protection.restriction import ProcessingRestriction
from domain.shared import clock
from domain.shared.errors import RuleViolation
from tests.application.test_protection_support import (
    CASE_TIME,
    as_role,
    build_closed_case,
    register,
)


def _protection(container: Container) -> ProtectionService:
    service: ProtectionService = container.services["protection"]
    return service


def _log_actions(container: Container, record_id: object) -> list[tuple[str, str]]:
    entries = container.access_log.query(AccessQuery(record_id=record_id))
    return sorted((e.user_id, e.action) for e in entries)


def test_a_restricted_person_is_refused_to_all_but_the_named_roles(container: Container) -> None:
    person_id = register(container, "Ada Restricta")
    people = container.services["people"]
    with as_role("coordinator", "csp.coord"):
        _protection(container).restrict(person_id, kind="person",
                                        reason="Accuracy of address contested")

    for role in ("officer", "coordinator"):
        with as_role(role), pytest.raises(Forbidden) as refused:
            people.get(person_id)
        assert "restricted" in refused.value.message
        assert "auditor, admin" in refused.value.message
    with as_role("auditor", "ig.auditor"):
        assert people.get(person_id).name == "Ada Restricta"
    with as_role("admin", "dpo"):
        assert people.get(person_id).name == "Ada Restricta"

    assert _log_actions(container, person_id) == sorted([
        ("officer.user", RESTRICTED_REFUSED), ("coordinator.user", RESTRICTED_REFUSED),
        ("ig.auditor", RESTRICTED_READ), ("dpo", RESTRICTED_READ)])
    [entry] = container.access_log.query(AccessQuery(user_id="ig.auditor"))
    assert entry.person_ids == (person_id,)

    # beyond use: it cannot be added to a case either
    with as_role("officer"):
        case_id = container.services["cases"].open_case(
            partnership_id="north-herts", nsir_category="nuisance", asb_type="noise",
            summary="s", address="a", ward="Baldock Town", reporting_channel="phone",
            lead_agency="herts-police", lead_officer="pc.x",
            reported_at=clock.now() - timedelta(days=1)).aggregate_id
        with pytest.raises(Forbidden):
            container.services["cases"].add_party(case_id, person_id=person_id,
                                                  role=PartyRole.VICTIM)

    with as_role("admin", "dpo"):
        _protection(container).lift(person_id, reason="Address verified")
    with as_role("officer", "pc.later"):
        assert people.get(person_id).name == "Ada Restricta"
    assert not container.access_log.query(AccessQuery(user_id="pc.later"))


def test_a_restricted_case_refuses_reads_history_and_commands(container: Container) -> None:
    scenario = build_closed_case(container)
    cases = container.services["cases"]
    with as_role("admin"):
        _protection(container).restrict(scenario.case_id, kind="case", reason="Legal claim")
    with as_role("officer"):
        with pytest.raises(Forbidden):
            cases.get(scenario.case_id)
        with pytest.raises(Forbidden):
            cases.get(scenario.case_id, version=1)
        with pytest.raises(Forbidden):
            cases.get(scenario.case_id, as_at=CASE_TIME + timedelta(minutes=1))
        with pytest.raises(Forbidden):
            cases.reopen(scenario.case_id, reason="new report")
    with as_role("auditor"):
        assert cases.get(scenario.case_id).closure is not None
    # the people in a restricted case are not themselves restricted
    with as_role("officer"):
        container.services["people"].get(scenario.victim_id)
    [read] = [e for e in container.access_log.query(AccessQuery(record_id=scenario.case_id))
              if e.action == RESTRICTED_READ]
    assert set(read.person_ids) == {scenario.victim_id, scenario.perpetrator_id}


def test_who_may_restrict_and_lift(container: Container) -> None:
    person_id = register(container, "Ben Example")
    protection = _protection(container)
    with as_role("officer"), pytest.raises(Forbidden):
        protection.restrict(person_id, kind="person", reason="x")
    with as_role("coordinator"):
        outcome = protection.restrict(person_id, kind="person", reason="Objection")
        assert outcome.aggregate_id == ProcessingRestriction.create_id(person_id)
        with pytest.raises(RuleViolation):
            protection.restrict(person_id, kind="person", reason="again")
        with pytest.raises(Forbidden):
            protection.lift(person_id, reason="I changed my mind")
        status = protection.status(person_id)
        assert status.is_restricted
        assert status.record_kind == "person"
    with as_role("officer"), pytest.raises(Forbidden):
        protection.status(person_id)
    with as_role("admin"):
        protection.lift(person_id, reason="Objection withdrawn")
        with pytest.raises(RuleViolation):
            protection.lift(person_id, reason="again")
        protection.restrict(person_id, kind="person", reason="Objection again")
        assert len(protection.status(person_id).restriction.periods) == 2


def test_records_that_are_not_there_or_not_visible_are_not_found(container: Container) -> None:
    person_id = register(container, "Cy Example")
    protection = _protection(container)
    with as_role("admin"):
        with pytest.raises(NotFound):
            protection.restrict(uuid4(), kind="person", reason="x")
        with pytest.raises(NotFound):
            protection.restrict(person_id, kind="case", reason="x")
        with pytest.raises(NotFound):
            protection.status(person_id)
    outsider = ("admin",)
    from application.context import Actor, RequestContext, acting_as

    elsewhere = Actor(user_id="sa.admin", display_name="SA", agency="st-albans-council",
                      roles=outsider, partnerships=("st-albans",))
    with acting_as(RequestContext(actor=elsewhere)), pytest.raises(NotFound):
        protection.restrict(person_id, kind="person", reason="x")


def test_the_reason_is_sealed_in_the_store(container: Container) -> None:
    person_id = register(container, "Di Example")
    with as_role("coordinator"):
        _protection(container).restrict(person_id, kind="person",
                                        reason="Disputes conviction zq-marker")
    stored = container.store.recorder.select_events(ProcessingRestriction.create_id(person_id))
    assert len(stored) == 2
    assert all(b"zq-marker" not in event.state for event in stored)
