"""Loading records the actor may see, issuing references, and checking that what a
command names (partnership, ward, agency, person, case) belongs to the record's partnership.

Shared by every service in the application layer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application import access, read_set
from application.aggregate_cache import CachingRepository
from application.errors import NotFound
from application.protection_service import restriction_from, restriction_guard
from application.rules import LocalRules
from application.store import CaseworkStore
from domain.cases import AsbCase
from domain.people.aggregate import Person
from domain.shared import clock
from domain.shared.errors import InvalidValue
from domain.shared.partnerships import Partnership, Ward
from domain.shared.references import ReferenceCounter

T = TypeVar("T")


class RecordLoader:
    """Loads aggregates of one kind that the current actor may see (partnership and
    restriction of processing: docs/data-protection.md)."""

    def __init__(self, store: CaseworkStore) -> None:
        self.store = store

    def load(self, kind: type[T], label: str, record_id: UUID, *,
             version: int | None = None) -> T:
        guard = restriction_guard(self.store)
        repository = self.store.repository
        restriction_events: list[Any] | None = None
        try:
            if version is None and isinstance(repository, CachingRepository):
                restriction_id = guard.restriction_id(record_id)
                record, restriction_events = self._latest(repository, record_id,
                                                          restriction_id)
            else:
                record = repository.get(record_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(label, record_id) from None
        if not isinstance(record, kind):
            raise NotFound(label, record_id)
        access.visible_or_not_found(record, label, record_id)  # type: ignore[arg-type]
        # Restriction of processing is enforced here and nowhere else (Forbidden for any
        # role but the named readers; every read of a restricted record is logged).
        guard.check(record, label, record_id, restriction_events=restriction_events)
        return record

    @staticmethod
    def _latest(repository: CachingRepository, record_id: UUID, restriction_id: UUID
                ) -> tuple[Any, list[Any]]:
        """The record's latest version and its restriction's events: in a command, the
        cached copy as it is (the save checks both versions: application/read_set.py);
        otherwise the record's new events and its restriction's, in one query."""
        reads = read_set.trusting()
        found = None if reads is None else repository.get_trusted(record_id, [restriction_id])
        if found is not None and _is_restricted(found[1][restriction_id]):
            # Reads and refusals of restricted records are access-logged: decide those on
            # the store's state, never on a copy that may be stale.
            found = None
        trusted = found is not None
        if found is None:
            found = repository.get_with_events_of(record_id, [restriction_id])
        record, companions = found
        restriction_events = companions[restriction_id]
        reads = read_set.current()
        if reads is not None:
            reads.note(record_id, record.version, trusted=trusted)
            reads.note(restriction_id, len(restriction_events), trusted=trusted)
        return record, restriction_events

    def load_as_at(self, kind: type[T], label: str, record_id: UUID, *,
                   version: int | None, as_at: datetime | None) -> T:
        if as_at is not None:
            version_then = self.store.version_as_at(record_id, as_at)
            if version_then is None:
                # Distinguish "did not exist yet" from "does not exist" only for visible ones.
                self.load(kind, label, record_id)
                raise NotFound(label, f"{record_id} as at {as_at.isoformat()}")
            version = version_then if version is None else min(version, version_then)
        return self.load(kind, label, record_id, version=version)


def _is_restricted(restriction_events: list[Any]) -> bool:
    restriction = restriction_from(restriction_events)
    return restriction is not None and restriction.is_restricted


def reference_counter_id(prefix: str) -> UUID:
    """The counter that issues this year's references with ``prefix``."""
    return ReferenceCounter.create_id(prefix, clock.now().year)


def next_reference(store: CaseworkStore, prefix: str) -> tuple[ReferenceCounter, str]:
    year = clock.now().year
    counter_id = ReferenceCounter.create_id(prefix, year)
    repository = store.repository
    # The counter is saved with the new record, so a stale copy fails that save.
    reads = read_set.trusting()
    found = (repository.get_trusted(counter_id)
             if reads is not None and isinstance(repository, CachingRepository) else None)
    counter: ReferenceCounter
    if found is not None:
        counter = found[0]
        assert reads is not None
        reads.note(counter_id, counter.version, trusted=True)
    else:
        try:
            counter = repository.get(counter_id)
        except AggregateNotFoundError:
            counter = ReferenceCounter(prefix=prefix, year=year)
    return counter, counter.next_reference()


class PartnershipChecks:
    """What a command names must belong to the record's partnership, as configured."""

    def __init__(self, rules: LocalRules, loader: RecordLoader) -> None:
        self.rules = rules
        self.loader = loader

    def partnership(self, partnership_id: str) -> Partnership:
        partnership = self.rules.partnerships.get(partnership_id)
        if partnership is None:
            raise InvalidValue(f"unknown partnership {partnership_id!r}",
                               rule="unknown_partnership", field="partnership_id")
        return partnership

    def ward(self, partnership: Partnership, ward: str, field: str = "ward") -> Ward:
        configured = partnership.ward(ward)
        if configured is None:
            raise InvalidValue(
                f"{ward!r} is not a ward of {partnership.name}; choose one of "
                + ", ".join(w.name for w in partnership.wards),
                rule="unknown_ward", field=field,
            )
        return configured

    def agency(self, partnership_id: str, agency: str, field: str) -> None:
        partnership = self.rules.partnerships.get(partnership_id)
        if partnership is not None and not partnership.has_agency(agency):
            raise InvalidValue(
                f"{agency!r} is not an agency of this partnership; choose one of "
                + ", ".join(partnership.agencies),
                rule="unknown_agency", field=field,
            )

    def person(self, person_id: UUID, partnership_id: str, field: str = "person_id") -> None:
        try:
            person = self.loader.load(Person, "person", person_id)
        except NotFound:
            raise InvalidValue(f"no person {person_id} is recorded", rule="unknown_person",
                               field=field) from None
        if person.partnership_id != partnership_id:
            raise InvalidValue("that person is recorded in another partnership",
                               rule="person_in_other_partnership", field=field)

    def case(self, case_id: UUID, partnership_id: str, field: str = "case_id") -> None:
        """A linked ASB case must exist, be visible, and be in the same partnership."""
        try:
            case = self.loader.load(AsbCase, "case", case_id)
        except NotFound:
            raise InvalidValue(f"no ASB case {case_id} is recorded", rule="unknown_case",
                               field=field) from None
        if case.partnership_id != partnership_id:
            raise InvalidValue(
                f"ASB case {case.reference} is in another partnership; only cases in the "
                "same partnership can be linked",
                rule="case_in_other_partnership", field=field)
