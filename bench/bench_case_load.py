"""Loading a case with 10, 100 and 1,000 events, with and without snapshots, on both stores.

Cases are written once per store by a store that snapshots every 50 events (the default),
then read through ``CaseService.get`` (access check, restriction check, repository) by two
stores on the same database: one with ``snapshot_interval=50`` (loads the newest snapshot
and the events after it) and one with ``snapshot_interval=0`` (replays every event). Data
keys are cached (warm), as in a running service.

Two histories: incidents (each one stays in the case's state, so the state, and its
snapshot, grow with the events) and lead changes (each overwrites the lead, so the state
stays the same size). A case with exactly 1,000 events has a snapshot at version 1,000, so
it loads with no replay at all; the "worst case" rows (1,049 events) replay the most events
a case ever replays with snapshots every 50. Target: 1,000 events cost at most twice 10
events, with snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from adapters.bootstrap import Container
from application.context import acting_as
from bench.common import (
    OFFICER,
    BenchContext,
    Section,
    Stats,
    add_incident,
    change_lead,
    grow_case,
    interleaved,
    main_for,
    markdown_table,
    open_case,
    pct,
    ratio,
    serial_loop,
)
from domain.cases import AsbCase

NAME = "case-load"
TITLE = "Case load: 10, 100 and 1,000 events, with and without snapshots"
INTERVAL = 50
TARGET = 2.0
HISTORIES: dict[str, Callable[[AsbCase, int, datetime | None], None]] = {
    "incidents": add_incident,
    "lead changes": change_lead,
}


@dataclass
class Row:
    store: str
    history: str
    events: int
    state_bytes: int
    replayed_with_snapshots: int
    with_snapshots: Stats
    without_snapshots: Stats


def _replayed(container: Container, case_id: UUID, version: int) -> int:
    snapshots = container.store.snapshots
    if snapshots is None:
        return version
    newest = list(snapshots.get(case_id, desc=True, limit=1))
    return version - (newest[0].originator_version if newest else 0)


def _snapshot_bytes(container: Container, case_id: UUID) -> int:
    snapshots = container.store.snapshots
    if snapshots is None:
        return 0
    stored = snapshots.recorder.select_events(case_id, desc=True, limit=1)
    return len(stored[0].state) if stored else 0


def _loader(container: Container, case_id: UUID) -> Callable[[int], object]:
    service = container.services["cases"]

    def load(_: int) -> object:
        with acting_as(OFFICER):
            return service.get(case_id)

    return load


def _measure_store(ctx: BenchContext, store: str, sizes: tuple[int, ...],
                   loads: int, rounds: int, max_seconds: float) -> list[Row]:
    settings = ctx.settings(store, prefix="caseload", snapshot_interval=INTERVAL)
    plain_settings = settings.model_copy(update={"snapshot_interval": 0})
    with ctx.container(settings) as snapshotting, ctx.container(plain_settings) as plain:
        assert plain.store.snapshots is None
        cases: dict[tuple[str, int], UUID] = {}
        for history, command in HISTORIES.items():
            for size in sizes:
                case_id = open_case(snapshotting.services["cases"], size)
                grow_case(snapshotting, case_id, size - 1, command=command)
                cases[history, size] = case_id
        rows: list[Row] = []
        for (history, size), case_id in cases.items():
            with_snap, without_snap = _loader(snapshotting, case_id), _loader(plain, case_id)
            for load in (with_snap, without_snap):  # warm the key cache and connections
                case = load(0)
                assert getattr(case, "version", None) == size, (size, case)
            figures = interleaved(rounds, {
                "with": serial_loop(with_snap, loads, max_seconds),
                "without": serial_loop(without_snap, loads, max_seconds),
            })
            row = Row(store, history, size, _snapshot_bytes(snapshotting, case_id),
                      _replayed(snapshotting, case_id, size),
                      figures["with"], figures["without"])
            rows.append(row)
            print(f"[case-load] {store:8s} {history:12s} {size:5d} events (replays "
                  f"{row.replayed_with_snapshots} with snapshots, snapshot {row.state_bytes} B)"
                  f"\n    with snapshots    {row.with_snapshots.line('loads')}\n"
                  f"    without snapshots {row.without_snapshots.line('loads')}")
        return rows


def run(ctx: BenchContext) -> Section:
    sizes = (10, 100, 1000) if not ctx.quick else (5, 50)
    sizes = (*sizes, max(sizes) + INTERVAL - 1)
    loads = ctx.scaled(60, 3)
    rounds = ctx.scaled(4, 2)
    max_seconds = ctx.scaled(5, 2)
    rows: list[Row] = []
    for store in ctx.available_stores():
        rows += _measure_store(ctx, store, sizes, loads, rounds, max_seconds)
    return _section(rows, sizes)


def _section(rows: list[Row], sizes: tuple[int, ...]) -> Section:
    table_rows = []
    figures: dict[str, float] = {}
    verdicts = []
    smallest, target_size, worst = sizes[0], sizes[-2], sizes[-1]
    for row in rows:
        base = next(r for r in rows if r.store == row.store and r.history == row.history
                    and r.events == smallest)
        with_ratio = ratio(row.with_snapshots.p50_ms, base.with_snapshots.p50_ms)
        without_ratio = ratio(row.without_snapshots.p50_ms, base.without_snapshots.p50_ms)
        label = f"{row.events:,}" + (" (worst case)" if row.events == worst else "")
        table_rows.append((
            row.store, row.history, label, f"{row.state_bytes / 1024:,.1f}",
            row.replayed_with_snapshots,
            f"{row.with_snapshots.p50_ms:.2f} / {row.with_snapshots.p95_ms:.2f}",
            f"{with_ratio:.2f}x",
            f"{row.without_snapshots.p50_ms:.2f} / {row.without_snapshots.p95_ms:.2f}",
            f"{without_ratio:.2f}x",
            pct(ratio(row.with_snapshots.p50_ms, row.without_snapshots.p50_ms)),
        ))
        figures[f"{row.store} {row.history} {row.events} with/{smallest}"] = with_ratio
        figures[f"{row.store} {row.history} {row.events} without/{smallest}"] = without_ratio
        if row.events in (target_size, worst):
            verdict = "meets" if with_ratio <= TARGET else "misses"
            verdicts.append(f"{row.store}, {row.history}, {row.events:,} events: "
                            f"{with_ratio:.2f}x ({verdict} the 2x target)")
    table = markdown_table(
        ["store", "history", "events", "snapshot KiB", "replayed (snapshots)",
         "with snapshots p50 / p95 ms",
         f"÷ {smallest} events", "without snapshots p50 / p95 ms", f"÷ {smallest} events",
         "with ÷ without"], table_rows)
    body = f"""
`CaseService.get` of one case (warm key cache), {", ".join(f"{s:,}" for s in sizes)} events;
each store's figures against its own {smallest}-event case, measured in alternating rounds.
With snapshots every {INTERVAL} events, a load reads the newest snapshot and replays the
events after it ("replayed"); without, it replays every event.

{table}

Target (1,000 events cost at most twice 10 events, with snapshots):
{"".join(f"{chr(10)}- {v}" for v in verdicts)}
"""
    return Section(name=NAME, title=TITLE, body=body, figures=figures)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
