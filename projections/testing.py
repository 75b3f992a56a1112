"""Helpers for testing views: what a view should contain, computed from scratch.

``expected_rows(view, log)`` replays every event of the log, one event per ``apply`` call,
into a private in-memory SQLite database, and returns each table's rows; ``view_rows(host,
name)`` returns the same for the live tables. A correct view (and a correct runner: batches,
crashes, restarts, rebuilds) makes them equal::

    assert view_rows(host, "note_counts") == expected_rows(NoteCounts(), host.log)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from projections.db import SQLITE, Database, Dialect, SQLCursor, ViewCursor
from projections.framework import EventLog, ProjectionHost, View

Rows = dict[str, list[tuple[Any, ...]]]


class MemoryDatabase:
    """A private in-memory SQLite database implementing ``projections.db.Database``."""

    def __init__(self) -> None:
        self.connection = sqlite3.connect(":memory:", isolation_level=None,
                                          check_same_thread=False)

    @property
    def dialect(self) -> Dialect:
        return SQLITE

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[SQLCursor]:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN")
        try:
            yield cursor
        except BaseException:
            self.connection.rollback()
            raise
        else:
            if write:
                self.connection.commit()
            else:
                self.connection.rollback()
        finally:
            cursor.close()

    def is_transient(self, error: BaseException) -> bool:
        return False

    def close(self) -> None:
        self.connection.close()


def expected_rows(view: View, log: EventLog, *, page: int = 1000) -> Rows:
    """The view's rows computed from scratch over the whole log, one event at a time."""
    db = MemoryDatabase()
    try:
        with db.transaction(write=True) as raw:
            for table in view.tables:
                for statement in table.create_statements(SQLITE, table.name, 0):
                    raw.execute(statement)
            cursor = ViewCursor(raw, SQLITE, {name: name for name in view.table_names},
                                strict=True)
            after, head = 0, log.head()
            while after < head:
                notifications = log.read(after, page, stop=head,
                                         topics=sorted(view.topic_strings))
                if not notifications:
                    break
                for notification in notifications:
                    view.apply(cursor, [log.decode(notification)])
                after = notifications[-1].id
        return table_rows(db, view)
    finally:
        db.close()


def table_rows(db: Database, view: View, *, shadow_generation: int | None = None) -> Rows:
    """Every row of the view's tables, normalised and sorted (comparable across databases)."""
    rows: Rows = {}
    with db.transaction(write=False) as raw:
        for name in view.table_names:
            physical = name if shadow_generation is None else f"{name}__g{shadow_generation}"
            raw.execute(f"SELECT * FROM {physical}")
            rows[name] = sorted((_normalise(row) for row in raw.fetchall()), key=repr)
    return rows


def view_rows(host: ProjectionHost, name: str) -> Rows:
    return table_rows(host.db, host.views[name])


def _normalise(row: Any) -> tuple[Any, ...]:
    return tuple(int(value) if isinstance(value, bool) else value for value in row)
