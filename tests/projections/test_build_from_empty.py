"""Building a view from empty (a new view, a rebuild): a view that ``builds_in_memory``
keeps the rows it wrote between batches instead of reading them back, and gets its
secondary indexes once, when the build has caught up. Whatever interrupts that (too many
rows, a failing event, another runner, a restart) must leave the same rows and every index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from adapters.bootstrap import Container
from bench.workload import RandomChooser, Workload
from projections.case_list import CaseListView
from projections.db import ViewCursor
from projections.framework import ProjectionHost, Table, View, physical_name
from projections.plan_list import PlanListView
from projections.review_list import ReviewListView
from projections.rowcache import BatchRows, stored
from projections.testing import expected_rows, view_rows
from tests.projections.conftest import HostFactory, write_notes
from tests.support.sample_domain import Note
from tests.support.sample_views import EXPLODING_WARD

WARDS = ["Baldock Town", "Hitchin Oughton", "Letchworth South"]


def real_views() -> list[View]:
    return [CaseListView(), PlanListView(), ReviewListView()]


class WardNotes(View):
    """Notes per ward through ``BatchRows``; an exploding ward's note fails."""

    name = "ward_notes"
    builds_in_memory: ClassVar[bool] = True
    tables: ClassVar[tuple[Table, ...]] = (
        Table("rm_ward_notes", {"note_id": "uuid not null", "ward": "text not null",
                                "edits": "integer not null"},
              primary_key=("note_id",), indexes=(("ward",), ("edits", "ward"))),
    )
    topics: ClassVar[tuple[type[Any], ...]] = (Note.Written, Note.Edited)

    def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
        rows = BatchRows(cur, self.tables)
        notes = rows["rm_ward_notes"]
        notes.load("note_id", {e.originator_id for e in events
                               if isinstance(e, Note.Edited)})
        for event in events:
            if isinstance(event, Note.Written):
                if event.ward == EXPLODING_WARD:
                    raise ZeroDivisionError("cannot count this ward")
                notes.put({"note_id": event.originator_id, "ward": event.ward, "edits": 0})
            else:
                row = notes.get((event.originator_id,))
                assert row is not None
                notes.update(row, edits=row["edits"] + 1)
        rows.flush()


def index_names(host: ProjectionHost, name: str, *, shadow_generation: int | None = None
                ) -> set[str]:
    dialect = host.db.dialect
    found: set[str] = set()
    with host.db.transaction(write=False) as raw:
        for table in host.views[name].table_names:
            physical = physical_name(table, shadow_generation or 0,
                                     shadow=shadow_generation is not None)
            raw.execute(dialect.native(dialect.index_catalog), [physical])
            found |= {row[0] for row in raw.fetchall()}
    return found


def wanted_indexes(host: ProjectionHost, name: str, generation: int) -> set[str]:
    return {index for table in host.views[name].tables
            for index, _ in table.index_statements(host.db.dialect, table.name, generation)}


def has_all_indexes(host: ProjectionHost, name: str, generation: int = 0) -> bool:
    return wanted_indexes(host, name, generation) <= index_names(host, name)


def workload(container: Container) -> Workload:
    return Workload(container.store, RandomChooser(11), save_every=5)


def test_a_build_from_empty_indexes_the_tables_once_caught_up(
    container: Container, make_host: HostFactory
) -> None:
    steps = workload(container)
    steps.run(120)
    host = make_host(real_views(), batch_size=7)
    host.catch_up_batch_size = 20
    host.run_once()
    for name in host.views:
        assert host.live_positions()[name] > 0
        assert not wanted_indexes(host, name, 0) & index_names(host, name)
    host.catch_up()
    for view in real_views():
        assert has_all_indexes(host, view.name)
        assert view_rows(host, view.name) == expected_rows(view, host.log)
    # Then the views follow the log as usual, reading their rows back.
    steps.run(60)
    host.catch_up()
    for view in real_views():
        assert view_rows(host, view.name) == expected_rows(view, host.log)


def test_a_rebuild_swaps_in_indexed_tables(container: Container, make_host: HostFactory
                                           ) -> None:
    workload(container).run(80)
    host = make_host(real_views(), batch_size=9)
    host.catch_up()
    before = {name: view_rows(host, name) for name in host.views}
    for name in host.views:
        host.rebuild(name)
        assert has_all_indexes(host, name, generation=1)
        assert not wanted_indexes(host, name, 0) & index_names(host, name)
        assert view_rows(host, name) == before[name]


def test_a_build_that_outgrows_its_memory_reads_rows_back(
    container: Container, make_host: HostFactory
) -> None:
    workload(container).run(120)
    host = make_host(real_views(), batch_size=7)
    host.catch_up_batch_size = 20
    host.resident_rows = 3
    host.run_once()  # a batch of 20 events writes more than 3 rows of case_list
    assert has_all_indexes(host, "case_list")
    host.catch_up()
    for view in real_views():
        assert has_all_indexes(host, view.name)
        assert view_rows(host, view.name) == expected_rows(view, host.log)


def test_a_view_failing_while_built_from_empty_gets_its_indexes(
    container: Container, make_host: HostFactory
) -> None:
    write_notes(container, WARDS * 4)
    notes = write_notes(container, [EXPLODING_WARD])
    host = make_host([WardNotes()], batch_size=5)
    host.catch_up()
    state = host.read_states()["ward_notes"]
    assert state.failure is not None
    assert state.position == 12
    assert has_all_indexes(host, "ward_notes")
    with host.reading() as cur:
        assert cur.scalar("SELECT count(*) FROM {rm_ward_notes}") == 12
        assert cur.scalar("SELECT count(*) FROM {rm_ward_notes} WHERE note_id = ?",
                          (stored(notes[0].id),)) == 0


def test_a_build_from_empty_taken_over_by_another_runner(
    container: Container, make_host: HostFactory
) -> None:
    write_notes(container, WARDS * 10, edits=12)  # 42 events
    first = make_host([WardNotes()], batch_size=5)
    first.catch_up_batch_size = 5
    first.run_once()
    first.run_once()
    assert not has_all_indexes(first, "ward_notes")
    # Another runner (or this one, restarted) carries on: it reads rows back, so it first
    # creates the missing indexes.
    second = make_host([WardNotes()], batch_size=5)
    second.catch_up_batch_size = 5
    second.run_once()
    assert has_all_indexes(second, "ward_notes")
    # The first runner's rows in memory are stale now: it must not use them.
    write_notes(container, WARDS, edits=3)
    first.catch_up()
    second.catch_up()
    assert view_rows(first, "ward_notes") == expected_rows(WardNotes(), first.log)


def test_a_new_view_on_an_empty_log_is_indexed_by_its_first_batch(
    container: Container, make_host: HostFactory
) -> None:
    host = make_host([WardNotes()])
    host.catch_up()
    assert not has_all_indexes(host, "ward_notes")  # nothing to build yet
    write_notes(container, WARDS)
    host.catch_up()
    assert has_all_indexes(host, "ward_notes")
    assert view_rows(host, "ward_notes") == expected_rows(WardNotes(), host.log)
