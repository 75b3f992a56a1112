"""The ProcessingRestriction aggregate: restrict, lift, restrict again; ids from record ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.protection.restriction import ProcessingRestriction, RestrictionRules
from domain.protection.subjects import referenced_ids
from domain.shared import clock
from domain.shared.errors import InvalidValue, RuleViolation
from domain.shared.personal import ERASED, personal_fields_of

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _restricted(**overrides: object) -> ProcessingRestriction:
    arguments: dict[str, object] = {
        "record_id": uuid4(), "record_kind": "person", "partnership_id": "north-herts",
        "reason": "Accuracy contested", "by": "csp.coordinator"}
    arguments.update(overrides)
    with clock.frozen_at(T0):
        return ProcessingRestriction.restrict_record(**arguments)  # type: ignore[arg-type]


def test_a_restriction_is_keyed_by_the_record_it_restricts() -> None:
    record_id = uuid4()
    restriction = _restricted(record_id=record_id)
    assert restriction.id == ProcessingRestriction.create_id(record_id)
    assert ProcessingRestriction.create_id(record_id) != ProcessingRestriction.create_id(uuid4())
    assert restriction.record_id == record_id
    assert restriction.is_restricted
    current = restriction.current
    assert current is not None
    assert (current.restricted_at, current.restricted_by, current.reason) == (
        T0, "csp.coordinator", "Accuracy contested")


def test_lifting_ends_the_period_and_restricting_again_starts_another() -> None:
    restriction = _restricted()
    with clock.frozen_at(T0 + timedelta(days=3)):
        restriction.lift(reason="Corrected", by="dpo")
    assert not restriction.is_restricted
    assert restriction.current is None
    [period] = restriction.periods
    assert (period.lifted_at, period.lifted_by, period.lift_reason) == (
        T0 + timedelta(days=3), "dpo", "Corrected")
    restriction.restrict(reason="Objection under Art. 21", by="csp.coordinator")
    assert restriction.is_restricted
    assert len(restriction.periods) == 2
    assert [type(e).__name__ for e in restriction.collect_events()] == [
        "Created", "Restricted", "RestrictionLifted", "Restricted"]


def test_rules_of_the_commands() -> None:
    restriction = _restricted()
    with pytest.raises(RuleViolation) as raised:
        restriction.restrict(reason="again", by="x")
    assert raised.value.rule == "already_restricted"
    restriction.lift(reason="ok", by="dpo")
    with pytest.raises(RuleViolation) as raised:
        restriction.lift(reason="again", by="dpo")
    assert raised.value.rule == "not_restricted"
    with pytest.raises(InvalidValue) as invalid:
        restriction.restrict(reason="   ", by="x")
    assert invalid.value.field == "reason"
    with pytest.raises(InvalidValue) as invalid:
        _restricted(record_kind="plan")
    assert invalid.value.field == "kind"
    with pytest.raises(InvalidValue):
        _restricted(reason="x" * 2001)


def test_reasons_are_personal_and_replay_as_erased() -> None:
    assert personal_fields_of(ProcessingRestriction.Restricted) == {"reason"}
    assert personal_fields_of(ProcessingRestriction.RestrictionLifted) == {"reason"}
    restriction = _restricted()
    restriction.lift(reason="ok", by="dpo")
    events = restriction.collect_events()
    for event in events[1:]:
        object.__setattr__(event, "reason", ERASED)
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert isinstance(replayed, ProcessingRestriction)
    assert replayed.periods[0].reason == ERASED
    assert not replayed.is_restricted


def test_restriction_rules_need_roles() -> None:
    assert RestrictionRules().readers == ("auditor", "admin")
    assert RestrictionRules().lift_roles == ("admin",)
    with pytest.raises(ValueError, match="readers"):
        RestrictionRules(readers=())
    with pytest.raises(ValueError, match="lift_roles"):
        RestrictionRules(lift_roles=("",))


def test_referenced_ids_finds_ids_however_deeply_nested() -> None:
    from dataclasses import dataclass
    from uuid import UUID

    @dataclass(frozen=True)
    class Inner:
        person: UUID

    a, b, c, d = uuid4(), uuid4(), uuid4(), uuid4()

    class Event:
        def __init__(self) -> None:
            self.originator_id = uuid4()
            self.originator_version = 1
            self.person_id = a
            self.people = [b, {"x": Inner(c)}]
            self.nothing = None
            self.text = str(d)

    assert referenced_ids(Event()) == {a, b, c}
