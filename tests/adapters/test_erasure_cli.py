"""``casework retention run``, ``casework people export`` and ``casework keys rotate-master``."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from cryptography.exceptions import InvalidTag
from typer.testing import CliRunner

from adapters.bootstrap import Container, bootstrap
from adapters.cli.main import app as cli
from adapters.config.settings import Settings
from adapters.persistence.keyring import new_master_key
from domain.shared.personal import ERASED
from tests.adapters.test_erasure import OLD
from tests.application.test_protection_support import build_closed_case


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The commands configure logging for the process, onto the runner's stderr, which is
    closed afterwards: put the configuration back for the tests that follow."""
    saved = structlog.get_config()
    handlers = list(logging.getLogger().handlers)
    yield
    structlog.configure(**saved)
    logging.getLogger().handlers[:] = handlers


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    return {"CASEWORK_DATABASE": settings.database,
            "CASEWORK_MASTER_KEY": settings.master_key or "",
            "CASEWORK_VAR_DIR": str(settings.var_dir),
            "CASEWORK_AUTH_SECRET": settings.auth_secret or "",
            "CASEWORK_PROJECTIONS_IN_PROCESS": "false",
            "CASEWORK_LOG_LEVEL": "WARNING", **extra}


def test_retention_run_is_a_dry_run_until_told_to_apply(
    container: Container, test_settings: Settings
) -> None:
    old = build_closed_case(container, at=OLD, tag="Cli")
    env = _env(test_settings)
    runner = CliRunner()

    dry = runner.invoke(cli, ["retention", "run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "Due for erasure: 1 case(s), 2 person(s)" in dry.output
    assert old.reference in dry.output
    assert "Dry run: nothing was changed" in dry.output
    assert container.store.repository.get(old.case_id).summary == old.personal["summary"]

    as_json = runner.invoke(cli, ["retention", "run", "--json"], env=env)
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert document["applied"] is False
    assert document["report"]["due_by_kind"] == {"case": 1, "person": 2}

    future = runner.invoke(cli, ["retention", "run", "--apply", "--as-of", "2999-01-01"],
                           env=env)
    assert future.exit_code == 2
    assert "future" in future.output

    applied = runner.invoke(cli, ["retention", "run", "--apply"], env=env)
    assert applied.exit_code == 0, applied.output
    assert "Erased 3 record(s): 3 key(s) destroyed" in applied.output
    # This container is "another process": its caches expire (60 s); expire them now.
    container.store.mapper.keyring.forget_cache()  # type: ignore[attr-defined]
    container.store.forget_cached_aggregates()
    assert container.store.repository.get(old.case_id).summary == ERASED

    nothing = runner.invoke(cli, ["retention", "run"], env=env)
    assert "Dry run: nothing is due." in nothing.output
    assert "(3 already erased)" in nothing.output


def test_people_export_writes_json_and_html(
    container: Container, test_settings: Settings, tmp_path: Path
) -> None:
    old = build_closed_case(container, at=OLD, tag="Sar")
    output, page = tmp_path / "sar.json", tmp_path / "sar.html"
    result = CliRunner().invoke(
        cli, ["people", "export", str(old.victim_id), "--output", str(output),
              "--html", str(page)], env=_env(test_settings))
    assert result.exit_code == 0, result.output
    document = json.loads(output.read_text())
    assert document["person"]["name"] == old.personal["victim name"]
    assert [c["reference"] for c in document["cases"]] == [old.reference]
    assert output.stat().st_mode & 0o077 == 0  # personal data: owner-only file
    text = page.read_text()
    assert old.personal["victim name"] in text
    assert old.personal["contact"] in text
    assert "<script" not in text

    missing = CliRunner().invoke(cli, ["people", "export", str(old.case_id)],
                                 env=_env(test_settings))
    assert missing.exit_code == 1
    assert "not found" in missing.output


def test_rotating_the_master_key_rewraps_every_data_key(
    container: Container, test_settings: Settings, tmp_path: Path
) -> None:
    old = build_closed_case(container, at=OLD, tag="Rot")
    new_key = new_master_key()
    key_file = tmp_path / "new-key"
    key_file.write_text(new_key + "\n")
    env = _env(test_settings)
    rotated = CliRunner().invoke(cli, ["keys", "rotate-master", "--new-key-file", str(key_file)],
                                 env=env)
    assert rotated.exit_code == 0, rotated.output
    assert "re-wrapped" in rotated.output

    again = CliRunner().invoke(cli, ["keys", "rotate-master", "--new-key-file", str(key_file)],
                               env=_env(test_settings, CASEWORK_MASTER_KEY=new_key))
    assert again.exit_code == 2  # it is the current key now
    container.close()

    with_new = bootstrap(test_settings.model_copy(update={"master_key": new_key}))
    try:
        assert with_new.store.repository.get(old.victim_id).name == old.personal["victim name"]
    finally:
        with_new.close()
    with_old = bootstrap(test_settings)
    try:
        with pytest.raises(InvalidTag):  # the old master key no longer opens any data key
            with_old.store.repository.get(old.victim_id)
    finally:
        with_old.close()
