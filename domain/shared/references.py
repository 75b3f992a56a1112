"""Human-readable references such as ``ASB-2026-00042``: a yearly sequence per prefix.

A ``ReferenceCounter`` aggregate per (prefix, year) issues the numbers. It is saved in
the same transaction as the record that takes the number, so two records can never
share a reference: the second writer's save fails on the counter's version and is
retried with the next number.
"""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.aggregate import CaseworkAggregate

REFERENCE_FORMATS = {
    "ASB": 5,  # ASB-2026-00042
    "PSP": 4,  # PSP-2026-0007
    "CR": 4,  # CR-2026-0003
}


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:0{REFERENCE_FORMATS[prefix]}d}"


def is_reference(prefix: str, text: str) -> bool:
    width = REFERENCE_FORMATS[prefix]
    return re.fullmatch(rf"{prefix}-\d{{4}}-\d{{{width},}}", text) is not None


class ReferenceCounter(CaseworkAggregate):
    class Started(CaseworkAggregate.Created):
        prefix: str
        year: int

    @staticmethod
    def create_id(prefix: str, year: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"casework:reference-counter:{prefix}:{year}")

    @event(Started)
    def __init__(self, prefix: str, year: int) -> None:
        self.prefix = prefix
        self.year = year
        self.last_number = 0

    class NumberIssued(CaseworkAggregate.Event):
        number: int

    @event(NumberIssued)
    def _issue(self, number: int) -> None:
        self.last_number = number

    def next_reference(self) -> str:
        self._issue(number=self.last_number + 1)
        return format_reference(self.prefix, self.year, self.last_number)
