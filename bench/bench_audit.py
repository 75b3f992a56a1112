"""Audit (issue 7): verifying a large log, and "as at" on a case with a long history.

Verification: ``verify_store`` re-computes both hash chains over every stored event and
audit row. Baseline: reading the same rows (each event joined with its audit row, in
notification order, in pages of 5,000) through the plain driver, with no hashing and no
checks. Both on each store, in alternating rounds.

As at: ``CaseService.get(case_id, as_at=...)`` on a case with 1,000 events recorded a
minute apart, at moments where the case was at versions 25, 525 and 1,000, through a store
with snapshots every 50 events and one without (same database). Baseline: the same
versions read with ``get(case_id, version=...)``: the difference is the indexed audit
lookup that turns a moment into a version.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from adapters.audit.verify import verify_store
from adapters.bootstrap import Container
from adapters.config.settings import Settings
from application.context import acting_as
from bench.common import (
    OFFICER,
    BenchContext,
    Section,
    Stats,
    grow_case,
    interleaved,
    main_for,
    markdown_table,
    open_case,
    pct,
    ratio,
    serial_loop,
)
from domain.shared import clock

NAME = "audit"
TITLE = "Audit: verifying the log, and \"as at\" on a long history"
PAGE = 5000
HISTORY = 1000
INTERVAL = 50


# ------------------------------------------------------------------------------------------
# Verification against raw reading
# ------------------------------------------------------------------------------------------


def _raw_reader(settings: Settings, container: Container) -> Callable[[], int]:
    """Read every event with its audit row, in order, in pages; returns the rows read."""
    recorder: Any = container.store.recorder
    events = recorder.events_table_name
    if settings.is_postgres:
        audit = events.removesuffix("_events") + "_audit"
        statement = (
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, "
            f"e.state, a.event_hash, a.chain_hash FROM {events} AS e "
            f"JOIN {audit} AS a USING (notification_id) "
            "WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT %s")

        def read_postgres() -> int:
            count, after = 0, 0
            with psycopg.connect(settings.database) as conn:
                while True:
                    rows = conn.execute(statement, (after, PAGE)).fetchall()
                    if not rows:
                        return count
                    count += len(rows)
                    after = rows[-1][0]

        return read_postgres

    audit = recorder.audit_table
    lite = ("SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, "
            f"a.event_hash, a.chain_hash FROM {events} AS e "
            f"JOIN {audit} AS a ON a.notification_id = e.rowid "
            "WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?")

    def read_sqlite() -> int:
        count, after = 0, 0
        conn = sqlite3.connect(settings.sqlite_path)
        try:
            while True:
                rows = conn.execute(lite, (after, PAGE)).fetchall()
                if not rows:
                    return count
                count += len(rows)
                after = rows[-1][0]
        finally:
            conn.close()

    return read_sqlite


@dataclass
class VerifyRow:
    store: str
    events: int
    verify: Stats
    raw: Stats

    @property
    def ratio(self) -> float:
        return ratio(self.verify.per_second, self.raw.per_second)


def _timed_pass(action: Callable[[], int]) -> Callable[[int], Stats]:
    """A loop for :func:`interleaved`: one full pass per round, counting the rows it covered."""
    def loop(_: int) -> Stats:
        cpu = time.process_time()
        started = time.perf_counter()
        rows = action()
        elapsed = time.perf_counter() - started
        return Stats(count=rows, seconds=elapsed, latencies=(elapsed,),
                     cpu_seconds=time.process_time() - cpu)
    return loop


def _build_log(container: Container, events: int, cases: int) -> None:
    """About ``events`` events: ``cases`` cases with incidents (and the reference counter)."""
    service = container.services["cases"]
    per_case = max(events // cases - 2, 1)
    for index in range(cases):
        case_id = open_case(service, index)
        grow_case(container, case_id, per_case, batch=125)


def _verify_store_rows(ctx: BenchContext, store: str, events: int, cases: int,
                       rounds: int) -> VerifyRow:
    settings = ctx.settings(store, prefix="audit")
    with ctx.container(settings) as container:
        _build_log(container, events, cases)
        raw_read = _raw_reader(settings, container)

        def verify() -> int:
            report = verify_store(container.store)
            assert report.ok, report.first_break
            return report.events_checked

        total = raw_read()
        figures = interleaved(rounds, {"verify": _timed_pass(verify),
                                       "raw": _timed_pass(raw_read)})
    row = VerifyRow(store, total, figures["verify"], figures["raw"])
    print(f"[audit] verify {store:8s} {total:,} events: "
          f"{row.verify.per_second:,.0f} events/s; raw read {row.raw.per_second:,.0f} rows/s; "
          f"ratio {row.ratio:.2f}")
    return row


# ------------------------------------------------------------------------------------------
# "As at" on a long history
# ------------------------------------------------------------------------------------------


@dataclass
class AsAtRow:
    store: str
    version: int
    as_at_with: Stats
    version_with: Stats
    as_at_without: Stats
    version_without: Stats


def _as_at_rows(ctx: BenchContext, store: str, history: int, loads: int,
                rounds: int) -> list[AsAtRow]:
    settings = ctx.settings(store, prefix="asat", snapshot_interval=INTERVAL)
    plain_settings = settings.model_copy(update={"snapshot_interval": 0})
    start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    step = timedelta(minutes=1)
    with ctx.container(settings) as snapshotting, ctx.container(plain_settings) as plain:
        with clock.frozen_at(start - step):
            case_id = open_case(snapshotting.services["cases"], 0)
        grow_case(snapshotting, case_id, history - 1, start=start + step, step=step)
        rows = []
        versions = sorted({min(25, history), history // 2 + 25, history})
        for version in versions:
            moment = start + step * (version - 1) + timedelta(seconds=30)
            loops: dict[str, Callable[[int], Stats]] = {}
            for label, container in (("with", snapshotting), ("without", plain)):
                as_at = _getter(container, case_id, as_at=moment, expect=version)
                by_version = _getter(container, case_id, version=version, expect=version)
                as_at(0)
                by_version(0)
                loops[f"as_at {label}"] = serial_loop(as_at, loads)
                loops[f"version {label}"] = serial_loop(by_version, loads)
            figures = interleaved(rounds, loops)
            row = AsAtRow(store, version, figures["as_at with"], figures["version with"],
                          figures["as_at without"], figures["version without"])
            rows.append(row)
            print(f"[audit] as_at {store:8s} v{version}: with snapshots "
                  f"{row.as_at_with.p50_ms:.2f} ms (by version {row.version_with.p50_ms:.2f}); "
                  f"without {row.as_at_without.p50_ms:.2f} ms "
                  f"(by version {row.version_without.p50_ms:.2f})")
    return rows


def _getter(container: Container, case_id: UUID, *, expect: int,
            as_at: datetime | None = None, version: int | None = None
            ) -> Callable[[int], object]:
    service = container.services["cases"]

    def get(_: int) -> object:
        with acting_as(OFFICER):
            case = service.get(case_id, as_at=as_at, version=version)
        assert case.version == expect, (case.version, expect)
        return case

    return get


# ------------------------------------------------------------------------------------------


def run(ctx: BenchContext) -> Section:
    events = ctx.scaled(50_000, 300)
    cases = ctx.scaled(200, 3)
    history = ctx.scaled(HISTORY, 60)
    rounds = ctx.scaled(3, 1)
    loads = ctx.scaled(40, 2)
    verify_rows = [_verify_store_rows(ctx, s, events, cases, rounds)
                   for s in ctx.available_stores()]
    as_at_rows: list[AsAtRow] = []
    for store in ctx.available_stores():
        as_at_rows += _as_at_rows(ctx, store, history, loads, rounds + 1)
    return _section(verify_rows, as_at_rows, history)


def _section(verify_rows: list[VerifyRow], as_at_rows: list[AsAtRow], history: int
             ) -> Section:
    verify_table = markdown_table(
        ["store", "events", "verify events/s", "verify s", "raw read rows/s", "raw read s",
         "verify ÷ raw", "verify CPU s"],
        [(r.store, r.events, f"{r.verify.per_second:,.0f}",
          f"{r.verify.seconds / max(len(r.verify.latencies), 1):.2f}",
          f"{r.raw.per_second:,.0f}", f"{r.raw.seconds / max(len(r.raw.latencies), 1):.2f}",
          f"**{pct(r.ratio)}**",
          f"{r.verify.cpu_seconds / max(len(r.verify.latencies), 1):.2f}")
         for r in verify_rows])

    def cell(stats: Stats) -> str:
        return f"{stats.p50_ms:.2f} / {stats.p95_ms:.2f}"

    as_at_table = markdown_table(
        ["store", "as at version", "as_at, snapshots", "by version, snapshots",
         "as_at, no snapshots", "by version, no snapshots", "as_at snapshots ÷ none"],
        [(r.store, f"{r.version:,}", cell(r.as_at_with), cell(r.version_with),
          cell(r.as_at_without), cell(r.version_without),
          pct(ratio(r.as_at_with.p50_ms, r.as_at_without.p50_ms)))
         for r in as_at_rows])
    figures = {f"verify ratio {r.store}": r.ratio for r in verify_rows}
    figures |= {f"verify events/s {r.store}": r.verify.per_second for r in verify_rows}
    figures |= {f"as_at p50 ms {r.store} v{r.version} snapshots": r.as_at_with.p50_ms
                for r in as_at_rows}
    body = f"""
### Verifying the log

`verify_store` (both hash chains re-computed over every event and audit row) against
reading the same rows (events joined with their audit rows, in notification order, pages
of {PAGE:,}) through the plain driver with no hashing; alternating rounds, totals over all
rounds.

{verify_table}

### "As at" on a case with {history:,} events

`CaseService.get(case_id, as_at=moment)` at moments when the case was at each version,
p50 / p95 ms, with snapshots every {INTERVAL} events and without (two stores, one
database); "by version" reads the same version with `get(case_id, version=v)`, so the
difference between the two is the indexed audit lookup turning a moment into a version.

{as_at_table}
"""
    return Section(name=NAME, title=TITLE, body=body, figures=figures)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
