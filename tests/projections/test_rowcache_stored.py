"""``projections.rowcache.stored``: the fast, memoised conversions equal ``to_db``'s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from projections import rowcache
from projections.db import to_db

TIMES = [
    datetime(2026, 3, 1, 8, 16, tzinfo=UTC),
    datetime(2026, 3, 1, 8, 16, 5, 123, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 3, 1, 8, 16, 5, 123, tzinfo=timezone(timedelta(hours=-8))),
    datetime(1000, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),  # UTC year 999
    datetime(999, 6, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.mark.parametrize("value", TIMES, ids=str)
def test_times_are_stored_as_to_db_stores_them(value: datetime) -> None:
    assert rowcache.stored(value) == to_db(value)
    assert rowcache.stored(value) == to_db(value)  # again, from the memo


def test_equal_instants_in_other_zones_share_one_text() -> None:
    utc = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    local = utc.astimezone(timezone(timedelta(hours=2)))
    assert rowcache.stored(local) == rowcache.stored(utc) == "2026-03-01T08:00:00.000000Z"


def test_uuids_are_stored_as_text_and_the_memos_stay_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rowcache, "MEMO_LIMIT", 3)
    ids = [uuid4() for _ in range(10)]
    for value in ids * 2:
        assert rowcache.stored(value) == str(value)
        assert rowcache.stored(UUID(str(value))) == str(value)
    assert len(rowcache._UUID_TEXT) <= 3
    for day in range(1, 10):
        rowcache.stored(datetime(2026, 3, day, tzinfo=UTC))
    assert len(rowcache._TIME_TEXT) <= 3
