"""The projection runner on both stores: exactly once, batched, failures, rebuilds."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from adapters.bootstrap import Container
from projections.db import ViewCursor
from projections.framework import RebuildFailed, Table, View
from projections.testing import expected_rows, table_rows, view_rows
from tests.projections.conftest import HostFactory, write_notes
from tests.support.sample_domain import Note
from tests.support.sample_views import EXPLODING_WARD, FailingView, NoteCounts, NoteList

WARDS = ["Baldock Town", "Hitchin Oughton", "Letchworth South"]

step = st.one_of(
    st.tuples(st.just("write"), st.lists(st.sampled_from(WARDS), min_size=1, max_size=4)),
    st.tuples(st.just("edit"), st.lists(st.integers(0, 1000), min_size=1, max_size=3)),
    st.tuples(st.just("run"), st.integers(1, 3)),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, max_size=10), batch_size=st.integers(1, 6))
def test_views_equal_a_from_scratch_computation(
    container: Container, make_host: HostFactory,
    steps: list[tuple[str, Any]], batch_size: int,
) -> None:
    # Every example starts a new host over the same database: a restart, resuming from the
    # stored positions, with another batch size.
    host = make_host(batch_size=batch_size)
    notes: list[Note] = []
    for kind, argument in steps:
        if kind == "write":
            notes += write_notes(container, argument)
        elif kind == "edit" and notes:
            chosen = {notes[i % len(notes)].id: notes[i % len(notes)] for i in argument}
            for note in chosen.values():
                note.edit(text="changed")
            container.store.save(*chosen.values())
        elif kind == "run":
            for _ in range(argument):
                host.run_once()
    host.catch_up()
    assert view_rows(host, "note_counts") == expected_rows(NoteCounts(), host.log)
    assert view_rows(host, "note_list") == expected_rows(NoteList(), host.log)
    head = host.log.head()
    assert host.live_positions() == {"note_counts": head, "note_list": head}


class EditsOnly(View):
    name = "edits_only"
    tables = (Table("rm_edits_only", {"note_id": "uuid not null", "edits": "integer not null"},
                    primary_key=("note_id",)),)
    topics = (Note.Edited,)

    def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
        self.seen = getattr(self, "seen", 0) + len(events)
        for event in events:
            assert isinstance(event, Note.Edited)
            cur.upsert("rm_edits_only", {"note_id": event.originator_id}, increment={"edits": 1})


def test_topics_filter_skips_other_events_and_still_advances(
    container: Container, make_host: HostFactory
) -> None:
    view = EditsOnly()
    host = make_host([view], batch_size=4)
    write_notes(container, WARDS * 4, edits=3)
    write_notes(container, WARDS)  # nothing for this view after the last edit
    host.catch_up()
    assert view.seen == 3
    assert host.live_positions()["edits_only"] == host.log.head()
    assert view_rows(host, "edits_only") == expected_rows(EditsOnly(), host.log)
    assert host.lag()["views"]["edits_only"]["state"] == "current"


def test_a_failing_view_stops_at_its_event_and_the_others_carry_on(
    container: Container, make_host: HostFactory
) -> None:
    host = make_host([FailingView(), NoteCounts()], batch_size=50)
    write_notes(container, WARDS)
    bad = write_notes(container, [EXPLODING_WARD])[0]
    write_notes(container, WARDS)
    bad_position = next(
        n.id for n in host.log.read(0, 100) if n.originator_id == bad.id
    )
    with capture_logs() as logs:
        host.catch_up()
    head = host.log.head()
    positions = host.live_positions()
    assert positions["note_counts"] == head
    assert positions["failing"] == bad_position - 1  # the events before it are applied
    assert table_rows(host.db, FailingView()) == {
        "rm_failing": sorted([(ward, 1) for ward in WARDS], key=repr)
    }
    lag = host.lag()
    assert lag["ok"] is False
    failing = lag["views"]["failing"]
    assert failing["state"] == "failed"
    assert failing["failed_at"] == bad_position
    assert "ZeroDivisionError" in failing["failure"]
    assert "Note.Written" in failing["failure"]
    failures = [entry for entry in logs if entry["event"] == "view_failed"]
    assert len(failures) == 1
    assert failures[0]["position"] == bad_position
    assert failures[0]["event_type"] == "Note.Written"
    # Only ids and types: no field values, no error message.
    logged = repr(failures)
    assert "note 0" not in logged
    assert EXPLODING_WARD not in logged
    assert "cannot count" not in logged

    # A restarted runner retries the event: it is never skipped.
    restarted = make_host([FailingView(), NoteCounts()], batch_size=50)
    restarted.catch_up()
    assert restarted.live_positions()["failing"] == bad_position - 1
    assert restarted.lag()["views"]["failing"]["state"] == "failed"
    assert restarted.wait_for(head, timeout=5.0, views=["failing"]).caught_up is False


def test_two_runners_on_one_database_never_apply_a_batch_twice(
    container: Container, make_host: HostFactory
) -> None:
    write_notes(container, WARDS * 20, edits=15)
    first, second = make_host(batch_size=3), make_host(batch_size=5)
    errors: list[BaseException] = []

    def run(host: Any) -> None:
        try:
            host.catch_up()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(h,)) for h in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    first.catch_up()
    second.catch_up()
    assert view_rows(first, "note_counts") == expected_rows(NoteCounts(), first.log)
    assert view_rows(first, "note_list") == expected_rows(NoteList(), first.log)


class NoteCountsV2(NoteCounts):
    """A new version: counts notes only, in a differently shaped table."""

    version = 2
    tables = (Table("rm_note_counts", {"ward": "text not null", "total": "integer not null"},
                    primary_key=("ward",)),)
    topics = (Note.Written,)

    def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
        for event in events:
            cur.upsert("rm_note_counts", {"ward": event.ward}, increment={"total": 1})


def test_a_new_version_is_built_in_shadow_tables_and_swapped_in(
    container: Container, make_host: HostFactory
) -> None:
    write_notes(container, WARDS * 5, edits=2)
    old = make_host([NoteCounts()])
    old.catch_up()
    old_rows = view_rows(old, "note_counts")

    new = make_host([NoteCountsV2()], batch_size=4)
    new.run_once()
    new.run_once()
    # Half way through the rebuild the old version is still there, complete.
    assert new.lag()["views"]["note_counts"]["state"] == "outdated"
    assert table_rows(old.db, NoteCounts()) == old_rows
    new.catch_up()
    lag = new.lag()["views"]["note_counts"]
    assert (lag["state"], lag["stored_version"]) == ("current", 2)
    assert view_rows(new, "note_counts") == expected_rows(NoteCountsV2(), new.log)
    with new.reading() as cur:
        assert cur.rows("rm_note_counts", order_by="ward") == [(w, 5) for w in sorted(WARDS)]
        # The old version's second table is gone with it.
        assert cur.scalar("SELECT count(*) FROM rm_view_state WHERE tables LIKE ?",
                          ("%rm_note_wards%",)) == 0
    # The old code does not fight back.
    old.catch_up()
    assert old.lag()["views"]["note_counts"]["state"] == "superseded"
    assert view_rows(new, "note_counts") == expected_rows(NoteCountsV2(), new.log)

    # New events after the swap are applied to the new tables.
    write_notes(container, WARDS)
    new.catch_up()
    assert view_rows(new, "note_counts") == expected_rows(NoteCountsV2(), new.log)


def test_rebuild_keeps_the_old_view_readable_until_the_swap(
    container: Container, make_host: HostFactory
) -> None:
    write_notes(container, WARDS * 30, edits=10)
    host = make_host(batch_size=7)
    host.catch_up()
    complete = view_rows(host, "note_counts")
    seen: list[Any] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            with host.reading() as cur:
                seen.append(cur.rows("rm_note_counts", order_by="ward"))

    thread = threading.Thread(target=reader)
    thread.start()
    progress: list[tuple[int, int]] = []

    def on_progress(position: int, head: int) -> None:
        progress.append((position, head))
        with host.reading() as cur:  # between batches: the live view is the old one
            assert sorted(cur.rows("rm_note_counts"), key=repr) == complete["rm_note_counts"]

    try:
        swapped_at = host.rebuild("note_counts", progress=on_progress)
    finally:
        stop.set()
        thread.join(10)
    head = host.log.head()
    assert swapped_at == head
    assert len(progress) > 10
    assert progress[-1] == (head, head)
    assert seen, "the reader never read"
    expected = sorted(complete["rm_note_counts"])
    assert all(sorted(rows) == expected for rows in seen)  # never empty, never partial
    assert view_rows(host, "note_counts") == complete
    state = host.read_states()["note_counts"]
    assert (state.generation, state.shadow_generation, state.position) == (1, None, head)


def test_an_interrupted_rebuild_resumes(container: Container, make_host: HostFactory) -> None:
    write_notes(container, WARDS * 10, edits=5)
    host = make_host(batch_size=4)
    host.catch_up()
    calls = 0

    def interrupt(position: int, head: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        host.rebuild("note_list", progress=interrupt)
    state = host.read_states()["note_list"]
    assert state.shadow_generation == 1
    assert state.shadow_position == 12
    assert host.lag()["views"]["note_list"]["state"] == "rebuilding"

    resumed: list[int] = []
    host.rebuild("note_list", progress=lambda position, head: resumed.append(position))
    assert resumed[0] == 12
    assert view_rows(host, "note_list") == expected_rows(NoteList(), host.log)
    assert host.read_states()["note_list"].generation == 1


def test_a_failing_rebuild_leaves_the_live_view_alone(
    container: Container, make_host: HostFactory
) -> None:
    write_notes(container, WARDS)
    host = make_host([FailingView()])
    host.catch_up()
    before = view_rows(host, "failing")
    write_notes(container, [EXPLODING_WARD])
    with pytest.raises(RebuildFailed, match="ZeroDivisionError"):
        host.rebuild("failing")
    assert view_rows(host, "failing") == before
    assert host.lag()["views"]["failing"]["state"] == "failed"


def test_view_sql_must_name_tables_in_braces(
    container: Container, make_host: HostFactory
) -> None:
    class Careless(View):
        name = "careless"
        tables = (Table("rm_careless", {"n": "integer"}),)

        def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
            cur.execute("INSERT INTO rm_careless (n) VALUES (?)", (1,))

    host = make_host([Careless()])
    write_notes(container, WARDS)
    host.catch_up()
    assert host.lag()["views"]["careless"]["state"] == "failed"
    assert "ValueError" in host.lag()["views"]["careless"]["failure"]
