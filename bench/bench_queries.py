"""Read-model queries at county scale, and write-to-visible lag under load.

**Queries.** The seeded ``county`` demo (22,000 cases, about 530,000 events; ``--quick``:
the ``tiny`` scale) is loaded into SQLite and into PostgreSQL, the projections are caught up,
and each query is timed by itself, as the routes call it (a ``ViewCursor`` from
``projections.reading()`` inside ``acting_as`` a coordinator): the JAG tasking list for a
partnership and a meeting date, the RAG overview for the last complete quarter, case search
with a free-text ``q`` and a filtered list. Baselines, in the same rounds (ABBA order):
``SELECT count(*)`` over the case list table, and one page of the case list with no filters.

**Lag.** With the projection host following the log in a background thread (as in the
service), writer threads log incidents and set actions on cases through ``CaseService`` at
a steady rate. An observer polls the host's live positions every few milliseconds and
notes when each write's position is applied by every view the tasking list reads (without
waking the host: what another user sees); a checker re-reads the JAG tasking list and notes
when each new action first appears in it (query time included).
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from application.demo import load_demo_data
from bench.common import (
    BenchContext,
    Section,
    Stats,
    interleaved,
    machine_rows,
    main_for,
    markdown_table,
    percentile,
    ratio,
    serial_loop,
    write_section,
)
from domain.shared import clock
from domain.shared.periods import FinancialQuarter
from projections.overview import rag_overview
from projections.queries import CaseFilters, Reader, list_cases
from projections.tasking import tasking_list

NAME = "queries"
LAG_NAME = "lag"
TITLE = "Queries at county scale (JAG tasking, RAG overview, case search)"
LAG_TITLE = "Write-to-visible lag (JAG tasking list, projections in a background thread)"
TARGET_LAG_P99 = 1.0
TASKING_VIEWS = ("case_list", "plan_list", "review_list")
SEARCH_TERM = "shouting"
SEED = 2026


def coordinator(partnerships: tuple[str, ...]) -> RequestContext:
    return RequestContext(
        actor=Actor(user_id="bench.coordinator", display_name="Bench Coordinator",
                    agency="council", roles=("coordinator",), partnerships=partnerships),
        request_id="bench-queries")


# ------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------


@dataclass
class Loaded:
    store: str
    events: int
    cases: int
    load_seconds: float
    catch_up_seconds: float
    today: date


def load(ctx: BenchContext, container: Container, store: str) -> Loaded:
    scale = "tiny" if ctx.quick else "county"
    today = clock.now().date()
    began = time.perf_counter()
    result = load_demo_data(container.store, container.rules, scale=scale, seed=SEED,
                            today=today)
    loaded = time.perf_counter() - began
    print(f"[queries] {store}: loaded {result.events:,} events in {loaded:.1f} s", flush=True)
    assert container.projections is not None
    began = time.perf_counter()
    container.projections.catch_up(timeout=3 * 3600)
    caught = time.perf_counter() - began
    # Table statistics, as autovacuum would have gathered them by the time anyone queries a
    # freshly loaded database (without them PostgreSQL's plans vary from run to run).
    connection = getattr(container.store.recorder, "datastore", None)
    if store == "postgres" and connection is not None:
        with connection.get_connection() as conn:
            conn.execute("ANALYZE")
    with container.projections.reading() as cur:
        cases = int(cur.scalar("SELECT count(*) FROM {rm_cases}", []) or 0)
    print(f"[queries] {store}: projections caught up in {caught:.1f} s ({cases:,} cases)",
          flush=True)
    return Loaded(store, result.events, cases, loaded, caught, today)


# ------------------------------------------------------------------------------------------
# Queries
# ------------------------------------------------------------------------------------------


@dataclass
class QueryFigures:
    store: str
    partnership: str
    meeting: date
    quarter: str
    stats: dict[str, Stats]
    sizes: dict[str, str]


def busiest_partnership(container: Container) -> str:
    assert container.projections is not None
    with container.projections.reading() as cur:
        row = cur.execute("SELECT partnership_id, count(*) FROM {rm_cases} "
                          "GROUP BY partnership_id ORDER BY count(*) DESC, partnership_id "
                          "LIMIT 1", []).fetchone()
    return str(row[0]) if row else container.rules.partnerships.ids[0]


def measure_queries(ctx: BenchContext, container: Container, store: str, today: date
                    ) -> QueryFigures:
    host = container.projections
    assert host is not None
    rules = container.rules
    partnership_id = busiest_partnership(container)
    partnership = rules.partnerships.get(partnership_id)
    assert partnership is not None
    ward = partnership.wards[0].name
    meeting = today
    quarter = FinancialQuarter.containing(today).previous().label
    reps = ctx.scaled(30, 3)
    rounds = ctx.scaled(2, 1)
    context = coordinator(rules.partnerships.ids)

    def query(body: Callable[[Any], object]) -> Callable[[int], object]:
        def run_one(_: int) -> object:
            with acting_as(context), host.reading() as cur:
                return body(cur)
        return run_one

    def count_all(cur: Any) -> object:
        return cur.scalar("SELECT count(*) FROM {rm_cases}", [])

    def page(filters: CaseFilters) -> Callable[[Any], object]:
        return lambda cur: list_cases(cur, Reader(rules), filters, today)

    operations: dict[str, Callable[[int], object]] = {
        "baseline: SELECT count(*) over the case list": query(count_all),
        "baseline: one page of the case list, no filters": query(
            page(CaseFilters(partnership_id=partnership_id))),
        "JAG tasking list": query(
            lambda cur: tasking_list(cur, rules, partnership_id, meeting)),
        "RAG overview": query(lambda cur: rag_overview(cur, rules, partnership_id, quarter)),
        f"case search q={SEARCH_TERM!r}": query(
            page(CaseFilters(partnership_id=partnership_id, q=SEARCH_TERM))),
        "case list filtered (open, one ward, overdue)": query(
            page(CaseFilters(partnership_id=partnership_id, status="open", ward=ward,
                             overdue=True))),
    }
    sizes = _sizes(operations, context, host, rules, partnership_id, meeting, today)
    for operation in operations.values():  # warm caches and prepared statements
        operation(0)
    stats = interleaved(rounds, {name: serial_loop(op, max(1, reps // rounds))
                                 for name, op in operations.items()})
    for name, figures in stats.items():
        print(f"[queries] {store} {name}: p50 {figures.p50_ms:.1f} ms "
              f"p95 {figures.p95_ms:.1f} ms", flush=True)
    return QueryFigures(store, partnership_id, meeting, quarter, stats, sizes)


def _sizes(operations: dict[str, Callable[[int], object]], context: RequestContext,
           host: Any, rules: Any, partnership_id: str, meeting: date, today: date
           ) -> dict[str, str]:
    """What each query returned, so the figures can be read in proportion."""
    sizes: dict[str, str] = {}
    for name, operation in operations.items():
        result: Any = operation(0)
        if hasattr(result, "total"):
            sizes[name] = f"{result.total:,} matching, page of {len(result.items)}"
        elif hasattr(result, "agencies"):
            tasks = sum(len(a.tasks) for a in result.agencies)
            sizes[name] = (f"{len(result.new_referrals)} referrals, "
                           f"{len(result.priority_cases)} priority cases, "
                           f"{len(result.plans)} plans, {tasks:,} tasks")
        elif hasattr(result, "sections"):
            sizes[name] = f"{len(result.sections)} sections"
        else:
            sizes[name] = f"{int(result or 0):,} rows"
    return sizes


# ------------------------------------------------------------------------------------------
# Lag
# ------------------------------------------------------------------------------------------


@dataclass
class Write:
    kind: str
    position: int
    committed: float
    action_id: UUID | None = None
    in_views: float | None = None
    in_tasking: float | None = None


@dataclass
class LagFigures:
    store: str
    poll_seconds: float
    notifier: bool
    writers: int
    rate: float
    seconds: float
    writes: list[Write] = field(default_factory=list)
    command: list[float] = field(default_factory=list)
    checks: int = 0
    check_seconds: list[float] = field(default_factory=list)

    def lags(self, attribute: str, kind: str | None = None) -> list[float]:
        return [getattr(w, attribute) - w.committed for w in self.writes
                if getattr(w, attribute) is not None and (kind is None or w.kind == kind)]

    def missing(self, attribute: str, kind: str | None = None) -> int:
        return sum(1 for w in self.writes
                   if getattr(w, attribute) is None and (kind is None or w.kind == kind))


def open_cases(container: Container, partnership_id: str, count: int) -> list[UUID]:
    assert container.projections is not None
    with container.projections.reading() as cur:
        rows = cur.execute("SELECT case_id FROM {rm_cases} WHERE partnership_id = ? "
                           "AND status = 'open' ORDER BY case_id LIMIT ?",
                           [partnership_id, count]).fetchall()
    return [UUID(str(row[0])) for row in rows]


def measure_lag(ctx: BenchContext, container: Container, store: str, today: date
                ) -> LagFigures:
    host = container.projections
    assert host is not None
    rules = container.rules
    partnership_id = busiest_partnership(container)
    partnership = rules.partnerships.get(partnership_id)
    assert partnership is not None
    context = coordinator(rules.partnerships.ids)
    writers = ctx.scaled(2, 2)
    rate = ctx.scaled(5.0, 10.0)  # writes per second per writer
    seconds = ctx.scaled(20.0, 2.0)
    limit = int(writers * rate * seconds)
    cases = open_cases(container, partnership_id, 40)
    if not cases:
        raise RuntimeError(f"no open cases in {partnership_id}")
    service = container.services["cases"]
    meeting = today
    figures = LagFigures(store, host.poll_seconds, host.notifier is not None, writers, rate,
                         seconds)
    lock = threading.Lock()
    stop = threading.Event()
    writes = figures.writes

    failures: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            write_steadily(thread)
        except BaseException as error:
            failures.append(error)
            stop.set()

    def write_steadily(thread: int) -> None:
        rng = random.Random(thread)
        interval = 1.0 / rate
        start = time.perf_counter() + rng.random() * interval
        number = 0
        while not stop.is_set():
            due = start + number * interval
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if stop.is_set():
                return
            with lock:
                if len(writes) >= limit:
                    return
            case_id = cases[(thread + writers * number) % len(cases)]
            began = time.perf_counter()
            with acting_as(context):
                if number % 2 == 0:
                    now = clock.now()
                    outcome, _ = service.log_incident(
                        case_id, occurred_at=now - timedelta(minutes=20),
                        reported_at=now - timedelta(minutes=5),
                        reported_to_agency=partnership.agencies[0],
                        agency_reference=f"LAG-{thread}-{number}",
                        description=f"Shouting in the car park (lag test {thread}/{number}).")
                    record = Write("incident", int(outcome.position or 0), 0.0)
                else:
                    outcome, action_id = service.set_action(
                        case_id, agency=partnership.agencies[number % len(
                            partnership.agencies)], owner="bench.owner",
                        description=f"Lag test action {thread}/{number}",
                        due_on=meeting + timedelta(days=3))
                    record = Write("action", int(outcome.position or 0), 0.0, action_id)
            record.committed = time.perf_counter()
            with lock:
                figures.command.append(record.committed - began)
                writes.append(record)
            number += 1

    def observe() -> None:
        # Polls the host's in-memory live positions (does not wake the host).
        while True:
            now = time.perf_counter()
            positions = host.live_positions()
            lowest = min(positions[name] for name in TASKING_VIEWS)
            with lock:
                pending = [w for w in writes if w.in_views is None]
            for w in pending:
                if w.position <= lowest:
                    w.in_views = now
            if stop.is_set() and not pending:
                return
            time.sleep(0.002)

    def check() -> None:
        # Re-reads the tasking list; notes when each action first appears in it.
        while True:
            with lock:
                waiting = {w.action_id: w for w in writes
                           if w.action_id is not None and w.in_tasking is None}
            if stop.is_set() and not waiting:
                return
            if not waiting:
                time.sleep(0.002)
                continue
            began = time.perf_counter()
            with acting_as(context), host.reading() as cur:
                tasking = tasking_list(cur, rules, partnership_id, meeting)
            seen = time.perf_counter()
            figures.check_seconds.append(seen - began)
            figures.checks += 1
            items = {task.item for agency in tasking.agencies for task in agency.tasks}
            for action_id, w in waiting.items():
                if str(action_id) in items:
                    w.in_tasking = seen

    host.start()
    try:
        threads = [threading.Thread(target=write, args=(t,), daemon=True)
                   for t in range(writers)]
        watchers = [threading.Thread(target=observe, daemon=True),
                    threading.Thread(target=check, daemon=True)]
        for thread in [*watchers, *threads]:
            thread.start()
        deadline = time.perf_counter() + seconds
        for thread in threads:
            thread.join(max(0.0, deadline - time.perf_counter()))
        stop.set()
        for thread in threads:
            thread.join(30)
        # Give the last writes time to show (bounded), then stop the watchers.
        for thread in watchers:
            thread.join(30)
    finally:
        stop.set()
        host.stop()
    if failures:
        raise failures[0]
    lags = figures.lags("in_views")
    print(f"[lag] {store}: {len(writes)} writes; visible in views p50 "
          f"{percentile(lags, 50) * 1000:.0f} ms p99 {percentile(lags, 99) * 1000:.0f} ms; "
          f"in tasking list p99 "
          f"{percentile(figures.lags('in_tasking'), 99) * 1000:.0f} ms", flush=True)
    return figures


# ------------------------------------------------------------------------------------------
# The benchmark
# ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def loaded_store(ctx: BenchContext, store: str) -> Iterator[tuple[Container, Loaded]]:
    settings = ctx.settings(store, prefix="queries")
    with ctx.container(settings) as container:
        yield container, load(ctx, container, store)


def run(ctx: BenchContext) -> Section:
    loads: list[Loaded] = []
    queries: list[QueryFigures] = []
    lags: list[LagFigures] = []
    for store in ctx.available_stores():
        with loaded_store(ctx, store) as (container, loaded):
            loads.append(loaded)
            queries.append(measure_queries(ctx, container, store, loaded.today))
            lags.append(measure_lag(ctx, container, store, loaded.today))
    machine = markdown_table(["", ""], machine_rows(ctx))
    lag_section = _lag_section(lags, loads)
    if ctx.output is not None:
        write_section(ctx.output, lag_section.name, lag_section.markdown())
    section = _queries_section(queries, loads, machine)
    section.figures |= lag_section.figures
    return section


def _ms(stats: Stats) -> str:
    return f"{stats.p50_ms:,.1f} / {stats.p95_ms:,.1f}"


def _queries_section(queries: list[QueryFigures], loads: list[Loaded], machine: str
                     ) -> Section:
    load_rows = [(lo.store, f"{lo.events:,}", f"{lo.cases:,}", f"{lo.load_seconds:,.0f}",
                  f"{lo.catch_up_seconds:,.0f}") for lo in loads]
    parts = [
        "The seeded `county` demo data, loaded through the domain commands "
        "(`application.demo.load_demo_data`, seed 2026), then every view caught up in the "
        "calling thread:",
        markdown_table(["store", "events", "cases in rm_cases", "load s",
                        "projection catch-up s"], load_rows),
    ]
    figures: dict[str, float] = {}
    for q in queries:
        count = q.stats["baseline: SELECT count(*) over the case list"]
        page = q.stats["baseline: one page of the case list, no filters"]
        rows = []
        for name, stats in q.stats.items():
            rows.append((name, q.sizes.get(name, ""), _ms(stats),
                         f"{ratio(stats.p50_ms, count.p50_ms):,.1f}",
                         f"{ratio(stats.p50_ms, page.p50_ms):,.1f}"))
            if not name.startswith("baseline"):
                figures[f"{q.store} {name} p50 ms"] = stats.p50_ms
                figures[f"{q.store} {name} ÷ page"] = ratio(stats.p50_ms, page.p50_ms)
        n = min(s.count for s in q.stats.values())
        parts += [
            f"**{q.store}**: partnership `{q.partnership}` (the one with most cases), meeting "
            f"date {q.meeting.isoformat()}, quarter {q.quarter}; {n} repetitions of each, "
            "interleaved; ratios of p50s.",
            markdown_table(["query", "result", "p50 / p95 ms", "÷ count(*)", "÷ one page"],
                           rows),
        ]
    parts += ["Machine and settings of this run:", machine]
    return Section(name=NAME, title=TITLE, body="\n\n".join(parts), figures=figures)


def _lag_row(label: str, lags: list[float], missing: int) -> tuple[str, ...]:
    def q(p: float) -> str:
        return f"{percentile(lags, p) * 1000:,.0f}"
    return (label, f"{len(lags):,}", q(50), q(95), q(99), f"{max(lags, default=0) * 1000:,.0f}",
            f"{missing:,}")


def _lag_section(lags: list[LagFigures], loads: list[Loaded]) -> Section:
    rows = []
    figures: dict[str, float] = {}
    verdicts = []
    for f in lags:
        wake = ("LISTEN/NOTIFY wakes the host; fallback poll "
                f"{f.poll_seconds:g} s" if f.notifier else f"polled every {f.poll_seconds:g} s")
        rows.append(_lag_row(f"{f.store}: write applied by the views ({wake})",
                             f.lags("in_views"), f.missing("in_views")))
        rows.append(_lag_row(f"{f.store}: new action seen in the JAG tasking list "
                             "(query included)", f.lags("in_tasking", "action"),
                             f.missing("in_tasking", "action")))
        rows.append(_lag_row(f"{f.store}: the command itself (for scale)", f.command, 0))
        p99 = percentile(f.lags("in_tasking", "action"), 99)
        figures[f"lag p99 s {f.store} views"] = percentile(f.lags("in_views"), 99)
        figures[f"lag p99 s {f.store} tasking"] = p99
        verdicts.append(
            f"{f.store} p99 {p99 * 1000:,.0f} ms: "
            f"{'meets' if p99 < TARGET_LAG_P99 else 'misses'} the 1 s target "
            f"({len(f.writes)} writes in {f.seconds:g} s by {f.writers} writers at "
            f"{f.rate:g}/s each; {f.checks} tasking re-reads, p50 "
            f"{percentile(f.check_seconds, 50) * 1000:,.0f} ms)")
    scale = ", ".join(f"{lo.store} {lo.cases:,} cases" for lo in loads)
    body = "\n\n".join([
        f"On the data of the queries benchmark ({scale}), with `ProjectionHost.start()` "
        "following the log in a background thread, writers log incidents and set actions "
        "(alternately) on 40 open cases of one partnership through `CaseService`, at a "
        "steady rate. Lag is from the command's return to: (1) every view the tasking list "
        "reads having applied the write's position (an observer polls the host's in-memory "
        "positions every 2 ms, without waking it); (2) the new action appearing in the JAG "
        "tasking list, re-read in a loop by a checker thread (so this includes up to two "
        "tasking queries). Milliseconds:",
        markdown_table(["what", "n", "p50", "p95", "p99", "max", "never seen"], rows),
        "Target p99 under 1 s: " + "; ".join(verdicts) + ".",
    ])
    return Section(name=LAG_NAME, title=LAG_TITLE, body=body, figures=figures)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
