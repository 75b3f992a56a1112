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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from projections.db import Dialect, ViewCursor, to_db
from projections.framework import Table

Row = dict[str, Any]
Key = tuple[Any, ...]
CHUNK = 400
"""Ids per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits."""
MAX_PARAMETERS = 900
"""Values per multi-row upsert: under the 999 of older SQLite builds."""


_PLAIN = frozenset({str, int, bool, type(None), float})


def stored(value: Any) -> Any:
    """``value`` in the form a view column stores it (``projections.db.to_db``, with fast
    paths for the common types: views convert hundreds of thousands of values in a
    rebuild)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is UUID:
        return str(value)
    if kind is datetime and value.tzinfo is not None:
        utc = value.astimezone(UTC)
        if utc.year >= 1000:  # strftime does not pad earlier years
            # The same text as to_db's strftime("%Y-%m-%dT%H:%M:%S.%fZ"), faster.
            return utc.isoformat(timespec="microseconds")[:26] + "Z"
    return to_db(value)


class TableRows:
    """The rows of one view table that a batch reads or writes."""

    def __init__(self, cur: ViewCursor, table: Table) -> None:
        self.cur = cur
        self.table = table
        self.columns = tuple(table.columns)
        self.key_columns = table.primary_key
        self._rows: dict[Key, Row | None] = {}
        self._dirty: set[Key] = set()
        self._loaded: set[tuple[str, Any]] = set()

    def key_of(self, row: Mapping[str, Any]) -> Key:
        return tuple(row[column] for column in self.key_columns)

    # -- reading -----------------------------------------------------------------------

    def load(self, column: str, values: Iterable[Any]) -> None:
        """Read every stored row whose ``column`` is one of ``values`` (once per value)."""
        wanted = []
        for value in values:
            marker = (column, stored(value))
            if marker not in self._loaded:
                self._loaded.add(marker)
                wanted.append(marker[1])
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            found = self.cur.execute(
                f"SELECT {', '.join(self.columns)} FROM {{{self.table.name}}} "
                f"WHERE {column} IN ({marks})",
                chunk,
            ).fetchall()
            for values_row in found:
                row = dict(zip(self.columns, values_row, strict=True))
                key = self.key_of(row)
                if key not in self._rows:  # a row changed in this batch wins
                    self._rows[key] = row

    def get(self, key: Sequence[Any]) -> Row | None:
        """The row with this primary key (read from the table the first time)."""
        stored_key = tuple(stored(part) for part in key)
        if stored_key not in self._rows:
            where = " AND ".join(f"{column} = ?" for column in self.key_columns)
            found = self.cur.execute(
                f"SELECT {', '.join(self.columns)} FROM {{{self.table.name}}} WHERE {where}",
                list(stored_key),
            ).fetchone()
            self._rows[stored_key] = (
                None if found is None else dict(zip(self.columns, found, strict=True))
            )
        return self._rows[stored_key]

    def where(self, column: str, value: Any) -> list[Row]:
        """Every row whose ``column`` equals ``value`` (loading them first if need be)."""
        self.load(column, [value])
        wanted = stored(value)
        return [row for row in self._rows.values() if row is not None and row[column] == wanted]

    # -- writing -----------------------------------------------------------------------

    def put(self, row: Mapping[str, Any]) -> Row:
        """Insert or replace a row (every column; values converted to the stored form)."""
        try:
            converted = {column: stored(row[column]) for column in self.columns}
        except KeyError as error:
            raise KeyError(f"{self.table.name}: no value for {error}") from None
        key = self.key_of(converted)
        self._rows[key] = converted
        self._dirty.add(key)
        return converted

    def update(self, row: Row, **changes: Any) -> Row:
        """``row`` (from :meth:`get`) with ``changes``, marked for writing."""
        row.update({column: stored(value) for column, value in changes.items()})
        key = self.key_of(row)
        self._rows[key] = row
        self._dirty.add(key)
        return row

    def delete(self, key: Sequence[Any]) -> None:
        stored_key = tuple(stored(part) for part in key)
        self._rows[stored_key] = None
        self._dirty.add(stored_key)

    def flush(self) -> None:
        if not self._dirty:
            return
        deleted = [key for key in self._dirty if self._rows.get(key) is None]
        written = [self._rows[key] for key in sorted(self._dirty, key=repr)
                   if self._rows.get(key) is not None]
        if deleted:
            where = " AND ".join(f"{column} = ?" for column in self.key_columns)
            self.cur.executemany(f"DELETE FROM {{{self.table.name}}} WHERE {where}", deleted)
        if written:
            self._upsert([[row[column] for column in self.columns]
                          for row in written if row is not None])
        self._dirty.clear()

    def _upsert(self, rows: list[list[Any]]) -> None:
        """Multi-row ``INSERT ... ON CONFLICT DO UPDATE``: one statement (and one round
        trip) per few hundred rows rather than one per row. Keys are distinct here."""
        columns = ", ".join(self.columns)
        sets = ", ".join(f"{c} = excluded.{c}" for c in self.columns
                         if c not in self.key_columns)
        action = f"DO UPDATE SET {sets}" if sets else "DO NOTHING"
        row_marks = "(" + ", ".join("?" for _ in self.columns) + ")"
        per_statement = max(1, MAX_PARAMETERS // len(self.columns))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            statement = self.cur.sql(
                f"INSERT INTO {{{self.table.name}}} ({columns}) VALUES "
                + ", ".join(row_marks for _ in chunk)
                + f" ON CONFLICT ({', '.join(self.key_columns)}) {action}")
            # The values are in their stored form already (see ``put``).
            self.cur.raw.execute(statement, [value for row in chunk for value in row])


class BatchRows:
    """A :class:`TableRows` for each table of a view, flushed together."""

    def __init__(self, cur: ViewCursor, tables: Iterable[Table]) -> None:
        self._tables = {table.name: TableRows(cur, table) for table in tables}

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

    def create_statements(self, dialect: Dialect, physical: str, generation: int) -> list[str]:
        statements = super().create_statements(dialect, physical, generation)
        if dialect.name == "postgresql":
            statements.append(
                f"CREATE INDEX {self.name}__g{generation}_fts ON {physical} "
                f"USING GIN ({tsvector_expression(self.search_column)})"
            )
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
