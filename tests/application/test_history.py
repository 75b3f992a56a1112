"""History and as-at on both stores, over the sample Note aggregate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from application.errors import NotFound
from application.history import FieldChange, HistoryService
from domain.shared import clock
from tests.support.sample_domain import Note

START = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)


def _actor(user_id: str) -> Actor:
    return Actor(user_id=user_id, display_name=user_id.title(), agency="herts-police",
                 roles=("officer",), partnerships=("north-herts",))


def test_history_lists_each_event_with_who_why_and_what_changed(container: Container) -> None:
    store = container.store
    with acting_as(RequestContext(actor=_actor("pc.jones"), request_id="r-1",
                                  reason="new report")), clock.frozen_at(START):
        note = Note(partnership_id="north-herts", text="loud music", ward="Baldock Town")
        store.save(note)
    with acting_as(RequestContext(actor=_actor("asb.smith"), request_id="r-2")), \
            clock.frozen_at(START + timedelta(hours=1)):
        note.edit(text="loud music nightly")
        store.save(note)

    page = HistoryService(store).history(note.id)

    assert page.total == 2
    assert page.next_offset is None
    created, edited = page.entries
    assert (created.version, created.event_type, created.recorded_at) == (1, "Written", START)
    assert created.actor is not None
    assert (created.actor.user_id, created.actor.agency, created.actor.request_id) == (
        "pc.jones", "herts-police", "r-1")
    assert created.reason == "new report"
    assert set(created.changes) == {
        FieldChange("partnership_id", None, "north-herts"),
        FieldChange("text", None, "loud music"),
        FieldChange("ward", None, "Baldock Town"),
        FieldChange("edits", None, 0),
    }
    assert edited.event_type == "Edited"
    assert edited.actor is not None
    assert edited.actor.user_id == "asb.smith"
    assert edited.reason is None
    assert edited.changes == (
        FieldChange("text", "loud music", "loud music nightly"),
        FieldChange("edits", 0, 1),
    )
    assert edited.summary == "Edited: text 'loud music' -> 'loud music nightly'; edits 0 -> 1"
    audit = store.audited_recorder.audit_entries(note.id)
    assert [(e.notification_id, e.event_hash) for e in page.entries] == [
        (a.notification_id, a.event_hash) for a in audit
    ]


def test_history_pages_replay_from_the_right_state(container: Container) -> None:
    store = container.store
    note = Note(partnership_id="north-herts", text="t0", ward="Baldock Town")
    for number in range(1, 8):
        note.edit(text=f"t{number}")
    store.save(note)
    if store.snapshots is not None:
        store.take_snapshot(note.id, version=4)
    service = HistoryService(store)

    page = service.history(note.id, offset=3, limit=2)

    assert [e.version for e in page.entries] == [4, 5]
    assert page.entries[0].changes == (FieldChange("text", "t2", "t3"),
                                       FieldChange("edits", 2, 3))
    assert page.next_offset == 5
    assert page.total == 8
    last = service.history(note.id, offset=5, limit=10)
    assert [e.version for e in last.entries] == [6, 7, 8]
    assert last.next_offset is None
    assert [e.version for e in service.full_history(note.id)] == list(range(1, 9))


def test_history_of_an_unknown_record_is_not_found(container: Container) -> None:
    with pytest.raises(NotFound):
        HistoryService(container.store).history(uuid4(), kind="case")


def test_state_at_a_version_and_outside_the_history(container: Container) -> None:
    store = container.store
    with clock.frozen_at(START):
        note = Note(partnership_id="north-herts", text="a", ward="Baldock Town")
        note.edit(text="b")
        store.save(note)
    service = HistoryService(store)
    assert service.state_at(note.id, version=1).text == "a"
    assert service.state_at(note.id).text == "b"
    with pytest.raises(NotFound):
        service.state_at(note.id, version=3)
    with pytest.raises(NotFound):
        service.state_at(note.id, as_at=START - timedelta(microseconds=1))
    with pytest.raises(NotFound):
        service.state_at(uuid4(), version=1)


gaps = st.integers(min_value=1, max_value=3 * 24 * 3600 * 10**6).map(
    lambda micros: timedelta(microseconds=micros)
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(
    texts=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=10),
    gaps_between=st.lists(gaps, min_size=10, max_size=10),
    snapshot_at=st.integers(min_value=0, max_value=10),
)
def test_as_at_each_event_time_gives_the_state_after_that_event(
    container: Container, texts: list[str], gaps_between: list[timedelta], snapshot_at: int
) -> None:
    store = container.store
    moments: list[datetime] = []
    moment = START
    note: Note | None = None
    for index, text in enumerate(texts):
        moment += gaps_between[index]
        moments.append(moment)
        with clock.frozen_at(moment):
            if note is None:
                note = Note(partnership_id="north-herts", text=text, ward="Baldock Town")
            else:
                note.edit(text=text)
    assert note is not None
    store.save(note)
    if store.snapshots is not None and 1 <= snapshot_at <= len(texts):
        store.take_snapshot(note.id, version=snapshot_at)
    service = HistoryService(store)

    with pytest.raises(NotFound):
        service.state_at(note.id, as_at=moments[0] - timedelta(microseconds=1))
    for version, (at, text) in enumerate(zip(moments, texts, strict=True), start=1):
        then = service.state_at(note.id, as_at=at)
        assert (then.version, then.text, then.edits) == (version, text, version - 1)
        just_before_next = (moments[version] - timedelta(microseconds=1)
                            if version < len(moments) else at + timedelta(days=365))
        assert service.state_at(note.id, as_at=just_before_next).version == version
        assert service.state_at(note.id, version=version).text == text
