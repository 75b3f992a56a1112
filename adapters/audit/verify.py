"""Checking the stored events against their hash chains, and exported checkpoints.

:func:`verify_store` walks every stored event and audit row in notification order
through :class:`~adapters.persistence.audit_chain.ChainVerifier`. That catches any
edited, deleted, inserted or reordered event *inside* the log. It cannot catch the
newest events being removed together with their audit rows, nor a log rewritten by
someone who recomputed every hash: for those, a third party holds
:class:`Checkpoint` s (a notification id and the chain hash there), and the chain
must still pass through each one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from adapters.persistence.audit_chain import ChainBreak, ChainRow, ChainVerifier
from application.store import CaseworkStore


class ChainSource(Protocol):
    """What the casework recorders offer for verification."""

    def iter_chain_rows(self) -> Iterator[ChainRow]: ...

    def latest_chain_link(self) -> tuple[int, str] | None: ...

    def chain_link_at(self, notification_id: int) -> str | None: ...


def chain_source(store: CaseworkStore) -> ChainSource:
    return cast(ChainSource, store.recorder)


class CheckpointFormatError(ValueError):
    """A checkpoint file could not be read."""


@dataclass(frozen=True)
class Checkpoint:
    notification_id: int
    chain_hash: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "notification_id": self.notification_id,
            "chain_hash": self.chain_hash,
            "at": self.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        try:
            notification_id = int(data["notification_id"])
            chain_hash = str(data["chain_hash"])
            at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointFormatError(
                f"a checkpoint needs notification_id, chain_hash and at: {error}"
            ) from None
        if len(chain_hash) != 64 or notification_id < 1:
            raise CheckpointFormatError(f"not a casework checkpoint: {data!r}")
        return cls(notification_id=notification_id, chain_hash=chain_hash,
                   at=at if at.tzinfo else at.replace(tzinfo=UTC))


def take_checkpoint(store: CaseworkStore, *, now: datetime | None = None) -> Checkpoint | None:
    """The newest link of the global chain, to be handed to a third party."""
    link = chain_source(store).latest_chain_link()
    if link is None:
        return None
    notification_id, hash_ = link
    return Checkpoint(notification_id=notification_id, chain_hash=hash_,
                      at=now or datetime.now(tz=UTC))


def load_checkpoints(text: str) -> list[Checkpoint]:
    """One checkpoint object, a JSON list of them, or one object per line."""
    text = text.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as error:
            raise CheckpointFormatError(f"not JSON: {error}") from None
    items = data if isinstance(data, list) else [data]
    return [Checkpoint.from_json(item) for item in items]


def break_to_json(chain_break: ChainBreak) -> dict[str, Any]:
    return {
        "notification_id": chain_break.notification_id,
        "aggregate_id": chain_break.originator_id,
        "version": chain_break.originator_version,
        "problem": chain_break.problem,
        "expected": chain_break.expected,
        "found": chain_break.found,
    }


@dataclass
class AuditVerification:
    events_checked: int
    aggregates_checked: int
    last_notification_id: int
    last_chain_hash: str
    chain_breaks: list[ChainBreak]
    checkpoints_checked: int = 0
    checkpoint_breaks: list[ChainBreak] = field(default_factory=list)
    stopped_early: bool = False
    elapsed_seconds: float = 0.0

    @property
    def breaks(self) -> list[ChainBreak]:
        return sorted([*self.chain_breaks, *self.checkpoint_breaks],
                      key=lambda b: b.notification_id)

    @property
    def ok(self) -> bool:
        return not self.chain_breaks and not self.checkpoint_breaks

    @property
    def first_break(self) -> ChainBreak | None:
        breaks = self.breaks
        return breaks[0] if breaks else None

    @property
    def events_per_second(self) -> float | None:
        if self.elapsed_seconds <= 0:
            return None
        return self.events_checked / self.elapsed_seconds

    def to_json(self) -> dict[str, Any]:
        first = self.first_break
        rate = self.events_per_second
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "aggregates_checked": self.aggregates_checked,
            "last_notification_id": self.last_notification_id,
            "last_chain_hash": self.last_chain_hash,
            "checkpoints_checked": self.checkpoints_checked,
            "first_break": None if first is None else break_to_json(first),
            "breaks": [break_to_json(b) for b in self.breaks],
            "stopped_early": self.stopped_early,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "events_per_second": None if rate is None else round(rate),
        }


class _CheckpointWatch:
    """Passes rows through, remembering those at checkpoint positions."""

    def __init__(self, checkpoints: Iterable[Checkpoint]) -> None:
        self.checkpoints = sorted(checkpoints, key=lambda c: c.notification_id)
        self._wanted = {c.notification_id for c in self.checkpoints}
        self.rows: dict[int, ChainRow] = {}

    def watch(self, rows: Iterable[ChainRow]) -> Iterator[ChainRow]:
        for row in rows:
            if row.notification_id in self._wanted:
                self.rows[row.notification_id] = row
            yield row

    def breaks(self, last_notification_id: int, *, reached_end: bool) -> list[ChainBreak]:
        found: list[ChainBreak] = []
        for checkpoint in self.checkpoints:
            row = self.rows.get(checkpoint.notification_id)
            if row is None:
                if not reached_end:
                    continue  # verification stopped before getting here
                found.append(ChainBreak(
                    notification_id=checkpoint.notification_id,
                    originator_id=None,
                    originator_version=None,
                    problem="the log no longer reaches an exported checkpoint: "
                            "events at or before it were removed (truncation)",
                    expected=checkpoint.chain_hash,
                    found=f"the log ends at notification {last_notification_id}",
                ))
            elif row.recorded_chain_hash != checkpoint.chain_hash:
                found.append(ChainBreak(
                    notification_id=checkpoint.notification_id,
                    originator_id=row.originator_id or row.audit_originator_id,
                    originator_version=row.originator_version,
                    problem="the chain no longer passes through an exported checkpoint: "
                            "the log up to here was rewritten",
                    expected=checkpoint.chain_hash,
                    found=row.recorded_chain_hash or "no audit record",
                ))
        return found


def verify_store(
    store: CaseworkStore,
    checkpoints: Iterable[Checkpoint] = (),
    *,
    max_breaks: int = 20,
) -> AuditVerification:
    """Re-compute every chain; check the chain still passes through each checkpoint."""
    started = time.perf_counter()
    watch = _CheckpointWatch(checkpoints)
    verifier = ChainVerifier(max_breaks=max_breaks)
    verifier.feed(watch.watch(chain_source(store).iter_chain_rows()))
    report = verifier.report
    stopped_early = len(report.breaks) >= max_breaks
    checkpoint_breaks = watch.breaks(report.last_notification_id, reached_end=not stopped_early)
    return AuditVerification(
        events_checked=report.events_checked,
        aggregates_checked=report.aggregates_checked,
        last_notification_id=report.last_notification_id,
        last_chain_hash=report.last_chain_hash,
        chain_breaks=list(report.breaks),
        checkpoints_checked=len(watch.checkpoints),
        checkpoint_breaks=checkpoint_breaks,
        stopped_early=stopped_early,
        elapsed_seconds=time.perf_counter() - started,
    )


def describe_break(chain_break: ChainBreak) -> str:
    """One paragraph for people: where, what, expected and found."""
    where = f"notification {chain_break.notification_id}"
    if chain_break.originator_id:
        where += f", aggregate {chain_break.originator_id}"
    if chain_break.originator_version is not None:
        where += f" version {chain_break.originator_version}"
    lines = [f"{where}: {chain_break.problem}"]
    if chain_break.expected is not None or chain_break.found is not None:
        lines.append(f"  expected: {chain_break.expected}")
        lines.append(f"  found:    {chain_break.found}")
    return "\n".join(lines)
