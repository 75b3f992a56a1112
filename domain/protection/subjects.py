"""Which records mention which ids: the links between people and the records about them.

Records refer to people by id only (a party, the reporter of an incident, the subject of
an intervention, the applicant of a case review...). Rather than list every such field,
:func:`referenced_ids` collects every UUID an event carries, wherever it is nested, so a
new event type that names a person is covered without changes here. Callers intersect the
result with the ids of the people they know.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from uuid import UUID

_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "audit"})


def referenced_ids(domain_event: object) -> set[UUID]:
    """Every UUID in the event's fields (not its own aggregate's id)."""
    found: set[UUID] = set()
    for name, value in vars(domain_event).items():
        if name not in _ENVELOPE:
            found.update(_uuids(value))
    return found


def _uuids(value: Any) -> Iterator[UUID]:
    if isinstance(value, UUID):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _uuids(key)
            yield from _uuids(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _uuids(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _uuids(getattr(value, field.name))
