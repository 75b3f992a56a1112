"""Smoke run of the county-scale query and lag benchmark at the ``tiny`` demo scale.

The figures of a ``--quick`` run mean nothing; this only checks that the benchmark loads
the demo data, times every query and measures the lag on both stores, and writes its two
sections ("queries" and "lag") between their own markers.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import bench_queries
from bench.common import BenchContext, Section, write_section
from tests.support.postgres_server import PostgresServer


@pytest.mark.postgres
def test_queries_and_lag_run_quick_on_both_stores(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n")
    ctx = BenchContext(quick=True, work_dir=tmp_path, postgres=postgres_server, output=doc)
    section = bench_queries.run(ctx)
    assert isinstance(section, Section)
    assert section.name == bench_queries.NAME == "queries"
    assert "JAG tasking list" in section.body
    assert "RAG overview" in section.body
    for store in ("sqlite", "postgres"):
        assert f"**{store}**" in section.body
        assert f"lag p99 s {store} tasking" in section.figures
        assert f"{store} JAG tasking list ÷ page" in section.figures
    assert all(isinstance(v, float) for v in section.figures.values())
    assert not any(math.isnan(v) for v in section.figures.values()), section.figures
    write_section(doc, section.name, section.markdown())
    text = doc.read_text()
    assert f"<!-- bench:queries -->\n## {bench_queries.TITLE}" in text
    assert f"<!-- bench:lag -->\n## {bench_queries.LAG_TITLE}" in text
    assert "never seen" in text
