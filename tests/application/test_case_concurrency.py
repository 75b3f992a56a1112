"""Many writers on one case at once: no event lost or duplicated, conflicts are clean."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.bootstrap import Container, bootstrap
from adapters.config.settings import Settings
from application.cases_service import CaseService
from application.context import Actor, RequestContext, acting_as
from application.errors import StaleVersion
from domain.cases import AsbType, NsirCategory, ReportingChannel

OFFICER = RequestContext(actor=Actor(
    user_id="pc.jones", display_name="PC Jones", agency="herts-police",
    roles=("officer",), partnerships=("north-herts",)))


def _open_case(service: CaseService) -> UUID:
    outcome = service.open_case(
        partnership_id="north-herts", nsir_category=NsirCategory.NUISANCE,
        asb_type=AsbType.ROWDY_BEHAVIOUR, summary="Groups gathering late at night.",
        address="Recreation ground", ward="Letchworth Grange",
        reporting_channel=ReportingChannel.PHONE, lead_agency="herts-police",
        lead_officer="pc.jones", reported_at=datetime.now(tz=UTC) - timedelta(days=3))
    return outcome.aggregate_id


def _log(service: CaseService, case_id: UUID, writer: int, round_: int,
         expected_version: int | None) -> None:
    moment = datetime.now(tz=UTC) - timedelta(hours=writer * 10 + round_)
    service.log_incident(
        case_id, occurred_at=moment, reported_at=moment, reported_to_agency="herts-police",
        description=f"writer {writer} round {round_}", agency_reference=f"W{writer}-R{round_}",
        expected_version=expected_version)


def test_concurrent_writers_without_if_match_all_succeed(
        container: Container, test_settings: Settings) -> None:
    # Writers in two "processes" (two containers on one database): in one process they take
    # turns on the case; across processes they collide and the runner retries.
    other = bootstrap(test_settings)
    service: CaseService = container.services["cases"]
    with acting_as(OFFICER):
        case_id = _open_case(service)
    failures: list[BaseException] = []

    def writer(index: int) -> None:
        mine: CaseService = (container if index % 2 else other).services["cases"]
        with acting_as(OFFICER):
            for round_ in range(4):
                try:
                    _log(mine, case_id, index, round_, None)
                except BaseException as error:  # pragma: no cover - asserted below
                    failures.append(error)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    other.close()
    assert failures == []
    with acting_as(OFFICER):
        case = service.get(case_id)
    references = sorted(i.agency_reference or "" for i in case.incidents)
    assert references == sorted(f"W{w}-R{r}" for w in range(6) for r in range(4))
    assert case.version == 1 + 24
    assert len({i.incident_id for i in case.incidents}) == 24


def test_concurrent_writers_with_if_match_get_clean_conflicts(container: Container) -> None:
    service: CaseService = container.services["cases"]
    with acting_as(OFFICER):
        case_id = _open_case(service)
    successes: list[str] = []
    conflicts: list[StaleVersion] = []
    others: list[BaseException] = []
    start = threading.Barrier(6)

    def writer(index: int) -> None:
        with acting_as(OFFICER):
            start.wait()
            try:
                _log(service, case_id, index, 0, expected_version=1)
                successes.append(f"W{index}-R0")
            except StaleVersion as conflict:
                conflicts.append(conflict)
            except BaseException as error:  # pragma: no cover - asserted below
                others.append(error)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert others == []
    assert len(successes) == 1
    assert len(conflicts) == 5
    assert all(c.expected == 1 and c.current == 2 for c in conflicts)
    with acting_as(OFFICER):
        case = service.get(case_id)
    assert [i.agency_reference for i in case.incidents] == successes
    assert case.version == 2


def test_writers_in_one_process_take_turns_instead_of_colliding(container: Container) -> None:
    service: CaseService = container.services["cases"]
    with acting_as(OFFICER):
        case_id = _open_case(service)

    def writer(index: int) -> None:
        with acting_as(OFFICER):
            for round_ in range(3):
                _log(service, case_id, index, round_, None)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with acting_as(OFFICER):
        assert service.get(case_id).version == 1 + 12
    assert container.runner.collisions == 0
