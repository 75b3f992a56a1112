"""Tamper evidence: the hash chains over stored events.

Each event's hash covers its aggregate's previous event hash, its identity, topic and
the exact stored bytes. A second chain runs over the global notification order, each
link covering the previous link and the event hash, so deleting or reordering whole
events breaks it too. Both are computed when the events are inserted, in the same
transaction, and re-computed by :class:`ChainVerifier`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

GENESIS = "0" * 64


def event_hash(
    previous_event_hash: str,
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: bytes,
) -> str:
    digest = hashlib.sha256()
    for part in (previous_event_hash, str(originator_id), str(originator_version), topic):
        digest.update(part.encode())
        digest.update(b"\x1f")
    digest.update(hashlib.sha256(state).digest())
    return digest.hexdigest()


def chain_hash(previous_chain_hash: str, notification_id: int, this_event_hash: str) -> str:
    digest = hashlib.sha256()
    digest.update(f"{previous_chain_hash}\x1f{notification_id}\x1f{this_event_hash}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainRow:
    """One stored event joined with its audit row; either side may be missing."""

    notification_id: int
    originator_id: str | None
    originator_version: int | None
    topic: str | None
    state: bytes | None
    audit_originator_id: str | None
    audit_originator_version: int | None
    recorded_event_hash: str | None
    recorded_chain_hash: str | None


@dataclass(frozen=True)
class ChainBreak:
    notification_id: int
    originator_id: str | None
    originator_version: int | None
    problem: str
    expected: str | None = None
    found: str | None = None


@dataclass
class VerificationReport:
    events_checked: int = 0
    aggregates_checked: int = 0
    last_notification_id: int = 0
    last_chain_hash: str = GENESIS
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None


class ChainVerifier:
    """Re-computes both chains over rows given in notification order.

    Stops collecting after ``max_breaks`` so a badly damaged log reports quickly.
    """

    def __init__(self, max_breaks: int = 20) -> None:
        self.max_breaks = max_breaks
        self.report = VerificationReport()
        self._last_event: dict[str, tuple[int, str]] = {}
        self._chain = GENESIS

    def feed(self, rows: Iterable[ChainRow]) -> None:
        for row in rows:
            if len(self.report.breaks) >= self.max_breaks:
                return
            self._check(row)

    def _fail(self, row: ChainRow, problem: str, expected: str | None = None,
              found: str | None = None) -> None:
        self.report.breaks.append(
            ChainBreak(
                notification_id=row.notification_id,
                originator_id=row.originator_id or row.audit_originator_id,
                originator_version=(
                    row.originator_version
                    if row.originator_version is not None
                    else row.audit_originator_version
                ),
                problem=problem,
                expected=expected,
                found=found,
            )
        )

    def _check(self, row: ChainRow) -> None:
        self.report.last_notification_id = row.notification_id
        if row.state is None or row.originator_id is None or row.topic is None:
            self._fail(row, "event is missing: an audit record exists without its event")
            if row.recorded_chain_hash:
                self._chain = row.recorded_chain_hash
            return
        if row.recorded_event_hash is None or row.recorded_chain_hash is None:
            self._fail(row, "audit record is missing for this event")
            return
        assert row.originator_version is not None
        self.report.events_checked += 1
        previous_version, previous_hash = self._last_event.get(row.originator_id, (0, GENESIS))
        if row.originator_version != previous_version + 1:
            self._fail(
                row,
                "aggregate versions are not consecutive in the log",
                expected=str(previous_version + 1),
                found=str(row.originator_version),
            )
        if (
            row.audit_originator_id != row.originator_id
            or row.audit_originator_version != row.originator_version
        ):
            self._fail(
                row,
                "audit record belongs to a different event",
                expected=f"{row.originator_id} v{row.originator_version}",
                found=f"{row.audit_originator_id} v{row.audit_originator_version}",
            )
        computed_event = event_hash(
            previous_hash, row.originator_id, row.originator_version, row.topic, row.state
        )
        if computed_event != row.recorded_event_hash:
            self._fail(
                row,
                "event content or its place in the aggregate history was altered",
                expected=row.recorded_event_hash,
                found=computed_event,
            )
        computed_chain = chain_hash(self._chain, row.notification_id, row.recorded_event_hash)
        if computed_chain != row.recorded_chain_hash:
            self._fail(
                row,
                "global chain broken: an event before this one was removed, added or reordered",
                expected=row.recorded_chain_hash,
                found=computed_chain,
            )
        if row.originator_id not in self._last_event:
            self.report.aggregates_checked += 1
        # Continue from the recorded hash so one altered event is reported once.
        self._last_event[row.originator_id] = (row.originator_version, row.recorded_event_hash)
        self._chain = row.recorded_chain_hash
        self.report.last_chain_hash = row.recorded_chain_hash
