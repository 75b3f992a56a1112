"""Validation of command arguments: each helper returns the clean value or raises InvalidValue."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TypeVar

from domain.cases import periods
from domain.shared import clock
from domain.shared.errors import InvalidValue

E = TypeVar("E", bound=StrEnum)

MAX_NAME_LENGTH = 200
MAX_TEXT_LENGTH = 20_000

# ASB-<year>-<sequence>: the application layer allocates the number (at least five digits).
_ASB_REFERENCE = re.compile(r"ASB-(19|20)\d{2}-\d{5,}")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Outward code (the part before the space) of a UK postcode: "SG1", "AL10", "EC1A", "W1".
_OUTWARD_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")


def required_text(value: str, field: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{_label(field)} is required.", rule="required", field=field)
    cleaned = value.strip()
    if len(cleaned) > max_length:
        raise InvalidValue(
            f"{_label(field)} must be at most {max_length} characters.",
            rule="too_long",
            field=field,
        )
    return cleaned


def optional_text(
    value: str | None, field: str, *, max_length: int = MAX_TEXT_LENGTH
) -> str | None:
    """Blank counts as absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return required_text(value, field, max_length=max_length)


def name(value: str, field: str) -> str:
    """A short identifier or label such as an agency id or an officer's name."""
    return required_text(value, field, max_length=MAX_NAME_LENGTH)


def choice(enum_class: type[E], value: E | str, field: str) -> E:
    try:
        return enum_class(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        raise InvalidValue(
            f"{_label(field)} must be one of: {allowed} (not {value!r}).",
            rule="invalid_choice",
            field=field,
        ) from None


def optional_choice(enum_class: type[E], value: E | str | None, field: str) -> E | None:
    return None if value is None else choice(enum_class, value, field)


def moment(value: datetime, field: str) -> datetime:
    """A timezone-aware datetime, converted to UTC."""
    if not isinstance(value, datetime):
        raise InvalidValue(
            f"{_label(field)} must be a date and time.", rule="invalid_type", field=field
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(
            f"{_label(field)} must include a timezone.", rule="naive_datetime", field=field
        )
    return value.astimezone(UTC)


def past_moment(value: datetime, field: str) -> datetime:
    """A timezone-aware datetime that is not later than now."""
    checked = moment(value, field)
    if checked > clock.now():
        raise InvalidValue(
            f"{_label(field)} cannot be in the future.", rule="in_future", field=field
        )
    return checked


def a_date(value: date, field: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValue(f"{_label(field)} must be a date.", rule="invalid_type", field=field)
    return value


def past_date(value: date, field: str) -> date:
    checked = a_date(value, field)
    if checked > periods.today():
        raise InvalidValue(
            f"{_label(field)} cannot be in the future.", rule="in_future", field=field
        )
    return checked


def slug(value: str, field: str) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value) or len(value) > 64:
        raise InvalidValue(
            f"{_label(field)} must be a slug of lower-case letters, digits and hyphens "
            f"(not {value!r}).",
            rule="invalid_format",
            field=field,
        )
    return value


def asb_reference(value: str, field: str) -> str:
    if not isinstance(value, str) or not _ASB_REFERENCE.fullmatch(value):
        raise InvalidValue(
            f"{_label(field)} must look like ASB-2026-00042 (not {value!r}).",
            rule="invalid_format",
            field=field,
        )
    return value


def outward_postcode(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    cleaned = value.strip().upper()
    if not _OUTWARD_POSTCODE.fullmatch(cleaned):
        raise InvalidValue(
            f"{_label(field)} must be the outward part of a postcode, such as SG1 or AL10 "
            f"(not {value!r}).",
            rule="invalid_format",
            field=field,
        )
    return cleaned


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()
