"""The same commands through the running HTTP service, against the application layer.

uvicorn serves ``adapters.http.asgi:create`` in a subprocess on 127.0.0.1 over a fresh
PostgreSQL database (projections not in process; JSON request logging at WARNING so the
log does not dominate). Concurrent clients (threads, each with its own keep-alive
``httpx.Client``) open cases and log incidents on their own cases, bounded by count and
time. The baseline is the application-layer figure for the same commands, the same number
of threads and the same database, measured in alternating rounds in this process; the
ratio shows what HTTP, JSON, validation, authentication and the ASGI thread pool cost.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from adapters.auth.tokens import TokenIssuer
from adapters.config.settings import Settings
from bench.common import (
    AGENCY,
    PARTNERSHIP,
    REPO_ROOT,
    SUMMARY,
    WARD,
    BenchContext,
    Section,
    Stats,
    incident_fields,
    interleaved,
    log_incident,
    main_for,
    markdown_table,
    open_case,
    pct,
    process_cpu_seconds,
    ratio,
    threads_loop,
)
from domain.cases import AsbType, NsirCategory, ReportingChannel

NAME = "http"
TITLE = "HTTP: commands through the running service"
STARTUP_SECONDS = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Service:
    base: str
    pid: int


@contextmanager
def running_service(settings: Settings, log_path: Path) -> Iterator[Service]:
    """uvicorn in a subprocess serving casework over ``settings``."""
    port = _free_port()
    env = {
        **os.environ,
        "CASEWORK_DATABASE": settings.database,
        "CASEWORK_DATABASE_POOL_SIZE": str(settings.database_pool_size),
        "CASEWORK_AUTH_SECRET": settings.auth_secret or "",
        "CASEWORK_MASTER_KEY": settings.master_key or "",
        "CASEWORK_VAR_DIR": str(settings.var_dir),
        "CASEWORK_SNAPSHOT_INTERVAL": str(settings.snapshot_interval),
        "CASEWORK_PROJECTIONS_IN_PROCESS": "false",
        "CASEWORK_LOG_FORMAT": "json",
        "CASEWORK_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "adapters.http.asgi:create",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
               "--log-level", "warning"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited ({process.returncode}):\n"
                                   + log_path.read_text()[-3000:])
            try:
                if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.1)
        yield Service(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _open_case_body(index: int) -> dict[str, Any]:
    return {
        "partnership_id": PARTNERSHIP, "nsir_category": NsirCategory.NUISANCE.value,
        "asb_type": AsbType.ROWDY_BEHAVIOUR.value, "summary": f"{SUMMARY} ({index})",
        "address": f"{index} Station Road, Letchworth", "ward": WARD,
        "outward_postcode": "SG6", "reporting_channel": ReportingChannel.PHONE.value,
        "lead_agency": AGENCY, "lead_officer": "pc.jones",
        "reported_at": (datetime.now(tz=UTC) - timedelta(days=3)).isoformat(),
    }


def _incident_body(index: int) -> dict[str, Any]:
    fields = incident_fields(index)
    return {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in fields.items()}


class Clients:
    """One keep-alive client per thread, all with an officer's bearer token."""

    def __init__(self, base: str, settings: Settings, threads: int) -> None:
        issuer = TokenIssuer(secret=settings.auth_secret or "", issuer=settings.auth_issuer,
                             audience=settings.auth_audience, minutes=60)
        token = issuer.issue(user_id="pc.jones", display_name="PC Jones", agency=AGENCY,
                             roles=["officer"], partnerships=[PARTNERSHIP])
        self.clients = [httpx.Client(base_url=base, timeout=60.0,
                                     headers={"Authorization": f"Bearer {token}"})
                        for _ in range(threads)]

    def post(self, thread: int, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.clients[thread].post(path, json=body)
        if response.status_code >= 300:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")
        result: dict[str, Any] = response.json()
        return result

    def close(self) -> None:
        for client in self.clients:
            client.close()


@dataclass
class Row:
    label: str
    http: Stats
    app: Stats
    service_cpu_seconds: float

    @property
    def ratio(self) -> float:
        return ratio(self.http.per_second, self.app.per_second)

    @property
    def service_ms_per_request(self) -> float:
        return self.service_cpu_seconds / self.http.count * 1000 if self.http.count else 0.0


def run(ctx: BenchContext) -> Section:
    threads = ctx.scaled(8, 2)
    per_round = ctx.scaled(400, 6)
    rounds = ctx.scaled(3, 1)
    max_seconds = ctx.scaled(60.0, 10.0)
    settings = ctx.settings("postgres", prefix="http")
    rows: list[Row] = []
    with ctx.container(settings) as container, \
            running_service(settings, ctx.work_dir / "http-service.log") as server:
        service = container.services["cases"]
        clients = Clients(server.base, settings, threads)
        service_cpu = [0.0]

        def with_service_cpu(loop: Callable[[int], Stats]) -> Callable[[int], Stats]:
            def measured(round_: int) -> Stats:
                before = process_cpu_seconds(server.pid)
                stats = loop(round_)
                service_cpu[0] += process_cpu_seconds(server.pid) - before
                return stats
            return measured

        try:
            # Warm-up: connections, prepared statements, the reference counter, key cache.
            app_cases: list[list[UUID]] = [[] for _ in range(threads)]
            http_cases: list[list[UUID]] = [[] for _ in range(threads)]
            for thread in range(threads):
                app_cases[thread].append(open_case(service, thread))
                made = clients.post(thread, "/api/cases", _open_case_body(thread))
                http_cases[thread].append(UUID(made["id"]))
            numbers = iter(range(10**9))

            def http_open(thread: int, _: int) -> None:
                made = clients.post(thread, "/api/cases", _open_case_body(next(numbers)))
                http_cases[thread].append(UUID(made["id"]))

            def app_open(thread: int, _: int) -> None:
                app_cases[thread].append(open_case(service, next(numbers)))

            def http_incident(thread: int, index: int) -> None:
                mine = http_cases[thread]
                clients.post(thread, f"/api/cases/{mine[index % len(mine)]}/incidents",
                             _incident_body(next(numbers)))

            def app_incident(thread: int, index: int) -> None:
                mine = app_cases[thread]
                log_incident(service, mine[index % len(mine)], next(numbers))

            workloads: list[tuple[str, Callable[[int, int], None],
                                  Callable[[int, int], None]]] = [
                (f"open case, {threads} clients", http_open, app_open),
                (f"log incident, {threads} clients", http_incident, app_incident),
            ]
            for label, http_op, app_op in workloads:
                service_cpu[0] = 0.0
                figures = interleaved(rounds, {
                    "http": with_service_cpu(
                        threads_loop(http_op, threads, per_round, max_seconds)),
                    "app": threads_loop(app_op, threads, per_round, max_seconds),
                })
                row = Row(label, figures["http"], figures["app"], service_cpu[0])
                rows.append(row)
                print(f"[http] {label}\n    http {row.http.line('req')}\n"
                      f"    app  {row.app.line('cmd')}\n    ratio {row.ratio:.2f}; CPU ms: "
                      f"service {row.service_ms_per_request:.2f}/req, client "
                      f"{row.http.cpu_ms_per_op:.2f}/req, application "
                      f"{row.app.cpu_ms_per_op:.2f}/cmd")
        finally:
            clients.close()
    return _section(rows, threads)


def _section(rows: list[Row], threads: int) -> Section:
    table = markdown_table(
        ["workload", "HTTP requests/s", "HTTP p50 / p95 ms", "application commands/s",
         "application p50 / p95 ms", "HTTP ÷ application"],
        [(r.label, f"{r.http.per_second:,.1f}",
          f"{r.http.p50_ms:.2f} / {r.http.p95_ms:.2f}", f"{r.app.per_second:,.1f}",
          f"{r.app.p50_ms:.2f} / {r.app.p95_ms:.2f}", f"**{pct(r.ratio)}**")
         for r in rows])
    cpu = markdown_table(
        ["workload", "service process CPU ms/request", "HTTP clients CPU ms/request",
         "application layer CPU ms/command"],
        [(r.label, f"{r.service_ms_per_request:.2f}", f"{r.http.cpu_ms_per_op:.2f}",
          f"{r.app.cpu_ms_per_op:.2f}") for r in rows])
    body = f"""
{threads} concurrent clients (threads with keep-alive `httpx` clients) against uvicorn
serving casework in a subprocess on 127.0.0.1 (one worker, PostgreSQL store), each client
opening cases and logging incidents on its own cases; the baseline is the same commands
through `CaseService` with {threads} threads in the benchmark process, on the same database,
in alternating rounds. The client threads and the server share the machine's CPUs.

{table}

CPU time per request or command (from /proc): the service process (uvicorn, FastAPI,
authentication, validation, logging and the same application layer) against the
application layer alone; the HTTP clients run in the benchmark process.

{cpu}
"""
    figures = {f"http ratio {r.label}": r.ratio for r in rows}
    figures |= {f"http requests/s {r.label}": r.http.per_second for r in rows}
    return Section(name=NAME, title=TITLE, body=body, figures=figures)


if __name__ == "__main__":
    raise SystemExit(main_for(run))
