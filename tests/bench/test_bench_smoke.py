"""Smoke run of every benchmark with tiny counts, so the benchmark code cannot rot.

The figures of a ``--quick`` run mean nothing; these tests only check that each benchmark
runs end to end on both stores and produces its section, and that sections are written
between their own markers without touching the others.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import pytest

from bench import run as bench_run
from bench.common import (
    BenchContext,
    Section,
    percentile,
    replace_section,
    run_threads,
    write_section,
)
from tests.support.postgres_server import PostgresServer

OWN_BENCHMARKS = ["bench_commands", "bench_http", "bench_case_load", "bench_audit"]


def test_percentiles_interpolate_between_ranks() -> None:
    samples = [4.0, 1.0, 3.0, 2.0, 5.0]
    assert percentile(samples, 0) == 1.0
    assert percentile(samples, 50) == 3.0
    assert percentile(samples, 100) == 5.0
    assert percentile(samples, 95) == pytest.approx(4.8)
    assert math.isnan(percentile([], 50))


def test_threads_share_the_count_and_report_each_call() -> None:
    seen: list[tuple[int, int]] = []
    stats = run_threads(lambda thread, index: seen.append((thread, index)), 3, 20)
    assert stats.count == 20 == len(seen)
    assert sorted(index for _, index in seen) == list(range(20))
    assert len(stats.latencies) == 20
    assert stats.per_second > 0


def test_sections_replace_only_their_own_markers(tmp_path: Path) -> None:
    intro = "# Benchmarks\n\nHow to reproduce.\n"
    document = replace_section(intro, "commands", "first")
    document = replace_section(document, "audit", "audit figures")
    document = replace_section(document, "commands", "second\nrun")
    assert document.startswith(intro)
    assert document.count("<!-- bench:commands -->") == 1
    assert "<!-- bench:commands -->\nsecond\nrun\n<!-- /bench:commands -->" in document
    assert "first" not in document
    assert "<!-- bench:audit -->\naudit figures\n<!-- /bench:audit -->" in document
    assert document.index("bench:commands") < document.index("bench:audit")

    path = tmp_path / "benchmarks.md"
    path.write_text(intro)
    write_section(path, "http", "one")
    write_section(path, "http", "two")
    assert path.read_text() == intro + "\n<!-- bench:http -->\ntwo\n<!-- /bench:http -->\n"
    with pytest.raises(ValueError, match="lower-case"):
        replace_section("", "Bad Name", "x")


@pytest.mark.postgres
@pytest.mark.parametrize("module_name", OWN_BENCHMARKS)
def test_benchmark_runs_quick_on_both_stores(
    module_name: str, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    module = importlib.import_module(f"bench.{module_name}")
    ctx = BenchContext(quick=True, work_dir=tmp_path, postgres=postgres_server)
    section = module.run(ctx)
    assert isinstance(section, Section)
    assert section.name == module.NAME
    assert section.body.strip()
    assert "| " in section.body
    assert section.figures
    assert all(isinstance(v, float) for v in section.figures.values())
    assert not any(math.isnan(v) for v in section.figures.values()), section.figures
    doc = tmp_path / "benchmarks.md"
    write_section(doc, section.name, section.markdown())
    assert f"<!-- bench:{section.name} -->\n## {section.title}" in doc.read_text()


@pytest.mark.postgres
def test_run_writes_machine_and_sections_and_skips_missing_modules(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CASEWORK_BENCH_POSTGRES_URL", postgres_server.url)
    monkeypatch.setattr(bench_run, "MODULES", ("bench_commands", "bench_not_written_yet"))
    output = tmp_path / "benchmarks.md"
    output.write_text("# Benchmarks\n")
    assert bench_run.main(["--quick", "--output", str(output)]) == 0
    text = output.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "<!-- bench:machine -->" in text
    assert "synchronous_commit | on" in text
    assert "<!-- bench:commands -->" in text
    assert "bench_not_written_yet: skipped" in capsys.readouterr().out
