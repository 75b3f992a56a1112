"""The access log on both stores: append-only, its own retention, and auditors' queries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import PersistenceError
from typer.testing import CliRunner

from adapters.bootstrap import Container
from adapters.cli.main import app as cli
from adapters.persistence.access_log import TABLE
from application.access_log import AccessAction, AccessEntry, AccessLog, AccessQuery
from application.context import Actor, RequestContext, acting_as

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CASE = UUID("00000000-0000-4000-8000-00000000ca5e")
VICTIM = UUID("00000000-0000-4000-8000-0000000000a1")
PERPETRATOR = UUID("00000000-0000-4000-8000-0000000000b2")


def _context(user_id: str, roles: tuple[str, ...] = ("officer",)) -> RequestContext:
    actor = Actor(user_id=user_id, display_name=user_id.title(), agency="herts-police",
                  roles=roles, partnerships=("north-herts",))
    return RequestContext(actor=actor, request_id=f"req-{user_id}",
                          client_address="192.0.2.10")


def _log(container: Container) -> AccessLog:
    assert container.access_log is not None
    log: AccessLog = container.access_log
    return log


def _fill(log: AccessLog) -> list[AccessEntry]:
    readings = [
        ("pc.jones", AccessAction.VIEW_CASE, "case", CASE, (VICTIM, PERPETRATOR), 0),
        ("pc.jones", AccessAction.VIEW_PERSON, "person", VICTIM, (), 1),
        ("asb.smith", AccessAction.HISTORY, "case", CASE, (VICTIM,), 2),
        ("asb.smith", AccessAction.SEARCH, None, None, (PERPETRATOR,), 3),
        ("pc.jones", AccessAction.EXPORT, "case", uuid4(), (), 30),
    ]
    return [
        log.record(AccessEntry.for_context(_context(user), action, kind, record, people,
                                           at=T0 + timedelta(days=day)))
        for user, action, kind, record, people, day in readings
    ]


def _actions(entries: list[AccessEntry]) -> list[str]:
    return [e.action for e in entries]


def test_entries_come_back_as_recorded(container: Container) -> None:
    log = _log(container)
    recorded = _fill(log)
    assert all(e.entry_id is not None for e in recorded)
    everything = log.query(AccessQuery())
    assert everything == sorted(recorded, key=lambda e: e.at, reverse=True)
    first = recorded[0]
    assert dataclasses.astuple(first)[:4] == ("pc.jones", "Pc.Jones", "herts-police",
                                              ("officer",))
    assert (first.client_address, first.request_id) == ("192.0.2.10", "req-pc.jones")
    assert first.person_ids == (VICTIM, PERPETRATOR)


def test_viewing_a_person_counts_as_touching_that_person() -> None:
    entry = AccessEntry.for_context(_context("pc.jones"), AccessAction.VIEW_PERSON,
                                    "person", VICTIM)
    assert entry.person_ids == (VICTIM,)


def test_query_by_user_record_person_and_period(container: Container) -> None:
    log = _log(container)
    _fill(log)
    by_user = log.query(AccessQuery(user_id="asb.smith"))
    assert _actions(by_user) == ["search", "history"]
    by_case = log.query(AccessQuery(record_id=CASE))
    assert _actions(by_case) == ["history", "view-case"]
    by_person = log.query(AccessQuery(person_id=VICTIM))
    assert _actions(by_person) == ["history", "view-person", "view-case"]
    in_period = log.query(AccessQuery(since=T0 + timedelta(days=1),
                                      until=T0 + timedelta(days=3)))
    assert _actions(in_period) == ["history", "view-person"]
    both = AccessQuery(user_id="pc.jones", person_id=PERPETRATOR)
    assert _actions(log.query(both)) == ["view-case"]
    assert log.count(AccessQuery(user_id="pc.jones")) == 3
    paged = log.query(AccessQuery(limit=2, offset=1))
    assert _actions(paged) == ["search", "history"]


def test_purge_removes_only_entries_past_retention(container: Container) -> None:
    log = _log(container)
    _fill(log)
    removed = log.purge_older_than(T0 + timedelta(days=2))
    assert removed == 2
    assert _actions(log.query(AccessQuery())) == ["export", "search", "history"]
    assert log.purge_older_than(T0) == 0


def _raw(container: Container, statement: str) -> None:
    datastore: Any = container.store.recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(statement)


def test_the_database_refuses_changes_to_entries(container: Container) -> None:
    log = _log(container)
    _fill(log)
    with pytest.raises(PersistenceError, match="append-only"):
        _raw(container, f"UPDATE {TABLE} SET user_id = 'someone.else'")
    with pytest.raises(PersistenceError, match="append-only"):
        _raw(container, f"DELETE FROM {TABLE}")
    log.purge_older_than(T0 + timedelta(days=1))  # the purge does not leave a door open
    with pytest.raises(PersistenceError, match="append-only"):
        _raw(container, f"DELETE FROM {TABLE}")
    assert log.count(AccessQuery()) == 4
    assert {e.user_id for e in log.query(AccessQuery())} == {"pc.jones", "asb.smith"}
    assert not any(hasattr(log, name) for name in ("update", "delete", "remove", "edit"))


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_postgres_refuses_truncate(container: Container) -> None:
    assert container.settings.is_postgres
    _fill(_log(container))
    with pytest.raises(PersistenceError, match="append-only"):
        _raw(container, f"TRUNCATE {TABLE}")
    assert _log(container).count(AccessQuery()) == 5


def test_container_record_read_logs_the_current_actor(container: Container) -> None:
    with acting_as(_context("pc.jones")):
        container.record_read(None, AccessAction.VIEW_CASE, "case", CASE, [VICTIM])
    [entry] = _log(container).query(AccessQuery(record_id=CASE))
    assert (entry.user_id, entry.action, entry.person_ids) == ("pc.jones", "view-case",
                                                               (VICTIM,))
    assert entry.client_address == "192.0.2.10"


def test_cli_purge_applies_the_retention_period(container: Container) -> None:
    log = _log(container)
    now = datetime.now(tz=UTC)
    for age in (timedelta(days=10), timedelta(hours=1)):
        log.record(AccessEntry.for_context(_context("pc.jones"), AccessAction.SEARCH,
                                           at=now - age))
    settings = container.settings
    env = {"CASEWORK_DATABASE": settings.database,
           "CASEWORK_MASTER_KEY": settings.master_key or "",
           "CASEWORK_VAR_DIR": str(settings.var_dir)}
    purged = CliRunner().invoke(
        cli, ["audit", "access-log", "purge", "--older-than-days", "5"], env=env
    )
    assert purged.exit_code == 0, purged.output
    assert "removed 1 " in purged.output
    [kept] = log.query(AccessQuery())
    assert kept.at == now - timedelta(hours=1)
