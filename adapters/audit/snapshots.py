"""Checking every stored snapshot against the events it summarises.

Snapshots are a cache of a record's state at a version, so loads need not replay every
event. They are not in the hash chains (the chains cover the events, which are the record),
so a forged snapshot would change what a load or an "as at" answer shows without breaking
a chain. :func:`verify_snapshots` closes that gap: it replays each snapshotted record from
its events (which ``casework audit verify`` proves unaltered) and compares the state at
every snapshot's version with the snapshot. A record's snapshots are checked in version
order while its events are replayed once, so the cost is one replay of every event of the
snapshotted records, not one per snapshot.

A snapshot that cannot be decoded because its data key was destroyed is reported too: an
erasure must delete the subject's snapshots (``casework retention run`` does).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from adapters.persistence.mapper import SubjectErased
from application.store import CaseworkStore

PAGE_SIZE = 500


@dataclass(frozen=True)
class SnapshotProblem:
    originator_id: UUID
    originator_version: int
    topic: str
    problem: str
    fields: tuple[str, ...] = ()
    """The state attributes that differ from the events' (no values: they may be personal)."""

    def to_json(self) -> dict[str, Any]:
        return {"aggregate_id": str(self.originator_id), "version": self.originator_version,
                "topic": self.topic, "problem": self.problem, "fields": list(self.fields)}


@dataclass
class SnapshotVerification:
    snapshots_checked: int = 0
    records_checked: int = 0
    events_replayed: int = 0
    problems: list[SnapshotProblem] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "snapshots_checked": self.snapshots_checked,
            "records_checked": self.records_checked,
            "events_replayed": self.events_replayed,
            "problems": [problem.to_json() for problem in self.problems],
            "elapsed_seconds": round(self.elapsed_seconds, 3),
        }


def describe_problem(problem: SnapshotProblem) -> str:
    text = (f"snapshot of {problem.originator_id} at version {problem.originator_version} "
            f"({problem.topic.rsplit(':', 1)[-1]}): {problem.problem}")
    if problem.fields:
        text += f" (fields: {', '.join(problem.fields)})"
    return text


def verify_snapshots(store: CaseworkStore) -> SnapshotVerification:
    """Compare every snapshot with the state replayed from the record's events."""
    started = time.perf_counter()
    result = SnapshotVerification()
    snapshots = store.snapshots
    if snapshots is not None:
        replay: _Replay | None = None
        for stored in iter_snapshot_rows(store):
            originator_id = _as_uuid(stored.originator_id)
            if replay is None or replay.originator_id != originator_id:
                if replay is not None:
                    result.events_replayed += replay.events_applied
                replay = _Replay(store, originator_id)
                result.records_checked += 1
            result.snapshots_checked += 1
            problem = replay.check(stored)
            if problem is not None:
                result.problems.append(problem)
        if replay is not None:
            result.events_replayed += replay.events_applied
    result.elapsed_seconds = time.perf_counter() - started
    return result


class _Replay:
    """One record's events, applied up to each snapshot's version in turn."""

    def __init__(self, store: CaseworkStore, originator_id: UUID) -> None:
        self.store = store
        self.originator_id = originator_id
        self.aggregate: Aggregate | None = None
        self.version = 0
        self.events_applied = 0

    def check(self, stored: StoredEvent) -> SnapshotProblem | None:
        version = stored.originator_version

        def problem(text: str, fields: tuple[str, ...] = ()) -> SnapshotProblem:
            return SnapshotProblem(self.originator_id, version, stored.topic, text, fields)

        assert self.store.snapshots is not None
        try:
            snapshot: Any = self.store.snapshots.mapper.to_domain_event(stored)
        except SubjectErased:
            return problem("the record's data key was destroyed but its snapshot is still "
                           "stored (erasure must delete snapshots: casework retention run)")
        except Exception as error:  # a forged row may not even decode
            return problem(f"cannot be decoded ({type(error).__name__})")
        if snapshot.originator_version != version:
            return problem("its stored version and its contents' version differ")
        self._apply_events_up_to(version)
        if self.aggregate is None or self.version != version:
            return problem(f"the record's events do not reach version {version}")
        if type(self.aggregate).__name__ != snapshot.topic.rsplit(":", 1)[-1]:
            return problem(f"it is not a snapshot of a {type(self.aggregate).__name__}")
        expected = _state(self.aggregate)
        found = _state(snapshot.mutate(None))
        if found != expected:
            differing = tuple(sorted(
                name for name in expected.keys() | found.keys()
                if expected.get(name, _MISSING) != found.get(name, _MISSING)))
            return problem("differs from the state its events give", differing)
        return None

    def _apply_events_up_to(self, version: int) -> None:
        if version <= self.version:
            return
        events: list[Any] = list(
            self.store.events.get(self.originator_id, gt=self.version, lte=version))
        for domain_event in events:
            self.aggregate = cast(Aggregate | None, domain_event.mutate(self.aggregate))
        self.events_applied += len(events)
        if events:
            self.version = events[-1].originator_version


_MISSING = object()


def _state(aggregate: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(aggregate).items()
            if name != "_pending_events"}


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


def iter_snapshot_rows(store: CaseworkStore, page_size: int = PAGE_SIZE
                       ) -> Iterator[StoredEvent]:
    """Every stored snapshot, ordered by record and version, a page at a time."""
    assert store.snapshots is not None
    recorder: Any = store.snapshots.recorder
    table: str = recorder.events_table_name
    after: tuple[Any, int] | None = None
    while True:
        rows = _page(recorder, table, after, page_size)
        for row in rows:
            yield StoredEvent(originator_id=_as_uuid(row[0]), originator_version=row[1],
                              topic=row[2], state=bytes(row[3]))
        if len(rows) < page_size:
            return
        after = (rows[-1][0], rows[-1][1])


def _page(recorder: Any, table: str, after: tuple[Any, int] | None,
          page_size: int) -> list[tuple[Any, ...]]:
    columns = "originator_id, originator_version, topic, state"
    order = "ORDER BY originator_id, originator_version LIMIT "
    datastore = recorder.datastore
    if isinstance(datastore, PostgresDatastore):
        name = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(table))
        where = SQL("WHERE (originator_id, originator_version) > (%s, %s) " if after else "")
        with datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL("SELECT " + columns + " FROM {} {} " + order + "%s").format(
                name, where), (*(after or ()), page_size))
            return [(r["originator_id"], r["originator_version"], r["topic"], r["state"])
                    for r in curs.fetchall()]
    where_text = "WHERE (originator_id, originator_version) > (?, ?) " if after else ""
    with datastore.transaction(commit=False) as c:
        c.execute(f"SELECT {columns} FROM {table} {where_text}{order}?",
                  (*(after or ()), page_size))
        return [tuple(row) for row in c.fetchall()]
