"""Validation of a person record's details."""

from __future__ import annotations

import re
from datetime import date, datetime

from domain.people.values import PersonDetails, PersonKind
from domain.shared import clock
from domain.shared.errors import InvalidValue

MAX_FIELD_LENGTH = 500
MAX_NOTES_LENGTH = 10_000
EARLIEST_DATE_OF_BIRTH = date(1900, 1, 1)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()-]{7,20}")


def checked_details(
    *,
    kind: PersonKind,
    name: str,
    date_of_birth: date | None,
    phone: str | None,
    email: str | None,
    address: str | None,
    vulnerability_notes: str | None,
) -> PersonDetails:
    try:
        checked_kind = PersonKind(kind)
    except ValueError:
        raise InvalidValue(
            f"Kind must be individual or organisation (not {kind!r}).",
            rule="invalid_choice",
            field="kind",
        ) from None
    checked_name = _text(name, "name", MAX_FIELD_LENGTH)
    if checked_name is None:
        raise InvalidValue("Name is required.", rule="required", field="name")
    return PersonDetails(
        kind=checked_kind,
        name=checked_name,
        date_of_birth=_date_of_birth(date_of_birth, checked_kind),
        phone=_matching(phone, "phone", _PHONE, "a telephone number"),
        email=_matching(email, "email", _EMAIL, "an email address"),
        address=_text(address, "address", MAX_FIELD_LENGTH),
        vulnerability_notes=_text(vulnerability_notes, "vulnerability_notes", MAX_NOTES_LENGTH),
    )


def _text(value: str | None, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue(f"{field} must be text.", rule="invalid_type", field=field)
    cleaned = value.strip()
    if len(cleaned) > max_length:
        raise InvalidValue(
            f"{field} must be at most {max_length} characters.", rule="too_long", field=field
        )
    return cleaned or None


def _matching(value: str | None, field: str, pattern: re.Pattern[str], what: str) -> str | None:
    cleaned = _text(value, field, MAX_FIELD_LENGTH)
    if cleaned is not None and not pattern.fullmatch(cleaned):
        raise InvalidValue(f"{field} must be {what}.", rule="invalid_format", field=field)
    return cleaned


def _date_of_birth(value: date | None, kind: PersonKind) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValue(
            "Date of birth must be a date.", rule="invalid_type", field="date_of_birth"
        )
    if kind is PersonKind.ORGANISATION:
        raise InvalidValue(
            "An organisation has no date of birth.", rule="not_applicable", field="date_of_birth"
        )
    if value > clock.now().date():
        raise InvalidValue(
            "Date of birth cannot be in the future.", rule="in_future", field="date_of_birth"
        )
    if value < EARLIEST_DATE_OF_BIRTH:
        raise InvalidValue(
            f"Date of birth cannot be before {EARLIEST_DATE_OF_BIRTH.isoformat()}.",
            rule="too_early",
            field="date_of_birth",
        )
    return value
