"""A person record: someone (or an organisation) who is a party on one or more cases.

Cases refer to a person by id only, so the person's details live here, encrypted
under the person's own key, and can be erased once without touching any case.
"""

from __future__ import annotations

from datetime import date, datetime

from eventsourcing.domain import event

from domain.people.checks import checked_details
from domain.people.values import PersonDetails, PersonKind
from domain.shared import clock
from domain.shared.aggregate import CaseworkAggregate
from domain.shared.errors import InvalidValue, RuleViolation

_DETAIL_FIELDS = frozenset(
    {"name", "date_of_birth", "phone", "email", "address", "vulnerability_notes"}
)
_PARTNERSHIP_ID_MAX_LENGTH = 64


class Person(CaseworkAggregate):
    class Registered(CaseworkAggregate.Created):
        personal_fields = _DETAIL_FIELDS
        partnership_id: str
        kind: PersonKind
        name: str
        date_of_birth: date | None
        phone: str | None
        email: str | None
        address: str | None
        vulnerability_notes: str | None
        registered_at: datetime

    class DetailsCorrected(CaseworkAggregate.Event):
        """The details were wrong (a typing error, a wrong date of birth)."""

        personal_fields = _DETAIL_FIELDS | {"reason"}
        kind: PersonKind
        name: str
        date_of_birth: date | None
        phone: str | None
        email: str | None
        address: str | None
        vulnerability_notes: str | None
        reason: str
        changed_at: datetime

    class DetailsUpdated(CaseworkAggregate.Event):
        """The person's circumstances changed (moved house, new phone number)."""

        personal_fields = _DETAIL_FIELDS | {"reason"}
        kind: PersonKind
        name: str
        date_of_birth: date | None
        phone: str | None
        email: str | None
        address: str | None
        vulnerability_notes: str | None
        reason: str | None
        changed_at: datetime

    @event(Registered)
    def __init__(
        self,
        partnership_id: str,
        kind: PersonKind,
        name: str,
        date_of_birth: date | None,
        phone: str | None,
        email: str | None,
        address: str | None,
        vulnerability_notes: str | None,
        registered_at: datetime,
    ) -> None:
        self.partnership_id = partnership_id
        self.details = PersonDetails(
            kind, name, date_of_birth, phone, email, address, vulnerability_notes
        )
        self.registered_at = registered_at
        self.details_changed_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        partnership_id: str,
        name: str,
        kind: PersonKind = PersonKind.INDIVIDUAL,
        date_of_birth: date | None = None,
        phone: str | None = None,
        email: str | None = None,
        address: str | None = None,
        vulnerability_notes: str | None = None,
    ) -> Person:
        details = checked_details(
            kind=kind,
            name=name,
            date_of_birth=date_of_birth,
            phone=phone,
            email=email,
            address=address,
            vulnerability_notes=vulnerability_notes,
        )
        return cls(
            partnership_id=_checked_partnership_id(partnership_id),
            kind=details.kind,
            name=details.name,
            date_of_birth=details.date_of_birth,
            phone=details.phone,
            email=details.email,
            address=details.address,
            vulnerability_notes=details.vulnerability_notes,
            registered_at=clock.now(),
        )

    def correct_details(
        self,
        *,
        name: str,
        reason: str,
        kind: PersonKind = PersonKind.INDIVIDUAL,
        date_of_birth: date | None = None,
        phone: str | None = None,
        email: str | None = None,
        address: str | None = None,
        vulnerability_notes: str | None = None,
    ) -> None:
        """Replace the details because they were wrong; every field is given, as it should be."""
        details = self._changed_details(
            kind=kind,
            name=name,
            date_of_birth=date_of_birth,
            phone=phone,
            email=email,
            address=address,
            vulnerability_notes=vulnerability_notes,
        )
        checked_reason = (reason or "").strip()
        if not checked_reason:
            raise InvalidValue("Say why the details were wrong.", rule="required", field="reason")
        self._details_corrected(
            kind=details.kind,
            name=details.name,
            date_of_birth=details.date_of_birth,
            phone=details.phone,
            email=details.email,
            address=details.address,
            vulnerability_notes=details.vulnerability_notes,
            reason=checked_reason,
            changed_at=clock.now(),
        )

    @event(DetailsCorrected)
    def _details_corrected(
        self,
        kind: PersonKind,
        name: str,
        date_of_birth: date | None,
        phone: str | None,
        email: str | None,
        address: str | None,
        vulnerability_notes: str | None,
        reason: str,
        changed_at: datetime,
    ) -> None:
        self.details = PersonDetails(
            kind, name, date_of_birth, phone, email, address, vulnerability_notes
        )
        self.details_changed_at = changed_at

    def update_details(
        self,
        *,
        name: str,
        kind: PersonKind = PersonKind.INDIVIDUAL,
        date_of_birth: date | None = None,
        phone: str | None = None,
        email: str | None = None,
        address: str | None = None,
        vulnerability_notes: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Replace the details because circumstances changed; every field is given."""
        details = self._changed_details(
            kind=kind,
            name=name,
            date_of_birth=date_of_birth,
            phone=phone,
            email=email,
            address=address,
            vulnerability_notes=vulnerability_notes,
        )
        self._details_updated(
            kind=details.kind,
            name=details.name,
            date_of_birth=details.date_of_birth,
            phone=details.phone,
            email=details.email,
            address=details.address,
            vulnerability_notes=details.vulnerability_notes,
            reason=(reason or "").strip() or None,
            changed_at=clock.now(),
        )

    @event(DetailsUpdated)
    def _details_updated(
        self,
        kind: PersonKind,
        name: str,
        date_of_birth: date | None,
        phone: str | None,
        email: str | None,
        address: str | None,
        vulnerability_notes: str | None,
        reason: str | None,
        changed_at: datetime,
    ) -> None:
        self.details = PersonDetails(
            kind, name, date_of_birth, phone, email, address, vulnerability_notes
        )
        self.details_changed_at = changed_at

    # queries

    @property
    def kind(self) -> PersonKind:
        return self.details.kind

    @property
    def name(self) -> str:
        return self.details.name

    @property
    def is_erased(self) -> bool:
        """Whether the person's key was destroyed (their details replay as erased)."""
        return self.details.is_erased

    def _changed_details(
        self,
        *,
        kind: PersonKind,
        name: str,
        date_of_birth: date | None,
        phone: str | None,
        email: str | None,
        address: str | None,
        vulnerability_notes: str | None,
    ) -> PersonDetails:
        if self.is_erased:
            raise RuleViolation(
                "This person's details have been erased and cannot be changed.",
                rule="person_erased",
            )
        details = checked_details(
            kind=kind,
            name=name,
            date_of_birth=date_of_birth,
            phone=phone,
            email=email,
            address=address,
            vulnerability_notes=vulnerability_notes,
        )
        if details == self.details:
            raise RuleViolation("None of the details has changed.", rule="no_change")
        return details


def _checked_partnership_id(value: str) -> str:
    cleaned = value.strip() if isinstance(value, str) else ""
    if not cleaned or len(cleaned) > _PARTNERSHIP_ID_MAX_LENGTH or cleaned != cleaned.lower():
        raise InvalidValue(
            f"Partnership id must be a lower-case slug (not {value!r}).",
            rule="invalid_format",
            field="partnership_id",
        )
    return cleaned
