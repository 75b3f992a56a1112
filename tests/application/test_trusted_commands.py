"""Commands decided on cached copies: the save proves that nothing they read has changed
(application/read_set.py, docs/decisions.md D14). Two containers on one database stand
for two service processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Container, bootstrap
from application.access_log import AccessQuery
from application.cases_service import CaseService
from application.context import acting_as
from application.errors import Forbidden, StaleVersion
from application.ports import RecordsRead
from application.protection_service import RESTRICTED_REFUSED, ProtectionService
from domain.cases import AsbCase
from domain.protection.restriction import ProcessingRestriction
from tests.application.test_case_concurrency import OFFICER, _log, _open_case
from tests.application.test_protection_support import as_role
from tests.conftest import make_settings


@pytest.fixture
def two_processes(store_kind: str, tmp_path: Path,
                  request: pytest.FixtureRequest) -> Iterator[tuple[Container, Container]]:
    settings = make_settings(store_kind, tmp_path, request)
    first, second = bootstrap(settings), bootstrap(settings)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


class StoreReads:
    """Counts the reads a container's recorder serves (events of records, idempotency)."""

    def __init__(self, container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        self.saves: list[RecordsRead | None] = []
        recorder: Any = container.store.recorder
        for name in ("select_events", "select_events_after", "find_idempotency"):
            original = getattr(recorder, name)
            monkeypatch.setattr(recorder, name, self._counting(name, original))
        original_insert = recorder.insert_events

        def insert_events(stored_events: Any, **kwargs: Any) -> Any:
            self.saves.append(kwargs.get("records_read"))
            return original_insert(stored_events, **kwargs)

        monkeypatch.setattr(recorder, "insert_events", insert_events)

    def _counting(self, name: str, original: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return original(*args, **kwargs)
        return counted


def _incidents(container: Container, case_id: UUID) -> list[str]:
    with acting_as(OFFICER):
        case = container.services["cases"].get(case_id)
    return [i.agency_reference for i in case.incidents]


def test_a_command_on_a_cached_record_asks_the_store_nothing_before_its_save(
        two_processes: tuple[Container, Container], monkeypatch: pytest.MonkeyPatch) -> None:
    container, _ = two_processes
    cases: CaseService = container.services["cases"]
    with acting_as(OFFICER):
        case_id = _open_case(cases)
        _log(cases, case_id, 1, 1, None)  # the case and its restriction's events now cached
        reads = StoreReads(container, monkeypatch)
        _log(cases, case_id, 1, 2, None)
    assert reads.calls == []
    restriction_id = ProcessingRestriction.create_id(case_id)
    assert reads.saves == [RecordsRead(((case_id, 2), (restriction_id, 0)))]
    assert _incidents(container, case_id) == ["W1-R1", "W1-R2"]


def test_a_copy_another_process_made_stale_fails_its_save_and_the_retry_reads_the_store(
        two_processes: tuple[Container, Container], monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = two_processes
    one: CaseService = first.services["cases"]
    two: CaseService = second.services["cases"]
    with acting_as(OFFICER):
        case_id = _open_case(one)
        _log(two, case_id, 2, 1, None)  # cached in the second process at version 2
        _log(one, case_id, 1, 1, None)  # version 3, unknown to the second process
        reads = StoreReads(second, monkeypatch)
        collisions = second.runner.collisions
        _log(two, case_id, 2, 2, None)  # decided on version 2, refused, retried on 3
        assert second.runner.collisions == collisions + 1
        assert len(reads.saves) == 2
        assert "select_events_after" in reads.calls or "select_events" in reads.calls
        # The case is now distrusted in the second process: its next command asks the store.
        reads.calls.clear()
        _log(two, case_id, 2, 3, None)
        assert reads.calls
    assert _incidents(first, case_id) == ["W2-R1", "W1-R1", "W2-R2", "W2-R3"]
    assert second.runner.collisions == collisions + 1


def test_a_restriction_written_by_another_process_stops_a_command_on_a_stale_copy(
        two_processes: tuple[Container, Container]) -> None:
    first, second = two_processes
    writer: CaseService = second.services["cases"]
    with acting_as(OFFICER):
        case_id = _open_case(first.services["cases"])
        _log(writer, case_id, 2, 1, None)  # cached, unrestricted, in the second process
    protection: ProtectionService = first.services["protection"]
    with as_role("admin"):
        protection.restrict(case_id, kind="case", reason="Objection")
    with acting_as(OFFICER), pytest.raises(Forbidden):
        _log(writer, case_id, 2, 2, None)
    with as_role("auditor"):
        case = first.services["cases"].get(case_id)
    assert case.version == 2
    assert [i.agency_reference for i in case.incidents] == ["W2-R1"]


def test_a_refusal_decided_on_a_stale_copy_is_judged_again_on_the_stores_state(
        two_processes: tuple[Container, Container]) -> None:
    first, second = two_processes
    with acting_as(OFFICER):
        case_id = _open_case(first.services["cases"])
        second.services["cases"].get(case_id)  # cached by the second process: pc.jones leads
        first.services["cases"].change_lead(case_id, lead_agency="herts-police",
                                            lead_officer="pc.smith")
        # The cached copy says pc.jones already leads (a rule violation); the store says not.
        second.services["cases"].change_lead(case_id, lead_agency="herts-police",
                                             lead_officer="pc.jones")
        case = first.services["cases"].get(case_id)
    assert (case.version, case.lead.officer) == (3, "pc.jones")


def test_a_lifted_restriction_lets_the_next_command_through_in_the_same_process(
        two_processes: tuple[Container, Container]) -> None:
    container, _ = two_processes
    cases: CaseService = container.services["cases"]
    protection: ProtectionService = container.services["protection"]
    with acting_as(OFFICER):
        case_id = _open_case(cases)
    with as_role("admin"):
        protection.restrict(case_id, kind="case", reason="Objection")
    with acting_as(OFFICER), pytest.raises(Forbidden):
        cases.get(case_id)  # cached together with its restriction
    with as_role("admin"):
        protection.lift(case_id, reason="Objection withdrawn")
    with acting_as(OFFICER):
        _log(cases, case_id, 1, 1, None)
    assert _incidents(container, case_id) == ["W1-R1"]
    # Refusals are logged: only the one that happened, none from the stale cached copy.
    refusals = [e for e in container.access_log.query(AccessQuery(record_id=case_id))
                if e.action == RESTRICTED_REFUSED]
    assert len(refusals) == 1


def test_if_match_is_judged_against_the_store_not_a_cached_copy_that_is_behind(
        two_processes: tuple[Container, Container]) -> None:
    first, second = two_processes
    two: CaseService = second.services["cases"]
    with acting_as(OFFICER):
        case_id = _open_case(first.services["cases"])
        _log(two, case_id, 2, 1, None)  # the second process caches version 2
        _log(first.services["cases"], case_id, 1, 1, None)  # version 3
        _log(two, case_id, 2, 2, expected_version=3)  # right, though the cache says 2
        with pytest.raises(StaleVersion) as stale:
            _log(two, case_id, 2, 3, expected_version=3)
    assert stale.value.current == 4
    assert _incidents(first, case_id) == ["W2-R1", "W1-R1", "W2-R2"]


def test_cases_opened_by_two_processes_get_distinct_references(
        two_processes: tuple[Container, Container]) -> None:
    first, second = two_processes
    references = []
    with acting_as(OFFICER):
        for container in (first, second, first, second, second, first):
            case_id = _open_case(container.services["cases"])
            references.append(container.services["cases"].get(case_id).reference)
    assert len(set(references)) == 6
    numbers = sorted(int(reference.rsplit("-", 1)[-1]) for reference in references)
    assert numbers == list(range(numbers[0], numbers[0] + 6))


def test_the_store_refuses_a_save_when_a_record_it_was_decided_on_has_moved_on(
        two_processes: tuple[Container, Container]) -> None:
    container, _ = two_processes
    store = container.store
    with acting_as(OFFICER):
        case_id = _open_case(container.services["cases"])
        _log(container.services["cases"], case_id, 1, 1, None)  # the case is at version 2
        case: AsbCase = store.repository.get(case_id)
        case.change_lead(lead_agency="herts-police", lead_officer="pc.smith")
        before = store.recorder.max_notification_id()
        unrelated = uuid4()
        with pytest.raises(IntegrityError):
            store.save(case, records_read=RecordsRead(((unrelated, 0), (case_id, 1))))
        assert store.recorder.max_notification_id() == before  # nothing written
        case = store.repository.get(case_id)
        case.change_lead(lead_agency="herts-police", lead_officer="pc.smith")
        store.save(case, records_read=RecordsRead(((unrelated, 0), (case_id, 2))))
    assert store.recorder.max_notification_id() == (before or 0) + 1


ACTIONS = ("log", "lead", "toggle restriction", "read")


def test_any_interleaving_of_two_processes_loses_nothing_and_honours_restriction(
        two_processes: tuple[Container, Container]) -> None:
    """Commands in two processes, each deciding on its own cached copies: every accepted
    command is in the store, every refused one left nothing, and a restriction written by
    either process stops the other's next command."""
    containers = two_processes

    @settings(max_examples=15 if settings.default.max_examples < 100 else 150)
    @given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from(ACTIONS)), max_size=14))
    def run(steps: list[tuple[int, str]]) -> None:
        with acting_as(OFFICER):
            case_id = _open_case(containers[0].services["cases"])
        restricted, incidents, lead, accepted = False, [], "pc.jones", 0
        for number, (process, action) in enumerate(steps):
            cases: CaseService = containers[process].services["cases"]
            if action == "toggle restriction":
                protection: ProtectionService = containers[process].services["protection"]
                with as_role("admin"):
                    if restricted:
                        protection.lift(case_id, reason="Resolved")
                    else:
                        protection.restrict(case_id, kind="case", reason="Objection")
                restricted = not restricted
                continue
            with acting_as(OFFICER):
                try:
                    if action == "log":
                        _log(cases, case_id, process, number, None)
                    elif action == "lead":
                        cases.change_lead(case_id, lead_agency="herts-police",
                                          lead_officer=f"pc.officer{number}")
                    else:
                        cases.get(case_id)
                except Forbidden:
                    assert restricted
                    continue
            assert not restricted
            if action == "log":
                incidents.append(f"W{process}-R{number}")
            elif action == "lead":
                lead = f"pc.officer{number}"
            accepted += action != "read"
        containers[0].store.forget_cached_aggregates()
        with as_role("auditor"):
            stored = containers[0].services["cases"].get(case_id)
            seen_by_other = containers[1].services["cases"].get(case_id)
        assert [i.agency_reference for i in stored.incidents] == incidents
        assert stored.lead.officer == lead
        assert stored.version == 1 + accepted
        assert vars(seen_by_other) == vars(stored)

    run()
