"""What the casework recorders store beside each event.

``AuditedStoredEvent`` carries the event's own timestamp beside the stored bytes, so
the recorder can index it for "as at" queries without decoding the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.persistence import StoredEvent


@dataclass(frozen=True)
class AuditedStoredEvent(StoredEvent):
    timestamp: datetime | None = None


def sortable_utc(moment: datetime) -> str:
    """Fixed-width UTC text, so text comparison orders like time (used on SQLite)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
