"""Marking personal data in event schemas.

An event class lists the names of its fields that hold personal data in a class
attribute ``personal_fields``. The domain does nothing else with it: the
data-protection layer at the edge encrypts those fields with a key belonging to
the event's aggregate (the person, or the case/plan/review for its free text) and,
once that key has been destroyed, gives back :data:`ERASED` in their place.
Aggregates therefore must accept :data:`ERASED` wherever a personal field is read
back during replay.
"""

from __future__ import annotations

from typing import Any

ERASED = "[erased]"


def personal_fields_of(event_class: type[Any]) -> frozenset[str]:
    return frozenset(getattr(event_class, "personal_fields", frozenset()))
