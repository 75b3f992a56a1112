"""A process-local cache of aggregates as last stored, brought up to date on every read.

Loading a record from the store means reading its newest snapshot and the events after
it, decoding them (JSON, AES-GCM) and replaying them. The cache keeps the aggregate as it
was last loaded or saved, so the next load only asks the store for events *after* that
version (one indexed query that usually returns nothing) and replays those. Every read
asks the store, so several service processes sharing one database stay correct: what
another process wrote is read and applied; a write from a stale copy still fails the
store's optimistic concurrency check and is retried (docs/decisions.md, D11).

Copy on read, not deep copy: every aggregate in casework changes its state by rebinding
attributes or by changing a top-level list, dict or set of immutable values, never by
changing a nested object. A working copy therefore shares the values and copies only
the top-level containers, which costs microseconds where ``copy.deepcopy`` of a case
with a thousand incidents costs milliseconds. ``verify=True`` (the test suite turns it
on) keeps a deep copy of every cached aggregate and checks, on every read, that nothing
changed it in place: a new aggregate that breaks the rule fails the tests.

A command may use the cached copy without asking the store at all (``get_trusted``): its
save then carries the versions it read and the store refuses it if any record moved on
(application/read_set.py, D14). A record found stale that way is distrusted for
``max_age_seconds``: read from the store, as above, by commands too.

Entries expire after ``max_age_seconds`` from the moment their state was read from the
store, so decrypted personal data is not held longer than the data-key cache holds the
key that decrypts it (docs/data-protection.md); an erasure in this process clears the
whole cache at once.
"""

from __future__ import annotations

import copy
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import EventStore

DEFAULT_CACHE_SIZE = 2_000
DEFAULT_MAX_AGE_SECONDS = 60.0
# The test suite sets this, so every store it builds checks the copy-on-read rule.
VERIFY_BY_DEFAULT = False

A = TypeVar("A", bound=Aggregate)
_CONTAINER_COPIERS: dict[type, Callable[[Any], Any]] = {list: list, dict: dict, set: set}


class AggregateMutatedInPlace(AssertionError):
    """An aggregate's cached state changed without being rebound (see the module docstring)."""


def working_copy(aggregate: A) -> A:
    """A copy whose changes (rebinding attributes, changing top-level containers) leave
    ``aggregate`` as it was; values below the top-level containers are shared."""
    clone: A = object.__new__(type(aggregate))
    state = clone.__dict__
    for name, value in aggregate.__dict__.items():
        copier = _CONTAINER_COPIERS.get(type(value))
        state[name] = copier(value) if copier is not None else value
    state["_pending_events"] = []
    return clone


def _comparable_state(aggregate: Aggregate) -> dict[str, Any]:
    return {k: v for k, v in aggregate.__dict__.items() if k != "_pending_events"}


@dataclass
class _Entry:
    aggregate: Aggregate
    read_at: float
    deep_copy: Aggregate | None
    companions: dict[UUID, tuple[Any, ...]] | None = None
    """Every event of the records read with this one (its restriction of processing)."""


class AggregateCache:
    """Least-recently-used, age-bounded, thread-safe; holds frozen copies only."""

    def __init__(self, max_size: int = DEFAULT_CACHE_SIZE,
                 max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS, *,
                 verify: bool = False) -> None:
        if max_size < 1:
            raise ValueError("an aggregate cache needs room for at least one aggregate")
        self.max_size = max_size
        self.max_age_seconds = max_age_seconds
        self.verify = verify
        self._entries: OrderedDict[UUID, _Entry] = OrderedDict()
        self._distrusted: OrderedDict[UUID, float] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, aggregate_id: UUID) -> tuple[Aggregate, float] | None:
        """A working copy of the cached aggregate and when its state was read, or None."""
        entry = self._live_entry(aggregate_id)
        return None if entry is None else (self._checked_copy(entry), entry.read_at)

    def get_trusted(self, aggregate_id: UUID, companion_ids: Iterable[UUID] = ()
                    ) -> tuple[Aggregate, dict[UUID, tuple[Any, ...]]] | None:
        """A working copy and its companions' events, for a command that will not ask the
        store; None if not cached with all those companions, or distrusted."""
        with self._lock:
            distrusted_at = self._distrusted.get(aggregate_id)
        if distrusted_at is not None:
            if time.monotonic() - distrusted_at <= self.max_age_seconds:
                return None
            with self._lock:
                self._distrusted.pop(aggregate_id, None)
        entry = self._live_entry(aggregate_id)
        if entry is None:
            return None
        companions = entry.companions or {}
        wanted = {c: companions[c] for c in companion_ids if c in companions}
        if len(wanted) != len(set(companion_ids)):
            return None
        return self._checked_copy(entry), wanted

    def _live_entry(self, aggregate_id: UUID) -> _Entry | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(aggregate_id)
            if entry is None or now - entry.read_at > self.max_age_seconds:
                if entry is not None:
                    del self._entries[aggregate_id]
                self.misses += 1
                return None
            self._entries.move_to_end(aggregate_id)
            self.hits += 1
        return entry

    def _checked_copy(self, entry: _Entry) -> Aggregate:
        if entry.deep_copy is not None and _comparable_state(
                entry.aggregate) != _comparable_state(entry.deep_copy):
            raise AggregateMutatedInPlace(
                f"{type(entry.aggregate).__name__} {entry.aggregate.id} changed while cached: "
                "an event changed a nested object in place instead of rebinding an attribute "
                "(application/aggregate_cache.py)")
        return working_copy(entry.aggregate)

    def set_companions(self, aggregate_id: UUID,
                       companions: dict[UUID, tuple[Any, ...]]) -> None:
        """Record the events of the records read together with ``aggregate_id``."""
        with self._lock:
            entry = self._entries.get(aggregate_id)
            if entry is not None:
                entry.companions = dict(companions)

    def distrust(self, aggregate_ids: Iterable[UUID]) -> None:
        """Forget these aggregates, and make ``get_trusted`` refuse them for a while: a
        command found its cached copy stale (another process writes them)."""
        now = time.monotonic()
        with self._lock:
            for aggregate_id in aggregate_ids:
                self._entries.pop(aggregate_id, None)
                self._distrusted[aggregate_id] = now
                self._distrusted.move_to_end(aggregate_id)
            while len(self._distrusted) > self.max_size:
                self._distrusted.popitem(last=False)

    def put(self, aggregate: Aggregate, read_at: float | None = None) -> None:
        """Cache ``aggregate`` as stored; ``read_at`` is when its state was read from the
        store (now, if it was just read or just written)."""
        frozen = working_copy(aggregate)
        entry = _Entry(frozen, time.monotonic() if read_at is None else read_at,
                       copy.deepcopy(frozen) if self.verify else None)
        with self._lock:
            current = self._entries.get(aggregate.id)
            if current is not None and current.aggregate.version > frozen.version:
                return  # a newer version was cached meanwhile by another thread
            if current is not None:
                # Still what was read with it; a save that relies on them checks them.
                entry.companions = current.companions
            self._entries[aggregate.id] = entry
            self._entries.move_to_end(aggregate.id)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    def read_at(self, aggregate_id: UUID) -> float | None:
        with self._lock:
            entry = self._entries.get(aggregate_id)
            return None if entry is None else entry.read_at

    def forget(self, aggregate_ids: Iterable[UUID] | None = None) -> None:
        """Drop the given aggregates, or every aggregate."""
        with self._lock:
            if aggregate_ids is None:
                self._entries.clear()
                self._distrusted.clear()
                return
            for aggregate_id in aggregate_ids:
                self._entries.pop(aggregate_id, None)

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        return True


class CachingRepository(Repository[UUID]):
    """The library's repository, with :class:`AggregateCache` in front of the latest
    version (a load at a given version always reads the store)."""

    def __init__(self, event_store: EventStore[UUID], snapshot_store: EventStore[UUID] | None,
                 aggregate_cache: AggregateCache) -> None:
        super().__init__(event_store=event_store, snapshot_store=snapshot_store)
        self.aggregate_cache = aggregate_cache

    def get(self, aggregate_id: UUID, *, version: int | None = None,
            projector_func: Any = project_aggregate, **kwargs: Any) -> Any:
        if version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        cached = self.aggregate_cache.get(aggregate_id)
        if cached is None:
            read_at = time.monotonic()
            aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            self.aggregate_cache.put(aggregate, read_at)
            return aggregate
        aggregate, read_at = cached
        new_events = list(self.event_store.get(originator_id=aggregate_id,
                                               gt=aggregate.version))
        if new_events:
            aggregate = projector_func(aggregate, new_events)
            if aggregate is None:  # pragma: no cover - events never end an aggregate
                raise AggregateNotFoundError(aggregate_id)
            self.aggregate_cache.put(aggregate, read_at)
        return aggregate

    def get_with_events_of(self, aggregate_id: UUID, others: Sequence[UUID]
                           ) -> tuple[Any, dict[UUID, list[DomainEventProtocol[UUID]]]]:
        """The latest aggregate (as :meth:`get`) and every event of ``others``, records
        that are never snapshotted (a record's restriction of processing).

        When the aggregate is cached, its new events and the others' events are read in
        one query, so checking a companion record costs no round trip of its own.
        """
        recorder = self.event_store.recorder
        cached = self.aggregate_cache.get(aggregate_id)
        select_after = getattr(recorder, "select_events_after", None)
        if cached is None or select_after is None:
            aggregate = self.get(aggregate_id)
            read = {other: list(self.event_store.get(other)) for other in others}
            self.aggregate_cache.set_companions(
                aggregate_id, {other: tuple(e) for other, e in read.items()})
            return aggregate, read
        aggregate, read_at = cached
        events: dict[UUID, list[DomainEventProtocol[UUID]]] = {
            aggregate_id: [], **{other: [] for other in others}}
        stored_events = select_after([(aggregate_id, aggregate.version),
                                      *((other, 0) for other in others)])
        for stored in stored_events:
            originator_id = stored.originator_id
            key = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
            events[key].append(self.event_store.mapper.to_domain_event(stored))
        new_events = events.pop(aggregate_id)
        if new_events:
            updated = project_aggregate(aggregate, new_events)
            if updated is None:  # pragma: no cover - events never end an aggregate
                raise AggregateNotFoundError(aggregate_id)
            aggregate = updated
            self.aggregate_cache.put(aggregate, read_at)
        self.aggregate_cache.set_companions(
            aggregate_id, {other: tuple(e) for other, e in events.items()})
        return aggregate, events

    def get_trusted(self, aggregate_id: UUID, others: Sequence[UUID] = ()
                    ) -> tuple[Any, dict[UUID, list[DomainEventProtocol[UUID]]]] | None:
        """The cached aggregate and its companions' events as last read, without asking
        the store (None if not cached with them): only for a command whose save checks
        the versions it read (application/read_set.py)."""
        found = self.aggregate_cache.get_trusted(aggregate_id, others)
        if found is None:
            return None
        aggregate, companions = found
        return aggregate, {other: list(events) for other, events in companions.items()}

    def remember_saved(self, aggregates: Iterable[Any]) -> None:
        """Cache aggregates just written: their state is exactly what was stored."""
        for aggregate in aggregates:
            self.aggregate_cache.put(aggregate, self.aggregate_cache.read_at(aggregate.id))
