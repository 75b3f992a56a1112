"""The save's typed arrays reach PostgreSQL exactly as psycopg's own list adaptation
would send them (adapters/persistence/pg_arrays.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.persistence.pg_arrays import (
    BigintArray,
    ByteaArray,
    TextArray,
    TimestamptzArray,
    TypedArray,
    UuidArray,
    register_typed_arrays,
)
from tests.support.postgres_server import PostgresServer

CASTS = {UuidArray: "uuid[]", BigintArray: "bigint[]", TextArray: "text[]",
         ByteaArray: "bytea[]", TimestamptzArray: "timestamptz[]"}


@pytest.fixture(scope="module")
def connection(postgres_server: PostgresServer) -> Any:
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        register_typed_arrays(conn.adapters)
        yield conn


def _round_trip(connection: Any, array: TypedArray) -> tuple[Any, Any]:
    """(what PostgreSQL made of the typed array, what it made of the plain list)."""
    cast = CASTS[type(array)]
    row = connection.execute(f"SELECT %s::{cast}, %s::{cast}", (array, list(array)),
                             binary=True).fetchone()
    return row[0], row[1]


EXAMPLES: list[TypedArray] = [
    UuidArray([uuid4(), UUID(int=0), UUID(int=2**128 - 1)]),
    BigintArray([0, 1, -1, 2**63 - 1, -(2**63)]),
    TextArray(["", "casework.cases:IncidentLogged", "naïve ☃ 𝄞"]),
    ByteaArray([b"", b"\x00\xff" * 40, bytes(range(256))]),
    TimestamptzArray([datetime(2026, 11, 25, 2, 30, 1, 123456, tzinfo=UTC),
                      datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                      datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))]),
    UuidArray(), TextArray(), ByteaArray(), BigintArray(), TimestamptzArray(),
]


@pytest.mark.parametrize("array", EXAMPLES, ids=lambda a: f"{type(a).__name__}-{len(a)}")
def test_a_typed_array_arrives_as_the_plain_list_would(connection: Any,
                                                       array: TypedArray) -> None:
    typed, plain = _round_trip(connection, array)
    assert typed == plain == list(array)


@given(st.lists(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                             timezones=st.just(UTC))),
       st.lists(st.text()), st.lists(st.integers(-(2**63), 2**63 - 1)))
def test_any_timestamps_texts_and_integers_arrive_unchanged(
        connection: Any, moments: list[datetime], texts: list[str], numbers: list[int]) -> None:
    texts = [t.replace("\x00", "") for t in texts]  # PostgreSQL text cannot hold NUL
    for array in (TimestamptzArray(moments), TextArray(texts), BigintArray(numbers)):
        typed, plain = _round_trip(connection, array)
        assert typed == plain == list(array)
