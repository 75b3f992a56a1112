"""Command throughput and latency through the application layer, on PostgreSQL.

Opening cases (two events per command: the case and its reference counter) and logging
incidents (one event), by one writer and by several writer threads, against the baseline
of raw single-row INSERT transactions through psycopg on the same database: a table with
a bytea column, one INSERT + COMMIT per row, the payload as large as the command's stored
events, the same server and so the same durability settings (fsync and synchronous_commit
on). Store and baseline are measured in alternating rounds so drift in machine load falls
on both.

A diagnostic pass then counts the SQL statements and write transactions per command and
times each step (loads, restriction check, data-key creation, insert, audit rows,
snapshots), so a figure far from its baseline can be explained.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing import application as es_application

from adapters.bootstrap import Container
from adapters.persistence import keyring as keyring_module
from adapters.persistence import mapper as mapper_module
from adapters.persistence import postgres_store
from application import aggregate_cache, cases_service, protection_service, records
from bench.common import (
    BenchContext,
    Section,
    ServerCpu,
    Stats,
    interleaved,
    log_incident,
    main_for,
    markdown_table,
    open_case,
    pct,
    ratio,
    run_serial,
    run_threads,
)

NAME = "commands"
TITLE = "Command throughput and latency (application layer, PostgreSQL)"
TARGET_SINGLE_WRITER = 0.60


# ------------------------------------------------------------------------------------------
# The baseline: raw single-row INSERT transactions
# ------------------------------------------------------------------------------------------


class RawInserts:
    """One INSERT + COMMIT per row into a bytea table, one connection per writer."""

    table = "bench_raw_inserts"

    def __init__(self, url: str, writers: int) -> None:
        self.connections = [psycopg.connect(url) for _ in range(writers)]
        conn = self.connections[0]
        conn.execute(f"CREATE TABLE IF NOT EXISTS {self.table} "
                     "(id bigserial PRIMARY KEY, payload bytea NOT NULL)")
        conn.commit()

    def insert(self, writer: int, payload: bytes) -> None:
        conn = self.connections[writer]
        conn.execute(f"INSERT INTO {self.table} (payload) VALUES (%s)", (payload,))
        conn.commit()

    def close(self) -> None:
        for conn in self.connections:
            conn.close()


# ------------------------------------------------------------------------------------------
# Diagnostics: statements, write transactions and time per step
# ------------------------------------------------------------------------------------------


@dataclass
class Probe:
    statements: collections.Counter[str]
    transactions: collections.Counter[str]
    seconds: dict[str, float]
    calls: collections.Counter[str]


def _statement_kind(query: Any, cursor: Any) -> str:
    text = query.as_string(cursor) if hasattr(query, "as_string") else str(query)
    words = text.split()
    table = next((w for w in words if "casework_" in w or "subject_keys" in w), "")
    table = table.split(".")[-1].strip('"').split('"')[0] if table else ""
    head = " ".join(words[:2]) if words[:1] == ["SET"] else words[0] if words else "?"
    return f"{head.upper()} {table}".strip()


@contextlib.contextmanager
def probing() -> Iterator[Probe]:
    """Count statements and transactions, and time each step, while the block runs."""
    probe = Probe(collections.Counter(), collections.Counter(), collections.defaultdict(float),
                  collections.Counter())
    patches: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, wrapper: Callable[[Any], Any]) -> None:
        original = owner.__dict__[name]
        patches.append((owner, name, original))
        setattr(owner, name, wrapper(original))

    def counting_execute(original: Any) -> Any:
        @functools.wraps(original)
        def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            kind = _statement_kind(query, self)
            probe.statements[kind] += 1
            if "record_events" in kind:  # a whole save in one autocommit statement
                probe.transactions["committed (one statement)"] += 1
            return original(self, query, *args, **kwargs)
        return execute

    def counting_transaction(original: Any) -> Any:
        @functools.wraps(original)
        def transaction(self: Any, *args: Any, **kwargs: Any) -> Any:
            kind = "read-only (rolled back)" if kwargs.get("force_rollback") else "committed"
            probe.transactions[kind] += 1
            return original(self, *args, **kwargs)
        return transaction

    def timing(label: str) -> Callable[[Any], Any]:
        def wrap(original: Any) -> Any:
            @functools.wraps(original)
            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    probe.seconds[label] += time.perf_counter() - started
                    probe.calls[label] += 1
            return timed
        return wrap

    patch(psycopg.Cursor, "execute", counting_execute)
    patch(psycopg.Cursor, "executemany", counting_execute)
    patch(psycopg.Connection, "transaction", counting_transaction)
    steps: list[tuple[Any, str, str]] = [
        (cases_service, "next_reference", "load reference counter"),
        (records.RecordLoader, "load", "load case (incl. restriction check)"),
        (protection_service.RestrictionGuard, "check", "  restriction check"),
        (es_application.Repository, "get", "  repository.get (snapshot + events)"),
        (aggregate_cache.CachingRepository, "get",
         "  repository.get (cached: events after the cached version)"),
        (aggregate_cache.CachingRepository, "get_with_events_of",
         "  cached copy brought up to date, with its restriction (one query)"),
        (aggregate_cache.CachingRepository, "get_trusted",
         "  cached copy as it is (the save checks what was read)"),
        (keyring_module.SubjectKeyring, "_load_or_create",
         "data key: create or load (own transaction)"),
        (keyring_module.SubjectKeyring, "_select_wrapped", "data key: look up (read only)"),
        (mapper_module.ProtectedMapper, "to_stored_event", "mapper: encode and seal"),
        (postgres_store.CaseworkPostgresRecorder, "insert_events",
         "insert events, keys, audit rows (one statement)"),
        (es_application.Application, "take_snapshot", "take snapshot (own transaction)"),
    ]
    for owner, name, label in steps:
        if name in owner.__dict__:
            patch(owner, name, timing(label))
    try:
        yield probe
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)


def _stored_bytes(url: str, after: int) -> tuple[int, int, int]:
    """(last notification id, events, bytes of stored state) after position ``after``."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT coalesce(max(notification_id), %s), count(*), "
            "coalesce(sum(octet_length(state)), 0) FROM casework_events "
            "WHERE notification_id > %s", (after, after)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


# ------------------------------------------------------------------------------------------
# The benchmark
# ------------------------------------------------------------------------------------------


@dataclass
class Workload:
    label: str
    events_per_command: float
    payload_bytes: int
    store: Stats
    raw: Stats
    retries: int = 0

    @property
    def ratio(self) -> float:
        return ratio(self.store.per_second, self.raw.per_second)


def run(ctx: BenchContext) -> Section:
    settings = ctx.settings("postgres", prefix="commands")
    rounds = ctx.scaled(4, 2)
    per_round = ctx.scaled(250, 4)
    threads = ctx.scaled(4, 2)
    pool = ctx.scaled(24, 4)
    with ctx.container(settings) as container:
        return _run(ctx, container, settings.database, rounds, per_round, threads, pool)


def _run(ctx: BenchContext, container: Container, url: str, rounds: int, per_round: int,
         threads: int, pool: int) -> Section:
    service = container.services["cases"]
    retries = collections.Counter[str]()
    original_back_off = container.runner._back_off

    def counting_back_off(attempt: int) -> None:
        retries["now"] += 1
        original_back_off(attempt)

    container.runner._back_off = counting_back_off  # type: ignore[method-assign]
    raw = RawInserts(url, threads)
    server = ServerCpu(url)
    try:
        # Warm up (connections, prepared statements, the counter) and measure payloads.
        position, _, _ = _stored_bytes(url, 0)
        cases = [open_case(service, i) for i in range(pool)]
        position, events, size = _stored_bytes(url, position)
        open_events, open_bytes = events / pool, size // pool
        for i in range(pool):
            log_incident(service, cases[i], i)
        position, events, size = _stored_bytes(url, position)
        incident_events, incident_bytes = events / pool, size // pool
        open_payload = os.urandom(open_bytes)
        incident_payload = os.urandom(incident_bytes)
        for _ in range(pool):
            raw.insert(0, incident_payload)

        print(f"[commands] payload: open case {open_events:.0f} events / {open_bytes} B, "
              f"log incident {incident_events:.0f} event / {incident_bytes} B")
        workloads: list[Workload] = []

        def measure(label: str, store_loop: Callable[[int], Stats],
                    raw_loop: Callable[[int], Stats], events_per_command: float,
                    payload: int) -> None:
            retries.clear()
            figures = interleaved(rounds, {"store": server.around(store_loop),
                                           "raw": server.around(raw_loop)})
            workload = Workload(label, events_per_command, payload, figures["store"],
                                figures["raw"], retries["now"])
            workloads.append(workload)
            print(f"[commands] {label}\n    store {workload.store.line('cmd')}\n"
                  f"    raw   {workload.raw.line('tx')}\n"
                  f"    ratio {workload.ratio:.2f}  retries {workload.retries}  "
                  f"CPU ms per command: client {workload.store.cpu_ms_per_op:.2f}, "
                  f"server {workload.store.server_cpu_ms_per_op:.2f} "
                  f"(raw: client {workload.raw.cpu_ms_per_op:.2f}, "
                  f"server {workload.raw.server_cpu_ms_per_op:.2f})")

        counter = iter(range(10**9))
        measure(
            "open case, 1 writer",
            lambda _: run_serial(lambda i: open_case(service, next(counter)), per_round),
            lambda _: run_serial(lambda i: raw.insert(0, open_payload), per_round),
            open_events, open_bytes)
        measure(
            "log incident, 1 writer",
            lambda _: run_serial(
                lambda i: log_incident(service, cases[i % pool], next(counter)), per_round),
            lambda _: run_serial(lambda i: raw.insert(0, incident_payload), per_round),
            incident_events, incident_bytes)
        measure(
            f"open case, {threads} writers",
            lambda _: run_threads(lambda t, i: open_case(service, next(counter)), threads,
                                  per_round),
            lambda _: run_threads(lambda t, i: raw.insert(t, open_payload), threads, per_round),
            open_events, open_bytes)

        def own_case(thread: int, index: int) -> UUID:
            # Each writer works on its own cases, so writers do not collide on one case.
            mine = cases[thread::threads]
            return mine[index % len(mine)]

        measure(
            f"log incident, {threads} writers",
            lambda _: run_threads(
                lambda t, i: log_incident(service, own_case(t, i), next(counter)),
                threads, per_round),
            lambda _: run_threads(lambda t, i: raw.insert(t, incident_payload), threads,
                                  per_round),
            incident_events, incident_bytes)

        probes = _diagnose(ctx, service, cases)
    finally:
        raw.close()
        container.runner._back_off = original_back_off  # type: ignore[method-assign]
    return _section(workloads, probes, threads, pool)


def _diagnose(ctx: BenchContext, service: Any, cases: list[UUID]) -> dict[str, tuple[int, Probe]]:
    count = ctx.scaled(50, 3)
    results: dict[str, tuple[int, Probe]] = {}
    with probing() as probe:
        for i in range(count):
            open_case(service, 10**8 + i)
    results["open case"] = (count, probe)
    with probing() as probe:
        for i in range(count):
            log_incident(service, cases[i % len(cases)], 10**8 + i)
    results["log incident"] = (count, probe)
    return results


def _section(workloads: list[Workload], probes: dict[str, tuple[int, Probe]],
             threads: int, pool: int) -> Section:
    rows = [
        (w.label, f"{w.store.per_second:,.1f}",
         f"{w.store.per_second * w.events_per_command:,.1f}",
         f"{w.store.p50_ms:.2f} / {w.store.p95_ms:.2f} / {w.store.p99_ms:.2f}",
         f"{w.raw.per_second:,.1f}",
         f"{w.raw.p50_ms:.2f} / {w.raw.p95_ms:.2f} / {w.raw.p99_ms:.2f}",
         f"**{pct(w.ratio)}**")
        for w in workloads
    ]
    table = markdown_table(
        ["workload", "commands/s", "events/s", "p50 / p95 / p99 ms", "raw tx/s",
         "raw p50 / p95 / p99 ms", "store ÷ raw"], rows)
    cost_rows = [
        (w.label, f"{w.store.cpu_ms_per_op:.2f}", f"{w.store.server_cpu_ms_per_op:.2f}",
         f"{w.raw.cpu_ms_per_op:.2f}", f"{w.raw.server_cpu_ms_per_op:.2f}",
         f"{w.retries / max(w.store.count, 1):.2f}")
        for w in workloads
    ]
    costs = markdown_table(
        ["workload", "client CPU ms/cmd", "server CPU ms/cmd", "raw client CPU ms/tx",
         "raw server CPU ms/tx", "conflict retries/cmd"], cost_rows)
    payloads = ", ".join(
        f"{w.label.split(',')[0]}: {w.events_per_command:.0f} event(s), {w.payload_bytes} B"
        for w in workloads[:2])

    labels = sorted({k for _, p in probes.values() for k in p.statements})
    statement_rows = [
        (label, *(f"{p.statements[label] / n:.2f}" for n, p in probes.values()))
        for label in labels
    ]
    statement_rows.append(("**all statements**", *(
        f"**{sum(p.statements.values()) / n:.2f}**" for n, p in probes.values())))
    for kind in ("committed (one statement)", "committed", "read-only (rolled back)"):
        statement_rows.append((f"transaction blocks: {kind}", *(
            f"{p.transactions[kind] / n:.2f}" for n, p in probes.values())))
    statements = markdown_table(["statement (per command)", *probes], statement_rows)

    step_labels = list(dict.fromkeys(k for _, p in probes.values() for k in p.seconds))
    step_rows = [
        (label, *(f"{p.seconds[label] / n * 1000:.2f} ({p.calls[label] / n:.2f})"
                  if p.calls[label] else "-" for n, p in probes.values()))
        for label in step_labels
    ]
    steps = markdown_table(["step: ms per command (calls per command)", *probes], step_rows)

    single = [w for w in workloads if w.label.endswith("1 writer")]
    verdicts = "; ".join(
        f"{w.label.split(',')[0]} {pct(w.ratio)} "
        f"({'meets' if w.ratio >= TARGET_SINGLE_WRITER else 'below'} the 60% target)"
        for w in single)
    body = f"""
Single writer and {threads} writer threads through `CaseService` (the command runner, the
store, the audit chain, per-subject encryption on, snapshots every 50 events) against
raw single-row `INSERT` + `COMMIT` transactions of a payload as large as the command's
stored events ({payloads}) into a `bytea` table through psycopg, on the same database and
server. Incidents go round-robin to {pool} cases; concurrent writers each work on their own
cases. Store and baseline alternate in rounds; latencies are per command.

{table}

CPU per command (client: this Python process, all threads; server: every process of the
PostgreSQL server, read from /proc) and optimistic-concurrency retries:

{costs}

Single-writer target (store at least 60% of raw transactions/s): {verdicts}.

Where the time goes (a separate, instrumented pass; timings include the instrumentation):

{statements}

{steps}
"""
    figures = {f"ratio {w.label}": w.ratio for w in workloads}
    figures |= {f"commands/s {w.label}": w.store.per_second for w in workloads}
    return Section(name=NAME, title=TITLE, body=body, figures=figures)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
