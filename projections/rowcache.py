"""Batch helpers for views: a per-batch row cache, and a table with full-text search.

A view that changes the same rows many times in one batch (a case's row for each of its
events) reads each row once, changes it in Python and writes it once at the end:

    rows = BatchRows(cur, self.tables)
    rows["rm_cases"].load("case_id", ids)       # one SELECT for the whole batch
    row = rows["rm_cases"].get((case_id,))     # a dict, values as stored
    row["status"] = "closed"; rows["rm_cases"].put(row)
    rows.flush()                                # deletes, then one upsert_many per table

Values in the cache are kept in their stored form (``projections.db.to_db``: UUIDs, dates
and timestamps as text...), so a row read back and written again is unchanged, and the
Python comparisons views make (``due_on < today``) work on the same text SQL compares.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any
from uuid import UUID

from projections.db import Dialect, ViewCursor, to_db
from projections.framework import Table

Row = dict[str, Any]
Key = tuple[Any, ...]
CHUNK = 400
"""Ids per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits."""


_PLAIN = frozenset({str, int, bool, type(None), float})
MEMO_LIMIT = 50_000
"""Entries per memo of converted UUIDs and times. A batch converts the same ids and
timestamps many times (a case's id for each of its events); the memos are emptied for
each batch (:class:`BatchRows`) and when full."""
_UUID_TEXT: dict[int, str] = {}
_TIME_TEXT: dict[datetime, str] = {}


def _forget_conversions() -> None:
    _UUID_TEXT.clear()
    _TIME_TEXT.clear()


def stored(value: Any) -> Any:
    """``value`` in the form a view column stores it (``projections.db.to_db``, with fast
    paths for the common types: views convert hundreds of thousands of values in a
    rebuild)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is UUID:
        number = value.int
        text = _UUID_TEXT.get(number)
        if text is None:
            if len(_UUID_TEXT) >= MEMO_LIMIT:
                _UUID_TEXT.clear()
            text = _UUID_TEXT[number] = str(value)
        return text
    if kind is datetime and value.tzinfo is not None:
        # Equal aware datetimes are the same instant, so they share the same UTC text.
        text = _TIME_TEXT.get(value)
        if text is None:
            text = _utc_text(value)
            if text is None:
                return to_db(value)
            if len(_TIME_TEXT) >= MEMO_LIMIT:
                _TIME_TEXT.clear()
            _TIME_TEXT[value] = text
        return text
    return to_db(value)


def _utc_text(value: datetime) -> str | None:
    """``to_db``'s ``strftime("%Y-%m-%dT%H:%M:%S.%fZ")`` of ``value`` in UTC, faster (None
    before the year 1000, which strftime does not pad)."""
    utc = value.astimezone(UTC)
    if utc.year < 1000:
        return None
    # %-formatting: half the time of an f-string with format specs, or of isoformat.
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond)


def _key_getter(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], Key]:
    """``row -> tuple of its key columns``, without a generator per call."""
    if len(columns) == 1:
        only = columns[0]
        return lambda row: (row[only],)
    getter = itemgetter(*columns)
    return lambda row: getter(row)


def _row_getter(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], Sequence[Any]]:
    """``row -> its values in column order`` (a tuple, even for one column)."""
    if len(columns) == 1:
        only = columns[0]
        return lambda row: (row[only],)
    return itemgetter(*columns)


def _stored_key(key: Sequence[Any]) -> Key:
    if len(key) == 1:
        return (stored(key[0]),)
    return tuple([stored(part) for part in key])


class TableRows:
    """The rows of one view table that a batch reads or writes.

    ``complete``: every row of the table is already here (a build from empty that kept
    the rows it wrote, see ``View.builds_in_memory``), so nothing is read from the table.
    """

    def __init__(self, cur: ViewCursor, table: Table, *, complete: bool = False) -> None:
        self.cur = cur
        self.table = table
        self.complete = complete
        self.columns = tuple(table.columns)
        self.key_columns = table.primary_key
        self.key_of = _key_getter(self.key_columns)
        self._rows: dict[Key, Row | None] = {}
        self._dirty: set[Key] = set()
        self._loaded: set[tuple[str, Any]] = set()
        self._by: dict[str, dict[Any, dict[Key, None]]] = {}
        """Per column that ``where`` asks by: value -> keys of the rows that had it."""
        self._values = _row_getter(self.columns)

    def __len__(self) -> int:
        return len(self._rows)

    # -- reading -----------------------------------------------------------------------

    def load(self, column: str, values: Iterable[Any]) -> None:
        """Read every stored row whose ``column`` is one of ``values`` (once per value)."""
        if self.complete:
            return
        loaded = self._loaded
        wanted = []
        for value in values:
            marker = (column, stored(value))
            if marker not in loaded:
                loaded.add(marker)
                wanted.append(marker[1])
        if not wanted:
            return
        columns = self.columns
        key_of = self.key_of
        rows = self._rows
        for found in self._select(column, wanted):
            row = dict(zip(columns, found, strict=True))
            key = key_of(row)
            if key not in rows:  # a row changed in this batch wins
                rows[key] = row
                self._index(key, row)

    def _select(self, column: str, values: list[Any]) -> Iterator[Sequence[Any]]:
        select = f"SELECT {', '.join(self.columns)} FROM {{{self.table.name}}} WHERE {column}"
        if self.cur.dialect.name == "postgresql" and all(type(v) is str for v in values):
            # One text[] parameter: one statement whatever the number of ids.
            self.cur.raw.execute(self.cur.sql(f"{select} = ANY(?::text[])"), [values])
            yield from self.cur.raw.fetchall()
            return
        for start in range(0, len(values), CHUNK):
            chunk = values[start:start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            yield from self.cur.execute(f"{select} IN ({marks})", chunk).fetchall()

    def get(self, key: Sequence[Any]) -> Row | None:
        """The row with this primary key (read from the table the first time)."""
        stored_key = _stored_key(key)
        try:
            return self._rows[stored_key]
        except KeyError:
            if self.complete:
                return None
        where = " AND ".join(f"{column} = ?" for column in self.key_columns)
        found = self.cur.execute(
            f"SELECT {', '.join(self.columns)} FROM {{{self.table.name}}} WHERE {where}",
            list(stored_key),
        ).fetchone()
        row = None if found is None else dict(zip(self.columns, found, strict=True))
        self._rows[stored_key] = row
        if row is not None:
            self._index(stored_key, row)
        return row

    def where(self, column: str, value: Any) -> list[Row]:
        """Every row whose ``column`` equals ``value`` (loading them first if need be)."""
        self.load(column, [value])
        wanted = stored(value)
        by = self._by.get(column)
        if by is None:  # first question by this column: index the rows cached so far
            by = self._by[column] = {}
            for key, cached in self._rows.items():
                if cached is not None:
                    by.setdefault(cached[column], {})[key] = None
        rows = self._rows
        found = []
        for key in by.get(wanted, ()):
            row = rows[key]
            if row is not None and row[column] == wanted:
                found.append(row)
        return found

    def _index(self, key: Key, row: Row) -> None:
        for column, by in self._by.items():
            keys = by.get(row[column])
            if keys is None:
                by[row[column]] = {key: None}
            else:
                keys[key] = None

    # -- writing -----------------------------------------------------------------------

    def put(self, row: Mapping[str, Any]) -> Row:
        """Insert or replace a row (every column; values converted to the stored form)."""
        try:
            converted = {column: row[column] for column in self.columns}
        except KeyError as error:
            raise KeyError(f"{self.table.name}: no value for {error}") from None
        for column, value in converted.items():
            if type(value) not in _PLAIN:
                converted[column] = stored(value)
        key = self.key_of(converted)
        self._rows[key] = converted
        self._dirty.add(key)
        if self._by:
            self._index(key, converted)
        return converted

    def update(self, row: Row, **changes: Any) -> Row:
        """``row`` (from :meth:`get`) with ``changes``, marked for writing."""
        for column, value in changes.items():
            row[column] = value if type(value) in _PLAIN else stored(value)
        key = self.key_of(row)
        self._rows[key] = row
        self._dirty.add(key)
        if self._by:
            self._index(key, row)
        return row

    def delete(self, key: Sequence[Any]) -> None:
        stored_key = _stored_key(key)
        self._rows[stored_key] = None
        self._dirty.add(stored_key)

    def flush(self) -> None:
        if not self._dirty:
            return
        rows = self._rows
        deleted = [key for key in self._dirty if rows.get(key) is None]
        try:
            order = sorted(self._dirty)
        except TypeError:  # keys mixing types (None and text...): any fixed order will do
            order = sorted(self._dirty, key=repr)
        written = [row for row in (rows.get(key) for key in order) if row is not None]
        if deleted:
            where = " AND ".join(f"{column} = ?" for column in self.key_columns)
            self.cur.executemany(f"DELETE FROM {{{self.table.name}}} WHERE {where}", deleted)
        if written:
            self._upsert(written)
        self._dirty.clear()

    def _upsert(self, rows: list[Row]) -> None:
        """Write ``rows`` (distinct keys, values already in their stored form, see ``put``)
        with ``INSERT ... ON CONFLICT DO UPDATE``, a few statements per batch, not one per
        row: on PostgreSQL one statement per table, the rows passed as one JSON parameter
        and expanded by ``json_populate_recordset`` into the table's own column types; on
        SQLite one prepared single-row statement run for every row (``executemany``: no
        round trips to save, no JSON to parse, and a third faster than multi-row
        ``VALUES`` lists, which SQLite compiles and runs less efficiently).
        """
        columns = ", ".join(self.columns)
        sets = ", ".join(f"{c} = excluded.{c}" for c in self.columns
                         if c not in self.key_columns)
        action = f"DO UPDATE SET {sets}" if sets else "DO NOTHING"
        conflict = f" ON CONFLICT ({', '.join(self.key_columns)}) {action}"
        table = f"{{{self.table.name}}}"
        if self.cur.dialect.name == "postgresql":
            try:
                document = json.dumps(rows, allow_nan=False)
            except (TypeError, ValueError):  # bytes, NaN...: row by row below
                pass
            else:
                self.cur.raw.execute(self.cur.sql(
                    f"INSERT INTO {table} ({columns}) SELECT {columns} "
                    f"FROM json_populate_recordset(NULL::{table}, ?::json){conflict}"),
                    [document])
                return
        values = [self._values(row) for row in rows]
        marks = ", ".join("?" for _ in self.columns)
        self.cur.raw.executemany(
            self.cur.sql(f"INSERT INTO {table} ({columns}) VALUES ({marks}){conflict}"), values)


class BatchRows:
    """A :class:`TableRows` for each table of a view, flushed together.

    While the host builds the view from empty (``cur.resident`` is set) the tables' rows
    are kept there from batch to batch: every row the view wrote, so none is read back.
    """

    def __init__(self, cur: ViewCursor, tables: Iterable[Table]) -> None:
        _forget_conversions()
        resident = cur.resident
        if resident is None:
            self._tables = {table.name: TableRows(cur, table) for table in tables}
            return
        self._tables = {}
        for table in tables:
            kept = resident.get(table.name)
            if kept is None:
                kept = resident[table.name] = TableRows(cur, table, complete=True)
            kept.cur = cur  # this batch's transaction
            self._tables[table.name] = kept

    def __getitem__(self, name: str) -> TableRows:
        return self._tables[name]

    def __iter__(self) -> Iterator[TableRows]:
        return iter(self._tables.values())

    def flush(self) -> None:
        for rows in self._tables.values():
            rows.flush()


@dataclass(frozen=True)
class SearchableTable(Table):
    """A view table with a full-text index on one text column, on PostgreSQL.

    PostgreSQL gets a GIN index on ``to_tsvector('english', <search_column>)``; queries
    must use exactly that expression (:func:`text_search_condition`) to use it. SQLite has
    no such index: searches there fall back to ``LIKE``.
    """

    search_column: str = "search_text"

    def index_statements(self, dialect: Dialect, physical: str, generation: int
                         ) -> list[tuple[str, str]]:
        statements = super().index_statements(dialect, physical, generation)
        if dialect.name == "postgresql":
            name = f"{self.name}__g{generation}_fts"
            statements.append((name, f"CREATE INDEX {name} ON {physical} "
                                     f"USING GIN ({tsvector_expression(self.search_column)})"))
        return statements


TEXT_SEARCH_CONFIG = "english"


def tsvector_expression(column: str) -> str:
    return f"to_tsvector('{TEXT_SEARCH_CONFIG}', coalesce({column}, ''))"


def like_pattern(term: str) -> str:
    """``%term%`` with LIKE's wildcards escaped (use with ``ESCAPE '!'``)."""
    escaped = term.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped.lower()}%"


def text_search_condition(dialect: Dialect, column: str, query: str
                          ) -> tuple[str, list[Any]]:
    """A WHERE condition matching rows whose ``column`` matches ``query``, and its values.

    PostgreSQL: full-text search (``websearch_to_tsquery``: words, "quoted phrases",
    ``-excluded`` words, ``or``), on the GIN index. SQLite: every word of the query must
    appear in the text (case-insensitive ``LIKE``).
    """
    if dialect.name == "postgresql":
        return (
            f"{tsvector_expression(column)} @@ "
            f"websearch_to_tsquery('{TEXT_SEARCH_CONFIG}', ?)",
            [query],
        )
    terms = [term.strip('"') for term in query.split() if term.strip('"')]
    if not terms:
        return "1 = 1", []
    return (
        " AND ".join(f"lower({column}) LIKE ? ESCAPE '!'" for _ in terms),
        [like_pattern(term) for term in terms],
    )
