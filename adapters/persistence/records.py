"""What the casework recorders store beside each event.

``AuditedStoredEvent`` carries the event's own timestamp beside the stored bytes, so
the recorder can index it for "as at" queries without decoding the state, and the new
data key of its subject (if its personal fields were sealed with a key not stored yet), so
the recorder writes that key in the events' transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import StoredEvent


@dataclass(frozen=True)
class AuditedStoredEvent(StoredEvent):
    timestamp: datetime | None = None
    new_subject_key: Any = field(default=None, compare=False, repr=False)
    """A :class:`~adapters.persistence.keyring.NewSubjectKey`, or None."""


def sortable_utc(moment: datetime) -> str:
    """Fixed-width UTC text, so text comparison orders like time (used on SQLite)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
