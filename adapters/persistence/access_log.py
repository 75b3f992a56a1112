"""The access log on SQLite and PostgreSQL, in its own ``access_log`` table.

Append-only by construction: the classes here insert and select, and the only delete
is :meth:`purge_older_than`, for the log's own retention period. The database backs
that up with triggers:

- PostgreSQL: UPDATE and TRUNCATE are always rejected; DELETE is rejected unless the
  transaction has set ``casework.access_log_purge = 'on'``, which only the purge does
  (``SET LOCAL``, so a pooled connection never keeps it).
- SQLite: UPDATE is always rejected; DELETE only while the purge holds a row in
  ``access_log_purge_guard`` inside its own transaction.

Anyone with full write access to the database can still drop the triggers; the
triggers stop mistakes and code paths that should not exist, not a database owner.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.sql import SQL, Composed, Identifier

from adapters.persistence.records import sortable_utc
from adapters.persistence.schema import creates_tables
from application.access_log import AccessEntry, AccessLog, AccessQuery
from application.context import current_context
from application.store import CaseworkStore

TABLE = "access_log"
PURGE_SETTING = "casework.access_log_purge"
_COLUMNS = (
    "id, at, user_id, display_name, agency, roles, action, record_kind, record_id, "
    "person_ids, client_address, request_id"
)


class RecordsReads(ABC):
    @abstractmethod
    def record(self, entry: AccessEntry) -> AccessEntry: ...

    def record_read(self, request: object, action: str, kind: str | None,
                    record_id: UUID | None, person_ids: Iterable[UUID] = ()) -> AccessEntry:
        """Log a read by the actor of the current request (``Container.record_read``).

        ``request`` is accepted for that hook's signature; who, the request id and
        the client address come from the request context set by authentication.
        """
        return self.record(
            AccessEntry.for_context(current_context(), action, kind, record_id, person_ids)
        )


class SQLiteAccessLog(RecordsReads):
    guard_table = f"{TABLE}_purge_guard"

    def __init__(self, datastore: SQLiteDatastore) -> None:
        self.datastore = datastore
        self.create_table()

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            for statement in (
                f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                "id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "at TEXT NOT NULL, "
                "user_id TEXT NOT NULL, "
                "display_name TEXT NOT NULL, "
                "agency TEXT NOT NULL, "
                "roles TEXT NOT NULL, "
                "action TEXT NOT NULL, "
                "record_kind TEXT, "
                "record_id TEXT, "
                "person_ids TEXT NOT NULL, "
                "client_address TEXT, "
                "request_id TEXT NOT NULL)",
                f"CREATE INDEX IF NOT EXISTS {TABLE}_by_time ON {TABLE} (at)",
                f"CREATE INDEX IF NOT EXISTS {TABLE}_by_user ON {TABLE} (user_id, at)",
                f"CREATE INDEX IF NOT EXISTS {TABLE}_by_record ON {TABLE} (record_id, at)",
                f"CREATE TABLE IF NOT EXISTS {self.guard_table} (purging INTEGER NOT NULL)",
                f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
                "BEGIN SELECT RAISE(ABORT, "
                "'access_log is append-only: UPDATE is not allowed'); END",
                f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
                f"WHEN NOT EXISTS (SELECT 1 FROM {self.guard_table}) "
                "BEGIN SELECT RAISE(ABORT, "
                "'access_log is append-only: only the retention purge deletes'); END",
            ):
                c.execute(statement)

    def record(self, entry: AccessEntry) -> AccessEntry:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {TABLE} ({_COLUMNS.removeprefix('id, ')}) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    sortable_utc(entry.at),
                    entry.user_id,
                    entry.display_name,
                    entry.agency,
                    json.dumps(list(entry.roles)),
                    entry.action,
                    entry.record_kind,
                    None if entry.record_id is None else str(entry.record_id),
                    json.dumps([str(p) for p in entry.person_ids]),
                    entry.client_address,
                    entry.request_id,
                ),
            )
            entry_id = int(c.lastrowid)
        return _with_id(entry, entry_id)

    def _where(self, criteria: AccessQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if criteria.user_id is not None:
            clauses.append("user_id = ?")
            params.append(criteria.user_id)
        if criteria.record_id is not None:
            clauses.append("record_id = ?")
            params.append(str(criteria.record_id))
        if criteria.person_id is not None:
            clauses.append(
                f"EXISTS (SELECT 1 FROM json_each({TABLE}.person_ids) AS p WHERE p.value = ?)"
            )
            params.append(str(criteria.person_id))
        if criteria.since is not None:
            clauses.append("at >= ?")
            params.append(sortable_utc(criteria.since))
        if criteria.until is not None:
            clauses.append("at < ?")
            params.append(sortable_utc(criteria.until))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def query(self, criteria: AccessQuery) -> list[AccessEntry]:
        where, params = self._where(criteria)
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT {_COLUMNS} FROM {TABLE}{where} ORDER BY at DESC, id DESC "
                "LIMIT ? OFFSET ?",
                (*params, criteria.limit, criteria.offset),
            )
            rows = c.fetchall()
        return [_sqlite_entry(row) for row in rows]

    def count(self, criteria: AccessQuery) -> int:
        where, params = self._where(criteria)
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {TABLE}{where}", params)
            row = c.fetchone()
        return int(row[0])

    def purge_older_than(self, cutoff: datetime) -> int:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"INSERT INTO {self.guard_table} VALUES (1)")
            c.execute(f"DELETE FROM {TABLE} WHERE at < ?", (sortable_utc(cutoff),))
            c.execute("SELECT changes()")
            removed = int(c.fetchone()[0])
            c.execute(f"DELETE FROM {self.guard_table}")
        return removed


class PostgresAccessLog(RecordsReads):
    def __init__(self, datastore: PostgresDatastore, *, create_table: bool = True) -> None:
        self.datastore = datastore
        schema = Identifier(datastore.schema)
        self.table = SQL("{}.{}").format(schema, Identifier(TABLE))
        self.guard_function = SQL("{}.{}").format(schema, Identifier(f"{TABLE}_append_only"))
        if create_table:
            self.create_table()

    def _create_statements(self) -> list[Composed]:
        table, function = self.table, self.guard_function
        return [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "id bigserial PRIMARY KEY, "
                "at timestamptz NOT NULL, "
                "user_id text NOT NULL, "
                "display_name text NOT NULL, "
                "agency text NOT NULL, "
                "roles text[] NOT NULL, "
                "action text NOT NULL, "
                "record_kind text, "
                "record_id uuid, "
                "person_ids uuid[] NOT NULL, "
                "client_address text, "
                "request_id text NOT NULL)"
            ).format(table),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (at)").format(
                Identifier(f"{TABLE}_by_time"), table),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (user_id, at)").format(
                Identifier(f"{TABLE}_by_user"), table),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (record_id, at)").format(
                Identifier(f"{TABLE}_by_record"), table),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (person_ids)").format(
                Identifier(f"{TABLE}_by_person"), table),
            SQL(
                "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $body$ "
                "BEGIN "
                "  IF TG_OP = 'DELETE' AND "
                "     coalesce(current_setting('" + PURGE_SETTING + "', true), '') = 'on' "
                "  THEN RETURN OLD; END IF; "
                "  RAISE EXCEPTION USING "
                "    MESSAGE = 'access_log is append-only: ' || TG_OP || ' is not allowed', "
                "    ERRCODE = 'insufficient_privilege'; "
                "END $body$"
            ).format(function),
            SQL(
                "CREATE OR REPLACE TRIGGER {} BEFORE UPDATE OR DELETE ON {} "
                "FOR EACH ROW EXECUTE FUNCTION {}()"
            ).format(Identifier(f"{TABLE}_append_only"), table, function),
            SQL(
                "CREATE OR REPLACE TRIGGER {} BEFORE TRUNCATE ON {} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {}()"
            ).format(Identifier(f"{TABLE}_no_truncate"), table, function),
        ]

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            # Several processes may start at once; DDL on one function must not race.
            curs.execute("SELECT pg_advisory_xact_lock(hashtext('casework.access_log'))")
            for statement in self._create_statements():
                curs.execute(statement)

    def record(self, entry: AccessEntry) -> AccessEntry:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "INSERT INTO {} (" + _COLUMNS.removeprefix("id, ") + ") "
                    "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id"
                ).format(self.table),
                (
                    entry.at,
                    entry.user_id,
                    entry.display_name,
                    entry.agency,
                    list(entry.roles),
                    entry.action,
                    entry.record_kind,
                    entry.record_id,
                    list(entry.person_ids),
                    entry.client_address,
                    entry.request_id,
                ),
            )
            row = curs.fetchone()
        assert row is not None
        return _with_id(entry, int(row["id"]))

    def _where(self, criteria: AccessQuery) -> tuple[SQL, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if criteria.user_id is not None:
            clauses.append("user_id = %s")
            params.append(criteria.user_id)
        if criteria.record_id is not None:
            clauses.append("record_id = %s")
            params.append(criteria.record_id)
        if criteria.person_id is not None:
            clauses.append("person_ids @> ARRAY[%s]::uuid[]")
            params.append(criteria.person_id)
        if criteria.since is not None:
            clauses.append("at >= %s")
            params.append(criteria.since)
        if criteria.until is not None:
            clauses.append("at < %s")
            params.append(criteria.until)
        return SQL(" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def query(self, criteria: AccessQuery) -> list[AccessEntry]:
        where, params = self._where(criteria)
        statement = SQL(
            "SELECT " + _COLUMNS + " FROM {}{} ORDER BY at DESC, id DESC LIMIT %s OFFSET %s"
        ).format(self.table, where)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, (*params, criteria.limit, criteria.offset))
            rows = curs.fetchall()
        return [_postgres_entry(row) for row in rows]

    def count(self, criteria: AccessQuery) -> int:
        where, params = self._where(criteria)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT COUNT(*) AS n FROM {}{}").format(self.table, where), params)
            row = curs.fetchone()
        assert row is not None
        return int(row["n"])

    def purge_older_than(self, cutoff: datetime) -> int:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT set_config(%s, 'on', true)", (PURGE_SETTING,))
            curs.execute(SQL("DELETE FROM {} WHERE at < %s").format(self.table), (cutoff,))
            removed = int(curs.rowcount)
        return removed


def access_log_for(datastore: object, *, create_table: bool = True) -> AccessLog:
    """The access log kept in the same database as the event store."""
    if isinstance(datastore, PostgresDatastore):
        return PostgresAccessLog(datastore, create_table=create_table)
    if isinstance(datastore, SQLiteDatastore):
        return SQLiteAccessLog(datastore)
    raise TypeError(f"no access log for datastore {type(datastore).__name__}")


def access_log_for_store(store: CaseworkStore) -> AccessLog:
    """The access log beside ``store``'s events, sharing its connections; its table is
    created unless the store was told not to create tables (docs/deployment.md)."""
    return access_log_for(getattr(store.recorder, "datastore", None),
                          create_table=creates_tables(store.env))


def _with_id(entry: AccessEntry, entry_id: int) -> AccessEntry:
    return replace(entry, entry_id=entry_id)


def _sqlite_entry(row: Sequence[Any]) -> AccessEntry:
    return AccessEntry(
        entry_id=int(row[0]),
        at=datetime.strptime(row[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
        user_id=row[2],
        display_name=row[3],
        agency=row[4],
        roles=tuple(json.loads(row[5])),
        action=row[6],
        record_kind=row[7],
        record_id=None if row[8] is None else UUID(row[8]),
        person_ids=tuple(UUID(p) for p in json.loads(row[9])),
        client_address=row[10],
        request_id=row[11],
    )


def _postgres_entry(row: dict[str, Any]) -> AccessEntry:
    return AccessEntry(
        entry_id=int(row["id"]),
        at=row["at"].astimezone(UTC),
        user_id=row["user_id"],
        display_name=row["display_name"],
        agency=row["agency"],
        roles=tuple(row["roles"]),
        action=row["action"],
        record_kind=row["record_kind"],
        record_id=row["record_id"],
        person_ids=tuple(row["person_ids"]),
        client_address=row["client_address"],
        request_id=row["request_id"],
    )
