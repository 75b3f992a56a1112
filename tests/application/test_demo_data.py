"""Demo data (issue 10): loads through the application layer on both stores, reproducibly.

The tiny scale holds the same showcase records as every scale (case reviews that meet and
miss the threshold, a discretionary review, escalations, a plan at each O'SARA stage), so
these tests check the features without the time the small scale takes.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.bootstrap import Container, bootstrap
from adapters.cli.demo import install_first_start_loader, load_on_first_start
from adapters.cli.main import app
from application.demo import (
    SCALES,
    StoreNotEmpty,
    canonical_summary,
    load_demo_data,
    store_is_empty,
)
from domain.shared.periods import FinancialYear
from tests.conftest import make_settings

TODAY = date(2026, 11, 24)
STAGES = {"objective", "scanning", "analysis", "response", "assessment", "closed"}
LADDER = ("warning", "community_protection_warning", "community_protection_notice")


def _of(summary: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [record for key, record in summary["records"].items()
            if key.startswith(f"{kind}:")]


def test_tiny_scale_loads_replays_and_looks_like_casework(container: Container) -> None:
    assert store_is_empty(container.store)
    result = load_demo_data(container.store, container.rules, scale="tiny", seed=11,
                            today=TODAY)
    summary = canonical_summary(container.store)  # replays every record from its events

    assert summary["events"] == result.events > 1000
    for record in summary["records"].values():
        assert record["version"] == len(record["events"])
    assert sum(result.events_by_kind.values()) == result.events

    cases = [r["state"] for r in _of(summary, "case")]
    assert len(cases) >= SCALES["tiny"].cases
    assert {c["ward"] for c in cases} & {"Hitchin Bearton", "St Peters"}
    partnerships = {key.split("/")[0].removeprefix("person:") for key in summary["records"]
                    if key.startswith("person:")}
    assert partnerships == {"north-herts", "st-albans"}
    years = {FinancialYear.containing(date.fromisoformat(c["opened_at"][:10])).label
             for c in cases}
    assert len(years) >= 3  # several financial years, from April 2023
    assert min(c["opened_at"] for c in cases) >= "2023-04-01"
    assert any(c["open"] for c in cases)
    assert any(not c["open"] for c in cases)
    assert {c["risk"] for c in cases} >= {"standard", "medium", "high"}
    closures = [closure for c in cases for closure in c["closures"]]
    assert len({outcome for outcome, _, _ in closures}) >= 3
    assert any(satisfaction for _, _, satisfaction in closures)
    # one incident reported to two agencies counts once
    assert any(c["distinct_incidents"] < len(c["incidents"]) for c in cases)
    assert any("jag" in c and "discharged" in c["jag"] for c in cases)
    for case in cases:  # the escalation ladder in legal order
        types = [kind for kind, _, _ in case["interventions"]]
        if "community_protection_notice" in types:
            assert types.index("community_protection_warning") < types.index(
                "community_protection_notice")

    plans = [r["state"] for r in _of(summary, "plan")]
    assert {p["stage"] for p in plans} == STAGES
    assert any(p["funded"] and p["matched"] != "0" for p in plans)
    plan_events = [kind for r in _of(summary, "plan") for kind, _, _ in r["events"]]
    assert "ProblemSolvingPlan.SentBack" in plan_events

    reviews = [r["state"] for r in _of(summary, "review")]
    assert any(r["threshold_met"] is True for r in reviews)
    assert any(r["threshold_met"] is False for r in reviews)
    assert any(r["discretionary"] for r in reviews)
    assert any(r["recommendations"] for r in reviews)
    escalations = {result for r in reviews for result in r["escalations"]}
    assert escalations >= {"confirmed", "upheld_referred_back"}

    actors = {actor for r in summary["records"].values() for _, _, actor in r["events"]}
    assert {"pc.jones", "asb.officer.patel", "housing.officer.lee", "csp.coordinator",
            "pc.green"} <= actors  # the demo sign-in users all have work to show
    assert "system" not in actors

    with pytest.raises(StoreNotEmpty):
        load_demo_data(container.store, container.rules, scale="tiny", seed=11, today=TODAY)


def _summary_of_fresh_load(tmp_path: Path, request: pytest.FixtureRequest, name: str,
                           seed: int) -> dict[str, Any]:
    built = bootstrap(make_settings("sqlite", tmp_path / name, request))
    try:
        load_demo_data(built.store, built.rules, scale="tiny", seed=seed, today=TODAY)
        return canonical_summary(built.store)
    finally:
        built.close()


def test_the_same_seed_gives_the_same_data(tmp_path: Path,
                                           request: pytest.FixtureRequest) -> None:
    first = _summary_of_fresh_load(tmp_path, request, "first", 5)
    again = _summary_of_fresh_load(tmp_path, request, "again", 5)
    other = _summary_of_fresh_load(tmp_path, request, "other", 6)
    assert first == again
    assert first["records"] != other["records"]


def test_first_start_loads_into_an_empty_store_only(tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    settings = make_settings("sqlite", tmp_path, request, demo_data="tiny",
                             projections_in_process=True)
    built = bootstrap(settings)
    try:
        projections_start = built.services["on_start"][0]
        install_first_start_loader(built)
        starts = built.services["on_start"]
        assert starts[1] is projections_start  # the data is in before the read models start
        starts[0]()
        head = built.store.audited_recorder.max_notification_id()
        assert head is not None
        assert head > 1000
        assert load_on_first_start(built, "tiny", today=TODAY) is None  # not empty: skipped
        assert built.store.audited_recorder.max_notification_id() == head
    finally:
        built.close()
    bad = bootstrap(make_settings("sqlite", tmp_path / "bad", request, demo_data="huge"))
    try:
        with pytest.raises(ValueError, match="unknown demo scale"):
            install_first_start_loader(bad)
    finally:
        bad.close()


def test_cli_loads_and_refuses_a_second_load(tmp_path: Path, request: pytest.FixtureRequest,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings("sqlite", tmp_path, request)
    env = {"CASEWORK_DATABASE": settings.database,
           "CASEWORK_MASTER_KEY": settings.master_key or "",
           "CASEWORK_AUTH_SECRET": settings.auth_secret or "",
           "CASEWORK_VAR_DIR": str(tmp_path / "cli-var"), "CASEWORK_LOG_LEVEL": "WARNING",
           "COLUMNS": "200"}
    runner = CliRunner()
    args = ["demo", "load", "--scale", "tiny", "--seed", "3", "--today", TODAY.isoformat()]
    loaded = runner.invoke(app, args, env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded" in loaded.output
    assert "events/s" in loaded.output
    assert re.search(r"; [1-9][\d,]* snapshots\.", loaded.output)
    refused = runner.invoke(app, args, env=env)
    assert refused.exit_code == 1
    assert "--force" in refused.output
    forced = runner.invoke(app, [*args, "--force"], env=env)
    assert forced.exit_code == 0, forced.output


def test_the_loader_takes_snapshots_that_match_the_events(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Events saved on their own are not snapshotted by the store, so the loader takes
    snapshots itself, from the state in memory: each must equal the state its events give."""
    from adapters.audit.snapshots import iter_snapshot_rows, verify_snapshots

    built = bootstrap(make_settings(store_kind, tmp_path, request, snapshot_interval=10))
    try:
        result = load_demo_data(built.store, built.rules, scale="tiny", seed=11, today=TODAY)
        stored = list(iter_snapshot_rows(built.store))
        assert result.snapshots == len(stored) > 20
        assert all(s.originator_version >= 10 for s in stored)
        checked = verify_snapshots(built.store)
        assert checked.ok, checked.problems[:3]
        assert checked.snapshots_checked == len(stored)
        # Loads start from them: a cold load of the longest record reads its newest one.
        longest = max(stored, key=lambda s: s.originator_version)
        built.store.forget_cached_aggregates()
        assert built.store.repository.get(longest.originator_id).version >= \
            longest.originator_version
    finally:
        built.close()
