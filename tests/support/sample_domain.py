"""A tiny aggregate for testing the store machinery without the real domain."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.shared.aggregate import CaseworkAggregate


class Note(CaseworkAggregate):
    class Written(CaseworkAggregate.Created):
        personal_fields = frozenset({"text"})
        partnership_id: str
        text: str
        ward: str

    @event(Written)
    def __init__(self, partnership_id: str, text: str, ward: str) -> None:
        self.partnership_id = partnership_id
        self.text = text
        self.ward = ward
        self.edits = 0

    class Edited(CaseworkAggregate.Event):
        personal_fields = frozenset({"text"})
        text: str

    @event(Edited)
    def edit(self, text: str) -> None:
        self.text = text
        self.edits += 1
