"""Timestamps written to view columns read back as the same instant, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from projections.db import to_db
from projections.queries import parse_moment

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(9998, 12, 30),
                       timezones=offsets)


@given(moments)
def test_a_stored_moment_reads_back_as_the_same_instant_in_utc(moment: datetime) -> None:
    parsed = parse_moment(to_db(moment))
    assert parsed == moment
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.tzinfo == UTC
