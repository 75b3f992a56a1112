"""``casework projections status|rebuild`` against both stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.bootstrap import Container
from adapters.cli.main import app
from projections.testing import expected_rows, view_rows
from tests.projections.conftest import HostFactory, write_notes
from tests.support.process_env import process_env
from tests.support.sample_views import NoteCounts, sample_views


@pytest.fixture
def cli_env(container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
            ) -> dict[str, str]:
    monkeypatch.setattr("adapters.bootstrap.default_views", sample_views)
    # CliRunner's streams close after each call: keep the session's logging configuration.
    monkeypatch.setattr("adapters.cli.projections.configure_logging", lambda *_: None)
    return process_env(container, tmp_path, CASEWORK_LOG_LEVEL="WARNING", COLUMNS="200")


def test_status_and_rebuild(container: Container, make_host: HostFactory,
                            cli_env: dict[str, str]) -> None:
    write_notes(container, ["Baldock Town", "Hitchin Oughton"] * 20, edits=4)
    runner = CliRunner()

    before = runner.invoke(app, ["projections", "status", "--json"], env=cli_env)
    assert before.exit_code == 0, before.output
    output = before.stdout
    lag = json.loads(output[output.index("{\n"):])  # after any log lines
    assert lag["head"] == 44
    assert lag["views"]["note_counts"]["state"] == "not-started"
    assert lag["views"]["note_counts"]["events_behind"] == 44

    rebuilt = runner.invoke(app, ["projections", "rebuild", "note_counts", "--batch-size", "10"],
                            env=cli_env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "note_counts" in rebuilt.output

    after = runner.invoke(app, ["projections", "status"], env=cli_env)
    assert after.exit_code == 0, after.output
    assert "note_counts" in after.stdout
    assert "current" in after.stdout
    host = make_host()
    assert view_rows(host, "note_counts") == expected_rows(NoteCounts(), host.log)
    assert host.read_states()["note_counts"].position == 44

    unknown = runner.invoke(app, ["projections", "rebuild", "nope"], env=cli_env)
    assert unknown.exit_code == 2
