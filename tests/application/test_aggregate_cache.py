"""The aggregate cache: copy on read, always brought up to date from the store, bounded
in size and age, and checked for in-place changes (application/aggregate_cache.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from adapters.bootstrap import Container, bootstrap
from application.aggregate_cache import (
    AggregateCache,
    AggregateMutatedInPlace,
    CachingRepository,
    working_copy,
)
from application.cases_service import CaseService
from application.context import acting_as
from application.store import CaseworkStore
from domain.cases import AsbCase
from domain.protection.restriction import ProcessingRestriction
from tests.application.test_case_concurrency import OFFICER, _log, _open_case
from tests.conftest import make_settings


class Shelf(Aggregate):
    """A throwaway aggregate with a nested list, to break the copy-on-read rule on purpose."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = [[]]
        self.labels: list[str] = []

    @event("Labelled")
    def label(self, text: str) -> None:
        self.labels.append(text)  # top-level container: allowed

    @event("Stacked")
    def stack_in_place(self, text: str) -> None:
        self.rows[0].append(text)  # nested container changed in place: not allowed


def test_a_working_copy_leaves_the_cached_state_alone() -> None:
    shelf = Shelf()
    shelf.label("a")
    cache = AggregateCache(verify=True)
    cache.put(shelf)
    first = cache.get(shelf.id)
    assert first is not None
    copy_, _ = first
    copy_.label("b")
    assert copy_.labels == ["a", "b"]
    assert len(copy_.pending_events) == 1
    again = cache.get(shelf.id)
    assert again is not None
    assert again[0].labels == ["a"]
    assert again[0].version == shelf.version
    assert again[0].pending_events == []


def test_verification_catches_a_nested_change_in_place() -> None:
    shelf = Shelf()
    cache = AggregateCache(verify=True)
    cache.put(shelf)
    found = cache.get(shelf.id)
    assert found is not None
    found[0].stack_in_place("x")  # shares the nested list with the cached copy
    with pytest.raises(AggregateMutatedInPlace, match="Shelf"):
        cache.get(shelf.id)


def test_the_cache_is_bounded_in_size_and_age() -> None:
    cache = AggregateCache(max_size=2, max_age_seconds=0.05)
    shelves = [Shelf() for _ in range(3)]
    for shelf in shelves:
        cache.put(shelf)
    assert cache.get(shelves[0].id) is None  # least recently used, evicted
    assert cache.get(shelves[2].id) is not None
    time.sleep(0.08)
    assert cache.get(shelves[2].id) is None
    assert len(cache) == 1 or len(cache) == 0


def test_an_older_version_never_replaces_a_newer_one() -> None:
    shelf = Shelf()
    older = working_copy(shelf)
    shelf.label("a")
    cache = AggregateCache()
    cache.put(shelf)
    cache.put(older)
    found = cache.get(shelf.id)
    assert found is not None
    assert found[0].version == shelf.version


def _two_processes(store_kind: str, tmp_path: Path,
                   request: pytest.FixtureRequest) -> tuple[Container, Container]:
    """Two containers on one database, as two service processes would be."""
    settings = make_settings(store_kind, tmp_path, request)
    return bootstrap(settings), bootstrap(settings)


def test_a_load_sees_what_another_process_wrote(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    first, second = _two_processes(store_kind, tmp_path, request)
    try:
        one: CaseService = first.services["cases"]
        two: CaseService = second.services["cases"]
        with acting_as(OFFICER):
            case_id = _open_case(one)
            assert two.get(case_id).version == 1  # now cached in the second process too
            _log(one, case_id, 1, 1, None)
            _log(one, case_id, 1, 2, None)
            seen = two.get(case_id)
        assert seen.version == 3
        assert [i.agency_reference for i in seen.incidents] == ["W1-R1", "W1-R2"]
        cache = second.store.aggregate_cache
        assert cache is not None
        assert cache.hits >= 1
    finally:
        first.close()
        second.close()


def test_a_stale_cached_copy_cannot_overwrite_a_newer_write(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    first, second = _two_processes(store_kind, tmp_path, request)
    try:
        with acting_as(OFFICER):
            case_id = _open_case(first.services["cases"])
            stale: AsbCase = second.store.repository.get(case_id)
            _log(first.services["cases"], case_id, 1, 1, None)
            stale.change_lead(lead_agency="herts-police", lead_officer="pc.smith")
            with pytest.raises(IntegrityError):
                second.store.save(stale)
            # The runner's retry path: load again (the cache fast-forwards) and succeed.
            _log(second.services["cases"], case_id, 2, 1, None)
            case = first.services["cases"].get(case_id)
        assert case.version == 3
        assert [i.agency_reference for i in case.incidents] == ["W1-R1", "W2-R1"]
    finally:
        first.close()
        second.close()


def test_loads_by_version_read_the_store_and_saves_refresh_the_cache(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    container = bootstrap(make_settings(store_kind, tmp_path, request))
    try:
        store = container.store
        assert isinstance(store.repository, CachingRepository)
        cases: CaseService = container.services["cases"]
        with acting_as(OFFICER):
            case_id = _open_case(cases)
            _log(cases, case_id, 1, 1, None)
            assert store.repository.get(case_id, version=1).incidents == []
            cache = store.aggregate_cache
            assert cache is not None
            found = cache.get(case_id)
            assert found is not None
            assert found[0].version == 2
    finally:
        container.close()


def test_an_erasure_in_this_process_empties_the_cache(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from adapters.cli.retention import StoreEraser

    container = bootstrap(make_settings(store_kind, tmp_path, request))
    try:
        with acting_as(OFFICER):
            case_id = _open_case(container.services["cases"])
        cache = container.store.aggregate_cache
        assert cache is not None
        assert cache.get(case_id) is not None
        StoreEraser(container.store).destroy_keys([case_id])
        assert len(cache) == 0
    finally:
        container.close()


def test_the_cache_can_be_turned_off() -> None:
    store = CaseworkStore(aggregate_cache_size=0)
    assert store.aggregate_cache is None
    assert not isinstance(store.repository, CachingRepository)


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def test_a_cached_load_equals_a_load_from_the_store(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    container = bootstrap(make_settings(store_kind, tmp_path, request, snapshot_interval=3))
    try:
        cases: CaseService = container.services["cases"]
        with acting_as(OFFICER):
            case_id: UUID = _open_case(cases)
            for round_ in range(7):
                _log(cases, case_id, 3, round_, None)
            cached = container.store.repository.get(case_id)
            container.store.forget_cached_aggregates()
            from_store = container.store.repository.get(case_id)
        assert _state(cached) == _state(from_store)
    finally:
        container.close()


def test_a_cached_load_reads_the_record_and_its_restriction_in_one_query(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Restriction of processing is checked on every load; when the record is cached its
    new events and its restriction's events come back from one query, and a restriction
    or a lift written by another process is seen at once."""
    from application.errors import Forbidden
    from application.protection_service import ProtectionService
    from tests.application.test_protection_support import as_role

    first, second = _two_processes(store_kind, tmp_path, request)
    try:
        with acting_as(OFFICER):
            case_id = _open_case(first.services["cases"])
        reader: CaseService = second.services["cases"]
        with as_role("officer"):
            assert reader.get(case_id).version == 1  # cached in the second process now
        recorder: Any = second.store.recorder
        single_reads: list[UUID] = []
        batched_reads: list[list[tuple[UUID, int]]] = []
        original_select, original_batch = recorder.select_events, recorder.select_events_after
        monkeypatch.setattr(recorder, "select_events", lambda originator_id, **kw: (
            single_reads.append(originator_id), original_select(originator_id, **kw))[1])
        monkeypatch.setattr(recorder, "select_events_after", lambda after: (
            batched_reads.append(list(after)), original_batch(after))[1])

        protection: ProtectionService = first.services["protection"]
        with as_role("admin"):
            protection.restrict(case_id, kind="case", reason="Objection")
        with as_role("officer"), pytest.raises(Forbidden):
            reader.get(case_id)
        with as_role("auditor"):
            assert reader.get(case_id).version == 1
        with as_role("admin"):
            protection.lift(case_id, reason="Objection withdrawn")
        with as_role("officer"):
            assert reader.get(case_id).version == 1

        assert single_reads == []
        restriction_id = ProcessingRestriction.create_id(case_id)
        assert batched_reads == [[(case_id, 1), (restriction_id, 0)]] * 3
    finally:
        first.close()
        second.close()
