"""A record's history, event by event, and its state at a past moment.

Works for any aggregate in the store. The history replays the aggregate one event
at a time and compares its public attributes before and after each event, so every
entry says what changed (field, before, after) without each aggregate describing its
own events. A page starts from the state just before its first event, which the
repository builds from the nearest snapshot.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from application.errors import NotFound
from application.ports import EventAuditEntry
from application.store import CaseworkStore

SKIPPED_ATTRIBUTES = frozenset({"version", "modified_on", "created_on", "id"})
MAX_SHOWN_CHARS = 80
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    """``None`` when the field did not exist before (e.g. on the creation event)."""
    after: Any
    """``None`` when the field no longer exists."""


@dataclass(frozen=True)
class EventActor:
    """Who caused an event, as stamped on it by the store when it was saved."""

    user_id: str
    display_name: str
    agency: str
    roles: tuple[str, ...]
    request_id: str | None

    @classmethod
    def from_audit(cls, audit: Mapping[str, Any] | None) -> EventActor | None:
        if not audit:
            return None
        return cls(
            user_id=str(audit.get("user_id", "")),
            display_name=str(audit.get("display_name", "")),
            agency=str(audit.get("agency", "")),
            roles=tuple(str(role) for role in audit.get("roles", ())),
            request_id=None if audit.get("request_id") is None else str(audit["request_id"]),
        )


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    event_type: str
    recorded_at: datetime
    actor: EventActor | None
    reason: str | None
    changes: tuple[FieldChange, ...]
    notification_id: int | None
    event_hash: str | None

    @property
    def summary(self) -> str:
        return summarise(self.event_type, self.changes)


@dataclass(frozen=True)
class HistoryPage:
    aggregate_id: UUID
    aggregate_type: str
    total: int
    """How many events the record has (its current version)."""
    offset: int
    limit: int
    entries: tuple[HistoryEntry, ...]

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.entries)
        return following if following < self.total else None


class HistoryService:
    def __init__(self, store: CaseworkStore) -> None:
        self.store = store

    def history(
        self,
        aggregate_id: UUID,
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
        *,
        kind: str = "record",
    ) -> HistoryPage:
        """Events ``offset+1`` to ``offset+limit`` (versions), oldest first."""
        if offset < 0:
            raise ValueError("offset must not be negative")
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        audit = {entry.originator_version: entry
                 for entry in self.store.audited_recorder.audit_entries(aggregate_id)}
        total = max(audit, default=0)
        if total == 0:
            raise NotFound(kind, aggregate_id)
        aggregate: Aggregate | None = (
            self._get(aggregate_id, offset, kind) if offset > 0 else None
        )
        events = self.store.events.get(aggregate_id, gt=offset, lte=offset + limit)
        entries = []
        for domain_event in cast(Iterable[Any], events):
            before = public_state(aggregate)
            aggregate = domain_event.mutate(aggregate)
            after = public_state(aggregate)
            entries.append(_entry(domain_event, diff(before, after),
                                  audit.get(domain_event.originator_version)))
        return HistoryPage(
            aggregate_id=aggregate_id,
            aggregate_type=type(aggregate).__name__ if aggregate is not None else "",
            total=total,
            offset=offset,
            limit=limit,
            entries=tuple(entries),
        )

    def full_history(self, aggregate_id: UUID, *, kind: str = "record") -> list[HistoryEntry]:
        entries: list[HistoryEntry] = []
        offset = 0
        while True:
            page = self.history(aggregate_id, offset, MAX_PAGE_SIZE, kind=kind)
            entries.extend(page.entries)
            if page.next_offset is None:
                return entries
            offset = page.next_offset

    def state_at(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        as_at: datetime | None = None,
        kind: str = "record",
    ) -> Any:
        """The aggregate as it was at ``version``, or as recorded by ``as_at``.

        ``as_at`` is compared with each event's own timestamp: the result is the state
        after the last event timestamped at or before it. With both, the earlier wins.
        Raises :class:`NotFound` when the record did not exist then.
        """
        if as_at is not None:
            if as_at.tzinfo is None:
                raise ValueError("as_at must be timezone-aware")
            recorded = self.store.version_as_at(aggregate_id, as_at)
            if recorded is None:
                raise NotFound(kind, aggregate_id)
            version = recorded if version is None else min(version, recorded)
        if version is not None and version < 1:
            raise NotFound(kind, aggregate_id)
        aggregate = self._get(aggregate_id, version, kind)
        if version is not None and aggregate.version != version:
            raise NotFound(kind, aggregate_id)
        return aggregate

    def _get(self, aggregate_id: UUID, version: int | None, kind: str) -> Aggregate:
        try:
            aggregate: Aggregate = self.store.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(kind, aggregate_id) from None
        return aggregate


def public_state(aggregate: Aggregate | None) -> dict[str, Any]:
    """The aggregate's public attributes, copied so later events cannot change them."""
    if aggregate is None:
        return {}
    return {
        name: copy.deepcopy(value)
        for name, value in vars(aggregate).items()
        if not name.startswith("_") and name not in SKIPPED_ATTRIBUTES
    }


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    changes = [
        FieldChange(field=name, before=before.get(name), after=after.get(name))
        for name in [*after, *(n for n in before if n not in after)]
        if name not in before or name not in after or before[name] != after[name]
    ]
    return tuple(changes)


def _entry(domain_event: Any, changes: tuple[FieldChange, ...],
           audit_entry: EventAuditEntry | None) -> HistoryEntry:
    audit = getattr(domain_event, "audit", None)
    audit = audit if isinstance(audit, Mapping) else None
    reason = audit.get("reason") if audit else None
    return HistoryEntry(
        version=domain_event.originator_version,
        event_type=type(domain_event).__name__,
        recorded_at=domain_event.timestamp,
        actor=EventActor.from_audit(audit),
        reason=None if reason is None else str(reason),
        changes=changes,
        notification_id=audit_entry.notification_id if audit_entry else None,
        event_hash=audit_entry.event_hash if audit_entry else None,
    )


def summarise(event_type: str, changes: Sequence[FieldChange]) -> str:
    """e.g. ``Edited: text 'a' -> 'b'; edits 0 -> 1``."""
    if not changes:
        return f"{event_type}: no visible change"
    parts = []
    for change in changes:
        if change.before is None:
            parts.append(f"{change.field} set to {show(change.after)}")
        elif change.after is None:
            parts.append(f"{change.field} cleared (was {show(change.before)})")
        else:
            parts.append(f"{change.field} {show(change.before)} -> {show(change.after)}")
    return f"{event_type}: " + "; ".join(parts)


def show(value: Any) -> str:
    """A short readable rendering of a state value."""
    text = _plain(value)
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 1] + "…"


def _plain(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(_plain(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ", ".join(
            f"{f.name}={_plain(getattr(value, f.name))}" for f in dataclasses.fields(value)
        )
        return f"{type(value).__name__}({fields})"
    return str(value)
