"""Validation of the values given to plan commands: each raises ``InvalidValue``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from domain.shared.errors import InvalidValue
from domain.shared.references import is_reference

E = TypeVar("E", bound=StrEnum)

SHORT_TEXT_LIMIT = 200
LONG_TEXT_LIMIT = 20_000
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_AMOUNT = Decimal(1_000_000_000)


def text(value: str, field: str, *, limit: int = LONG_TEXT_LIMIT) -> str:
    """Non-blank text, stripped of surrounding white space."""
    if not isinstance(value, str):
        raise InvalidValue(f"{_label(field)} must be text.", rule="not-text", field=field)
    stripped = value.strip()
    if not stripped:
        raise InvalidValue(f"{_label(field)} is required.", rule="required", field=field)
    if len(stripped) > limit:
        raise InvalidValue(
            f"{_label(field)} is longer than {limit} characters.", rule="too-long", field=field
        )
    return stripped


def short_text(value: str, field: str) -> str:
    return text(value, field, limit=SHORT_TEXT_LIMIT)


def optional_text(value: str | None, field: str) -> str:
    return "" if value is None or not value.strip() else text(value, field)


def text_list(values: Sequence[str], field: str) -> list[str]:
    """At least one non-blank item; blanks and repeats are dropped, order kept."""
    items: list[str] = []
    for value in values:
        stripped = value.strip()
        if stripped and stripped not in items:
            items.append(short_text(stripped, field))
    if not items:
        raise InvalidValue(f"{_label(field)}: give at least one.", rule="required", field=field)
    return items


def slug(value: str, field: str) -> str:
    if not _SLUG.fullmatch(value):
        raise InvalidValue(
            f"{_label(field)} must be lower-case letters, digits and hyphens, e.g. 'north-herts'.",
            rule="partnership-id-format",
            field=field,
        )
    return value


def plan_reference(value: str) -> str:
    if not is_reference("PSP", value):
        raise InvalidValue(
            f"Reference {value!r} is not a plan reference such as PSP-2026-0007.",
            rule="reference-format",
            field="reference",
        )
    return value


def current_priority(priority: str, allowed_priorities: Sequence[str]) -> str:
    stripped = priority.strip()
    if stripped not in allowed_priorities:
        allowed = ", ".join(allowed_priorities) or "none configured"
        raise InvalidValue(
            f"{stripped!r} is not a current partnership priority (current: {allowed}).",
            rule="priority-not-current",
            field="priority",
        )
    return stripped


def money(amount: Decimal, field: str) -> Decimal:
    """A positive amount in pounds with at most two decimal places."""
    if not amount.is_finite() or amount <= 0:
        raise InvalidValue(
            f"{_label(field)} must be more than £0.", rule="amount-not-positive", field=field
        )
    if amount > MAX_AMOUNT:
        raise InvalidValue(
            f"{_label(field)} must be at most £{MAX_AMOUNT:,}.",
            rule="amount-too-large",
            field=field,
        )
    if _decimal_places(amount) > 2:
        raise InvalidValue(
            f"{_label(field)} must be in pounds and pence (at most two decimal places).",
            rule="amount-precision",
            field=field,
        )
    return amount


def _decimal_places(amount: Decimal) -> int:
    _, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)  # finite, checked by the caller
    significant = list(digits)
    while exponent < 0 and len(significant) > 1 and significant[-1] == 0:
        significant.pop()
        exponent += 1
    return max(0, -exponent)


def measure_value(value: Decimal, field: str) -> Decimal:
    if not value.is_finite() or value < 0:
        raise InvalidValue(
            f"{_label(field)} must be a number of zero or more.",
            rule="measure-value-invalid",
            field=field,
        )
    return value


def number(value: Decimal | int, field: str) -> Decimal:
    """A Decimal (or int); floats are refused because they cannot hold pence exactly."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidValue(
            f"{_label(field)} must be a whole or decimal number.", rule="not-a-number", field=field
        )
    return Decimal(value)


def calendar_date(value: date, field: str) -> date:
    """A date without a time of day (a datetime is a date too, so check)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidValue(
            f"{_label(field)} must be a calendar date without a time.",
            rule="not-a-date",
            field=field,
        )
    return value


def choice(enum_class: type[E], value: E | str, field: str) -> E:
    try:
        return enum_class(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        raise InvalidValue(
            f"{_label(field)} {value!r} is not one of: {allowed}.",
            rule="unknown-choice",
            field=field,
        ) from None


def not_in_future(day: date, today: date, field: str) -> date:
    if day > today:
        raise InvalidValue(
            f"{_label(field)} ({day.isoformat()}) is in the future.",
            rule="date-in-future",
            field=field,
        )
    return day


def not_in_past(day: date, today: date, field: str) -> date:
    if day < today:
        raise InvalidValue(
            f"{_label(field)} ({day.isoformat()}) is in the past.",
            rule="date-in-past",
            field=field,
        )
    return day


def not_before_plan(day: date, plan_started_on: date, field: str) -> date:
    if day < plan_started_on:
        raise InvalidValue(
            f"{_label(field)} ({day.isoformat()}) is before the plan was opened "
            f"({plan_started_on.isoformat()}).",
            rule="date-before-plan",
            field=field,
        )
    return day


def past_fact_date(day: date, today: date, plan_started_on: date, field: str) -> date:
    """A date something happened: not in the future and not before the plan was opened."""
    return not_before_plan(not_in_future(day, today, field), plan_started_on, field)


def date_order(start: date, end: date, field: str) -> None:
    if end < start:
        raise InvalidValue(
            f"{_label(field)} ({end.isoformat()}) is before the start ({start.isoformat()}).",
            rule="date-order",
            field=field,
        )


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()
