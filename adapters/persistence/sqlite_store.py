"""SQLite persistence for casework: events plus audit chain and idempotency records.

Selected with ``PERSISTENCE_MODULE=adapters.persistence.sqlite_store:CaseworkSQLiteFactory``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing import sqlite as es_sqlite
from eventsourcing.persistence import IntegrityError, Mapper, StoredEvent, Transcoder

from adapters.persistence.audit_chain import GENESIS, ChainRow, chain_hash, event_hash
from adapters.persistence.keyring import (
    SubjectKeyring,
    keyring_from_env,
    new_subject_keys,
    recording_new_keys,
)
from adapters.persistence.mapper import ProtectedMapper
from adapters.persistence.records import AuditedStoredEvent, sortable_utc
from application.ports import EventAuditEntry, IdempotencyClaim, IdempotencyRecord, RecordsRead


class CaseworkSQLiteRecorder(es_sqlite.SQLiteApplicationRecorder):
    audit_table = "event_audit"
    idempotency_table = "idempotency_records"

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements += [
            f"CREATE TABLE IF NOT EXISTS {self.audit_table} ("
            "notification_id INTEGER PRIMARY KEY, "
            "originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, "
            "recorded_at TEXT NOT NULL, "
            "event_hash TEXT NOT NULL, "
            "chain_hash TEXT NOT NULL, "
            "UNIQUE (originator_id, originator_version))",
            f"CREATE INDEX IF NOT EXISTS {self.audit_table}_by_time "
            f"ON {self.audit_table} (originator_id, recorded_at)",
            f"CREATE TABLE IF NOT EXISTS {self.idempotency_table} ("
            "key TEXT PRIMARY KEY, "
            "fingerprint TEXT NOT NULL, "
            "aggregate_id TEXT NOT NULL, "
            "version INTEGER NOT NULL, "
            "position INTEGER NOT NULL, "
            "created_at TEXT NOT NULL)",
        ]
        return statements

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        return recording_new_keys(
            stored_events,
            lambda: super(CaseworkSQLiteRecorder, self).insert_events(stored_events, **kwargs),
        )

    def _insert_events(
        self,
        c: es_sqlite.SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        # The data key of each subject whose personal data is sealed for the first time in
        # this save, in the events' transaction (a key stored meanwhile by another writer
        # makes the save fail with an IntegrityError, which the command runner retries).
        for key in new_subject_keys(stored_events):
            c.execute(
                f"INSERT INTO {SubjectKeyring.table} (subject_id, wrapped_key, created_at) "
                "VALUES (?,?,?)",
                key.row(),
            )
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        assert notification_ids is not None
        reads = kwargs.get("records_read")
        if isinstance(reads, RecordsRead) and notification_ids:
            self._check_records_read(c, reads, min(notification_ids))
        self._insert_audit_rows(c, stored_events, notification_ids)
        claim = kwargs.get("idempotency")
        if isinstance(claim, IdempotencyClaim) and notification_ids:
            c.execute(
                f"INSERT INTO {self.idempotency_table} VALUES (?,?,?,?,?,?)",
                (
                    claim.key,
                    claim.fingerprint,
                    claim.aggregate_id.hex,
                    claim.version,
                    max(notification_ids),
                    sortable_utc(datetime.now(tz=UTC)),
                ),
            )
        return notification_ids

    def _check_records_read(self, c: es_sqlite.SQLiteCursor, reads: RecordsRead,
                            first_new_id: int) -> None:
        """Refuse the save if a record the command read has an event newer than the
        version it read, written before this save (application/read_set.py). Checked
        after the insert, which took the write lock: a read first would begin a read
        snapshot that another writer could make stale."""
        for record_id, version in reads.versions:
            c.execute(
                f"SELECT 1 FROM {self.events_table_name} WHERE originator_id=? "
                "AND originator_version>? AND rowid<? LIMIT 1",
                (_id_text(record_id), version, first_new_id),
            )
            if c.fetchone() is not None:
                raise IntegrityError(
                    "a record this change was decided on has changed since it was read")

    def _insert_audit_rows(
        self,
        c: es_sqlite.SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        notification_ids: Sequence[int],
    ) -> None:
        c.execute(
            f"SELECT chain_hash FROM {self.audit_table} ORDER BY notification_id DESC LIMIT 1"
        )
        row = c.fetchone()
        previous_chain = row[0] if row else GENESIS
        previous_in_batch: dict[str, str] = {}
        for stored, notification_id in zip(stored_events, notification_ids, strict=True):
            originator = _id_text(stored.originator_id)
            previous_event = previous_in_batch.get(originator)
            if previous_event is None:
                previous_event = self._recorded_event_hash(
                    c, originator, stored.originator_version - 1
                )
            this_event = event_hash(
                previous_event,
                stored.originator_id,
                stored.originator_version,
                stored.topic,
                stored.state,
            )
            previous_chain = chain_hash(previous_chain, notification_id, this_event)
            previous_in_batch[originator] = this_event
            c.execute(
                f"INSERT INTO {self.audit_table} VALUES (?,?,?,?,?,?)",
                (
                    notification_id,
                    originator,
                    stored.originator_version,
                    sortable_utc(_timestamp_of(stored)),
                    this_event,
                    previous_chain,
                ),
            )

    def _recorded_event_hash(
        self, c: es_sqlite.SQLiteCursor, originator: str, version: int
    ) -> str:
        if version < 1:
            return GENESIS
        c.execute(
            f"SELECT event_hash FROM {self.audit_table} "
            "WHERE originator_id=? AND originator_version=?",
            (originator, version),
        )
        row = c.fetchone()
        return str(row[0]) if row else GENESIS

    # -- queries used by the application and the audit adapters ----------------------

    def select_events_after(self, after: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        if not after:
            return []
        where = " OR ".join(["(originator_id=? AND originator_version>?)"] * len(after))
        params: list[Any] = []
        for record_id, version in after:
            params += [_id_text(record_id), version]
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT originator_id, originator_version, topic, state FROM "
                f"{self.events_table_name} WHERE {where} "
                "ORDER BY originator_id, originator_version",
                params,
            )
            return [
                StoredEvent(originator_id=self.convert_originator_id(row[0]),
                            originator_version=row[1], topic=row[2], state=row[3])
                for row in c.fetchall()
            ]

    def find_idempotency(self, key: str) -> IdempotencyRecord | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT key, fingerprint, aggregate_id, version, position "
                f"FROM {self.idempotency_table} WHERE key=?",
                (key,),
            )
            row = c.fetchone()
        if row is None:
            return None
        return IdempotencyRecord(
            key=row[0], fingerprint=row[1], aggregate_id=UUID(row[2]),
            version=row[3], position=row[4],
        )

    def version_as_at(self, originator_id: UUID, moment: datetime) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT MAX(originator_version) FROM {self.audit_table} "
                "WHERE originator_id=? AND recorded_at<=?",
                (originator_id.hex, sortable_utc(moment)),
            )
            row = c.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def audit_entries(self, originator_id: UUID) -> list[EventAuditEntry]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT notification_id, originator_version, recorded_at, event_hash, "
                f"chain_hash FROM {self.audit_table} WHERE originator_id=? "
                "ORDER BY originator_version",
                (originator_id.hex,),
            )
            rows = c.fetchall()
        return [
            EventAuditEntry(
                originator_id=originator_id,
                originator_version=row[1],
                notification_id=row[0],
                recorded_at=datetime.strptime(row[2], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=UTC
                ),
                event_hash=row[3],
                chain_hash=row[4],
            )
            for row in rows
        ]

    def iter_chain_rows(self, batch_size: int = 2000) -> Iterator[ChainRow]:
        """Every event and every audit row, in notification order, matched by position."""
        after = 0
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    "SELECT n AS notification_id, e.originator_id, e.originator_version, "
                    "e.topic, e.state, a.originator_id AS a_id, "
                    "a.originator_version AS a_version, a.event_hash, a.chain_hash "
                    "FROM (SELECT rowid AS n FROM "
                    f"{self.events_table_name} WHERE rowid>? "
                    f"UNION SELECT notification_id FROM {self.audit_table} "
                    "WHERE notification_id>? ORDER BY 1 LIMIT ?) AS positions "
                    f"LEFT JOIN {self.events_table_name} AS e ON e.rowid = n "
                    f"LEFT JOIN {self.audit_table} AS a ON a.notification_id = n "
                    "ORDER BY n",
                    (after, after, batch_size),
                )
                rows = c.fetchall()
            if not rows:
                return
            for row in rows:
                yield ChainRow(
                    notification_id=row[0],
                    originator_id=_uuid_text(row[1]),
                    originator_version=row[2],
                    topic=row[3],
                    state=row[4],
                    audit_originator_id=_uuid_text(row[5]),
                    audit_originator_version=row[6],
                    recorded_event_hash=row[7],
                    recorded_chain_hash=row[8],
                )
            after = rows[-1][0]

    def latest_chain_link(self) -> tuple[int, str] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, chain_hash FROM {self.audit_table} "
                "ORDER BY notification_id DESC LIMIT 1"
            )
            row = c.fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def chain_link_at(self, notification_id: int) -> str | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT chain_hash FROM {self.audit_table} WHERE notification_id=?",
                (notification_id,),
            )
            row = c.fetchone()
        return None if row is None else str(row[0])


def _id_text(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


def _uuid_text(value: str | None) -> str | None:
    return None if value is None else str(UUID(value))


def _timestamp_of(stored: StoredEvent) -> datetime:
    if isinstance(stored, AuditedStoredEvent) and stored.timestamp is not None:
        return stored.timestamp
    return datetime.now(tz=UTC)


class CaseworkSQLiteFactory(es_sqlite.SQLiteFactory):
    application_recorder_class = CaseworkSQLiteRecorder

    def mapper(
        self,
        transcoder: Transcoder | None = None,
        mapper_class: type[Mapper[Any]] | None = None,
    ) -> Mapper[Any]:
        return ProtectedMapper(
            transcoder=transcoder or self.transcoder(),
            keyring=keyring_from_env(self.env, self.datastore, defer_new_keys=True),
        )
