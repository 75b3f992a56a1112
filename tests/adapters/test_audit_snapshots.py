"""Snapshots checked against the events they summarise, on both stores
(adapters/audit/snapshots.py, ``casework audit verify --snapshots``).

Snapshots are outside the hash chains, so each test forges one through plain SQL, as
someone with database access (and, for the re-encoded forgeries, the master key) could,
and checks the forgery is reported with the record, the version and the fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from adapters.audit.snapshots import iter_snapshot_rows, verify_snapshots
from adapters.bootstrap import Container, bootstrap
from adapters.cli.main import app as cli
from application.cases_service import CaseService
from application.context import acting_as
from tests.adapters.test_audit_verify import _cli_env
from tests.application.test_case_concurrency import OFFICER, _log, _open_case
from tests.conftest import make_settings

INTERVAL = 3


@pytest.fixture
def snapshotting(store_kind: str, tmp_path: Path,
                 request: pytest.FixtureRequest) -> Iterator[Container]:
    built = bootstrap(make_settings(store_kind, tmp_path, request,
                                    snapshot_interval=INTERVAL))
    try:
        yield built
    finally:
        built.close()


def _case_with_history(container: Container, incidents: int = 8) -> UUID:
    """A case whose history crosses several snapshot intervals (snapshots at 3, 6, 9)."""
    cases: CaseService = container.services["cases"]
    with acting_as(OFFICER):
        case_id = _open_case(cases)
        for round_ in range(incidents):
            _log(cases, case_id, 1, round_, None)
    return case_id


def _snapshot_versions(container: Container, record_id: UUID) -> list[int]:
    return [s.originator_version for s in iter_snapshot_rows(container.store)
            if s.originator_id == record_id]


def _rewrite_snapshot(container: Container, record_id: UUID, version: int,
                      state: bytes) -> None:
    snapshots: Any = container.store.snapshots
    recorder = snapshots.recorder
    table = recorder.events_table_name
    if container.settings.is_postgres:
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(f"UPDATE {table} SET state=%s WHERE originator_id=%s "
                           "AND originator_version=%s", (state, record_id, version))
    else:
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(f"UPDATE {table} SET state=? WHERE originator_id=? "
                           "AND originator_version=?", (state, record_id.hex, version))


def _forge(container: Container, record_id: UUID, version: int, **changes: Any) -> None:
    """Decode a snapshot, change its state, seal and encode it again, store it back."""
    snapshots: Any = container.store.snapshots
    [stored] = snapshots.recorder.select_events(record_id, gt=version - 1, lte=version)
    snapshot = snapshots.mapper.to_domain_event(stored)
    state = {**snapshot.state, **changes}
    forged = type(snapshot)(originator_id=snapshot.originator_id,
                            originator_version=snapshot.originator_version,
                            timestamp=snapshot.timestamp, topic=snapshot.topic, state=state)
    _rewrite_snapshot(container, record_id, version,
                      snapshots.mapper.to_stored_event(forged).state)


def test_untouched_snapshots_match_their_events(snapshotting: Container) -> None:
    first, second = _case_with_history(snapshotting), _case_with_history(snapshotting, 4)
    assert _snapshot_versions(snapshotting, first) == [3, 6, 9]
    result = verify_snapshots(snapshotting.store)
    assert result.ok, result.problems
    assert result.records_checked >= 2
    assert result.snapshots_checked >= 4
    # each record's events are replayed once, up to its newest snapshot
    assert result.events_replayed >= 9 + 3
    assert _snapshot_versions(snapshotting, second) == [3]


def test_a_forged_snapshot_is_reported_with_its_record_version_and_fields(
        snapshotting: Container) -> None:
    case_id = _case_with_history(snapshotting)
    _forge(snapshotting, case_id, 6, lead_officer="pc.forger")

    result = verify_snapshots(snapshotting.store)
    assert not result.ok
    [problem] = result.problems
    assert (problem.originator_id, problem.originator_version) == (case_id, 6)
    assert "differs from the state its events give" in problem.problem
    assert problem.fields == ("lead_officer",)
    # the later snapshot is still checked (and still right)
    assert result.snapshots_checked >= 3


def test_a_snapshot_beyond_the_events_is_reported(snapshotting: Container) -> None:
    case_id = _case_with_history(snapshotting, 4)  # five events: one snapshot, at 3
    snapshots: Any = snapshotting.store.snapshots
    [stored] = snapshots.recorder.select_events(case_id)
    recorder = snapshots.recorder
    table = recorder.events_table_name
    statement = (f"UPDATE {table} SET originator_version=%s WHERE originator_id=%s"
                 if snapshotting.settings.is_postgres
                 else f"UPDATE {table} SET originator_version=? WHERE originator_id=?")
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(statement, (40, case_id if snapshotting.settings.is_postgres
                                   else case_id.hex))
    [problem] = verify_snapshots(snapshotting.store).problems
    assert problem.originator_version == 40
    assert "version" in problem.problem
    assert stored.originator_version == 3


def test_garbage_in_a_snapshot_is_reported_not_raised(snapshotting: Container) -> None:
    case_id = _case_with_history(snapshotting, 4)
    _rewrite_snapshot(snapshotting, case_id, 3, b"\x00not a snapshot")
    [problem] = verify_snapshots(snapshotting.store).problems
    assert problem.originator_id == case_id
    assert "cannot be decoded" in problem.problem


def test_a_snapshot_left_behind_after_an_erasure_is_reported(snapshotting: Container) -> None:
    from adapters.cli.retention import StoreEraser

    case_id = _case_with_history(snapshotting, 4)
    StoreEraser(snapshotting.store).destroy_keys([case_id])  # without deleting snapshots
    [problem] = verify_snapshots(snapshotting.store).problems
    assert problem.originator_id == case_id
    assert "data key was destroyed" in problem.problem

    StoreEraser(snapshotting.store).delete_snapshots([case_id])
    assert verify_snapshots(snapshotting.store).ok


def test_the_cli_checks_snapshots_when_asked(snapshotting: Container) -> None:
    case_id = _case_with_history(snapshotting)
    runner = CliRunner(env=_cli_env(snapshotting))

    plain = runner.invoke(cli, ["audit", "verify", "--snapshots"])
    assert plain.exit_code == 0, plain.output
    assert "OK: every snapshot matches its record's events" in plain.output

    _forge(snapshotting, case_id, 3, lead_officer="pc.forger")
    without = runner.invoke(cli, ["audit", "verify"])
    assert without.exit_code == 0  # the chains cannot see it: that is the gap closed here
    broken = runner.invoke(cli, ["audit", "verify", "--snapshots", "--json"])
    assert broken.exit_code == 1
    report = json.loads(broken.stdout)
    assert report["ok"] is False
    assert report["snapshots"]["problems"][0]["aggregate_id"] == str(case_id)
    assert report["snapshots"]["problems"][0]["fields"] == ["lead_officer"]


def test_the_api_checks_snapshots_when_asked(snapshotting: Container) -> None:
    from fastapi.testclient import TestClient

    from adapters.http.app import create_app

    case_id = _case_with_history(snapshotting)
    assert snapshotting.token_issuer is not None
    token = snapshotting.token_issuer.issue(
        user_id="ig.lead", display_name="IG lead", agency="north-herts-council",
        roles=["auditor"], partnerships=["north-herts"])
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(snapshotting), raise_server_exceptions=False) as api:
        assert api.get("/api/audit/verify", headers=headers).json()["snapshots"] is None
        checked = api.get("/api/audit/verify?snapshots=true", headers=headers).json()
        assert checked["ok"] is True
        assert checked["snapshots"]["snapshots_checked"] == 3
        _forge(snapshotting, case_id, 9, summary="Nothing to see here.")
        forged = api.get("/api/audit/verify?snapshots=true", headers=headers).json()
    assert forged["ok"] is False
    [problem] = forged["snapshots"]["problems"]
    assert (problem["aggregate_id"], problem["version"]) == (str(case_id), 9)
    assert problem["problem"] == "differs from the state its events give"
    assert problem["fields"] == ["summary"]
    assert "Nothing to see here" not in str(forged)  # fields are named, values never shown


def test_the_store_snapshots_a_record_it_just_saved_from_memory(
        snapshotting: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save that reaches the interval snapshots the record as it is in memory (the state
    just stored); only a save that crosses the interval part-way reads the store for it."""
    repository: Any = snapshotting.store.repository
    reads_at_a_version: list[int | None] = []
    original = repository._reconstruct_aggregate

    def counting(aggregate_id: UUID, version: int | None, *args: Any) -> Any:
        if version is not None:  # (cold loads of the latest version are not snapshots)
            reads_at_a_version.append(version)
        return original(aggregate_id, version, *args)

    monkeypatch.setattr(repository, "_reconstruct_aggregate", counting)
    case_id = _case_with_history(snapshotting)  # one event per save: snapshots at 3, 6, 9
    assert _snapshot_versions(snapshotting, case_id) == [3, 6, 9]
    assert reads_at_a_version == []

    cases: CaseService = snapshotting.services["cases"]
    with acting_as(OFFICER):
        case = snapshotting.store.repository.get(case_id)  # version 9
        for number in range(4):  # 10..13 in one save: crosses 12 part-way
            case.change_lead(lead_agency="herts-police", lead_officer=f"pc.{number}")
        snapshotting.store.save(case)
        assert cases.get(case_id).version == 13
    assert _snapshot_versions(snapshotting, case_id) == [3, 6, 9, 12]
    assert reads_at_a_version == [12]
    assert verify_snapshots(snapshotting.store).ok
