"""Per-subject data keys for personal fields ("crypto-shredding").

Every aggregate (a person, a case, a plan, a review) is a data subject with its own
256-bit data key. Keys are stored wrapped (AES-GCM) by the master key from settings,
in a ``subject_keys`` table in the same database as the events. Destroying a subject's
key makes its personal fields unreadable everywhere they were stored, without touching
the events themselves (so the audit hash chain still verifies).

A subject's first key is normally written in the same transaction as the first events
sealed with it (:meth:`SubjectKeyring.seal_deferring`, :class:`NewSubjectKey`), so opening
a record costs one durable commit, not two; snapshots use :meth:`SubjectKeyring.seal`,
which commits a new key on its own first.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.utils import Environment

from adapters.persistence.schema import creates_tables

MASTER_KEY_SETTING = "DATA_KEY_MASTER"
KEY_CACHE_SECONDS_SETTING = "DATA_KEY_CACHE_SECONDS"
NONCE_BYTES = 12


class SubjectKeyDestroyed(Exception):
    """The subject's data key has been destroyed: its personal data is erased."""


class _Cursor(Protocol):
    def execute(self, statement: Any, params: Any = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


class _Datastore(Protocol):
    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...


@dataclass(frozen=True)
class KeyStatus:
    subject_id: UUID
    created_at: datetime
    destroyed_at: datetime | None


@dataclass(eq=False)
class NewSubjectKey:
    """A data key made for a subject that had none, not yet known to be stored.

    The mapper attaches it to the events it sealed with it; the recorder inserts the row
    (a plain INSERT: a key stored meanwhile by someone else makes the save fail with an
    IntegrityError, which the command runner retries) in the events' transaction, and
    reports the outcome through :func:`recording_new_keys`.
    """

    subject_id: UUID
    wrapped: bytes
    created_at: str
    keyring: SubjectKeyring = field(repr=False)

    def row(self) -> tuple[str, bytes, str]:
        """subject_id, wrapped_key, created_at of the ``subject_keys`` row."""
        return self.subject_id.hex, self.wrapped, self.created_at


def new_subject_keys(stored_events: Iterable[Any]) -> list[NewSubjectKey]:
    """The new keys carried by stored events, one per subject."""
    keys: dict[UUID, NewSubjectKey] = {}
    for stored in stored_events:
        key = getattr(stored, "new_subject_key", None)
        if isinstance(key, NewSubjectKey):
            keys.setdefault(key.subject_id, key)
    return list(keys.values())


T = TypeVar("T")


def recording_new_keys(stored_events: Iterable[Any], insert: Callable[[], T]) -> T:
    """Run a recorder's ``insert`` (which writes the new keys with the events) and tell
    the keyring which keys are now stored, or which to check again if it failed."""
    keys = new_subject_keys(stored_events)
    try:
        result = insert()
    except BaseException:
        for key in keys:
            key.keyring.recheck(key)
        raise
    for key in keys:
        key.keyring.stored(key)
    return result


def decode_master_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))
    except ValueError as error:
        raise ValueError("the master key must be base64 (urlsafe) text") from error
    if len(key) != 32:
        raise ValueError("the master key must decode to 32 bytes (AES-256)")
    return key


def new_master_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


class SubjectKeyring:
    """Creates, unwraps, caches and destroys per-subject data keys."""

    table = "subject_keys"

    def __init__(
        self,
        datastore: _Datastore,
        master_key: bytes,
        *,
        placeholder: str,
        cache_seconds: float = 60.0,
        cache_size: int = 20_000,
    ) -> None:
        self._datastore = datastore
        self._master = AESGCM(master_key)
        self._p = placeholder
        self._cache_seconds = cache_seconds
        self._cache_size = cache_size
        self._cache: OrderedDict[UUID, tuple[float, AESGCM | None]] = OrderedDict()
        # New keys made by seal_deferring() that are not known to be stored yet.
        self._unsaved: dict[UUID, tuple[NewSubjectKey, AESGCM]] = {}
        self._lock = threading.Lock()
        self._table_ready = False
        self.defers_new_keys = False
        """Set by a store whose recorder writes :class:`NewSubjectKey` rows with events."""
        self.on_destroyed: list[Callable[[UUID], None]] = []
        """Called after a key is destroyed here (the store drops its cached aggregates)."""

    # -- table ---------------------------------------------------------------------

    def create_table(self) -> None:
        blob = "BYTEA" if self._p == "%s" else "BLOB"
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                "subject_id TEXT PRIMARY KEY, "
                f"wrapped_key {blob}, "
                "created_at TEXT NOT NULL, "
                "destroyed_at TEXT)"
            )
        self._table_ready = True

    def _ensure_table(self) -> None:
        if not self._table_ready:
            self.create_table()

    # -- sealing -------------------------------------------------------------------

    def seal(self, subject_id: UUID, plaintext: bytes) -> str:
        """Seal with the subject's key; a subject without one gets a key committed first."""
        with self._lock:
            unsaved = self._unsaved.get(subject_id)
        if unsaved is not None:
            cipher = self._store_now(unsaved[0])
        else:
            cipher = self._cipher_for(subject_id, create=True)
        if cipher is None:
            raise SubjectKeyDestroyed(f"subject {subject_id} has been erased")
        return _seal_with(cipher, subject_id, plaintext)

    def seal_deferring(self, subject_id: UUID, plaintext: bytes, *,
                       new_subject: bool = False) -> tuple[str, NewSubjectKey | None]:
        """Seal with the subject's key; for a subject without one, make a key but do not
        store it: it is returned, for the recorder to insert with the sealed events.

        ``new_subject``: the subject is being created (its first event), so it is not
        looked up first; if it has a key (or an erasure record) after all, the recorder's
        plain INSERT of the new key fails the save, and the retry looks it up.
        """
        cipher, new_key = self._cipher_deferring(subject_id, new_subject=new_subject)
        return _seal_with(cipher, subject_id, plaintext), new_key

    def open(self, subject_id: UUID, sealed_text: str) -> bytes:
        # Only stored keys are cached: stored data is never sealed with a key not stored.
        cipher = self._cipher_for(subject_id, create=False)
        if cipher is None:
            raise SubjectKeyDestroyed(f"subject {subject_id} has been erased")
        sealed = base64.b64decode(sealed_text)
        try:
            return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], subject_id.bytes)
        except InvalidTag as error:
            raise ValueError(f"personal data of {subject_id} failed authentication") from error

    # -- keys made for the events' transaction ---------------------------------------

    def _cipher_deferring(self, subject_id: UUID, *, new_subject: bool
                          ) -> tuple[AESGCM, NewSubjectKey | None]:
        now = time.monotonic()
        with self._lock:
            unsaved = self._unsaved.get(subject_id)
            if unsaved is not None:
                return unsaved[1], unsaved[0]
            cached = self._cache.get(subject_id)
            if cached is not None and cached[1] is not None and (
                    now - cached[0] < self._cache_seconds):
                self._cache.move_to_end(subject_id)
                return cached[1], None
        # A subject known here to have no live key (erased, or looked up before) is looked
        # up again even when new.
        found, wrapped = (False, None) if new_subject and cached is None else (
            self._select_wrapped(subject_id))
        if found:
            cipher = None if wrapped is None else self._unwrap(subject_id, wrapped)
            self._remember(subject_id, now, cipher)
            if cipher is None:
                raise SubjectKeyDestroyed(f"subject {subject_id} has been erased")
            return cipher, None
        data_key = AESGCM.generate_key(bit_length=256)
        made = (NewSubjectKey(subject_id, self._wrap(subject_id, data_key), _now_text(), self),
                AESGCM(data_key))
        with self._lock:
            # Another thread may have made one meanwhile: everyone uses the same. Unsaved
            # keys are kept apart from the cache, which holds stored keys only.
            new_key, cipher = self._unsaved.setdefault(subject_id, made)
        return cipher, new_key

    def stored(self, key: NewSubjectKey) -> None:
        """``key`` was committed with the events sealed with it: cache it as stored."""
        with self._lock:
            unsaved = self._unsaved.get(key.subject_id)
            if unsaved is not None and unsaved[0] is key:
                del self._unsaved[key.subject_id]
                self._cache_locked(key.subject_id, time.monotonic(), unsaved[1])

    def recheck(self, key: NewSubjectKey) -> None:
        """A save carrying ``key`` failed: forget the key (a retry finds the stored key,
        or makes another; a retry of a new record is a new subject, so keeping it would
        only leak it), and remember what is stored for the subject now, if anything
        (ours, committed after all; someone else's; or an erasure record)."""
        found, wrapped = self._select_wrapped(key.subject_id)
        cipher = None if wrapped is None else self._unwrap(key.subject_id, wrapped)
        with self._lock:
            unsaved = self._unsaved.get(key.subject_id)
            if unsaved is not None and unsaved[0] is key:
                del self._unsaved[key.subject_id]
            if found:
                self._cache_locked(key.subject_id, time.monotonic(), cipher)

    def _store_now(self, key: NewSubjectKey) -> AESGCM | None:
        """Commit ``key`` on its own unless the subject has a key already; returns the
        stored key."""
        cipher = self._load_or_create(key.subject_id, create=True, wrapped=key.wrapped)
        with self._lock:
            unsaved = self._unsaved.get(key.subject_id)
            if unsaved is not None and unsaved[0] is key:
                del self._unsaved[key.subject_id]
            self._cache_locked(key.subject_id, time.monotonic(), cipher)
        return cipher

    def _select_wrapped(self, subject_id: UUID) -> tuple[bool, bytes | None]:
        """(whether the subject has a row, its wrapped key or None if destroyed)."""
        self._ensure_table()
        with self._datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT wrapped_key FROM {self.table} WHERE subject_id={self._p}",
                (subject_id.hex,),
            )
            row = c.fetchone()
        if row is None:
            return False, None
        (wrapped_value,) = _row_values(row, "wrapped_key")
        return True, None if wrapped_value is None else bytes(wrapped_value)

    def _wrap(self, subject_id: UUID, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._master.encrypt(nonce, data_key, subject_id.bytes)

    def _unwrap(self, subject_id: UUID, wrapped: bytes) -> AESGCM:
        return AESGCM(self._master.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:],
                                           subject_id.bytes))

    def _remember(self, subject_id: UUID, now: float, cipher: AESGCM | None) -> None:
        with self._lock:
            self._cache_locked(subject_id, now, cipher)

    def _cache_locked(self, subject_id: UUID, now: float, cipher: AESGCM | None) -> None:
        """Cache a stored key (or None: no live key); the caller holds the lock."""
        self._cache[subject_id] = (now, cipher)
        self._cache.move_to_end(subject_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    # -- keys ----------------------------------------------------------------------

    def destroy(self, subject_id: UUID) -> bool:
        """Destroy the subject's key. Returns False if there was no live key."""
        self._ensure_table()
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"UPDATE {self.table} SET wrapped_key=NULL, destroyed_at={self._p} "
                f"WHERE subject_id={self._p} AND wrapped_key IS NOT NULL",
                (_now_text(), subject_id.hex),
            )
            destroyed = _rowcount(c) > 0
            if not destroyed:
                # Record the destruction even if no key was ever made, so that a key is
                # never created for this subject afterwards.
                c.execute(
                    f"INSERT INTO {self.table} VALUES ({self._p},NULL,{self._p},{self._p}) "
                    "ON CONFLICT (subject_id) DO NOTHING",
                    (subject_id.hex, _now_text(), _now_text()),
                )
        with self._lock:
            self._unsaved.pop(subject_id, None)
            self._cache[subject_id] = (time.monotonic(), None)
        for listener in self.on_destroyed:
            listener(subject_id)
        return destroyed

    def status(self, subject_id: UUID) -> KeyStatus | None:
        self._ensure_table()
        with self._datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT created_at, destroyed_at FROM {self.table} WHERE subject_id={self._p}",
                (subject_id.hex,),
            )
            row = c.fetchone()
        if row is None:
            return None
        created, destroyed = _row_values(row, "created_at", "destroyed_at")
        return KeyStatus(
            subject_id=subject_id,
            created_at=datetime.fromisoformat(created),
            destroyed_at=datetime.fromisoformat(destroyed) if destroyed else None,
        )

    def forget_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _cipher_for(self, subject_id: UUID, *, create: bool) -> AESGCM | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(subject_id)
            if cached is not None and now - cached[0] < self._cache_seconds:
                self._cache.move_to_end(subject_id)
                if cached[1] is not None or not create:
                    return cached[1]
        cipher = self._load_or_create(subject_id, create=create)
        with self._lock:
            if cipher is not None:
                # A key is stored: a key of ours not stored yet could only fail a save.
                self._unsaved.pop(subject_id, None)
            self._cache_locked(subject_id, now, cipher)
        return cipher

    def _load_or_create(self, subject_id: UUID, *, create: bool,
                        wrapped: bytes | None = None) -> AESGCM | None:
        self._ensure_table()
        with self._datastore.transaction(commit=create) as c:
            if create:
                if wrapped is None:
                    wrapped = self._wrap(subject_id, AESGCM.generate_key(bit_length=256))
                c.execute(
                    f"INSERT INTO {self.table} VALUES ({self._p},{self._p},{self._p},NULL) "
                    "ON CONFLICT (subject_id) DO NOTHING",
                    (subject_id.hex, wrapped, _now_text()),
                )
            c.execute(
                f"SELECT wrapped_key FROM {self.table} WHERE subject_id={self._p}",
                (subject_id.hex,),
            )
            row = c.fetchone()
        if row is None:
            return None
        (wrapped_value,) = _row_values(row, "wrapped_key")
        if wrapped_value is None:
            return None
        return self._unwrap(subject_id, bytes(wrapped_value))

    def prefetch(self, subject_ids: list[UUID]) -> int:
        """Read many subjects' keys into the cache with one query per 500 subjects.

        For readers that open many subjects in a row (the projections reading the log):
        without it each subject's first use is its own query, which dominates a rebuild on
        PostgreSQL. Subjects already cached, or with no key row, are left alone. Returns
        how many keys were read.
        """
        now = time.monotonic()
        with self._lock:
            wanted = [s for s in dict.fromkeys(subject_ids)
                      if (hit := self._cache.get(s)) is None
                      or now - hit[0] >= self._cache_seconds]
        if not wanted:
            return 0
        self._ensure_table()
        found: list[Any] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            with self._datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT subject_id, wrapped_key FROM {self.table} WHERE subject_id IN "
                    f"({','.join([self._p] * len(chunk))})",
                    [subject.hex for subject in chunk],
                )
                found.extend(c.fetchall())
        with self._lock:
            for row in found:
                subject_hex, wrapped = _row_values(row, "subject_id", "wrapped_key")
                subject = UUID(subject_hex)
                cipher = None
                if wrapped is not None:
                    data = bytes(wrapped)
                    cipher = AESGCM(self._master.decrypt(data[:NONCE_BYTES],
                                                         data[NONCE_BYTES:], subject.bytes))
                self._cache[subject] = (now, cipher)
                self._cache.move_to_end(subject)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return len(found)

    def iter_statuses(self) -> Iterator[KeyStatus]:
        self._ensure_table()
        with self._datastore.transaction(commit=False) as c:
            c.execute(f"SELECT subject_id, created_at, destroyed_at FROM {self.table}")
            rows = c.fetchall()
        for row in rows:
            subject, created, destroyed = _row_values(
                row, "subject_id", "created_at", "destroyed_at"
            )
            yield KeyStatus(
                subject_id=UUID(subject),
                created_at=datetime.fromisoformat(created),
                destroyed_at=datetime.fromisoformat(destroyed) if destroyed else None,
            )


def _seal_with(cipher: AESGCM, subject_id: UUID, plaintext: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + cipher.encrypt(nonce, plaintext, subject_id.bytes)
    return base64.b64encode(sealed).decode()


def _rowcount(cursor: Any) -> int:
    # eventsourcing wraps sqlite3 cursors without exposing rowcount.
    inner = getattr(cursor, "sqlite_cursor", cursor)
    return int(inner.rowcount)


def _row_values(row: Any, *names: str) -> tuple[Any, ...]:
    if isinstance(row, dict):
        return tuple(row[name] for name in names)
    return tuple(row[index] for index in range(len(names)))


def _now_text() -> str:
    return datetime.now(tz=UTC).isoformat()


def keyring_from_env(env: Environment, datastore: Any, *, defer_new_keys: bool = False
                     ) -> SubjectKeyring | None:
    """The keyring configured for this store, or None when encryption is off.

    ``defer_new_keys``: the store's recorder inserts :class:`NewSubjectKey` rows carried by
    stored events in the events' transaction (the casework recorders do).
    """
    master = env.get(MASTER_KEY_SETTING)
    if not master:
        return None
    placeholder = "?" if type(datastore).__module__.endswith("sqlite") else "%s"
    keyring = SubjectKeyring(
        datastore,
        decode_master_key(master),
        placeholder=placeholder,
        cache_seconds=float(env.get(KEY_CACHE_SECONDS_SETTING) or 60),
    )
    if creates_tables(env):
        keyring.create_table()
    else:
        keyring._table_ready = True  # created by the schema owner (docs/deployment.md)
    keyring.defers_new_keys = defer_new_keys
    return keyring
