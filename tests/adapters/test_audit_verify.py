"""Tamper evidence on both stores: edit the database directly and check verify says where.

Each test writes a small interleaved log of three notes, tampers with it through plain
SQL (as someone with database access would), and checks the first break reported:
its notification id, record, version and problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from adapters.audit.verify import (
    Checkpoint,
    load_checkpoints,
    take_checkpoint,
    verify_store,
)
from adapters.bootstrap import Container
from adapters.cli.main import app as cli
from adapters.persistence.audit_chain import GENESIS, chain_hash, event_hash
from tests.support.sample_domain import Note


class RawDatabase:
    """Plain SQL on the store's own tables, bypassing casework entirely."""

    def __init__(self, container: Container) -> None:
        recorder: Any = container.store.recorder
        self.datastore = recorder.datastore
        self.postgres = container.settings.is_postgres
        self.events: str = recorder.events_table_name
        self.position = "notification_id" if self.postgres else "rowid"
        self.audit = (self.events.removesuffix("_events") + "_audit" if self.postgres
                      else recorder.audit_table)

    def run(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.postgres:
            statement = statement.replace("?", "%s")
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(statement, params)
            if not statement.lstrip().upper().startswith("SELECT"):
                return []
            rows = cursor.fetchall()
        return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]

    def state_at(self, position: int) -> bytes:
        rows = self.run(f"SELECT state FROM {self.events} WHERE {self.position}=?", (position,))
        return bytes(rows[0][0])

    def set_state(self, position: int, state: bytes) -> None:
        self.run(f"UPDATE {self.events} SET state=? WHERE {self.position}=?", (state, position))

    def delete_event(self, position: int) -> None:
        self.run(f"DELETE FROM {self.events} WHERE {self.position}=?", (position,))

    def delete_audit(self, position: int) -> None:
        self.run(f"DELETE FROM {self.audit} WHERE notification_id=?", (position,))

    def swap_positions(self, first: int, second: int) -> None:
        for old, new in ((first, -1), (second, first), (-1, second)):
            self.run(f"UPDATE {self.events} SET {self.position}=? WHERE {self.position}=?",
                     (new, old))

    def rewrite_chain_from(self, container: Container, start: int) -> None:
        """Re-compute every stored hash from ``start`` on, as a careful forger would."""
        last_event: dict[str, str] = {}
        chain = GENESIS
        rows = list(container.store.recorder.iter_chain_rows())  # type: ignore[attr-defined]
        for row in rows:
            if row.notification_id >= start:
                new_event = event_hash(last_event.get(row.originator_id, GENESIS),
                                       row.originator_id, row.originator_version, row.topic,
                                       row.state)
                new_chain = chain_hash(chain, row.notification_id, new_event)
                self.run(f"UPDATE {self.audit} SET event_hash=?, chain_hash=? "
                         "WHERE notification_id=?", (new_event, new_chain, row.notification_id))
            else:
                new_event, new_chain = row.recorded_event_hash, row.recorded_chain_hash
            last_event[row.originator_id] = new_event
            chain = new_chain


@dataclass(frozen=True)
class Log:
    """Positions of an interleaved log: A1 B1 A2 C1 B2 A3."""

    a: UUID
    b: UUID
    c: UUID
    positions: dict[tuple[str, int], int]

    def at(self, name: str, version: int) -> int:
        return self.positions[(name, version)]


def _write_log(container: Container) -> Log:
    store = container.store
    notes = {name: Note(partnership_id="north-herts", text=f"{name} one", ward="Baldock Town")
             for name in "abc"}
    sequence = [("a", 1), ("b", 1), ("a", 2), ("c", 1), ("b", 2), ("a", 3)]
    for name, version in sequence:
        note = notes[name]
        if version > 1:
            note.edit(text=f"{name} v{version}")
        store.save(note)
    positions = {}
    for name, note in notes.items():
        for entry in store.audited_recorder.audit_entries(note.id):
            positions[(name, entry.originator_version)] = entry.notification_id
    assert sorted(positions, key=positions.__getitem__) == sequence
    return Log(a=notes["a"].id, b=notes["b"].id, c=notes["c"].id, positions=positions)


@pytest.fixture
def log(container: Container) -> Log:
    written = _write_log(container)
    assert verify_store(container.store).ok
    return written


def _first_break(container: Container, checkpoints: list[Checkpoint] | None = None) -> Any:
    result = verify_store(container.store, checkpoints or [])
    assert not result.ok
    return result.first_break


def test_untouched_log_verifies(container: Container, log: Log) -> None:
    result = verify_store(container.store)
    assert result.ok
    assert result.events_checked == 6
    assert result.aggregates_checked == 3
    assert result.last_notification_id == log.at("a", 3)


def test_changing_one_byte_of_an_event_is_reported_there(container: Container,
                                                         log: Log) -> None:
    raw = RawDatabase(container)
    position = log.at("a", 2)
    state = bytearray(raw.state_at(position))
    state[len(state) // 2] ^= 0x01
    raw.set_state(position, bytes(state))

    first = _first_break(container)
    assert first.notification_id == position
    assert first.originator_id == str(log.a)
    assert first.originator_version == 2
    assert "altered" in first.problem
    assert first.expected != first.found


def test_deleting_an_event_is_reported_there(container: Container, log: Log) -> None:
    raw = RawDatabase(container)
    raw.delete_event(log.at("a", 2))

    first = _first_break(container)
    assert first.notification_id == log.at("a", 2)
    assert first.originator_id == str(log.a)
    assert "event is missing" in first.problem


def test_deleting_an_event_with_its_audit_row_breaks_the_chain(container: Container,
                                                               log: Log) -> None:
    raw = RawDatabase(container)
    raw.delete_event(log.at("c", 1))
    raw.delete_audit(log.at("c", 1))

    first = _first_break(container)
    assert first.notification_id == log.at("b", 2)  # the next link no longer follows
    assert "global chain broken" in first.problem


def test_swapping_two_events_contents_is_reported_at_the_first(container: Container,
                                                               log: Log) -> None:
    raw = RawDatabase(container)
    first_position, second_position = log.at("a", 2), log.at("b", 2)
    first_state, second_state = raw.state_at(first_position), raw.state_at(second_position)
    raw.set_state(first_position, second_state)
    raw.set_state(second_position, first_state)

    first = _first_break(container)
    assert first.notification_id == first_position
    assert first.originator_id == str(log.a)
    assert "altered" in first.problem


def test_swapping_two_events_positions_is_reported(container: Container, log: Log) -> None:
    raw = RawDatabase(container)
    raw.swap_positions(log.at("b", 1), log.at("c", 1))

    first = _first_break(container)
    assert first.notification_id == log.at("b", 1)
    assert "different event" in first.problem
    assert first.expected == f"{log.c} v1"
    assert first.found == f"{log.b} v1"


def test_dropping_the_newest_event_is_reported(container: Container, log: Log) -> None:
    raw = RawDatabase(container)
    newest = log.at("a", 3)
    raw.delete_event(newest)

    first = _first_break(container)
    assert first.notification_id == newest
    assert first.originator_id == str(log.a)
    assert first.originator_version == 3
    assert "event is missing" in first.problem


def test_checkpoint_catches_truncation_of_the_newest_events(container: Container,
                                                            log: Log) -> None:
    checkpoint = take_checkpoint(container.store)
    assert checkpoint is not None
    assert checkpoint.notification_id == log.at("a", 3)
    assert verify_store(container.store, [checkpoint]).ok

    raw = RawDatabase(container)
    for name, version in (("a", 3), ("b", 2)):  # whole events, audit rows too
        raw.delete_event(log.at(name, version))
        raw.delete_audit(log.at(name, version))

    assert verify_store(container.store).ok, "without a checkpoint truncation is invisible"
    first = _first_break(container, [checkpoint])
    assert first.notification_id == checkpoint.notification_id
    assert "no longer reaches an exported checkpoint" in first.problem
    assert first.expected == checkpoint.chain_hash
    assert first.found == f"the log ends at notification {log.at('c', 1)}"


def test_checkpoint_catches_a_rewritten_chain(container: Container, log: Log) -> None:
    checkpoint = take_checkpoint(container.store)
    assert checkpoint is not None
    raw = RawDatabase(container)
    position = log.at("b", 2)
    state = bytearray(raw.state_at(position))
    state[-3] ^= 0x01
    raw.set_state(position, bytes(state))
    raw.rewrite_chain_from(container, position)

    assert verify_store(container.store).ok, "a full rewrite passes without a checkpoint"
    first = _first_break(container, [checkpoint])
    assert first.notification_id == checkpoint.notification_id
    assert "rewritten" in first.problem


def test_checkpoints_round_trip_as_json(container: Container, log: Log) -> None:
    checkpoint = take_checkpoint(container.store)
    assert checkpoint is not None
    text = json.dumps(checkpoint.to_json())
    assert set(json.loads(text)) == {"notification_id", "chain_hash", "at"}
    assert load_checkpoints(text) == [checkpoint]
    assert load_checkpoints(f"[{text}, {text}]") == [checkpoint, checkpoint]
    assert load_checkpoints(f"{text}\n{text}\n") == [checkpoint, checkpoint]


def _cli_env(container: Container) -> dict[str, str]:
    settings = container.settings
    return {
        "CASEWORK_DATABASE": settings.database,
        "CASEWORK_MASTER_KEY": settings.master_key or "",
        "CASEWORK_VAR_DIR": str(settings.var_dir),
        "CASEWORK_AUTH_SECRET": settings.auth_secret or "",
    }


def test_cli_checkpoint_then_verify(container: Container, log: Log, tmp_path: Path) -> None:
    runner = CliRunner()
    env = _cli_env(container)
    output = tmp_path / "checkpoint.json"
    taken = runner.invoke(cli, ["audit", "checkpoint", "--output", str(output)], env=env)
    assert taken.exit_code == 0, taken.output
    assert load_checkpoints(output.read_text())[0].notification_id == log.at("a", 3)

    verified = runner.invoke(cli, ["audit", "verify", "--checkpoint", str(output)], env=env)
    assert verified.exit_code == 0, verified.output
    assert "OK" in verified.output

    raw = RawDatabase(container)
    raw.delete_event(log.at("a", 3))
    raw.delete_audit(log.at("a", 3))
    broken = runner.invoke(cli, ["audit", "verify", "--checkpoint", str(output), "--json"],
                           env=env)
    assert broken.exit_code == 1
    report = json.loads(broken.stdout)
    assert report["ok"] is False
    assert report["first_break"]["notification_id"] == log.at("a", 3)


def test_cli_verify_prints_the_first_break(container: Container, log: Log) -> None:
    raw = RawDatabase(container)
    position = log.at("c", 1)
    raw.set_state(position, raw.state_at(position) + b" ")
    result = CliRunner().invoke(cli, ["audit", "verify"], env=_cli_env(container))
    assert result.exit_code == 1
    assert f"notification {position}, aggregate {log.c} version 1" in result.output
    assert "expected:" in result.output
    assert "found:" in result.output
