"""Person records: registered, then details corrected or updated."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import reduce
from typing import Any, cast

import pytest

from application.store import CaseworkStore
from domain.people import Person, PersonDetails, PersonKind
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from domain.shared.personal import ERASED, personal_fields_of

pytestmark = pytest.mark.usefixtures("frozen_clock")

Rejects = Callable[..., DomainError]

DETAILS: dict[str, Any] = {
    "name": "Margaret Example",
    "date_of_birth": date(1948, 6, 2),
    "phone": "01462 000000",
    "email": "m.example@example.org",
    "address": "3 Sample Close, Letchworth SG6 1AA",
    "vulnerability_notes": "Hard of hearing; lives alone",
}


def register(**overrides: Any) -> Person:
    arguments: dict[str, Any] = {"partnership_id": "north-herts", **DETAILS}
    arguments.update(overrides)
    return Person.register(**arguments)


def test_register(frozen_clock: datetime) -> None:
    person = register(name="  Margaret Example ")
    assert person.partnership_id == "north-herts"
    assert person.details == PersonDetails(kind=PersonKind.INDIVIDUAL, **DETAILS)
    assert person.name == "Margaret Example"
    assert person.kind is PersonKind.INDIVIDUAL
    assert person.registered_at == frozen_clock
    assert person.details_changed_at is None
    assert not person.is_erased
    assert [type(e).__name__ for e in person.pending_events] == ["Registered"]


def test_register_an_organisation_with_only_a_name() -> None:
    shop = Person.register(
        partnership_id="north-herts", name="Hitchin Road Stores", kind=PersonKind.ORGANISATION
    )
    assert shop.kind is PersonKind.ORGANISATION
    assert (shop.details.date_of_birth, shop.details.phone, shop.details.email) == (
        None,
        None,
        None,
    )


def test_blank_optional_details_are_absent() -> None:
    person = register(phone="  ", email="", address=" ", vulnerability_notes="")
    details = person.details
    assert (details.phone, details.email, details.address, details.vulnerability_notes) == (
        None,
        None,
        None,
        None,
    )


def test_every_detail_is_personal_but_the_kind_and_partnership() -> None:
    personal = frozenset(
        {"name", "date_of_birth", "phone", "email", "address", "vulnerability_notes"}
    )
    assert Person.Registered.personal_fields == personal
    assert Person.DetailsCorrected.personal_fields == personal | {"reason"}
    assert Person.DetailsUpdated.personal_fields == personal | {"reason"}
    for event_class in (Person.Registered, Person.DetailsCorrected, Person.DetailsUpdated):
        names = {f.name for f in dataclasses.fields(event_class)}
        assert event_class.personal_fields <= names
        assert "kind" in names - event_class.personal_fields


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"name": " "}, "name", "required"),
        ({"name": "x" * 501}, "name", "too_long"),
        ({"email": "not an email"}, "email", "invalid_format"),
        ({"phone": "call me"}, "phone", "invalid_format"),
        ({"date_of_birth": date(2026, 3, 11)}, "date_of_birth", "in_future"),
        ({"date_of_birth": date(1899, 12, 31)}, "date_of_birth", "too_early"),
        ({"date_of_birth": datetime(1948, 6, 2)}, "date_of_birth", "invalid_type"),
        ({"kind": PersonKind.ORGANISATION}, "date_of_birth", "not_applicable"),
        ({"kind": "robot"}, "kind", "invalid_choice"),
        ({"partnership_id": "North Herts"}, "partnership_id", "invalid_format"),
        ({"partnership_id": ""}, "partnership_id", "invalid_format"),
    ],
)
def test_register_rejects(overrides: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        register(**overrides)
    assert (raised.value.field, raised.value.rule) == (field, rule)


def test_correct_details(frozen_clock: datetime, rejects: Rejects) -> None:
    person = register()
    changed = {**DETAILS, "date_of_birth": date(1948, 2, 6)}
    person.correct_details(**changed, reason="Day and month were swapped")
    assert person.details.date_of_birth == date(1948, 2, 6)
    assert person.details_changed_at == frozen_clock
    assert type(person.pending_events[-1]).__name__ == "DetailsCorrected"

    rejects(
        person, RuleViolation, "no_change", lambda: person.correct_details(**changed, reason="x")
    )
    rejects(
        person,
        InvalidValue,
        "required",
        lambda: person.correct_details(**{**changed, "name": "M Example"}, reason=" "),
    )


def test_update_details_replaces_every_field(rejects: Rejects) -> None:
    person = register()
    person.update_details(name="Margaret Example", address="Flat 1, New Court, Hitchin")
    details = person.details
    assert details.address == "Flat 1, New Court, Hitchin"
    # every field is given: those left out are cleared
    assert (details.date_of_birth, details.phone, details.email) == (None, None, None)
    assert type(person.pending_events[-1]).__name__ == "DetailsUpdated"
    rejects(
        person,
        RuleViolation,
        "no_change",
        lambda: person.update_details(
            name="Margaret Example", address="Flat 1, New Court, Hitchin"
        ),
    )
    rejects(
        person,
        InvalidValue,
        "invalid_format",
        lambda: person.update_details(name="Margaret Example", email="nope"),
    )


def test_person_round_trips_through_the_store() -> None:
    person = register()
    person.correct_details(**{**DETAILS, "phone": "01462 111111"}, reason="Typo")
    person.update_details(**{**DETAILS, "phone": "01462 111111", "email": None}, reason="Moved")
    store = CaseworkStore(snapshot_interval=None)
    store.save(person)

    copy: Person = store.repository.get(person.id)

    assert copy == person
    assert copy.kind is PersonKind.INDIVIDUAL
    assert isinstance(copy.details.date_of_birth, date)


def test_snapshot_of_a_person_keeps_the_kind_an_enum() -> None:
    person = Person.register(
        partnership_id="north-herts", name="Shop", kind=PersonKind.ORGANISATION
    )
    store = CaseworkStore(snapshot_interval=None, env={"IS_SNAPSHOTTING_ENABLED": "y"})
    store.save(person)
    store.take_snapshot(person.id)
    store.forget_cached_aggregates()  # read the snapshot, not the copy cached by the save
    copy: Person = store.repository.get(person.id)
    assert copy.kind is PersonKind.ORGANISATION
    assert copy == person


def test_erased_details_replay_and_cannot_be_changed(rejects: Rejects) -> None:
    person = register()
    person.update_details(**{**DETAILS, "phone": None})
    erased = [
        dataclasses.replace(
            cast(Any, event), **dict.fromkeys(personal_fields_of(type(event)), ERASED)
        )
        for event in person.pending_events
    ]
    replayed = reduce(lambda aggregate, event: event.mutate(aggregate), erased, None)
    assert isinstance(replayed, Person)
    assert replayed.is_erased
    assert replayed.name == ERASED
    assert replayed.details.date_of_birth is None
    assert replayed.partnership_id == "north-herts"
    assert replayed.kind is PersonKind.INDIVIDUAL
    rejects(
        replayed, RuleViolation, "person_erased", lambda: replayed.update_details(name="Someone")
    )


def test_future_date_of_birth_is_relative_to_the_clock(frozen_clock: datetime) -> None:
    person = register(date_of_birth=frozen_clock.date())
    assert person.details.date_of_birth == frozen_clock.date()
    with pytest.raises(InvalidValue):
        register(date_of_birth=frozen_clock.date() + timedelta(days=1))
