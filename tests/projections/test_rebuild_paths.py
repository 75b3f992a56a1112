"""The fast paths of a build on both stores: catch-up batches, one transaction per batch
for every view at a position, and the row cache's bulk reads and writes (JSON rows on
PostgreSQL, ``executemany`` on SQLite). Each must leave exactly what the plain path does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from adapters.bootstrap import Container
from bench.workload import RandomChooser, Workload
from projections.case_list import CaseListView
from projections.db import ViewCursor
from projections.framework import ProjectionHost, Table, View
from projections.plan_list import PlanListView
from projections.review_list import ReviewListView
from projections.rowcache import BatchRows, TableRows
from projections.testing import MemoryDatabase, expected_rows, view_rows
from tests.projections.conftest import HostFactory, write_notes
from tests.support.sample_views import EXPLODING_WARD, FailingView, NoteCounts, NoteList

WARDS = ["Baldock Town", "Hitchin Oughton", "Letchworth South"]


def real_views() -> list[View]:
    return [CaseListView(), PlanListView(), ReviewListView()]


def count_write_transactions(host: ProjectionHost) -> list[int]:
    """Count the host's write transactions from now on (in the returned list's item)."""
    counter = [0]
    original = host.db.transaction

    @contextmanager
    def counted(*, write: bool) -> Iterator[Any]:
        if write:
            counter[0] += 1
        with original(write=write) as cursor:
            yield cursor

    host.db.transaction = counted  # type: ignore[method-assign]
    return counter


def test_a_rebuild_in_catch_up_batches_equals_an_incremental_build(
    container: Container, make_host: HostFactory
) -> None:
    workload = Workload(container.store, RandomChooser(7), save_every=5)
    # Built as the log grows, in small batches, never in catch-up batches.
    incremental = make_host(real_views(), batch_size=5)
    incremental.catch_up_batch_size = 5
    for _ in range(6):
        workload.run(40)
        incremental.catch_up()
    head = incremental.log.head()
    assert head > 150
    built = {name: view_rows(incremental, name) for name in incremental.views}

    # Rebuilt into shadow tables, in batches of 7, and of 60 while far behind.
    rebuilding = make_host(real_views(), batch_size=7)
    rebuilding.catch_up_batch_size = 60
    for name in rebuilding.views:
        assert rebuilding.rebuild(name) == head
        assert view_rows(rebuilding, name) == built[name]
    for view in real_views():
        assert built[view.name] == expected_rows(view, incremental.log)


def test_views_at_one_position_share_one_transaction_per_batch(
    container: Container, make_host: HostFactory
) -> None:
    write_notes(container, WARDS * 20, edits=10)  # 70 events
    host = make_host(batch_size=10)
    host.catch_up_batch_size = 30
    host.prepare()
    transactions = count_write_transactions(host)
    host.catch_up()
    # 70 events, more than 30 behind: 30, 30 (then 10 behind: 10), both views together.
    assert transactions[0] == 3
    for view in host.views.values():
        assert view_rows(host, view.name) == expected_rows(view, host.log)
    assert set(host.live_positions().values()) == {host.log.head()}


def test_a_failing_view_in_a_shared_batch_leaves_the_others_exactly_once(
    container: Container, make_host: HostFactory
) -> None:
    write_notes(container, WARDS * 5)
    write_notes(container, [EXPLODING_WARD])
    write_notes(container, WARDS * 5)
    host = make_host([FailingView(), NoteCounts(), NoteList()], batch_size=4)
    host.catch_up_batch_size = 12
    host.catch_up()
    assert view_rows(host, "note_counts") == expected_rows(NoteCounts(), host.log)
    assert view_rows(host, "note_list") == expected_rows(NoteList(), host.log)
    state = host.read_states()["failing"]
    assert state.failure is not None
    assert state.failed_at == 16
    assert state.position == 15


# ------------------------------------------------------------------------- row cache

ODD = Table("rm_odd", {"k": "text not null", "n": "integer", "r": "real", "b": "boolean",
                       "t": "text", "j": "json", "g": "text"},
            primary_key=("k",), indexes=(("g",),))


class OddView(View):
    name = "odd"
    tables = (ODD,)
    topics = ()

    def apply(self, cur: Any, events: Any) -> None:  # pragma: no cover - never run
        pass


def odd_rows() -> list[dict[str, Any]]:
    return [
        {"k": "plain", "n": 1, "r": 1.5, "b": True, "t": "text", "j": {"a": [1, 2]}, "g": "x"},
        {"k": "nulls", "n": None, "r": None, "b": None, "t": None, "j": None, "g": None},
        {"k": "quotes", "n": -(2**62), "r": 2.0, "b": False,
         "t": 'it\'s "quoted" \\ back\\slash\n\ttab', "j": [], "g": "x"},
        {"k": "unicode é ✓ 😀", "n": 0, "r": -0.25, "b": False, "t": "Ünïcödé 😀",
         "j": {"ü": "✓"}, "g": "y"},
        {"k": "integral real", "n": 7, "r": 3, "b": True, "t": "", "j": {}, "g": "y"},
    ]


def stored_rows(host: ProjectionHost) -> list[tuple[Any, ...]]:
    with host.reading() as cur:
        return sorted(cur.rows("rm_odd"), key=repr)


@pytest.mark.parametrize("with_nan", [False, True])
def test_row_cache_writes_and_reads_back_every_kind_of_value(
    make_host: HostFactory, with_nan: bool
) -> None:
    host = make_host([OddView()])
    host.prepare()
    rows = odd_rows()
    if with_nan:  # not JSON: PostgreSQL falls back to row-by-row upserts
        rows.append({"k": "nan", "n": 1, "r": math.inf, "b": True, "t": "t", "j": None,
                     "g": "z"})
    with host.db.transaction(write=True) as raw:
        cache = BatchRows(raw_cursor(host, raw), OddView.tables)
        for row in rows:
            cache["rm_odd"].put(row)
        cache.flush()
    written = stored_rows(host)
    assert len(written) == len(rows)
    with host.db.transaction(write=True) as raw:
        table = TableRows(raw_cursor(host, raw), ODD)
        table.load("k", [row["k"] for row in rows])
        by_group = table.where("g", "x")
        assert sorted(row["k"] for row in by_group) == ["plain", "quotes"]
        # Rewriting what was read changes nothing.
        for row in by_group:
            table.update(row)
        # A row moved to another group is found there, not in its old one.
        moved = table.get(("plain",))
        assert moved is not None
        table.update(moved, g="y", r=1)
        assert sorted(row["k"] for row in table.where("g", "y")) == [
            "integral real", "plain", "unicode é ✓ 😀"]
        assert [row["k"] for row in table.where("g", "x")] == ["quotes"]
        table.delete(("nulls",))
        assert table.get(("nulls",)) is None
        table.flush()
    after = {row[0]: row for row in stored_rows(host)}
    assert "nulls" not in after
    assert after["plain"][6] == "y"
    assert after["plain"][2] == 1.0
    assert {k: v for k, v in after.items() if k != "plain"} == {
        row[0]: row for row in written if row[0] not in ("plain", "nulls")}


def raw_cursor(host: ProjectionHost, raw: Any) -> ViewCursor:
    return ViewCursor(raw, host.db.dialect, {"rm_odd": "rm_odd"}, strict=True)


def test_row_cache_writes_keys_of_mixed_types_in_a_fixed_order() -> None:
    db = MemoryDatabase()
    table = Table("rm_mixed", {"k": "text", "v": "integer"}, primary_key=("k",))
    with db.transaction(write=True) as raw:
        raw.execute("CREATE TABLE rm_mixed (k TEXT PRIMARY KEY, v INTEGER)")
        rows = TableRows(ViewCursor(raw, db.dialect, {"rm_mixed": "rm_mixed"}), table)
        for key in ("b", 3, "a", 1):
            rows.put({"k": key, "v": 1})
        rows.flush()
        raw.execute("SELECT count(*) FROM rm_mixed")
        assert raw.fetchone()[0] == 4
    db.close()
