"""Shared machinery for the benchmarks: timing, percentiles, tables, doc sections, stores.

A benchmark module exposes ``NAME`` (its section in docs/benchmarks.md), ``TITLE`` and
``run(ctx: BenchContext) -> Section``. It prints each figure beside the baseline measured
in the same run, and :func:`bench.run.main` writes the returned section between the
markers ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``, leaving other sections alone.
Every module can also be run on its own: ``python -m bench.bench_commands [--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import itertools
import math
import os
import platform
import re
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar
from uuid import UUID

from adapters.bootstrap import Container, bootstrap
from adapters.config.settings import LogFormat, Settings
from adapters.logging_setup import configure_logging
from adapters.persistence.keyring import new_master_key
from application.cases_service import CaseService
from application.context import Actor, RequestContext, acting_as
from domain.cases import AsbCase, AsbType, NsirCategory, ReportingChannel
from domain.shared import clock

N = TypeVar("N", int, float)

REPO_ROOT = Path(__file__).resolve().parent.parent
DOC_PATH = REPO_ROOT / "docs" / "benchmarks.md"
ENV_POSTGRES_URL = "CASEWORK_BENCH_POSTGRES_URL"
AUTH_SECRET = "bench-secret-" + "x" * 40
POOL_SIZE = 10

OFFICER = RequestContext(
    actor=Actor(user_id="pc.jones", display_name="PC Jones", agency="herts-police",
                roles=("officer",), partnerships=("north-herts",)),
    request_id="bench",
)
PARTNERSHIP = "north-herts"
WARD = "Letchworth Grange"
AGENCY = "herts-police"


# ------------------------------------------------------------------------------------------
# Statistics
# ------------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Stats:
    """Operations timed one by one: how many, over how long, and each one's latency."""

    count: int
    seconds: float
    latencies: tuple[float, ...] = ()
    errors: int = 0
    cpu_seconds: float = 0.0
    """CPU time of this whole process (every thread) while the operations ran."""
    server_cpu_seconds: float = math.nan
    """CPU time of the database server's processes, when measured (:class:`ServerCpu`)."""

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else math.nan

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000.0

    @property
    def p50_ms(self) -> float:
        return self.ms(50)

    @property
    def p95_ms(self) -> float:
        return self.ms(95)

    @property
    def p99_ms(self) -> float:
        return self.ms(99)

    @property
    def cpu_ms_per_op(self) -> float:
        return self.cpu_seconds / self.count * 1000.0 if self.count else math.nan

    @property
    def server_cpu_ms_per_op(self) -> float:
        return self.server_cpu_seconds / self.count * 1000.0 if self.count else math.nan

    @property
    def mean_ms(self) -> float:
        if not self.latencies:
            return math.nan
        return sum(self.latencies) / len(self.latencies) * 1000.0

    def __add__(self, other: Stats) -> Stats:
        return Stats(count=self.count + other.count, seconds=self.seconds + other.seconds,
                     latencies=self.latencies + other.latencies,
                     errors=self.errors + other.errors,
                     cpu_seconds=self.cpu_seconds + other.cpu_seconds,
                     server_cpu_seconds=_nan_sum(self.server_cpu_seconds,
                                                 other.server_cpu_seconds))

    def line(self, unit: str = "ops") -> str:
        return (f"{self.per_second:9.1f} {unit}/s  p50 {self.p50_ms:7.2f} ms  "
                f"p95 {self.p95_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms  (n={self.count})")


def _nan_sum(a: float, b: float) -> float:
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return a + b


EMPTY = Stats(count=0, seconds=0.0)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """CPU seconds used by a local PostgreSQL server's processes (from /proc).

    Finds the postmaster as the parent of a backend and sums user + system time of all
    its children; unavailable (NaN) when the server is not on this machine.
    """

    def __init__(self, url: str) -> None:
        import psycopg

        self.postmaster: int | None = None
        try:
            with psycopg.connect(url) as conn:
                row = conn.execute("SELECT pg_backend_pid()").fetchone()
            backend = int(row[0]) if row else 0
            status = Path(f"/proc/{backend}/status").read_text()
            self.postmaster = int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
        except (OSError, AttributeError, psycopg.Error):
            self.postmaster = None
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def seconds(self) -> float:
        if self.postmaster is None:
            return math.nan
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue
            # fields[1] is the parent pid; utime and stime are fields 14 and 15 of stat.
            if int(fields[1]) == self.postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / self._tick

    def around(self, loop: Callable[[int], Stats]) -> Callable[[int], Stats]:
        """``loop`` with the server's CPU time while it ran added to its figures."""
        def measured(round_: int) -> Stats:
            before = self.seconds()
            stats = loop(round_)
            return dataclasses.replace(stats, server_cpu_seconds=self.seconds() - before)
        return measured


def run_serial(operation: Callable[[int], object], count: int,
               max_seconds: float = math.inf) -> Stats:
    """Run ``operation(i)`` for i in 0..count-1 (or until max_seconds), timing each call."""
    latencies: list[float] = []
    began = time.perf_counter()
    cpu_began = time.process_time()
    deadline = began + max_seconds
    for index in range(count):
        started = time.perf_counter()
        operation(index)
        latencies.append(time.perf_counter() - started)
        if started > deadline:
            break
    return Stats(count=len(latencies), seconds=time.perf_counter() - began,
                 latencies=tuple(latencies), cpu_seconds=time.process_time() - cpu_began)


def run_threads(operation: Callable[[int, int], object], threads: int, count: int,
                max_seconds: float = math.inf) -> Stats:
    """``threads`` threads share ``count`` calls of ``operation(thread, i)``.

    Throughput is calls over the wall time from the common start to the last finish;
    an exception ends that thread's work and is counted and re-raised at the end.
    """
    numbers = itertools.count()
    lock = threading.Lock()
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures: list[BaseException] = []
    start = threading.Barrier(threads + 1)
    deadline = [math.inf]

    def worker(thread: int) -> None:
        start.wait()
        while True:
            with lock:
                index = next(numbers)
            if index >= count or time.perf_counter() > deadline[0]:
                return
            started = time.perf_counter()
            try:
                operation(thread, index)
            except BaseException as error:
                failures.append(error)
                return
            latencies[thread].append(time.perf_counter() - started)

    workers = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads)]
    for thread in workers:
        thread.start()
    began = time.perf_counter()
    cpu_began = time.process_time()
    deadline[0] = began + max_seconds
    start.wait()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    if failures:
        raise failures[0]
    flat = tuple(itertools.chain.from_iterable(latencies))
    return Stats(count=len(flat), seconds=elapsed, latencies=flat, cpu_seconds=cpu)


def serial_loop(operation: Callable[[int], object], count: int,
                max_seconds: float = math.inf) -> Callable[[int], Stats]:
    """A loop for :func:`interleaved`: each round runs ``operation`` ``count`` times."""
    return lambda _round: run_serial(operation, count, max_seconds)


def threads_loop(operation: Callable[[int, int], object], threads: int, count: int,
                 max_seconds: float = math.inf) -> Callable[[int], Stats]:
    """A loop for :func:`interleaved`: each round shares ``count`` calls among threads."""
    return lambda _round: run_threads(operation, threads, count, max_seconds)


def interleaved(rounds: int, loops: dict[str, Callable[[int], Stats]]) -> dict[str, Stats]:
    """Run each named loop once per round, alternating the order (ABBA...) so that drift
    in machine load falls on every loop alike; return the merged figures of each."""
    totals = dict.fromkeys(loops, EMPTY)
    names = list(loops)
    for round_ in range(rounds):
        order = names if round_ % 2 == 0 else list(reversed(names))
        for name in order:
            totals[name] = totals[name] + loops[name](round_)
    return totals


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else math.nan


# ------------------------------------------------------------------------------------------
# Markdown
# ------------------------------------------------------------------------------------------


def fmt(value: object, digits: int = 1) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value * 100:.0f}%"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[fmt(c) for c in row] for row in rows]
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


@dataclass
class Section:
    """One benchmark's part of docs/benchmarks.md (without its markers)."""

    name: str
    title: str
    body: str
    figures: dict[str, float] = field(default_factory=dict)
    """Headline figures (ratios, rates) for the smoke test and the run summary."""

    def markdown(self) -> str:
        return f"## {self.title}\n\n{self.body.strip()}\n"


def _markers(name: str) -> tuple[str, str]:
    if not re.fullmatch(r"[a-z0-9_-]+", name):
        raise ValueError(f"section names are lower-case words: {name!r}")
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def replace_section(document: str, name: str, body: str) -> str:
    """``document`` with the text between ``name``'s markers replaced by ``body``;
    the marked section is appended at the end if the markers are not there yet."""
    begin, end = _markers(name)
    block = f"{begin}\n{body.strip()}\n{end}"
    start = document.find(begin)
    if start >= 0:
        stop = document.find(end, start)
        if stop < 0:
            raise ValueError(f"{begin} has no matching {end}")
        return document[:start] + block + document[stop + len(end):]
    separator = "" if not document or document.endswith("\n\n") else (
        "\n" if document.endswith("\n") else "\n\n")
    return f"{document}{separator}{block}\n"


def write_section(path: Path, name: str, body: str) -> None:
    """Replace ``name``'s section of the file at ``path`` under an exclusive file lock,
    so benchmarks run by separate processes do not clobber each other's sections."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            updated = replace_section(handle.read(), name, body)
            handle.seek(0)
            handle.truncate()
            handle.write(updated)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ------------------------------------------------------------------------------------------
# Stores and the run context
# ------------------------------------------------------------------------------------------


class _PostgresLike(Protocol):
    @property
    def url(self) -> str: ...

    def create_database(self, name: str) -> str: ...


@dataclass
class BenchContext:
    quick: bool
    work_dir: Path
    postgres: _PostgresLike | None = None
    output: Path | None = None
    stores: tuple[str, ...] = ("sqlite", "postgres")
    _names: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def scaled(self, full: N, quick: N) -> N:
        return quick if self.quick else full

    def available_stores(self) -> list[str]:
        return [s for s in self.stores if s == "sqlite" or self.postgres is not None]

    def new_postgres_url(self, prefix: str) -> str:
        if self.postgres is None:
            raise RuntimeError("this benchmark needs PostgreSQL")
        name = f"bench_{prefix}_{uuid.uuid4().hex[:10]}_{next(self._names)}"
        return self.postgres.create_database(name)

    def settings(self, store: str, *, prefix: str = "bench", **overrides: Any) -> Settings:
        number = next(self._names)
        values: dict[str, Any] = {
            "var_dir": self.work_dir / f"var-{number}",
            "auth_secret": AUTH_SECRET,
            "master_key": new_master_key(),
            "log_format": "console",
            "log_level": "WARNING",
            "projections_in_process": False,
            "database_pool_size": POOL_SIZE,
        }
        if store == "postgres":
            values["database"] = self.new_postgres_url(prefix)
        elif store == "sqlite":
            values["database"] = str(self.work_dir / f"{prefix}-{number}.sqlite")
        else:
            raise ValueError(f"unknown store {store!r}")
        values.update(overrides)
        return Settings(**values)

    @contextlib.contextmanager
    def container(self, settings: Settings) -> Iterator[Container]:
        built = bootstrap(settings)
        try:
            yield built
        finally:
            built.close()


def quiet_logging() -> None:
    configure_logging(LogFormat.CONSOLE, "WARNING")


# ------------------------------------------------------------------------------------------
# Commands used by several benchmarks
# ------------------------------------------------------------------------------------------

SUMMARY = "Groups gathering near the shops late at night; shouting, litter and a broken fence."


def open_case(service: CaseService, index: int = 0) -> UUID:
    """Open an ASB case (two events: the case and its reference counter)."""
    with acting_as(OFFICER):
        outcome = service.open_case(
            partnership_id=PARTNERSHIP, nsir_category=NsirCategory.NUISANCE,
            asb_type=AsbType.ROWDY_BEHAVIOUR, summary=f"{SUMMARY} ({index})",
            address=f"{index} Station Road, Letchworth", ward=WARD,
            reporting_channel=ReportingChannel.PHONE, lead_agency=AGENCY,
            lead_officer="pc.jones", reported_at=clock.now() - timedelta(days=3),
            outward_postcode="SG6",
        )
    return outcome.aggregate_id


def incident_fields(index: int, moment: datetime | None = None) -> dict[str, Any]:
    when = moment or clock.now() - timedelta(minutes=30)
    return {
        "occurred_at": when - timedelta(minutes=10), "reported_at": when,
        "reported_to_agency": AGENCY, "agency_reference": f"HC-{index:07d}",
        "description": f"Music and shouting until 2am; bottles thrown at a car (report {index}).",
    }


def log_incident(service: CaseService, case_id: UUID, index: int = 0) -> None:
    """Log one incident on a case through the application layer (one event)."""
    with acting_as(OFFICER):
        service.log_incident(case_id, **incident_fields(index))


def add_incident(case: AsbCase, number: int, moment: datetime | None = None) -> None:
    """Domain step for :func:`grow_case`: an incident (the case's state grows with each)."""
    case.log_incident(**incident_fields(number, moment))


def change_lead(case: AsbCase, number: int, moment: datetime | None = None) -> None:
    """Domain step for :func:`grow_case`: a lead change (overwrites state; size constant)."""
    case.change_lead(lead_agency=AGENCY, lead_officer=f"pc.officer{number % 2}")


def grow_case(container: Container, case_id: UUID, events: int, *, batch: int = 50,
              start: datetime | None = None, step: timedelta = timedelta(minutes=1),
              command: Callable[[AsbCase, int, datetime | None], None] = add_incident,
              ) -> None:
    """Add ``events`` events to a case (incidents by default), ``batch`` per save.

    With ``start`` each event is recorded at ``start + (version - 1) * step`` (for "as at"
    queries). Snapshots are taken as usual: the store checks every saved event against its
    interval, so batching the set-up does not change what a later load reads.
    """
    store = container.store
    written = 0
    with acting_as(OFFICER):
        while written < events:
            case: AsbCase = store.repository.get(case_id)
            for _ in range(min(batch, events - written)):
                moment = (start + step * (case.version - 1)) if start else None
                with clock.frozen_at(moment) if moment else contextlib.nullcontext():
                    command(case, case.version, moment)
                written += 1
            store.save(case)


# ------------------------------------------------------------------------------------------
# The machine
# ------------------------------------------------------------------------------------------


def _meminfo_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


POSTGRES_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes", "wal_sync_method",
                     "shared_buffers", "max_wal_size", "checkpoint_timeout", "jit")


def postgres_description(url: str) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(url) as conn:
        version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        values = [(name, str(conn.execute(f"SHOW {name}").fetchone()[0]))  # type: ignore[index]
                  for name in POSTGRES_SETTINGS]
    return [("PostgreSQL", version), *values]


def sqlite_description(work_dir: Path) -> list[tuple[str, str]]:
    path = work_dir / "probe.sqlite"
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    finally:
        conn.close()
    names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
    return [("SQLite", sqlite3.sqlite_version),
            ("SQLite journal / synchronous", f"WAL / {names.get(synchronous, synchronous)}")]


def machine_rows(ctx: BenchContext) -> list[tuple[str, str]]:
    from importlib.metadata import version

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    rows = [
        ("Date", datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPUs (nproc)", f"{cpus} x {_cpu_model()}"),
        ("Memory", _meminfo_gib()),
        ("Kernel", platform.release()),
        ("Load average at start (1/5/15 min)", " / ".join(f"{x:.2f}" for x in load)),
        ("Python", platform.python_version()),
        ("eventsourcing / psycopg",
         f"{version('eventsourcing')} / {version('psycopg')}"),
    ]
    rows += sqlite_description(ctx.work_dir)
    if ctx.postgres is not None:
        rows += postgres_description(ctx.postgres.url)
    return rows


def machine_markdown(ctx: BenchContext) -> str:
    rows = machine_rows(ctx)
    return markdown_table(["", ""], rows)


# ------------------------------------------------------------------------------------------
# Running one module on its own
# ------------------------------------------------------------------------------------------


def main_for(run: Callable[[BenchContext], Section], argv: Sequence[str] | None = None) -> int:
    """``python -m bench.bench_x [--quick] [--output PATH]``: one benchmark, own server."""
    from tests.support.postgres_server import running_server, server_from_url

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny counts (smoke run)")
    parser.add_argument("--output", type=Path, default=None,
                        help="write the section to this file (default: docs/benchmarks.md, "
                             "or nowhere with --quick)")
    args = parser.parse_args(argv)
    quiet_logging()
    output = args.output or (None if args.quick else DOC_PATH)
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        external = os.environ.get(ENV_POSTGRES_URL, "").strip()
        server_cm: contextlib.AbstractContextManager[Any] = (
            contextlib.nullcontext(server_from_url(external)) if external else running_server()
        )
        with server_cm as server:
            ctx = BenchContext(quick=args.quick, work_dir=Path(tmp), postgres=server,
                               output=output)
            section = run(ctx)
    if output is not None:
        write_section(output, section.name, section.markdown())
        print(f"wrote section {section.name!r} of {output}", file=sys.stderr)
    return 0
