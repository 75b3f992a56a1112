"""PostgreSQL persistence for casework: events plus audit chain and idempotency records.

Selected with
``PERSISTENCE_MODULE=adapters.persistence.postgres_store:CaseworkPostgresFactory``.
The audit rows are written after the library has taken its EXCLUSIVE lock on the
events table, so the global chain follows commit order exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing import postgres as es_postgres
from eventsourcing.persistence import (
    InterfaceError,
    Mapper,
    OperationalError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import retry
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal

from adapters.persistence.audit_chain import GENESIS, ChainRow
from adapters.persistence.keyring import (
    SubjectKeyring,
    keyring_from_env,
    new_subject_keys,
    recording_new_keys,
)
from adapters.persistence.mapper import ProtectedMapper
from adapters.persistence.pg_arrays import (
    BigintArray,
    ByteaArray,
    TextArray,
    TimestamptzArray,
    UuidArray,
    register_typed_arrays,
)
from adapters.persistence.records import AuditedStoredEvent
from application.ports import EventAuditEntry, IdempotencyClaim, IdempotencyRecord, RecordsRead

Cursor = Any  # psycopg.Cursor[DictRow]

register_typed_arrays()


class CaseworkPostgresRecorder(es_postgres.PostgresApplicationRecorder):
    def __init__(self, datastore: es_postgres.PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        base = events_table_name.removesuffix("_events")
        schema = Identifier(self.datastore.schema)
        self.audit = SQL("{}.{}").format(schema, Identifier(f"{base}_audit"))
        self.idempotency = SQL("{}.{}").format(schema, Identifier(f"{base}_idempotency"))
        self.events = SQL("{}.{}").format(schema, Identifier(events_table_name))
        self.record_events_function = SQL("{}.{}").format(
            schema, Identifier(f"{base}_record_events"))
        self.call_record_events = SQL(
            "SELECT {}(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[], %s::bytea[], "
            "%s::timestamptz[], %s::text[], %s::bytea[], %s::text[], %s::text, %s::text, "
            "%s::uuid, %s::bigint, %s::uuid[], %s::bigint[]) AS ids"
        ).format(self.record_events_function)
        # One index range scan per record (UNION ALL): a join with unnest() over arrays
        # may get a generic plan that scans the whole table.
        self.select_events_after_branch = SQL(
            "(SELECT originator_id, originator_version, topic, state FROM {} "
            "WHERE originator_id = %s AND originator_version > %s "
            "ORDER BY originator_version)"
        ).format(self.events)
        self._select_events_after: dict[int, Any] = {}
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
            self._record_events_ddl(),
        ]

    def _record_events_ddl(self) -> Any:
        """The function that records a save in one statement (so in one round trip and one
        transaction, committed when the statement ends, as the connections autocommit):

        1. the data keys of subjects sealed for the first time in this save, before the
           table lock (a key stored meanwhile by another writer is a unique violation:
           an ``IntegrityError`` the command runner retries);
        2. the library's ``EXCLUSIVE`` lock on the events table (notification ids commit
           in order) and its ``NOTIFY`` for listening projections;
        3. the records the command read must still be at the versions it read them at
           (application/read_set.py): if one has a newer event, the save is refused as
           a unique violation, like any write conflict;
        4. the events (a version conflict is a unique violation: ``IntegrityError``);
        5. one audit row per event, chained exactly as ``audit_chain.event_hash`` and
           ``chain_hash`` do in Python (``casework audit verify`` recomputes them there);
           the SHA-256 of each event's state is computed by the caller;
        6. the idempotency record, if the command carried a key.
        """
        body = SQL("""
DECLARE
    sep CONSTANT text := chr(31);
    chain text;
    previous text;
    this_event text;
    last_id uuid;
    last_hash text;
    new_ids bigint[] := '{{}}';
    r record;
BEGIN
    IF cardinality(key_subjects) > 0 THEN
        INSERT INTO {keys} (subject_id, wrapped_key, created_at)
        SELECT * FROM unnest(key_subjects, key_wrapped, key_created);
    END IF;
    PERFORM set_config('lock_timeout', '{lock_timeout}s', true);
    LOCK TABLE {events} IN EXCLUSIVE MODE;
    NOTIFY {channel};
    -- One index probe per record read: a join with unnest() got a generic plan that
    -- scanned the table (0.2 ms).
    FOR i IN 1 .. coalesce(cardinality(read_ids), 0) LOOP
        IF EXISTS (SELECT 1 FROM {events} AS e WHERE e.originator_id = read_ids[i]
                   AND e.originator_version > read_versions[i]) THEN
            RAISE EXCEPTION 'a record this change was decided on has changed since it was read'
                USING ERRCODE = 'unique_violation';
        END IF;
    END LOOP;
    SELECT a.chain_hash INTO chain FROM {audit} AS a ORDER BY a.notification_id DESC LIMIT 1;
    chain := coalesce(chain, {genesis});
    FOR r IN
        WITH inserted AS (
            INSERT INTO {events} (originator_id, originator_version, topic, state)
            SELECT * FROM unnest(ids, versions, topics, states)
            RETURNING notification_id, originator_id, originator_version, topic)
        SELECT i.*, w.digest, w.recorded_at FROM inserted AS i
        JOIN unnest(ids, versions, state_digests, recorded) AS w(id, version, digest, recorded_at)
          ON w.id = i.originator_id AND w.version = i.originator_version
        ORDER BY i.notification_id
    LOOP
        -- The previous event of the record: the last one chained if it was the record's
        -- (a record's events are sent together), else its audit row (written earlier in
        -- this transaction, if it was in this save).
        previous := CASE WHEN r.originator_id = last_id THEN last_hash END;
        IF previous IS NULL AND r.originator_version > 1 THEN
            SELECT a.event_hash INTO previous FROM {audit} AS a
            WHERE a.originator_id = r.originator_id
              AND a.originator_version = r.originator_version - 1;
        END IF;
        this_event := encode(sha256(convert_to(
            coalesce(previous, {genesis}) || sep || r.originator_id::text || sep
            || r.originator_version::text || sep || r.topic || sep, 'UTF8') || r.digest), 'hex');
        chain := encode(sha256(convert_to(
            chain || sep || r.notification_id::text || sep || this_event, 'UTF8')), 'hex');
        last_id := r.originator_id;
        last_hash := this_event;
        INSERT INTO {audit} (notification_id, originator_id, originator_version, recorded_at,
                             event_hash, chain_hash)
        VALUES (r.notification_id, r.originator_id, r.originator_version, r.recorded_at,
                this_event, chain);
        new_ids := new_ids || r.notification_id;
    END LOOP;
    IF claim_key IS NOT NULL THEN
        INSERT INTO {idempotency} (key, fingerprint, aggregate_id, version, position)
        VALUES (claim_key, claim_fingerprint, claim_aggregate, claim_version,
                new_ids[cardinality(new_ids)]);
    END IF;
    RETURN new_ids;
END
""").format(
            keys=Identifier(SubjectKeyring.table),
            lock_timeout=Literal(int(self.datastore.lock_timeout)),
            events=self.events,
            channel=Identifier(self.channel_name),
            audit=self.audit,
            genesis=Literal(GENESIS),
            idempotency=self.idempotency,
        ).as_string(None)
        create = SQL(
            "CREATE OR REPLACE FUNCTION {function}(ids uuid[], versions bigint[], "
            "topics text[], states bytea[], state_digests bytea[], recorded timestamptz[], "
            "key_subjects text[], key_wrapped bytea[], key_created text[], claim_key text, "
            "claim_fingerprint text, claim_aggregate uuid, claim_version bigint, "
            "read_ids uuid[], read_versions bigint[]) "
            "RETURNS bigint[] LANGUAGE plpgsql AS {body}"
        ).format(function=self.record_events_function, body=Literal(body)).as_string(None)
        signature = self.record_events_function.as_string(None) + (
            "(uuid[],bigint[],text[],bytea[],bytea[],timestamptz[],text[],bytea[],text[],"
            "text,text,uuid,bigint,uuid[],bigint[])")
        # Replaced only when its text changed (an upgrade), so a service user that does not
        # own the function can still start.
        return SQL(
            "DO $create$ BEGIN "
            "IF NOT EXISTS (SELECT 1 FROM pg_proc "
            "WHERE oid = to_regprocedure({signature}) AND prosrc = {body}) "
            "THEN EXECUTE {create}; END IF; END $create$"
        ).format(signature=Literal(signature), body=Literal(body), create=Literal(create))

    def _create_table(self, curs: Cursor) -> None:
        # Processes starting together would race on CREATE ... IF NOT EXISTS and on
        # CREATE OR REPLACE FUNCTION ("tuple concurrently updated"): one at a time.
        curs.execute(SQL("SELECT pg_advisory_xact_lock(hashtext({}))").format(
            Literal(f"casework schema {self.events_table_name}")))
        super()._create_table(curs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if kwargs.get("tracking") is not None:  # pragma: no cover - never used by casework
            raise NotImplementedError("casework's store records no tracking positions")
        notification_ids: Sequence[int] | None = recording_new_keys(
            stored_events, lambda: self._record_in_one_statement(stored_events, kwargs))
        return notification_ids

    def _record_in_one_statement(self, stored_events: Sequence[StoredEvent],
                                 kwargs: dict[str, Any]) -> list[int]:
        """One call of the ``record_events`` function: one round trip, one transaction."""
        if not stored_events:
            return []
        keys = [key.row() for key in new_subject_keys(stored_events)]
        claim = kwargs.get("idempotency")
        claim = claim if isinstance(claim, IdempotencyClaim) else None
        reads = kwargs.get("records_read")
        read_versions = reads.versions if isinstance(reads, RecordsRead) else ()
        params = (
            *_event_columns(stored_events),
            ByteaArray(hashlib.sha256(e.state).digest() for e in stored_events),
            TimestamptzArray(_timestamp_of(e) for e in stored_events),
            TextArray(k[0] for k in keys), ByteaArray(k[1] for k in keys),
            TextArray(k[2] for k in keys),
            claim and claim.key, claim and claim.fingerprint,
            claim and claim.aggregate_id, claim and claim.version,
            UuidArray(record_id for record_id, _ in read_versions),
            BigintArray(version for _, version in read_versions),
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            # Prepared: parsing the call each time cost more than the extra round trip a
            # connection pays once to prepare it.
            curs.execute(self.call_record_events, params, prepare=True, binary=True)
            row = curs.fetchone()
        assert row is not None
        return list(row["ids"])

    # -- queries used by the application and the audit adapters ----------------------

    def _fetchone(self, statement: Any, params: Sequence[Any] = ()) -> DictRow | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return curs.fetchone()

    def select_events_after(self, after: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        if not after:
            return []
        statement = self._select_events_after.get(len(after))
        if statement is None:
            statement = SQL(
                "SELECT * FROM ({}) AS e ORDER BY originator_id, originator_version"
            ).format(SQL(" UNION ALL ").join([self.select_events_after_branch] * len(after)))
            self._select_events_after[len(after)] = statement
        params: list[Any] = []
        for record_id, version in after:
            params += [record_id, version]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(originator_id=row["originator_id"],
                            originator_version=row["originator_version"],
                            topic=row["topic"], state=bytes(row["state"]))
                for row in curs.fetchall()
            ]

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


def _event_columns(stored_events: Sequence[StoredEvent]
                   ) -> tuple[UuidArray, BigintArray, TextArray, ByteaArray]:
    """Ids, versions, topics and states, as the typed arrays a statement unnests."""
    return (UuidArray(_as_uuid(e.originator_id) for e in stored_events),
            BigintArray(e.originator_version for e in stored_events),
            TextArray(e.topic for e in stored_events),
            ByteaArray(e.state for e in stored_events))


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _timestamp_of(stored: StoredEvent) -> datetime:
    if isinstance(stored, AuditedStoredEvent) and stored.timestamp is not None:
        return stored.timestamp
    return datetime.now(tz=UTC)


class CaseworkPostgresSnapshotRecorder(es_postgres.PostgresAggregateRecorder):
    """The snapshots table, written with typed binary arrays.

    The library sends snapshots as an array of a composite type in text form, so psycopg
    quotes every byte of the state in Python: about 7 ms for the 735 KiB snapshot of a
    case with 1,000 incidents, taken every 50 events (docs/benchmarks.md, "HTTP").
    """

    def __init__(self, datastore: es_postgres.PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.insert_snapshots = SQL(
            "INSERT INTO {}.{} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[])"
        ).format(Identifier(self.datastore.schema), Identifier(events_table_name))

    def _insert_stored_events(self, curs: Cursor, stored_events: Sequence[StoredEvent],
                              **_: Any) -> None:
        curs.execute(self.insert_snapshots, _event_columns(stored_events), binary=True)


class CaseworkPostgresFactory(es_postgres.PostgresFactory):
    application_recorder_class = CaseworkPostgresRecorder
    aggregate_recorder_class = CaseworkPostgresSnapshotRecorder

    def mapper(
        self,
        transcoder: Transcoder | None = None,
        mapper_class: type[Mapper[Any]] | None = None,
    ) -> Mapper[Any]:
        return ProtectedMapper(
            transcoder=transcoder or self.transcoder(),
            keyring=keyring_from_env(self.env, self.datastore, defer_new_keys=True),
        )
