"""Connection plumbing for the projections (``projections/``): the store's own database.

* :class:`SQLiteViewDatabase` / :class:`PostgresViewDatabase` give the projection host
  transactions on the store's connection pool (``store.recorder.datastore``), so the read
  models live beside the events, in ``rm_`` tables.
* :class:`SQLiteEventLog` / :class:`PostgresEventLog` read the store's notification log
  (``stored_events`` by rowid on SQLite, ``casework_events`` by notification_id on
  PostgreSQL), decode events with the store's mapper (personal fields decrypted) and measure
  lag with the audit table's ``recorded_at``.
* :class:`PostgresNotifier` LISTENs on the events table's channel (the library NOTIFYs it in
  every insert transaction) and wakes the runner; SQLite is polled.
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Any
from uuid import UUID

import psycopg
import structlog
from eventsourcing import persistence as es
from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from adapters.config.settings import Settings
from application.store import CaseworkStore
from projections.db import POSTGRES, SQLITE, Dialect, SQLCursor
from projections.framework import DEFAULT_BATCH_SIZE, ProjectionHost, View

log = structlog.get_logger("casework.projections")

_TRANSIENT_LIBRARY_ERRORS = (es.OperationalError, es.InterfaceError)


# ---------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------


class SQLiteViewDatabase:
    """Transactions on the store's SQLite pool; a write transaction is BEGIN IMMEDIATE."""

    def __init__(self, datastore: SQLiteDatastore) -> None:
        self.datastore = datastore

    @property
    def dialect(self) -> Dialect:
        return SQLITE

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[SQLCursor]:
        with self.datastore.get_connection(commit=write) as connection:
            cursor = connection.cursor().sqlite_cursor
            try:
                cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield cursor
                except BaseException:
                    connection.rollback()
                    raise
                if write:
                    connection.commit()
                else:
                    connection.rollback()
            finally:
                cursor.close()

    def is_transient(self, error: BaseException) -> bool:
        if isinstance(error, sqlite3.OperationalError):
            text = str(error).lower()
            return "locked" in text or "busy" in text
        return isinstance(error, _TRANSIENT_LIBRARY_ERRORS)


class _PostgresCursor:
    """psycopg cursor; SELECTs are not server-prepared (a rebuild may swap their tables)."""

    def __init__(self, cursor: psycopg.Cursor[tuple[Any, ...]]) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def execute(self, sql: str, params: Any = None, /) -> Any:
        prepare = False if sql.lstrip()[:6].upper() == "SELECT" else None
        return self._cursor.execute(sql, params, prepare=prepare)

    def executemany(self, sql: str, params_seq: Any, /) -> Any:
        return self._cursor.executemany(sql, params_seq)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> Any:
        return self._cursor.fetchall()


class PostgresViewDatabase:
    """Transactions on the store's psycopg pool."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore

    @property
    def dialect(self) -> Dialect:
        return POSTGRES

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[SQLCursor]:
        with (
            self.datastore.get_connection() as connection,
            connection.transaction(force_rollback=not write),
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            yield _PostgresCursor(cursor)

    def is_transient(self, error: BaseException) -> bool:
        return isinstance(
            error,
            (psycopg.OperationalError, psycopg.InterfaceError, *_TRANSIENT_LIBRARY_ERRORS),
        )


# ---------------------------------------------------------------------------------------
# The notification log
# ---------------------------------------------------------------------------------------


class _StoreEventLog:
    def __init__(self, store: CaseworkStore) -> None:
        self.store = store
        self.recorder: Any = store.recorder
        self.mapper = store.mapper

    def head(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def read(
        self, after: int, limit: int, *, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Sequence[Notification]:
        notifications: Sequence[Notification] = self.recorder.select_notifications(
            start=after, limit=limit, stop=stop, topics=topics, inclusive_of_start=False
        )
        prefetch = getattr(getattr(self.mapper, "keyring", None), "prefetch", None)
        if prefetch is not None and notifications:
            # One query for the page's data keys, not one per subject while decoding.
            prefetch(list({_as_uuid(n.originator_id) for n in notifications}))
        return notifications

    def decode(self, notification: Notification) -> Any:
        return self.mapper.to_domain_event(notification)


class SQLiteEventLog(_StoreEventLog):
    def _one(self, statement: str, position: int) -> Any:
        datastore: SQLiteDatastore = self.recorder.datastore
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (position,))
            row = cursor.fetchone()
        return None if row is None else row[0]

    def count_after(self, position: int) -> int:
        table = self.recorder.events_table_name
        return int(self._one(f"SELECT count(*) FROM {table} WHERE rowid > ?", position))

    def first_recorded_after(self, position: int) -> datetime | None:
        table = self.recorder.audit_table
        text = self._one(
            f"SELECT recorded_at FROM {table} WHERE notification_id > ? "
            "ORDER BY notification_id LIMIT 1",
            position,
        )
        if text is None:
            return None
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class PostgresEventLog(_StoreEventLog):
    def _one(self, statement: Any, position: int) -> Any:
        datastore: PostgresDatastore = self.recorder.datastore
        with (
            datastore.get_connection() as connection,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            cursor.execute(statement, (position,))
            row = cursor.fetchone()
        return None if row is None else row[0]

    def count_after(self, position: int) -> int:
        return int(self._one(
            SQL("SELECT count(*) FROM {} WHERE notification_id > %s").format(
                self.recorder.events
            ),
            position,
        ))

    def first_recorded_after(self, position: int) -> datetime | None:
        moment: datetime | None = self._one(
            SQL("SELECT recorded_at FROM {} WHERE notification_id > %s "
                "ORDER BY notification_id LIMIT 1").format(self.recorder.audit),
            position,
        )
        return moment


# ---------------------------------------------------------------------------------------
# LISTEN/NOTIFY
# ---------------------------------------------------------------------------------------


class PostgresNotifier:
    """A thread that LISTENs on the events channel and wakes the runner on each NOTIFY.

    Holds one pooled connection while running; reconnects after errors (and wakes the
    runner then, so nothing recorded while it was away is left waiting for the poll).
    """

    def __init__(self, datastore: PostgresDatastore, channel: str) -> None:
        self.datastore = datastore
        self.channel = channel
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()

    def start(self, wake: Callable[[], None]) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._listen, args=(wake,), name="casework-projections-listen", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)
        self._thread = None

    def _listen(self, wake: Callable[[], None]) -> None:
        while not self._stopping.is_set():
            try:
                with self.datastore.get_connection() as connection:
                    connection.execute(SQL("LISTEN {}").format(Identifier(self.channel)))
                    self.listening.set()
                    wake()
                    try:
                        while not self._stopping.is_set():
                            for _ in connection.notifies(timeout=0.25, stop_after=1):
                                wake()
                    finally:
                        self.listening.clear()
                        with contextlib.suppress(Exception):
                            connection.execute("UNLISTEN *")
            except Exception as error:
                log.warning("projections_listen_failed", error_type=type(error).__name__)
                self._stopping.wait(1.0)


# ---------------------------------------------------------------------------------------
# Building and running a host
# ---------------------------------------------------------------------------------------


def build_projection_host(
    store: CaseworkStore,
    settings: Settings,
    views: Sequence[View],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    poll_seconds: float | None = None,
) -> ProjectionHost:
    """The projection host for ``views`` over ``store``'s database (nothing runs yet).

    ``poll_seconds``: how often to look for new events; by default the setting
    ``projection_poll_seconds`` on SQLite and, as a fallback to NOTIFY, five times that
    (at least a second) on PostgreSQL.
    """
    recorder = store.recorder
    if isinstance(recorder, PostgresApplicationRecorder):
        return ProjectionHost(
            views=views,
            log=PostgresEventLog(store),
            db=PostgresViewDatabase(recorder.datastore),
            batch_size=batch_size,
            # NOTIFY wakes the runner; polling is only the fallback.
            poll_seconds=poll_seconds or max(1.0, settings.projection_poll_seconds * 5),
            notifier=PostgresNotifier(recorder.datastore, recorder.channel_name),
        )
    if isinstance(recorder, SQLiteApplicationRecorder):
        return ProjectionHost(
            views=views,
            log=SQLiteEventLog(store),
            db=SQLiteViewDatabase(recorder.datastore),
            batch_size=batch_size,
            poll_seconds=poll_seconds or settings.projection_poll_seconds,
        )
    raise TypeError(f"no projection support for {type(recorder).__name__}")


def run_until_signalled(host: ProjectionHost) -> None:
    """Run ``host`` in this thread until SIGTERM or SIGINT (the worker process)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("projections_stopping", signal=signal.Signals(signum).name)
        host.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("projections_running", views=sorted(host.views), batch_size=host.batch_size)
    try:
        host.run_forever()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
