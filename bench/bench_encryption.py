"""The cost of per-subject encryption: writes and reads with it on versus off, one run.

``python -m bench.bench_encryption [--quick] [--output PATH]`` (also run by ``make bench``).
SQLite always; PostgreSQL too when a server is available (``CASEWORK_BENCH_POSTGRES_URL``,
or the throwaway server bench.run starts).

Two stores per backend, built the same way except ``Settings(encryption=False)`` for "off",
snapshots off so every read decodes every event. The workload goes through the application
services, one command per transaction, as the HTTP API does: per unit, register a person
(1 event, a new data subject: a data key is created and wrapped), open a case (2 events: the
case, a new subject, and its reference counter) and log incidents on it (1 event each, the
description sealed under the case's key). Reads load every person and case through the
repository: "cold" right after the key cache is emptied (each subject's wrapped key is read
and unwrapped once), "warm" with every key cached. On and off run in alternating rounds so
drift in machine load falls on both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from adapters.bootstrap import Container
from application.context import acting_as
from bench.common import (
    OFFICER,
    PARTNERSHIP,
    BenchContext,
    Section,
    Stats,
    interleaved,
    log_incident,
    main_for,
    markdown_table,
    open_case,
    ratio,
)

NAME = "encryption"
TITLE = "Encryption"
INCIDENTS_PER_CASE = 8


@dataclass
class _Side:
    """One store (encryption on or off) and the records written to it so far."""

    label: str
    container: Container
    people: list[UUID] = field(default_factory=list)
    cases: list[UUID] = field(default_factory=list)
    events: int = 0

    def write_units(self, units: int) -> Stats:
        cases, people = self.container.services["cases"], self.container.services["people"]
        latencies: list[float] = []
        written = 0
        began = time.perf_counter()
        for index in range(units):
            number = len(self.cases)
            started = time.perf_counter()
            with acting_as(OFFICER):
                person = people.register(
                    partnership_id=PARTNERSHIP, name=f"Person {number} Example",
                    address=f"{number} Bancroft, Hitchin", phone="01462 000000",
                    vulnerability_notes="Lives alone.")
            self.people.append(person.aggregate_id)
            latencies.append(time.perf_counter() - started)
            started = time.perf_counter()
            case_id = open_case(cases, number)
            self.cases.append(case_id)
            latencies.append(time.perf_counter() - started)
            for incident in range(INCIDENTS_PER_CASE):
                started = time.perf_counter()
                log_incident(cases, case_id, index * INCIDENTS_PER_CASE + incident)
                latencies.append(time.perf_counter() - started)
            written += 3 + INCIDENTS_PER_CASE
        self.events += written
        return Stats(count=written, seconds=time.perf_counter() - began,
                     latencies=tuple(latencies))

    def read_all(self, *, cold: bool) -> Stats:
        keyring = getattr(self.container.store.mapper, "keyring", None)
        if cold and keyring is not None:
            keyring.forget_cache()
        repository = self.container.store.repository
        latencies: list[float] = []
        events = 0
        began = time.perf_counter()
        for record_id in [*self.people, *self.cases]:
            started = time.perf_counter()
            events += repository.get(record_id).version
            latencies.append(time.perf_counter() - started)
        return Stats(count=events, seconds=time.perf_counter() - began,
                     latencies=tuple(latencies))


@dataclass(frozen=True)
class _Figures:
    store: str
    write: dict[str, Stats]
    cold: dict[str, Stats]
    warm: dict[str, Stats]

    def ratios(self) -> dict[str, float]:
        return {name: ratio(figures["on"].per_second, figures["off"].per_second)
                for name, figures in (("write", self.write), ("read_cold", self.cold),
                                      ("read_warm", self.warm))}


def _measure(ctx: BenchContext, store: str) -> _Figures:
    units, rounds = ctx.scaled(40, 2), ctx.scaled(6, 2)
    # The aggregate cache is off: every read decodes the stored events, which is the cost.
    with ctx.container(ctx.settings(store, prefix="enc_on", snapshot_interval=0,
                                    aggregate_cache_size=0)) as on, \
            ctx.container(ctx.settings(store, prefix="enc_off", snapshot_interval=0,
                                       aggregate_cache_size=0, encryption=False)) as off:
        sides = {"on": _Side("on", on), "off": _Side("off", off)}
        assert getattr(on.store.mapper, "keyring", None) is not None
        assert getattr(off.store.mapper, "keyring", None) is None
        for side in sides.values():  # warm up connections and code paths
            side.write_units(1)

        def loops(action: Callable[[_Side], Stats]) -> dict[str, Callable[[int], Stats]]:
            def for_side(side: _Side) -> Callable[[int], Stats]:
                return lambda _round: action(side)

            return {name: for_side(side) for name, side in sides.items()}

        write = interleaved(rounds, loops(lambda side: side.write_units(units)))
        cold = interleaved(rounds, loops(lambda side: side.read_all(cold=True)))
        warm = interleaved(rounds, loops(lambda side: side.read_all(cold=False)))
    return _Figures(store, write, cold, warm)


def _summary(figures: _Figures) -> str:
    on, off = figures.write["on"], figures.write["off"]
    return (f"{figures.store}: encryption on: {on.per_second:,.0f} events/s write, "
            f"{figures.cold['on'].per_second:,.0f}/s read (cold keys), "
            f"{figures.warm['on'].per_second:,.0f}/s read (warm); off: "
            f"{off.per_second:,.0f} events/s write, {figures.cold['off'].per_second:,.0f}/s "
            f"read (cold), {figures.warm['off'].per_second:,.0f}/s read (warm); ratio on/off: "
            + ", ".join(f"{name} {value:.2f}" for name, value in figures.ratios().items()))


def _body(all_figures: Sequence[_Figures], quick: bool) -> str:
    rows: list[list[Any]] = []
    for figures in all_figures:
        for label, measured in (("write (events/s)", figures.write),
                                ("read, cold key cache (events/s)", figures.cold),
                                ("read, warm key cache (events/s)", figures.warm)):
            on, off = measured["on"], measured["off"]
            rows.append([figures.store, label, on.per_second, off.per_second,
                         f"{ratio(on.per_second, off.per_second):.2f}",
                         f"{on.p50_ms:.2f} / {off.p50_ms:.2f}"])
    table = markdown_table(["store", "measure", "encryption on", "off",
                            "ratio on/off (1.00 = free)", "p50 ms on / off"], rows)
    units = "smoke run with tiny counts: the figures mean nothing. " if quick else ""
    return f"""
{units}Measured by `python -m bench.bench_encryption` (see its docstring): the same commands
through the application services against two stores that differ only in
`Settings(encryption=False)`, in alternating rounds. A write unit is a person registered
(1 event, new data key), a case opened (2 events, new data key) and {INCIDENTS_PER_CASE}
incidents logged (1 event each); the p50 is per command. Reads load every person and case
(snapshots off, so every event is decoded); "cold" empties the key cache first, so each
subject's wrapped key is read and unwrapped once.

{table}

""" + "\n".join(f"- {_summary(figures)}" for figures in all_figures) + """

What the ratio is made of: each new subject (person, case) costs one extra short write
transaction to store its wrapped key (the keyring creates the key before the event
transaction), and every sealed event one AES-GCM encryption of its personal fields (a few
microseconds). A cold read adds, per subject, one wrapped-key SELECT in its own read
transaction (on PostgreSQL three round trips: this is most of the cold-read ratio there) and
one unwrap; a warm read only the AES-GCM decryption of each event's sealed fields. The load of
the machine varies between runs (other work shares it); the ratios, measured in alternating
rounds, are steadier than the rates. See docs/data-protection.md.
"""


def run(ctx: BenchContext) -> Section:
    all_figures = []
    for store in ctx.available_stores():
        figures = _measure(ctx, store)
        print(_summary(figures), flush=True)
        all_figures.append(figures)
    headline = {f"{f.store}_{name}_ratio": value
                for f in all_figures for name, value in f.ratios().items()}
    return Section(name=NAME, title=TITLE, body=_body(all_figures, ctx.quick),
                   figures=headline)


def main(argv: Sequence[str] | None = None) -> int:
    return main_for(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
