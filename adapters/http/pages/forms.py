"""HTML forms over the API's request models.

A POSTed form becomes a :class:`FormState`: what was typed (kept to show again), the
errors by field, and a general problem. A page reads typed values into the shape of an
API request model (``schemas/*.py``) and validates it with :func:`validated`, so pages
and API accept exactly the same input; domain errors (``InvalidValue``/``RuleViolation``)
are put against their field with :meth:`FormState.add_domain_error`.

Field ``name`` attributes are the request model's field names; each input's id is
``f-<name>`` (:func:`field_id`) so the error summary can link to it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from adapters.http.pages.rendering import LONDON, field_id
from adapters.http.pages.session import CSRF_FIELD
from application.commands import Idempotency
from domain.shared.errors import DomainError

M = TypeVar("M", bound=BaseModel)

VERSION_FIELD = "version"
FORM_KEY_FIELD = "form_key"
_NOT_INPUT = frozenset({CSRF_FIELD, FORM_KEY_FIELD})


class FormState:
    """What a form shows: values (as typed), errors by field, and a general problem."""

    def __init__(self, values: Mapping[str, Any] | None = None, *,
                 fields: Iterable[str] = (), labels: Mapping[str, str] | None = None,
                 choice_fields: Iterable[str] = ()) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in (values or {}).items():
            self.set(name, value)
        self.errors: dict[str, str] = {}
        self.problems: list[str] = []
        self.fields = tuple(fields)
        """Fields on the page, in page order; an error about another field is shown as a
        general problem."""
        self.labels = dict(labels or {})
        self.choice_fields = frozenset(choice_fields)
        """Fields chosen from a list (select, radios): a missing one says "Choose ..."."""
        self.form_key = str(uuid.uuid4())

    @classmethod
    def posted(cls, form: FormData, *, fields: Iterable[str] = (),
               labels: Mapping[str, str] | None = None,
               choice_fields: Iterable[str] = ()) -> FormState:
        state = cls(fields=fields, labels=labels, choice_fields=choice_fields)
        for name in form:
            if name in _NOT_INPUT:
                continue
            state.values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
        key = form.get(FORM_KEY_FIELD)
        if isinstance(key, str) and 8 <= len(key) <= 64:
            state.form_key = key
        return state

    # -- values ------------------------------------------------------------------

    def set(self, name: str, value: Any) -> None:
        if value is None:
            self.values.pop(name, None)
        elif isinstance(value, list | tuple | set | frozenset):
            self.values[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            self.values[name] = ["yes" if value else "no"]
        else:
            self.values[name] = [str(value)]

    def value(self, name: str, default: str = "") -> str:
        values = self.values.get(name)
        return values[-1] if values else default

    def values_of(self, name: str) -> list[str]:
        return list(self.values.get(name, ()))

    def has(self, name: str, value: str) -> bool:
        return value in self.values.get(name, ())

    def text(self, name: str) -> str | None:
        """The typed text, stripped; None when empty."""
        return self.value(name).strip() or None

    def checked(self, name: str) -> bool:
        return self.value(name) in {"yes", "on", "true"}

    def yes_no(self, name: str) -> bool | None:
        value = self.value(name)
        return True if value == "yes" else False if value == "no" else None

    def moment(self, name: str) -> datetime | None:
        """A ``datetime-local`` value in London time (or ISO 8601 with an offset), as UTC."""
        text = self.text(name)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            self.add_error(name, f"Enter {self.label(name)} as a date and time, "
                                 "like 2026-03-02 09:15")
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=LONDON)

    def day(self, name: str) -> date | None:
        text = self.text(name)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.add_error(name, f"Enter {self.label(name)} as a real date, like 2026-03-20")
            return None

    # -- errors ------------------------------------------------------------------

    def label(self, name: str) -> str:
        return self.labels.get(name) or name.replace("_", " ")

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    def add_error(self, name: str | None, message: str) -> None:
        if name is None or not self.shows(name):
            if message not in self.problems:
                self.problems.append(message)
        else:
            self.errors.setdefault(name, message)

    def shows(self, name: str) -> bool:
        """Whether the page has this field (``prefix_*`` in ``fields`` matches a prefix)."""
        return not self.fields or self._position(name) < len(self.fields)

    def _position(self, name: str) -> int:
        for index, field in enumerate(self.fields):
            if name == field or (field.endswith("*") and name.startswith(field[:-1])):
                return index
        return len(self.fields)

    def add_domain_error(self, error: DomainError) -> None:
        self.add_error(error.field, error.message)

    def add_validation_errors(self, error: ValidationError) -> None:
        for item in error.errors():
            location = item.get("loc", ())
            name = str(location[0]) if location else None
            self.add_error(name, self._message(name, item))

    def _message(self, name: str | None, item: Mapping[str, Any]) -> str:
        kind = str(item.get("type", ""))
        what = self.label(name) if name else "this"
        context = item.get("ctx") or {}
        if kind in {"missing", "string_too_short", "string_type"}:
            return f"Choose {what}" if name in self.choice_fields else f"Enter {what}"
        if kind == "string_too_long":
            return f"{_capital(what)} must be {context.get('max_length')} characters or fewer"
        if kind in {"enum", "literal_error"}:
            return f"Choose {what}"
        if kind.startswith("uuid"):
            return f"Enter {what} in full, like 6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f"
        if kind.startswith(("datetime", "timezone")):
            return f"Enter {what} as a date and time"
        if kind.startswith("date"):
            return f"Enter {what} as a real date"
        if kind.startswith("bool"):
            return f"Choose yes or no for {what}"
        if name == "email":
            return "Enter an email address like name@example.com"
        return f"{_capital(what)}: {item.get('msg', 'is not valid')}"

    @property
    def ok(self) -> bool:
        return not self.errors and not self.problems

    def error_list(self) -> list[tuple[str | None, str]]:
        """For the error summary: (link target or None, message), general problems first."""
        in_page_order = sorted(self.errors.items(), key=lambda item: self._position(item[0]))
        linked: list[tuple[str | None, str]] = [
            ("#" + field_id(name), message) for name, message in in_page_order
        ]
        return [*((None, problem) for problem in self.problems), *linked]

    # -- idempotency -------------------------------------------------------------

    def renew_key(self) -> None:
        """A new one-time key, for a form whose key was used for other values."""
        self.form_key = str(uuid.uuid4())

    def idempotency(self, path: str, scope: str = "") -> Idempotency:
        """The form's key (one per rendering of the form), so a double submit writes once."""
        payload = json.dumps([path, scope, sorted(self.values.items())], sort_keys=True)
        return Idempotency(key=f"page:{self.form_key}{scope}",
                           fingerprint=hashlib.sha256(payload.encode()).hexdigest())


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def validated(model: type[M], data: Mapping[str, Any], form: FormState) -> M | None:
    """``model`` from ``data`` (None values left out), or None with the errors on ``form``."""
    try:
        result = model.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as error:
        form.add_validation_errors(error)
        return None
    return result if form.ok else None


def expected_version(form: FormState) -> int | None:
    try:
        version = int(form.value(VERSION_FIELD))
    except ValueError:
        return None
    return version if version >= 0 else None
