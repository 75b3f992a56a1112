"""Erasure at the end of retention, on both stores, checked against raw database dumps.

"The statistics" are case counts by NSIR category, ward and outcome computed from the
replayed aggregates (tests/application/test_protection_support.py::statistics), standing
in for the RAG figures until the RAG read model exists.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from uuid import UUID

import psycopg
import pytest

from adapters.bootstrap import Container, bootstrap
from adapters.cli.retention import ErasureUnavailable, StoreEraser, run_retention
from adapters.config.settings import Settings
from adapters.persistence.audit_chain import ChainVerifier
from application.protection_service import ProtectionService
from domain.cases import AsbCase
from domain.people.aggregate import Person
from domain.protection.restriction import ProcessingRestriction
from domain.shared.personal import ERASED
from tests.application.test_protection_support import (
    as_role,
    build_closed_case,
    register,
    statistics,
)
from tests.conftest import make_settings

PG_BIN = Path(os.environ.get("CASEWORK_PG_BIN", "/usr/lib/postgresql/15/bin"))
OLD = datetime(2019, 5, 1, 10, 0, tzinfo=UTC)  # closed then: due from 1 May 2025
RECENT = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)  # closed then: kept until June 2031
TODAY = date(2026, 6, 1)


# -- looking at the raw database -------------------------------------------------------


def database_dump(settings: Settings) -> bytes:
    """Every byte the database holds: the SQLite file and its WAL, or a pg_dump."""
    if not settings.is_postgres:
        path = Path(settings.sqlite_path)
        wal = Path(f"{path}-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    url = urlparse(settings.database)
    env = {**os.environ, "PGPASSWORD": unquote(url.password or "")}
    dumped = subprocess.run(
        [str(PG_BIN / "pg_dump"), "-h", url.hostname or "localhost", "-p", str(url.port or 5432),
         "-U", unquote(url.username or ""), "--no-owner", url.path.lstrip("/")],
        capture_output=True, env=env, check=True, timeout=60,
    )
    return dumped.stdout


def holds(dump: bytes, text: str) -> bool:
    """Whether ``text`` is in the dump as it is, or hex-encoded (how pg_dump shows bytea)."""
    raw = text.encode()
    return raw in dump or raw.hex().encode() in dump


def _query(settings: Settings, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    if settings.is_postgres:
        with psycopg.connect(settings.database) as conn:
            return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
    with sqlite3.connect(settings.sqlite_path) as conn:
        return list(conn.execute(sql, params).fetchall())


def wrapped_key(settings: Settings, subject_id: UUID) -> bytes | None:
    rows = _query(settings, "SELECT wrapped_key FROM subject_keys WHERE subject_id = ?",
                  subject_id.hex)
    return None if not rows or rows[0][0] is None else bytes(rows[0][0])


def snapshot_count(container: Container, subject_id: UUID) -> int:
    assert container.store.snapshots is not None
    return len(container.store.snapshots.recorder.select_events(subject_id))


def verify_chain(container: Container) -> Any:
    verifier = ChainVerifier()
    verifier.feed(container.store.recorder.iter_chain_rows())  # type: ignore[attr-defined]
    return verifier.report


def checkpoint(settings: Settings) -> None:
    """PostgreSQL: write every dirty buffer to the relation files, so they show all bytes."""
    if settings.is_postgres:
        with psycopg.connect(settings.database, autocommit=True) as conn:
            conn.execute("CHECKPOINT")


def _postgres_relation_files(settings: Settings) -> list[Path]:
    """The files of the database's relations, when the server's data directory is here."""
    checkpoint(settings)
    rows = _query(settings, "SELECT current_setting('data_directory'), oid FROM pg_database "
                            "WHERE datname = current_database()")
    base = Path(rows[0][0]) / "base" / str(rows[0][1])
    try:
        return [p for p in base.iterdir() if p.is_file()]
    except OSError:
        return []


def rag_figures(container: Container, moment: datetime) -> Any:
    """The RAG overview for the quarter of ``moment``, as an auditor would read it."""
    from application.context import Actor, RequestContext, acting_as
    from domain.shared.periods import FinancialQuarter
    from projections.overview import rag_overview

    auditor = Actor(user_id="auditor", display_name="Auditor", agency="herts-pcc",
                    roles=("auditor",), all_partnerships=True)
    label = FinancialQuarter.at(moment).label
    with acting_as(RequestContext(actor=auditor)), container.projections.reading() as cur:
        return rag_overview(cur, container.rules, "north-herts", label)


# -- the scenario -----------------------------------------------------------------------


def test_erasure_leaves_no_plaintext_and_keeps_history_and_figures(
    container: Container, test_settings: Settings
) -> None:
    old = build_closed_case(container, at=OLD, tag="Old")
    recent = build_closed_case(container, at=RECENT, tag="New", ward="Baldock Town")
    store = container.store
    for subject in (old.case_id, old.victim_id, recent.case_id):
        store.take_snapshot(subject)
    erased_ids: list[tuple[UUID, ...]] = []
    container.on_erased.append(lambda ids: erased_ids.append(tuple(ids)))
    figures = statistics(container)
    assert sum(figures.values()) == 2
    store_only = database_dump(test_settings)
    for name, text in {**old.personal, **recent.personal}.items():
        assert not holds(store_only, text), f"{name} is stored in clear in the event store"

    # The read models keep searchable text in clear: erasure must rebuild them.
    container.projections.catch_up()
    rag_before = rag_figures(container, OLD)
    before = database_dump(test_settings)
    assert holds(before, "Hitchin Oughton")  # the dump shows clear, non-personal facts...
    assert holds(before, old.personal["summary"])  # ...and the case list's search text

    # A dry run reports and changes nothing.
    report, result = run_retention(container, TODAY, apply=False)
    assert result is None
    assert {(item.kind, item.record_id) for item in report.due} == {
        ("case", old.case_id), ("person", old.victim_id), ("person", old.perpetrator_id)}
    assert report.held == ()
    old_case_key = wrapped_key(test_settings, old.case_id)
    assert old_case_key is not None
    if test_settings.is_postgres:  # the live key is on disk before erasure...
        assert any(old_case_key in p.read_bytes() for p in _postgres_relation_files(
            test_settings)) or not _postgres_relation_files(test_settings)
    assert store.repository.get(old.case_id).summary == old.personal["summary"]
    assert erased_ids == []

    report, result = run_retention(container, TODAY, apply=True)
    assert result is not None
    assert set(result.erased) == {old.case_id, old.victim_id, old.perpetrator_id}
    assert erased_ids == [result.subjects_destroyed]

    # The history still replays, with the personal fields erased and the facts kept.
    case: AsbCase = store.repository.get(old.case_id)
    assert (case.summary, case.location.address) == (ERASED, ERASED)
    assert case.location.ward == "Hitchin Oughton"
    assert [i.description for i in case.incidents] == [ERASED]
    assert case.closure is not None
    assert case.closure.reason == ERASED
    assert case.closure.outcome.value == "resolved"
    assert case.risk_assessments[0].score > 0
    victim: Person = store.repository.get(old.victim_id)
    assert victim.is_erased
    assert victim.details.date_of_birth is None
    kept: AsbCase = store.repository.get(recent.case_id)
    assert kept.summary == recent.personal["summary"]
    assert store.repository.get(recent.victim_id).name == recent.personal["victim name"]

    report = verify_chain(container)
    assert report.ok, report.breaks
    assert report.events_checked > 20
    assert statistics(container) == figures
    container.projections.catch_up()
    assert rag_figures(container, OLD) == rag_before

    assert snapshot_count(container, old.case_id) == 0
    assert snapshot_count(container, old.victim_id) == 0
    assert snapshot_count(container, recent.case_id) == 1

    after = database_dump(test_settings)
    assert holds(after, "Hitchin Oughton")
    for name, text in old.personal.items():
        assert not holds(after, text), f"{name} survived erasure"
    # The destroyed key's bytes are gone too, not just unlinked from its row.
    assert wrapped_key(test_settings, old.case_id) is None
    if not test_settings.is_postgres:
        assert old_case_key not in after
    else:  # ...and not after (VACUUM FULL rewrote subject_keys)
        files = _postgres_relation_files(test_settings)
        assert not any(old_case_key in path.read_bytes() for path in files)

    # Running again finds nothing new.
    again, _ = run_retention(container, TODAY, apply=False)
    assert again.due == ()
    assert again.already_erased == 3


def test_restricted_records_are_held_past_their_retention(container: Container) -> None:
    old = build_closed_case(container, at=OLD, tag="Held")
    protection: ProtectionService = container.services["protection"]
    with as_role("coordinator"):
        protection.restrict(old.case_id, kind="case", reason="Needed for a legal claim")
    report, result = run_retention(container, TODAY, apply=True)
    assert result is not None
    assert result.erased == ()
    assert [(i.kind, i.record_id) for i in report.held] == [("case", old.case_id)]
    assert report.due == ()  # the case is kept, so its people are kept too
    assert container.store.repository.get(old.victim_id).name == old.personal["victim name"]

    with as_role("admin"):
        protection.lift(old.case_id, reason="Claim settled")
    report, result = run_retention(container, TODAY, apply=True)
    assert result is not None
    assert set(result.erased) == {old.case_id, old.victim_id, old.perpetrator_id}
    restriction_id = ProcessingRestriction.create_id(old.case_id)
    assert restriction_id in result.subjects_destroyed  # its reasons went with the case
    restriction: ProcessingRestriction = container.store.repository.get(restriction_id)
    assert [p.reason for p in restriction.periods] == [ERASED]


def test_people_are_kept_while_any_record_mentions_them(container: Container) -> None:
    old = build_closed_case(container, at=OLD, tag="One")
    cases = container.services["cases"]
    from datetime import timedelta

    from domain.cases import PartyRole
    from domain.shared import clock

    # the old victim is now also a witness on a recent, still open case
    with clock.frozen_at(RECENT), as_role("officer"):
        newer = build_closed_case(container, at=RECENT, tag="Two")
        cases.reopen(newer.case_id, reason="more reports")
        cases.add_party(newer.case_id, person_id=old.victim_id, role=PartyRole.WITNESS)
    lonely = register(container, "Never Linked")  # registered now: kept for six years
    report, _ = run_retention(container, TODAY, apply=False)
    due = {item.record_id for item in report.due}
    assert due == {old.case_id, old.perpetrator_id}
    assert old.victim_id not in due
    assert lonely not in due
    # six years after registration, with no record left, the unlinked person goes too
    in_six_years = datetime.now(tz=UTC).date() + timedelta(days=6 * 366)
    later, _ = run_retention(container, in_six_years, apply=False)
    assert lonely in {item.record_id for item in later.due}


def test_an_interrupted_run_is_swept_up_by_the_next(container: Container) -> None:
    old = build_closed_case(container, at=OLD, tag="Sweep")
    container.store.take_snapshot(old.case_id)
    eraser = StoreEraser(container.store)
    eraser.destroy_keys([old.case_id])  # the key went, then the process died
    assert snapshot_count(container, old.case_id) == 1
    report, result = run_retention(container, TODAY, apply=True)
    assert result is not None
    assert snapshot_count(container, old.case_id) == 0
    assert container.store.repository.get(old.case_id).summary == ERASED
    assert report.already_erased == 1


def test_retention_without_encryption_refuses_to_pretend(
    store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings(store_kind, tmp_path, request, encryption=False)
    plain = bootstrap(settings)
    try:
        person = register(plain, "Plain Textworth")
        # the dump check would see personal data that is stored in clear
        assert holds(database_dump(settings), "Plain Textworth")
        with pytest.raises(ErasureUnavailable):
            run_retention(plain, TODAY, apply=True)
        assert plain.store.repository.get(person).name == "Plain Textworth"
    finally:
        plain.close()


def test_a_failing_hook_does_not_stop_the_erasure_but_is_reported(
    container: Container,
) -> None:
    old = build_closed_case(container, at=OLD, tag="Hook")
    calls: list[tuple[UUID, ...]] = []

    def broken(ids: Any) -> None:
        raise RuntimeError("view table is locked")

    container.on_erased.extend([broken, lambda ids: calls.append(tuple(ids))])
    _, result = run_retention(container, TODAY, apply=True)
    assert result is not None
    assert old.case_id in result.erased
    assert len(result.hook_failures) == 1
    assert "view table is locked" in result.hook_failures[0]
    assert calls == [result.subjects_destroyed]  # the other hooks still ran
    assert container.store.repository.get(old.case_id).summary == ERASED
