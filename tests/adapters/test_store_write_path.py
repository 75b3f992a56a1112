"""The write path on both stores: one transaction per save, keys and audit rows included.

A subject's first data key is inserted in the same transaction as the first events sealed
with it (one durable commit to open a record, not two), and the audit reads of a save are
queued behind the insert (PostgreSQL). These tests pin down that the shortcut loses nothing:
a failed save stores no key, a key stored meanwhile by another writer wins, snapshots
(stored on their own) commit the key first, and multi-aggregate saves chain correctly.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError
from psycopg.pq import Trace

from adapters.bootstrap import Container, bootstrap
from adapters.config.settings import Settings
from adapters.persistence.audit_chain import ChainVerifier
from adapters.persistence.keyring import SubjectKeyDestroyed, SubjectKeyring
from application.context import Actor, RequestContext, acting_as
from application.ports import IdempotencyClaim
from domain.cases import AsbType, NsirCategory, ReportingChannel
from tests.support.sample_domain import Note

OFFICER = RequestContext(actor=Actor(
    user_id="pc.jones", display_name="PC Jones", agency="herts-police",
    roles=("officer",), partnerships=("north-herts",)))


def _note(text: str = "Mrs Example at 4 Sample Road") -> Note:
    return Note(partnership_id="north-herts", text=text, ward="Hitchin Oughton")


def _keyring(container: Container) -> SubjectKeyring:
    keyring: SubjectKeyring = container.store.mapper.keyring  # type: ignore[attr-defined]
    return keyring


def _reread(container: Container, note: Note) -> Any:
    """The note as stored, read with an empty key cache (so the stored key is used)."""
    _keyring(container).forget_cache()
    return container.store.repository.get(note.id)


@pytest.fixture
def other(test_settings: Settings) -> Iterator[Container]:
    """A second store on the same database and master key: another process."""
    built = bootstrap(test_settings)
    try:
        yield built
    finally:
        built.close()


def test_a_new_subjects_key_is_written_with_its_first_events(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = _keyring(container)
    assert keyring.defers_new_keys

    def no_separate_commit(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a new key was committed in a transaction of its own")

    def no_lookup(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a brand-new subject's key was looked up")

    monkeypatch.setattr(keyring, "_load_or_create", no_separate_commit)
    monkeypatch.setattr(keyring, "_select_wrapped", no_lookup)
    note = _note()
    container.store.save(note)
    monkeypatch.undo()

    assert keyring.status(note.id) is not None
    assert _reread(container, note).text == "Mrs Example at 4 Sample Road"
    note.edit(text="Mrs Example, now at 6 Sample Road")
    container.store.save(note)
    assert _reread(container, note).text == "Mrs Example, now at 6 Sample Road"


def test_a_failed_save_stores_no_key_and_the_retry_stores_it(container: Container) -> None:
    first = _note("first")
    claim = IdempotencyClaim(key="same-key", fingerprint="f", aggregate_id=first.id,
                             version=1)
    container.store.save(first, idempotency=claim)
    second = _note("second")
    retry = copy.deepcopy(second)
    with pytest.raises(IntegrityError):
        container.store.save(second, idempotency=claim)  # the idempotency key collides

    keyring = _keyring(container)
    assert keyring.status(second.id) is None  # rolled back with the events
    assert keyring._unsaved == {}  # the failed save's new key is not kept (no leak)
    container.store.save(retry)
    assert keyring.status(second.id) is not None
    assert _reread(container, retry).text == "second"
    assert _reread(container, first).text == "first"


def test_reading_while_our_new_key_is_unsaved_uses_the_stored_key(
    container: Container, other: Container
) -> None:
    note = _note("written by us")
    ours, theirs = _keyring(container), _keyring(other)
    ours.seal_deferring(note.id, b"probe")  # we made a key and have not stored it yet...
    sealed_by_them = theirs.seal(note.id, b"theirs")  # ...when another process stores one
    assert ours.open(note.id, sealed_by_them) == b"theirs"
    container.store.save(note)  # ours was dropped: the save seals with theirs
    assert _reread(container, note).text == "written by us"
    assert _reread(other, note).text == "written by us"


def test_a_key_stored_meanwhile_by_another_writer_fails_the_save_and_wins(
    container: Container, other: Container
) -> None:
    note = _note("written by us")
    retry = copy.deepcopy(note)
    _, new_key = _keyring(container).seal_deferring(note.id, b"probe")
    assert new_key is not None
    _keyring(other).seal(note.id, b"theirs")
    with pytest.raises(IntegrityError):
        container.store.save(note)  # carries a key made before theirs was stored
    container.store.save(retry)  # the command runner's retry: seals with their key
    assert _reread(container, retry).text == "written by us"
    assert _reread(other, retry).text == "written by us"


def test_sealing_a_snapshot_commits_a_new_key_first(container: Container) -> None:
    keyring = _keyring(container)
    subject = _note().id
    sealed_event, new_key = keyring.seal_deferring(subject, b"event")
    assert new_key is not None
    assert keyring.status(subject) is None
    sealed_snapshot = keyring.seal(subject, b"snapshot")  # snapshots are stored on their own
    assert keyring.status(subject) is not None
    assert keyring.seal_deferring(subject, b"more")[1] is None  # stored: nothing to carry
    keyring.forget_cache()
    assert keyring.open(subject, sealed_event) == b"event"
    assert keyring.open(subject, sealed_snapshot) == b"snapshot"


def test_an_erased_subject_gets_no_new_key(container: Container) -> None:
    keyring = _keyring(container)
    note = _note()
    keyring.seal_deferring(note.id, b"probe")
    assert not keyring.destroy(note.id)  # no live key: a tombstone is recorded
    with pytest.raises(SubjectKeyDestroyed, match="erased"):
        container.store.save(note)
    assert keyring.status(note.id) is not None
    assert keyring.status(note.id).destroyed_at is not None  # type: ignore[union-attr]


def test_a_subject_erased_elsewhere_cannot_be_created_with_a_new_key(
    container: Container, other: Container
) -> None:
    note = _note()
    retry = copy.deepcopy(note)
    assert not _keyring(container).destroy(note.id)  # erased (a tombstone) by another process
    with pytest.raises(IntegrityError):
        other.store.save(note)  # not looked up (a new subject): the key INSERT fails...
    with pytest.raises(SubjectKeyDestroyed, match="erased"):
        other.store.save(retry)  # ...and the command runner's retry finds the erasure
    status = _keyring(other).status(note.id)
    assert status is not None
    assert status.destroyed_at is not None
    assert list(other.store.recorder.select_events(note.id)) == []


def test_saves_of_several_aggregates_chain_correctly(container: Container) -> None:
    a, b, c = _note("a"), _note("b"), _note("c")
    container.store.save(a, b)
    a.edit(text="a2")
    b.edit(text="b2")
    b.edit(text="b3")
    container.store.save(b, c, a)
    a.edit(text="a3")
    container.store.save(a)
    verifier = ChainVerifier()
    verifier.feed(container.store.recorder.iter_chain_rows())  # type: ignore[attr-defined]
    assert verifier.report.ok, verifier.report.breaks
    assert verifier.report.events_checked == 7
    assert [_reread(container, n).text for n in (a, b, c)] == ["a3", "b3", "c"]


def test_concurrent_creations_colliding_on_a_counter_are_retried_not_failed(
    container: Container, test_settings: Settings,
) -> None:
    # Opening a case saves the case (a new subject: its key goes with the events) and the
    # reference counter, on which concurrent openings in different processes collide (in
    # one process they take turns): every collision must reach the command runner as an
    # IntegrityError (and be retried), never as another error. Two containers on one
    # database stand for two processes.
    other = bootstrap(test_settings)
    failures: list[BaseException] = []
    opened: list[UUID] = []

    def writer(index: int) -> None:
        service = (container if index % 2 else other).services["cases"]
        with acting_as(OFFICER):
            for _ in range(6):
                try:
                    opened.append(service.open_case(
                        partnership_id="north-herts", nsir_category=NsirCategory.NUISANCE,
                        asb_type=AsbType.ROWDY_BEHAVIOUR, summary="Shouting late at night.",
                        address="Recreation ground", ward="Letchworth Grange",
                        reporting_channel=ReportingChannel.PHONE, lead_agency="herts-police",
                        lead_officer="pc.jones",
                        reported_at=datetime.now(tz=UTC) - timedelta(days=1)).aggregate_id)
                except BaseException as error:  # pragma: no cover - asserted below
                    failures.append(error)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.close()
    assert failures == []
    with acting_as(OFFICER):
        service = container.services["cases"]
        references = {service.get(case_id).reference for case_id in opened}
    assert len(references) == len(opened) == 30
    assert _keyring(container)._unsaved == {}


def test_creations_in_one_process_take_turns_on_the_counter(container: Container) -> None:
    service = container.services["cases"]
    opened: list[UUID] = []

    def writer() -> None:
        with acting_as(OFFICER):
            for _ in range(5):
                opened.append(service.open_case(
                    partnership_id="north-herts", nsir_category=NsirCategory.NUISANCE,
                    asb_type=AsbType.ROWDY_BEHAVIOUR, summary="Shouting late at night.",
                    address="Recreation ground", ward="Letchworth Grange",
                    reporting_channel=ReportingChannel.PHONE, lead_agency="herts-police",
                    lead_officer="pc.jones",
                    reported_at=datetime.now(tz=UTC) - timedelta(days=1)).aggregate_id)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 20
    assert container.runner.collisions == 0


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_a_postgres_save_is_one_statement_in_one_round_trip(
    container: Container, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The key, the lock, the events, the audit rows and the idempotency record are all
    # written by one call of the store's record_events function, sent with one Sync: one
    # round trip and one (autocommit) transaction per save. The call is a prepared
    # statement, so a connection's first save also prepares it (a Parse and its own Sync)
    # once. A version conflict inside it still reaches the caller as an IntegrityError,
    # which the command runner retries.
    datastore: Any = container.store.recorder.datastore  # type: ignore[attr-defined]
    trace = tmp_path / "libpq.trace"
    real_get_connection = datastore.get_connection

    @contextmanager
    def traced_connection() -> Iterator[Any]:
        with real_get_connection() as conn, trace.open("a") as out:
            conn.pgconn.trace(out.fileno())
            conn.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)
            try:
                yield conn
            finally:
                conn.pgconn.untrace()

    note = _note()
    stale_source = _note()
    container.store.save(stale_source)
    stale: Note = container.store.repository.get(stale_source.id)
    stale_source.edit(text="edited")
    container.store.save(stale_source)
    monkeypatch.setattr(datastore, "get_connection", traced_connection)
    container.store.save(note)  # a new subject: its key is inserted in the same call
    note.edit(text="edited")
    container.store.save(note)
    stale.edit(text="stale")
    with pytest.raises(IntegrityError):
        container.store.save(stale)  # a version conflict
    monkeypatch.undo()

    texts: dict[str, str] = {}
    sent: list[str] = []
    for line in trace.read_text().splitlines():
        direction, _, kind, *rest = [*line.split("\t"), ""][:4]
        if direction != "F":
            continue
        if kind == "Parse" and (parse := re.match(r' "([^"]*)" "(.*)" \d+', rest[0])):
            texts[parse[1]] = parse[2]
            sent.append("Parse")
        elif kind == "Bind" and (bind := re.match(r' "[^"]*" "([^"]*)"', rest[0])):
            sent.append(texts[bind[1]])
        elif kind in ("Sync", "Flush"):
            sent.append(kind)
        elif kind == "Query":
            sent.append(rest[0])
    saves = [text for text in sent if "casework_record_events" in text]
    assert len(saves) == 3
    assert 1 <= sent.count("Parse") <= 3  # once per connection the pool handed out
    exchanges: list[str] = []
    for message in sent:
        if message == "Sync" and exchanges[-1:] == ["Parse"]:
            exchanges.pop()  # preparing the statement: a round trip once per connection
        else:
            exchanges.append(message)
    assert exchanges == [saves[0], "Sync"] * 3
    assert container.store.repository.get(note.id).text == "edited"


def test_a_big_snapshot_is_stored_and_read_back_exactly(container: Container) -> None:
    # PostgreSQL writes snapshots with typed binary arrays (postgres_store: the library's
    # composite-type text form quoted every byte in Python); SQLite as the library does.
    store = container.store
    note = _note("x" * 10)
    for number in range(3):
        note.edit(text=f"{number}: " + "".join(chr(c) for c in range(32, 0x2FF)) * 400)
    store.save(note)
    store.put_snapshots([note])
    assert store.snapshots is not None
    [stored] = store.snapshots.recorder.select_events(note.id, desc=True, limit=1)
    assert len(stored.state) > 100_000
    store.forget_cached_aggregates()
    assert _reread(container, note).text == note.text
    assert _reread(container, note).version == note.version
