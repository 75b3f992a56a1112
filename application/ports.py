"""What the application layer needs from the store beyond eventsourcing's interfaces.

The casework recorders (adapters/persistence) implement these; the application only
sees the protocols.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent


@dataclass(frozen=True)
class IdempotencyClaim:
    """Recorded in the same transaction as the events a request writes."""

    key: str
    fingerprint: str
    aggregate_id: UUID
    version: int


@dataclass(frozen=True)
class RecordsRead:
    """The records a command read and the version each was at (0: no events yet). The
    store refuses the save, as a write conflict, if any of them has a newer event."""

    versions: tuple[tuple[UUID, int], ...]


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    fingerprint: str
    aggregate_id: UUID
    version: int
    position: int


@dataclass(frozen=True)
class EventAuditEntry:
    originator_id: UUID
    originator_version: int
    notification_id: int
    recorded_at: datetime
    event_hash: str
    chain_hash: str


class AuditedRecorder(Protocol):
    def find_idempotency(self, key: str) -> IdempotencyRecord | None: ...

    def select_events_after(self, after: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The events of several records, each after the version given with it, in one
        query, ordered by record and version."""
        ...

    def version_as_at(self, originator_id: UUID, moment: datetime) -> int | None: ...

    def audit_entries(self, originator_id: UUID) -> list[EventAuditEntry]: ...

    def max_notification_id(self) -> int | None: ...
