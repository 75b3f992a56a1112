"""A person record's details: every field but ``kind`` is personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.shared.personal import ERASED
from domain.shared.values import value_type


@value_type
class PersonKind(StrEnum):
    """Victims can be businesses and community groups as well as individuals."""

    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


@value_type
@dataclass(frozen=True)
class PersonDetails:
    kind: PersonKind
    name: str
    date_of_birth: date | None
    phone: str | None
    email: str | None
    address: str | None
    vulnerability_notes: str | None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, PersonKind):
            object.__setattr__(self, "kind", PersonKind(self.kind))
        # After erasure every personal field replays as ERASED, a date included.
        if self.date_of_birth == ERASED:
            object.__setattr__(self, "date_of_birth", None)

    @property
    def is_erased(self) -> bool:
        return self.name == ERASED
