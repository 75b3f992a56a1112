"""The small database abstraction every view writes through (SQLite and PostgreSQL).

Views never see a driver. They get a :class:`ViewCursor` and write portable SQL:

* ``?`` placeholders (converted to ``%s`` for psycopg); never put a literal ``?`` in SQL,
  pass values as parameters;
* table names in braces, ``{rm_note_counts}``: the cursor substitutes the physical name,
  which is a shadow table while a view is being rebuilt. A bare ``rm_...`` name in a view's
  SQL is refused, because it would write to the live table during a rebuild;
* ``INSERT ... ON CONFLICT (...) DO UPDATE SET c = excluded.c`` works on both databases
  (:meth:`ViewCursor.upsert` writes it for you).

Column types are portable names (:data:`PORTABLE_TYPES`). Values are converted the same way
on both databases, so a row reads back the same everywhere: UUIDs, dates and timestamps are
stored as text (timestamps as fixed-width UTC ``2026-04-01T09:30:00.000000Z``, which sorts
like time), ``json`` as compact sorted JSON text, ``numeric`` (Decimal) as text.

The concrete connections (SQLite through the store's connection pool, PostgreSQL through
psycopg) live in ``adapters/persistence/views.py``; they implement :class:`Database`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any, Protocol
from uuid import UUID

PORTABLE_TYPES = frozenset(
    {"text", "integer", "real", "boolean", "timestamp", "date", "uuid", "json", "numeric"}
)

_TABLE_REF = re.compile(r"\{(rm_[A-Za-z0-9_]+)\}")
_BARE_TABLE = re.compile(r"(?<![A-Za-z0-9_{])rm_[A-Za-z0-9_]+")


class SQLCursor(Protocol):
    """The DB-API subset the projection machinery uses (SQL already in native paramstyle)."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, params_seq: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


class Database(Protocol):
    """Where the read models live: the same database as the events."""

    @property
    def dialect(self) -> Dialect: ...

    def transaction(self, *, write: bool) -> AbstractContextManager[SQLCursor]:
        """A transaction: committed on success when ``write``, otherwise rolled back.

        A write transaction takes the database's write lock at once (SQLite
        ``BEGIN IMMEDIATE``); on PostgreSQL rows are locked with ``FOR UPDATE``.
        """
        ...

    def is_transient(self, error: BaseException) -> bool:
        """True for errors worth retrying later (lost connection, lock timeout)."""
        ...


@dataclass(frozen=True)
class Dialect:
    name: str
    types: Mapping[str, str]
    paramstyle: str  # "qmark" or "format"
    for_update: str = ""
    schema_lock: str | None = None
    index_catalog: str = ""
    """SELECT of the names of a table's indexes (one ``?``: the physical table name)."""

    def native(self, sql: str) -> str:
        """``sql`` with ``?`` placeholders, in this dialect's paramstyle."""
        return _to_format(sql) if self.paramstyle == "format" else sql

    def column_type(self, spec: str) -> str:
        """``"integer not null"`` -> this dialect's type plus the rest, unchanged."""
        word, _, rest = spec.strip().partition(" ")
        kind = word.lower()
        if kind not in self.types:
            raise ValueError(
                f"unknown column type {word!r}: use one of {sorted(PORTABLE_TYPES)}"
            )
        return f"{self.types[kind]} {rest}".strip()


@lru_cache(maxsize=4096)
def _to_format(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


SQLITE = Dialect(
    name="sqlite",
    types={
        "text": "TEXT", "integer": "INTEGER", "real": "REAL", "boolean": "INTEGER",
        "timestamp": "TEXT", "date": "TEXT", "uuid": "TEXT", "json": "TEXT", "numeric": "TEXT",
    },
    paramstyle="qmark",
    index_catalog="SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
)

POSTGRES = Dialect(
    name="postgresql",
    types={
        "text": "text", "integer": "bigint", "real": "double precision", "boolean": "boolean",
        "timestamp": "text", "date": "text", "uuid": "text", "json": "text", "numeric": "text",
    },
    paramstyle="format",
    for_update=" FOR UPDATE",
    # Serialises schema changes (CREATE/DROP/RENAME of view tables) between processes.
    schema_lock="SELECT pg_advisory_xact_lock(7240117)",
    index_catalog="SELECT indexname FROM pg_indexes "
                  "WHERE schemaname = current_schema() AND tablename = ?",
)


def to_db(value: Any) -> Any:
    """A Python value as stored in a view column (the same on both databases)."""
    if value is None or isinstance(value, (str, int, float, bytes)):
        return value  # bool is an int
    if isinstance(value, Enum):
        return to_db(value.value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("store timezone-aware datetimes only")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    raise TypeError(f"cannot store a {type(value).__name__} in a view column")


def _row_tuple(row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(row)


@lru_cache(maxsize=4096)
def _bare_names(sql: str) -> tuple[str, ...]:
    return tuple(_BARE_TABLE.findall(_TABLE_REF.sub("", sql)))


@dataclass
class ViewCursor:
    """What a view's ``apply`` (and a reader) writes and reads through.

    ``tables`` maps the logical names a view declares to physical names (a shadow table
    during a rebuild). ``strict`` cursors (given to views) refuse names the view did not
    declare, and bare ``rm_...`` names; reader cursors pass unknown names through.
    """

    raw: SQLCursor
    dialect: Dialect
    tables: Mapping[str, str] = field(default_factory=dict)
    strict: bool = False
    resident: dict[str, Any] | None = None
    """While the host builds the view from empty: what the view keeps between batches
    (``projections.rowcache.BatchRows`` keeps every row it wrote, so it never reads them
    back); values must have a length (rows kept). None otherwise."""

    # -- plain SQL -------------------------------------------------------------------

    def sql(self, statement: str) -> str:
        if self.strict:
            bare = _bare_names(statement)
            if bare:
                raise ValueError(
                    f"write view table names in braces, e.g. {{{bare[0]}}}, so rebuilds "
                    "write to the shadow table"
                )
        return self.dialect.native(_TABLE_REF.sub(self._physical, statement))

    def _physical(self, match: re.Match[str]) -> str:
        name = match.group(1)
        physical = self.tables.get(name)
        if physical is None:
            if self.strict:
                raise KeyError(f"this view does not declare the table {name}")
            return name
        return physical

    def execute(self, statement: str, params: Sequence[Any] = ()) -> ViewCursor:
        if params:
            self.raw.execute(self.sql(statement), [to_db(v) for v in params])
        else:
            # No parameters: the driver leaves the SQL alone, so no placeholder escaping.
            self.raw.execute(_TABLE_REF.sub(self._physical, self._checked(statement)))
        return self

    def _checked(self, statement: str) -> str:
        self.sql(statement)  # validates names
        return statement

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        converted = [[to_db(v) for v in row] for row in rows]
        if converted:
            self.raw.executemany(self.sql(statement), converted)

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self.raw.fetchone()
        return None if row is None else _row_tuple(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [_row_tuple(row) for row in self.raw.fetchall()]

    def scalar(self, statement: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(statement, params).fetchone()
        return None if row is None else row[0]

    @property
    def rowcount(self) -> int:
        return int(self.raw.rowcount)

    # -- helpers that write the SQL for you ------------------------------------------

    def insert(self, table: str, values: Mapping[str, Any]) -> None:
        columns = tuple(values)
        self.execute(_insert_sql(table, columns), list(values.values()))

    def upsert(
        self,
        table: str,
        key: Mapping[str, Any],
        values: Mapping[str, Any] | None = None,
        *,
        increment: Mapping[str, int | float] | None = None,
    ) -> None:
        """Insert the row, or update it: set ``values``, add ``increment`` to counters."""
        values = values or {}
        increment = increment or {}
        statement = _upsert_sql(table, tuple(key), tuple(values), tuple(increment))
        self.execute(statement, [*key.values(), *values.values(), *increment.values()])

    def upsert_many(
        self,
        table: str,
        key_columns: Sequence[str],
        value_columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        increment_columns: Sequence[str] = (),
    ) -> None:
        """Many upserts in one call: each row gives key, value then increment columns."""
        statement = _upsert_sql(
            table, tuple(key_columns), tuple(value_columns), tuple(increment_columns)
        )
        self.executemany(statement, rows)

    def update(self, table: str, key: Mapping[str, Any], values: Mapping[str, Any]) -> int:
        sets = ", ".join(f"{column} = ?" for column in values)
        where = " AND ".join(f"{column} = ?" for column in key)
        self.execute(
            f"UPDATE {{{table}}} SET {sets} WHERE {where}", [*values.values(), *key.values()]
        )
        return self.rowcount

    def delete(self, table: str, key: Mapping[str, Any]) -> int:
        where = " AND ".join(f"{column} = ?" for column in key) or "1=1"
        self.execute(f"DELETE FROM {{{table}}} WHERE {where}", list(key.values()))
        return self.rowcount

    def rows(self, table: str, order_by: str | None = None) -> list[tuple[Any, ...]]:
        order = f" ORDER BY {order_by}" if order_by else ""
        return self.execute(f"SELECT * FROM {{{table}}}{order}").fetchall()


@lru_cache(maxsize=1024)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {{{table}}} ({', '.join(columns)}) VALUES ({marks})"


@lru_cache(maxsize=1024)
def _upsert_sql(
    table: str, key: tuple[str, ...], values: tuple[str, ...], increment: tuple[str, ...]
) -> str:
    if not key:
        raise ValueError("an upsert needs the key columns")
    columns = (*key, *values, *increment)
    marks = ", ".join("?" for _ in columns)
    sets = [f"{column} = excluded.{column}" for column in values]
    sets += [f"{column} = {{{table}}}.{column} + excluded.{column}" for column in increment]
    action = f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
    return (
        f"INSERT INTO {{{table}}} ({', '.join(columns)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(key)}) {action}"
    )

