"""Run every available benchmark and write its section of docs/benchmarks.md.

    python -m bench.run                  # full run (minutes); updates docs/benchmarks.md
    python -m bench.run --quick          # smoke run with tiny counts; writes nothing
    python -m bench.run --only commands,audit --output /tmp/bench.md

A throwaway PostgreSQL 15 server is started (tests/support/postgres_server.py: fsync and
synchronous_commit on) unless ``CASEWORK_BENCH_POSTGRES_URL`` names an existing server
(its user must be allowed to create databases). Benchmarks whose module does not exist
yet are listed as skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    DOC_PATH,
    ENV_POSTGRES_URL,
    BenchContext,
    Section,
    machine_markdown,
    quiet_logging,
    write_section,
)

# In running order. bench_projections and bench_encryption are written by other engineers;
# bench_queries (county-scale JAG tasking list, RAG overview, case search) needs the read
# models and demo data: it runs here as soon as bench/bench_queries.py exists.
MODULES = (
    "bench_commands",
    "bench_http",
    "bench_case_load",
    "bench_audit",
    "bench_projections",
    "bench_encryption",
    "bench_queries",
)


def available(name: str) -> bool:
    return importlib.util.find_spec(f"bench.{name}") is not None


def _short(name: str) -> str:
    return name.removeprefix("bench_")


def run_module(name: str, ctx: BenchContext) -> Section | None:
    """Run one benchmark module; returns its section (None if it wrote its own)."""
    module = importlib.import_module(f"bench.{name}")
    runner: Callable[..., Any] | None = getattr(module, "run", None)
    if runner is not None:
        result = runner(ctx)
    else:
        main = getattr(module, "main", None)
        if main is None:
            raise TypeError(f"bench.{name} has neither run(ctx) nor main(argv)")
        argv = ["--quick"] if ctx.quick else []
        if ctx.output is not None:
            argv += ["--output", str(ctx.output)]
        result = main(argv)
    if isinstance(result, Section):
        return result
    if isinstance(result, str):
        section_name = getattr(module, "NAME", _short(name))
        title = getattr(module, "TITLE", section_name)
        return Section(name=section_name, title=title, body=result)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run with tiny counts (figures mean nothing)")
    parser.add_argument("--output", type=Path, default=None,
                        help="markdown file to update (default docs/benchmarks.md; "
                             "with --quick, nothing is written unless given)")
    parser.add_argument("--only", default="",
                        help="comma-separated benchmarks to run, e.g. commands,audit")
    args = parser.parse_args(argv)
    quiet_logging()

    wanted = {"bench_" + n.strip().removeprefix("bench_").replace("-", "_")
              for n in args.only.split(",")
              if n.strip()}
    unknown = wanted - set(MODULES)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    selected = [m for m in MODULES if not wanted or m in wanted]
    output = args.output or (None if args.quick else DOC_PATH)

    from tests.support.postgres_server import running_server, server_from_url

    failures: list[str] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        external = os.environ.get(ENV_POSTGRES_URL, "").strip()
        server_cm: contextlib.AbstractContextManager[Any] = (
            contextlib.nullcontext(server_from_url(external)) if external else running_server()
        )
        with server_cm as server:
            ctx = BenchContext(quick=args.quick, work_dir=Path(tmp), postgres=server,
                               output=output)
            machine = machine_markdown(ctx)
            print(machine)
            if output is not None:
                write_section(output, "machine", machine)
            for name in selected:
                if not available(name):
                    print(f"== {name}: skipped (bench/{name}.py does not exist yet)")
                    continue
                print(f"== {name}", flush=True)
                started = time.perf_counter()
                try:
                    section = run_module(name, ctx)
                except Exception:
                    traceback.print_exc()
                    failures.append(name)
                    continue
                print(f"== {name}: {time.perf_counter() - started:.1f}s", flush=True)
                if section is not None and output is not None:
                    write_section(output, section.name, section.markdown())
    print(f"total {time.perf_counter() - began:.1f}s"
          + (f"; written to {output}" if output else ""))
    if failures:
        print(f"FAILED: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
