"""Loading a case with 10, 100 and 1,000 events, with and without snapshots, on both stores.

Cases are written once per store by a store that snapshots every 50 events (the default),
then read through ``CaseService.get`` (access check, restriction check, repository) by three
stores on the same database: as deployed (snapshots every 50 events and the aggregate
cache, so a load asks the store only for events after the cached version), with the cache
off (loads the newest snapshot and the events after it: what the first load of a case in a
process, or the first after the cache's age limit, costs) and with neither (replays every
event). Data keys are cached (warm), as in a running service.

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
    cached: Stats
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
    cold_settings = settings.model_copy(update={"aggregate_cache_size": 0})
    plain_settings = cold_settings.model_copy(update={"snapshot_interval": 0})
    with ctx.container(settings) as deployed, ctx.container(cold_settings) as snapshotting, \
            ctx.container(plain_settings) as plain:
        assert plain.store.snapshots is None
        assert snapshotting.store.aggregate_cache is None
        assert deployed.store.aggregate_cache is not None
        cases: dict[tuple[str, int], UUID] = {}
        for history, command in HISTORIES.items():
            for size in sizes:
                case_id = open_case(snapshotting.services["cases"], size)
                grow_case(snapshotting, case_id, size - 1, command=command)
                cases[history, size] = case_id
        rows: list[Row] = []
        for (history, size), case_id in cases.items():
            cached = _loader(deployed, case_id)
            with_snap, without_snap = _loader(snapshotting, case_id), _loader(plain, case_id)
            for load in (cached, with_snap, without_snap):  # warm keys, connections, cache
                case = load(0)
                assert getattr(case, "version", None) == size, (size, case)
            figures = interleaved(rounds, {
                "cached": serial_loop(cached, loads, max_seconds),
                "with": serial_loop(with_snap, loads, max_seconds),
                "without": serial_loop(without_snap, loads, max_seconds),
            })
            row = Row(store, history, size, _snapshot_bytes(snapshotting, case_id),
                      _replayed(snapshotting, case_id, size),
                      figures["cached"], figures["with"], figures["without"])
            rows.append(row)
            print(f"[case-load] {store:8s} {history:12s} {size:5d} events (replays "
                  f"{row.replayed_with_snapshots} with snapshots, snapshot {row.state_bytes} B)"
                  f"\n    as deployed       {row.cached.line('loads')}"
                  f"\n    snapshots, cold   {row.with_snapshots.line('loads')}\n"
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
        cached_ratio = ratio(row.cached.p50_ms, base.cached.p50_ms)
        with_ratio = ratio(row.with_snapshots.p50_ms, base.with_snapshots.p50_ms)
        without_ratio = ratio(row.without_snapshots.p50_ms, base.without_snapshots.p50_ms)
        label = f"{row.events:,}" + (" (worst case)" if row.events == worst else "")
        table_rows.append((
            row.store, row.history, label, f"{row.state_bytes / 1024:,.1f}",
            row.replayed_with_snapshots,
            f"{row.cached.p50_ms:.2f} / {row.cached.p95_ms:.2f}",
            f"{cached_ratio:.2f}x",
            f"{row.with_snapshots.p50_ms:.2f} / {row.with_snapshots.p95_ms:.2f}",
            f"{with_ratio:.2f}x",
            f"{row.without_snapshots.p50_ms:.2f} / {row.without_snapshots.p95_ms:.2f}",
            f"{without_ratio:.2f}x",
            pct(ratio(row.with_snapshots.p50_ms, row.without_snapshots.p50_ms)),
        ))
        figures[f"{row.store} {row.history} {row.events} cached/{smallest}"] = cached_ratio
        figures[f"{row.store} {row.history} {row.events} with/{smallest}"] = with_ratio
        figures[f"{row.store} {row.history} {row.events} without/{smallest}"] = without_ratio
        if row.events in (target_size, worst):
            verdict = "meets" if cached_ratio <= TARGET else "misses"
            cold = "meets" if with_ratio <= TARGET else "misses"
            verdicts.append(f"{row.store}, {row.history}, {row.events:,} events: as deployed "
                            f"{cached_ratio:.2f}x ({verdict} the 2x target); cold from the "
                            f"snapshot {with_ratio:.2f}x ({cold} it)")
    table = markdown_table(
        ["store", "history", "events", "snapshot KiB", "replayed (snapshots)",
         "as deployed p50 / p95 ms", f"÷ {smallest} events",
         "snapshots, cache off p50 / p95 ms",
         f"÷ {smallest} events", "without snapshots p50 / p95 ms", f"÷ {smallest} events",
         "with ÷ without"], table_rows)
    body = f"""
`CaseService.get` of one case (warm key cache), {", ".join(f"{s:,}" for s in sizes)} events;
each store's figures against its own {smallest}-event case, measured in alternating rounds.
"As deployed": snapshots every {INTERVAL} events and the aggregate cache (a load asks the
store for events after the cached version, applies them, and hands out a copy). "Cache
off": the newest snapshot is read and the events after it ("replayed") are applied, which
is what the first load of a case in a process costs, and the first load after the cache's
age limit (60 s from when the state was read from the store); "without snapshots" replays
every event.

{table}

Target (1,000 events cost at most twice 10 events):
{"".join(f"{chr(10)}- {v}" for v in verdicts)}
"""
    return Section(name=NAME, title=TITLE, body=body, figures=figures)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
