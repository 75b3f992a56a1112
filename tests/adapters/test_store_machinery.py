"""The event store on both backends: hash chain, idempotency, encryption, as-at, retries."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.bootstrap import Container
from adapters.persistence.audit_chain import ChainVerifier
from application.commands import Idempotency
from application.errors import IdempotencyKeyReused, StaleVersion
from domain.shared import clock
from domain.shared.personal import ERASED
from tests.support.sample_domain import Note


def _verify(container: Container) -> Any:
    verifier = ChainVerifier()
    verifier.feed(container.store.recorder.iter_chain_rows())  # type: ignore[attr-defined]
    return verifier.report


def test_saved_events_replay_and_chain_verifies(container: Container) -> None:
    note = Note(partnership_id="north-herts", text="Loud music at night", ward="Hitchin Oughton")
    note.edit(text="Loud music most nights")
    container.store.save(note)
    other = Note(partnership_id="north-herts", text="Graffiti", ward="Baldock Town")
    container.store.save(other)

    copy = container.store.repository.get(note.id)
    assert copy.text == "Loud music most nights"
    assert copy.version == 2
    report = _verify(container)
    assert report.ok, report.breaks
    assert report.events_checked == 3
    assert report.aggregates_checked == 2


def test_events_carry_who_acted(container: Container) -> None:
    from application.context import Actor, RequestContext, acting_as

    actor = Actor(user_id="pc.jones", display_name="PC Jones", agency="herts-police",
                  roles=("officer",), partnerships=("north-herts",))
    with acting_as(RequestContext(actor=actor, request_id="req-1", reason="new report")):
        note = Note(partnership_id="north-herts", text="x", ward="Baldock Town")
        container.store.save(note)
    events = list(container.store.events.get(note.id))
    assert events[0].audit == {
        "user_id": "pc.jones", "display_name": "PC Jones", "agency": "herts-police",
        "roles": ["officer"], "request_id": "req-1", "reason": "new report",
    }


def test_personal_fields_are_encrypted_and_erasable(container: Container) -> None:
    note = Note(partnership_id="north-herts", text="Mrs Example at 4 Sample Road",
                ward="Hitchin Oughton")
    container.store.save(note)
    stored = container.store.recorder.select_events(note.id)
    assert b"Sample Road" not in stored[0].state
    assert b"Hitchin Oughton" in stored[0].state  # non-personal facts stay in clear

    keyring = container.store.mapper.keyring  # type: ignore[attr-defined]
    assert keyring.destroy(note.id)
    erased = container.store.repository.get(note.id)
    assert erased.text == ERASED
    assert erased.ward == "Hitchin Oughton"
    assert _verify(container).ok


def test_as_at_finds_the_version_recorded_by_then(container: Container) -> None:
    start = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        note = Note(partnership_id="north-herts", text="first", ward="Baldock Town")
        container.store.save(note)
    with clock.frozen_at(start + timedelta(hours=2)):
        note.edit(text="second")
        container.store.save(note)
    store = container.store
    assert store.version_as_at(note.id, start - timedelta(seconds=1)) is None
    assert store.version_as_at(note.id, start) == 1
    assert store.version_as_at(note.id, start + timedelta(hours=1)) == 1
    assert store.version_as_at(note.id, start + timedelta(hours=2)) == 2


def _edit(text: str) -> Any:
    def command(note: Note) -> None:
        note.edit(text=text)

    return command


def test_idempotent_retry_writes_once(container: Container) -> None:
    note = Note(partnership_id="north-herts", text="a", ward="Baldock Town")
    container.store.save(note)
    key = Idempotency(key="k-1", fingerprint="f-1")
    first = container.runner.update(note.id, container.store.repository.get, _edit("b"),
                                    idempotency=key)
    again = container.runner.update(note.id, container.store.repository.get, _edit("b"),
                                    idempotency=key)
    assert (again.version, again.position) == (first.version, first.position)
    assert again.replayed
    assert not first.replayed
    assert container.store.repository.get(note.id).version == 2
    with pytest.raises(IdempotencyKeyReused):
        container.runner.update(note.id, container.store.repository.get, _edit("c"),
                                idempotency=Idempotency(key="k-1", fingerprint="other"))


def test_stale_expected_version_writes_nothing(container: Container) -> None:
    note = Note(partnership_id="north-herts", text="a", ward="Baldock Town")
    container.store.save(note)
    container.runner.update(note.id, container.store.repository.get, _edit("b"))
    with pytest.raises(StaleVersion) as raised:
        container.runner.update(note.id, container.store.repository.get, _edit("c"),
                                expected_version=1)
    assert raised.value.current == 2
    assert container.store.repository.get(note.id).text == "b"


def test_concurrent_writers_are_retried_not_lost(container: Container) -> None:
    note = Note(partnership_id="north-herts", text="start", ward="Baldock Town")
    container.store.save(note)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            for round_ in range(5):
                container.runner.update(note.id, container.store.repository.get,
                                        _edit(f"w{index}-{round_}"))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = container.store.repository.get(note.id)
    assert final.version == 1 + 4 * 5
    assert final.edits == 20
    assert _verify(container).ok
