"""Running a command against the store: concurrency, retries and idempotency.

Every write goes through :class:`CommandRunner`:
- With an expected version (HTTP ``If-Match``) a stale version raises
  :class:`StaleVersion` and writes nothing.
- Without one, a save that collides with a concurrent write is retried on freshly
  loaded state, so the domain rules are checked again against what is now true.
- With an idempotency key, the outcome is recorded in the same transaction as the
  events; a retry with the same key returns the first outcome and writes nothing.
- Within one process, commands on the same record (or drawing on the same reference
  counter) take turns instead of colliding: a striped lock per record id. Writers in other
  processes still collide and are retried; the lock only spares this process the retries.
- A first attempt may decide on this process's cached copies without asking the store:
  the save carries the version of every record the command read, and the store refuses
  it if any has moved on (application/read_set.py). The retry then reads the store.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application import read_set
from application.context import current_context
from application.errors import IdempotencyKeyReused, StaleVersion, TooManyConflicts
from application.ports import IdempotencyClaim, IdempotencyRecord
from application.read_set import ReadSet
from application.store import CaseworkStore

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class CommandOutcome:
    aggregate_id: UUID
    version: int
    position: int | None
    replayed: bool = False


@dataclass(frozen=True)
class Idempotency:
    """A client's idempotency key and a fingerprint of the request it came with."""

    key: str
    fingerprint: str

    def scoped_key(self) -> str:
        return f"{current_context().actor.user_id}:{self.key}"


class CommandRunner:
    STRIPES = 256

    def __init__(self, store: CaseworkStore, *, max_attempts: int = 25) -> None:
        self.store = store
        self.max_attempts = max_attempts
        self._stripes = [threading.Lock() for _ in range(self.STRIPES)]
        self._holding = threading.local()
        self.collisions = 0
        """Saves that failed on a concurrent write and were retried (or turned into 412)."""

    @contextlib.contextmanager
    def _turn(self, record_id: UUID | None) -> Iterator[None]:
        """Take this process's turn on ``record_id``. A command run inside another
        command's turn takes none (so two stripes are never held at once: no deadlock)."""
        if record_id is None or getattr(self._holding, "turn", False):
            yield
            return
        with self._stripes[record_id.int % self.STRIPES]:
            self._holding.turn = True
            try:
                yield
            finally:
                self._holding.turn = False

    @staticmethod
    def _back_off(attempt: int) -> None:
        # Jittered, growing pause so colliding writers stop colliding in lock-step.
        time.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))  # noqa: S311

    def create(
        self,
        build: Callable[[], Sequence[Aggregate]],
        *,
        idempotency: Idempotency | None = None,
        contended: UUID | None = None,
    ) -> CommandOutcome:
        """``build`` returns the new aggregate first, then any others it changed;
        ``contended`` names an existing record every creation of this kind changes (the
        reference counter), so creations in this process take turns on it."""
        replay = self._replayed(idempotency)
        if replay is not None:
            return replay
        trusted_attempt_failed = False
        for attempt in range(self.max_attempts):
            if attempt and not trusted_attempt_failed:
                self._back_off(attempt)
            with self._turn(contended), read_set.collecting(trusting=attempt == 0) as reads:
                try:
                    return self._save(build(), idempotency, reads)
                except IntegrityError:
                    self.collisions += 1
                    trusted_attempt_failed = self._distrust(reads)
                except Exception:
                    if not reads.trusted:
                        raise
                    trusted_attempt_failed = True  # judge the refusal on the store's state
            replay = self._replayed(idempotency)
            if replay is not None:
                return replay
        raise TooManyConflicts("the record could not be created: too many concurrent writes")

    def update(
        self,
        aggregate_id: UUID,
        load: Callable[[UUID], A],
        command: Callable[[A], Sequence[Aggregate] | None],
        *,
        expected_version: int | None = None,
        idempotency: Idempotency | None = None,
    ) -> CommandOutcome:
        """Load, check the version, run ``command`` (which may return other aggregates
        it changed, saved in the same transaction), save; retry on a collision.

        A first attempt decided on cached copies (application/read_set.py) that fails for
        any reason is tried again on state read from the store: the refusal, the version
        check or the conflict may have come from a copy another process made stale."""
        replay = self._replayed(idempotency)
        if replay is not None:
            return replay
        trusted_attempt_failed = False
        for attempt in range(self.max_attempts):
            if attempt and not trusted_attempt_failed:
                self._back_off(attempt)
            with self._turn(aggregate_id), read_set.collecting(trusting=attempt == 0) as reads:
                try:
                    aggregate = load(aggregate_id)
                    if expected_version is not None and aggregate.version != expected_version:
                        raise StaleVersion(expected=expected_version,
                                           current=aggregate.version)
                    others = command(aggregate) or ()
                    return self._save([aggregate, *others], idempotency, reads)
                except IntegrityError:
                    self.collisions += 1
                    trusted_attempt_failed = self._distrust(reads)
                except Exception:
                    if not reads.trusted:
                        raise
                    trusted_attempt_failed = True
                    continue
            replay = self._replayed(idempotency)
            if replay is not None:
                return replay
            if expected_version is not None and not trusted_attempt_failed:
                current = load(aggregate_id).version
                raise StaleVersion(expected=expected_version, current=current) from None
        raise TooManyConflicts("the change could not be saved: too many concurrent writes")

    def _distrust(self, reads: ReadSet) -> bool:
        """After a failed save: were cached copies used unchecked? Then they were probably
        stale (another process wrote), so read those records from the store for a while."""
        cache = self.store.aggregate_cache
        if not reads.trusted or cache is None:
            return False
        cache.distrust(reads.trusted)
        return True

    def _save(
        self, aggregates: Sequence[Aggregate], idempotency: Idempotency | None,
        reads: ReadSet,
    ) -> CommandOutcome:
        primary = aggregates[0]
        kwargs: dict[str, Any] = {}
        if reads.versions:
            kwargs["records_read"] = reads.claim()
        if idempotency is not None:
            kwargs["idempotency"] = IdempotencyClaim(
                key=idempotency.scoped_key(),
                fingerprint=idempotency.fingerprint,
                aggregate_id=primary.id,
                version=primary.version,
            )
        recordings = self.store.save(*aggregates, **kwargs)
        position = max((r.notification.id for r in recordings), default=None)
        return CommandOutcome(aggregate_id=primary.id, version=primary.version,
                              position=position)

    def _replayed(self, idempotency: Idempotency | None) -> CommandOutcome | None:
        if idempotency is None:
            return None
        record: IdempotencyRecord | None = self.store.audited_recorder.find_idempotency(
            idempotency.scoped_key()
        )
        if record is None:
            return None
        if record.fingerprint != idempotency.fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different request"
            )
        return CommandOutcome(
            aggregate_id=record.aggregate_id,
            version=record.version,
            position=record.position,
            replayed=True,
        )

