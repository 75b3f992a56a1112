"""PostgreSQL persistence for casework: events plus audit chain and idempotency records.

Selected with
``PERSISTENCE_MODULE=adapters.persistence.postgres_store:CaseworkPostgresFactory``.
The audit rows are written after the library has taken its EXCLUSIVE lock on the
events table, so the global chain follows commit order exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing import postgres as es_postgres
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from adapters.persistence.audit_chain import GENESIS, ChainRow, chain_hash, event_hash
from adapters.persistence.keyring import (
    SubjectKeyring,
    keyring_from_env,
    new_subject_keys,
    recording_new_keys,
)
from adapters.persistence.mapper import ProtectedMapper
from adapters.persistence.records import AuditedStoredEvent
from application.ports import EventAuditEntry, IdempotencyClaim, IdempotencyRecord

Cursor = Any  # psycopg.Cursor[DictRow]


class CaseworkPostgresRecorder(es_postgres.PostgresApplicationRecorder):
    def __init__(self, datastore: es_postgres.PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        base = events_table_name.removesuffix("_events")
        schema = Identifier(self.datastore.schema)
        self.audit = SQL("{}.{}").format(schema, Identifier(f"{base}_audit"))
        self.idempotency = SQL("{}.{}").format(schema, Identifier(f"{base}_idempotency"))
        self.events = SQL("{}.{}").format(schema, Identifier(events_table_name))
        # The chain's last link (originator NULL) and the recorded hash of each aggregate's
        # event just before this save: what the audit rows of a save need to read.
        self.select_audit_state = SQL(
            "SELECT NULL::uuid AS originator_id, last.chain_hash AS hash FROM "
            "(SELECT chain_hash FROM {audit} ORDER BY notification_id DESC LIMIT 1) AS last "
            "UNION ALL "
            "SELECT a.originator_id, a.event_hash FROM {audit} AS a "
            "JOIN unnest(%s::uuid[], %s::bigint[]) AS w(originator_id, originator_version) "
            "ON a.originator_id = w.originator_id "
            "AND a.originator_version = w.originator_version"
        ).format(audit=self.audit)
        self.insert_audit_rows = SQL(
            "INSERT INTO {} (notification_id, originator_id, originator_version, recorded_at, "
            "event_hash, chain_hash) SELECT * FROM unnest(%s::bigint[], %s::uuid[], "
            "%s::bigint[], %s::timestamptz[], %s::text[], %s::text[])"
        ).format(self.audit)
        self.insert_subject_keys = SQL(
            "INSERT INTO {} (subject_id, wrapped_key, created_at) "
            "SELECT * FROM unnest(%s::text[], %s::bytea[], %s::text[]) RETURNING subject_id"
        ).format(Identifier(SubjectKeyring.table))
        self._queued_audit_reads = threading.local()
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "notification_id bigint PRIMARY KEY, "
                "originator_id uuid NOT NULL, "
                "originator_version bigint NOT NULL, "
                "recorded_at timestamptz NOT NULL, "
                "event_hash text NOT NULL, "
                "chain_hash text NOT NULL, "
                "UNIQUE (originator_id, originator_version))"
            ).format(self.audit),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (originator_id, recorded_at)").format(
                Identifier(f"{base}_audit_by_time"), self.audit
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "key text PRIMARY KEY, "
                "fingerprint text NOT NULL, "
                "aggregate_id uuid NOT NULL, "
                "version bigint NOT NULL, "
                "position bigint NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())"
            ).format(self.idempotency),
        ]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids: Sequence[int] | None = recording_new_keys(
            stored_events,
            lambda: super(CaseworkPostgresRecorder, self).insert_events(stored_events, **kwargs),
        )
        return notification_ids

    def _insert_events(
        self,
        curs: Cursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> None:
        # First in the library's transaction, before the table lock, in a round trip of
        # its own: the data key of each subject whose personal data is sealed for the first
        # time in this save. A key stored meanwhile by another writer makes this plain
        # INSERT, so the whole save, fail with an IntegrityError (retried by the command
        # runner) before anything else is queued behind it in the pipeline.
        super()._insert_events(curs, stored_events, **kwargs)
        keys = new_subject_keys(stored_events)
        if keys:
            subjects, wrapped, created = zip(*(key.row() for key in keys), strict=True)
            curs.execute(self.insert_subject_keys, (list(subjects), list(wrapped), list(created)))
            curs.fetchall()

    def _insert_stored_events(
        self,
        curs: Cursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> None:
        # The library's steps (lock the table, notify, insert), with the audit reads queued
        # after the lock and before the insert: they reach the server once the lock is held
        # and come back with the insert's results, so they cost no round trip of their own
        # while the lock is held; and the insert stays the last command before the sync, so
        # a conflicting insert is reported as an IntegrityError.
        self._lock_table(curs)
        self._notify_channel(curs)
        self._queued_audit_reads.cursor = self._read_audit_state(curs, stored_events)
        es_postgres.PostgresAggregateRecorder._insert_stored_events(
            self, curs, stored_events, **kwargs
        )

    def _read_audit_state(self, curs: Cursor, stored_events: Sequence[StoredEvent]) -> Cursor:
        """Execute (in pipeline mode: queue) the read of what the audit rows build on."""
        previous = [
            (_as_uuid(originator_id), version - 1)
            for originator_id, version in _first_versions(stored_events).items()
            if version > 1
        ]
        reads = curs.connection.cursor()
        reads.execute(
            self.select_audit_state,
            ([p[0] for p in previous], [p[1] for p in previous]),
            prepare=True,
        )
        return reads

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(
            curs, stored_events, **kwargs
        )
        assert notification_ids is not None
        reads = self._queued_audit_reads.__dict__.pop("cursor", None)
        if notification_ids:
            self._insert_audit_rows(curs, reads, stored_events, notification_ids)
            claim = kwargs.get("idempotency")
            if isinstance(claim, IdempotencyClaim):
                curs.execute(
                    SQL(
                        "INSERT INTO {} (key, fingerprint, aggregate_id, version, position) "
                        "VALUES (%s,%s,%s,%s,%s)"
                    ).format(self.idempotency),
                    (claim.key, claim.fingerprint, claim.aggregate_id, claim.version,
                     max(notification_ids)),
                )
        return notification_ids

    def _insert_audit_rows(
        self,
        curs: Cursor,
        reads: Cursor | None,
        stored_events: Sequence[StoredEvent],
        notification_ids: Sequence[int],
    ) -> None:
        # We hold the EXCLUSIVE lock on the events table (the reads were queued after it),
        # so no other writer can add a chain link between the read and our inserts; the
        # reads ran before our insert, so they see the chain as it was before this save.
        if reads is None:  # pragma: no cover - the library always calls both hooks
            reads = self._read_audit_state(curs, stored_events)
        previous_chain = GENESIS
        previous_hashes: dict[UUID, str] = {}
        for row in reads.fetchall():
            if row["originator_id"] is None:
                previous_chain = row["hash"]
            else:
                previous_hashes[row["originator_id"]] = row["hash"]
        reads.close()
        columns: tuple[list[Any], ...] = ([], [], [], [], [], [])
        for stored, notification_id in zip(stored_events, notification_ids, strict=True):
            originator_id = _as_uuid(stored.originator_id)
            this_event = event_hash(
                previous_hashes.get(originator_id, GENESIS),
                stored.originator_id,
                stored.originator_version,
                stored.topic,
                stored.state,
            )
            previous_chain = chain_hash(previous_chain, notification_id, this_event)
            previous_hashes[originator_id] = this_event
            row = (notification_id, originator_id, stored.originator_version,
                   _timestamp_of(stored), this_event, previous_chain)
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        # One statement (not executemany, which syncs the pipeline): it is sent with the
        # COMMIT, in the same round trip.
        curs.execute(self.insert_audit_rows, columns, prepare=True)

    # -- queries used by the application and the audit adapters ----------------------

    def _fetchone(self, statement: Any, params: Sequence[Any] = ()) -> DictRow | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return curs.fetchone()

    def find_idempotency(self, key: str) -> IdempotencyRecord | None:
        row = self._fetchone(
            SQL(
                "SELECT key, fingerprint, aggregate_id, version, position FROM {} WHERE key=%s"
            ).format(self.idempotency),
            (key,),
        )
        if row is None:
            return None
        return IdempotencyRecord(
            key=row["key"], fingerprint=row["fingerprint"], aggregate_id=row["aggregate_id"],
            version=row["version"], position=row["position"],
        )

    def version_as_at(self, originator_id: UUID, moment: datetime) -> int | None:
        row = self._fetchone(
            SQL(
                "SELECT MAX(originator_version) AS v FROM {} "
                "WHERE originator_id=%s AND recorded_at<=%s"
            ).format(self.audit),
            (originator_id, moment),
        )
        return None if row is None or row["v"] is None else int(row["v"])

    def audit_entries(self, originator_id: UUID) -> list[EventAuditEntry]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id, originator_version, recorded_at, event_hash, "
                    "chain_hash FROM {} WHERE originator_id=%s ORDER BY originator_version"
                ).format(self.audit),
                (originator_id,),
            )
            rows = curs.fetchall()
        return [
            EventAuditEntry(
                originator_id=originator_id,
                originator_version=row["originator_version"],
                notification_id=row["notification_id"],
                recorded_at=row["recorded_at"],
                event_hash=row["event_hash"],
                chain_hash=row["chain_hash"],
            )
            for row in rows
        ]

    def iter_chain_rows(self, batch_size: int = 5000) -> Iterator[ChainRow]:
        after = 0
        statement = SQL(
            "SELECT n, e.originator_id, e.originator_version, e.topic, e.state, "
            "a.originator_id AS a_id, a.originator_version AS a_version, "
            "a.event_hash, a.chain_hash FROM ("
            "  SELECT notification_id AS n FROM {events} WHERE notification_id > %s"
            "  UNION SELECT notification_id FROM {audit} WHERE notification_id > %s"
            "  ORDER BY 1 LIMIT %s) AS positions "
            "LEFT JOIN {events} AS e ON e.notification_id = n "
            "LEFT JOIN {audit} AS a ON a.notification_id = n ORDER BY n"
        ).format(events=self.events, audit=self.audit)
        while True:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(statement, (after, after, batch_size))
                rows = curs.fetchall()
            if not rows:
                return
            for row in rows:
                yield ChainRow(
                    notification_id=row["n"],
                    originator_id=None if row["originator_id"] is None
                    else str(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=None if row["state"] is None else bytes(row["state"]),
                    audit_originator_id=None if row["a_id"] is None else str(row["a_id"]),
                    audit_originator_version=row["a_version"],
                    recorded_event_hash=row["event_hash"],
                    recorded_chain_hash=row["chain_hash"],
                )
            after = rows[-1]["n"]

    def latest_chain_link(self) -> tuple[int, str] | None:
        row = self._fetchone(
            SQL("SELECT notification_id, chain_hash FROM {} "
                "ORDER BY notification_id DESC LIMIT 1").format(self.audit)
        )
        return None if row is None else (int(row["notification_id"]), str(row["chain_hash"]))

    def chain_link_at(self, notification_id: int) -> str | None:
        row = self._fetchone(
            SQL("SELECT chain_hash FROM {} WHERE notification_id=%s").format(self.audit),
            (notification_id,),
        )
        return None if row is None else str(row["chain_hash"])


def _first_versions(stored_events: Sequence[StoredEvent]) -> dict[UUID | str, int]:
    """Each aggregate's first version in this save."""
    firsts: dict[UUID | str, int] = {}
    for stored in stored_events:
        firsts.setdefault(stored.originator_id, stored.originator_version)
    return firsts


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _timestamp_of(stored: StoredEvent) -> datetime:
    if isinstance(stored, AuditedStoredEvent) and stored.timestamp is not None:
        return stored.timestamp
    return datetime.now(tz=UTC)


class CaseworkPostgresFactory(es_postgres.PostgresFactory):
    application_recorder_class = CaseworkPostgresRecorder

    def mapper(
        self,
        transcoder: Transcoder | None = None,
        mapper_class: type[Mapper[Any]] | None = None,
    ) -> Mapper[Any]:
        return ProtectedMapper(
            transcoder=transcoder or self.transcoder(),
            keyring=keyring_from_env(self.env, self.datastore, defer_new_keys=True),
        )
