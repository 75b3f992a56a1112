"""Validation of the values given to case review commands: each raises ``InvalidValue``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import TypeVar
from uuid import UUID

from domain.shared import clock
from domain.shared.errors import InvalidValue
from domain.shared.periods import local_date
from domain.shared.references import is_reference

SHORT_TEXT_LIMIT = 200
LONG_TEXT_LIMIT = 20_000
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

E = TypeVar("E", bound=Enum)


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def today() -> date:
    """Today's date in London, from the domain clock."""
    return local_date(clock.now())


def text(value: str, field: str, *, limit: int = LONG_TEXT_LIMIT) -> str:
    """Non-blank text, stripped of surrounding white space."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{_label(field)} is required.", rule="required", field=field)
    stripped = value.strip()
    if len(stripped) > limit:
        raise InvalidValue(
            f"{_label(field)} is longer than {limit} characters.", rule="too-long", field=field
        )
    return stripped


def short_text(value: str, field: str) -> str:
    return text(value, field, limit=SHORT_TEXT_LIMIT)


def optional_text(value: str | None, field: str, *, limit: int = LONG_TEXT_LIMIT) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return text(value, field, limit=limit)


def short_text_list(values: Sequence[str], field: str) -> list[str]:
    """At least one non-blank item; blanks and repeats are dropped, order kept."""
    if isinstance(values, str):
        raise InvalidValue(f"{_label(field)} must be a list.", rule="not-a-list", field=field)
    items: list[str] = []
    for value in values:
        if isinstance(value, str) and not value.strip():
            continue
        item = short_text(value, field)
        if item not in items:
            items.append(item)
    if not items:
        raise InvalidValue(f"{_label(field)}: give at least one.", rule="required", field=field)
    return items


def slug(value: str, field: str) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise InvalidValue(
            f"{_label(field)} must be lower-case letters, digits and hyphens, e.g. 'north-herts'.",
            rule="slug-format",
            field=field,
        )
    return value


def reference(value: str, field: str = "reference") -> str:
    if not isinstance(value, str) or not is_reference("CR", value):
        raise InvalidValue(
            f"'{value}' is not a case review reference: it should look like 'CR-2026-0003'.",
            rule="reference-format",
            field=field,
        )
    return value


def choice(value: E | str, enum_class: type[E], field: str) -> E:
    try:
        return value if isinstance(value, enum_class) else enum_class(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_class)
        raise InvalidValue(
            f"{_label(field)} must be one of: {allowed}.", rule="unknown-choice", field=field
        ) from None


def flag(value: bool, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue(
            f"{_label(field)} must be true or false.", rule="not-a-flag", field=field
        )
    return value


def uuid(value: UUID, field: str) -> UUID:
    if not isinstance(value, UUID):
        raise InvalidValue(f"{_label(field)} must be an id (UUID).", rule="not-an-id", field=field)
    return value


def uuid_list(values: Sequence[UUID], field: str) -> list[UUID]:
    items: list[UUID] = []
    for value in values:
        if uuid(value, field) not in items:
            items.append(value)
    return items


def calendar_date(value: date, field: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValue(
            f"{_label(field)} must be a date (without a time).", rule="not-a-date", field=field
        )
    return value


def past_date(
    value: date, field: str, *, not_before: date | None = None, not_before_what: str = ""
) -> date:
    """A date that is not in the future (London time) and not before ``not_before``."""
    calendar_date(value, field)
    if value > today():
        raise InvalidValue(
            f"{_label(field)} cannot be in the future.", rule="date-in-future", field=field
        )
    if not_before is not None and value < not_before:
        raise InvalidValue(
            f"{_label(field)} cannot be before {not_before_what} ({not_before.isoformat()}).",
            rule="date-too-early",
            field=field,
        )
    return value


def past_moment(value: datetime, field: str) -> datetime:
    """A timezone-aware moment not in the future, returned in UTC."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidValue(
            f"{_label(field)} must be a date and time with a time zone.",
            rule="naive-datetime",
            field=field,
        )
    if value > clock.now():
        raise InvalidValue(
            f"{_label(field)} cannot be in the future.", rule="date-in-future", field=field
        )
    return value.astimezone(UTC)
