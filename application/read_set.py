"""What a command read, so its save can prove that nothing it read has changed since.

A command decides on the state of the records it reads: the record it changes, that
record's restriction of processing, a person or case it checks, the reference counter.
While a :class:`ReadSet` is collecting (the command runner opens one per attempt), every
record loaded through ``RecordLoader`` or ``next_reference`` is noted with the version
it was read at, and the save sends those versions to the store, which refuses the whole
save (an ``IntegrityError``, as for any write conflict) if any of them has a newer event.

That check is what lets a command use this process's cached copy of a record without
asking the store first (docs/decisions.md, D14): a copy made stale by another process's
write fails the save and the runner retries on state read from the store. Records that
proved stale are distrusted for a while (``AggregateCache.distrust``), so a record that
other processes keep writing (a reference counter under several service processes) is
read from the store, not retried.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from uuid import UUID

from application.ports import RecordsRead


@dataclass
class ReadSet:
    trusting: bool = True
    """Whether loads may use the cached copy without asking the store."""
    versions: dict[UUID, int] = field(default_factory=dict)
    trusted: set[UUID] = field(default_factory=set)
    """Records taken from the cache unchecked (the ones to distrust after a conflict)."""

    def note(self, record_id: UUID, version: int, *, trusted: bool = False) -> None:
        # The first read is what the command decided on.
        self.versions.setdefault(record_id, version)
        if trusted:
            self.trusted.add(record_id)

    def claim(self) -> RecordsRead:
        return RecordsRead(tuple(self.versions.items()))


_current: ContextVar[ReadSet | None] = ContextVar("casework_read_set", default=None)


def current() -> ReadSet | None:
    """The read set of the command running in this context, if any."""
    return _current.get()


def trusting() -> ReadSet | None:
    """The current read set if loads may use cached copies unchecked."""
    reads = _current.get()
    return reads if reads is not None and reads.trusting else None


@contextlib.contextmanager
def collecting(*, trusting: bool) -> Iterator[ReadSet]:
    reads = ReadSet(trusting=trusting)
    token = _current.set(reads)
    try:
        yield reads
    finally:
        _current.reset(token)
