"""The machinery of the demo loader: a time-ordered simulation over the domain commands.

Each record's life is a *script*: a generator of :class:`Beat` s (a moment, the officer
acting, and a function that runs domain commands). :class:`Simulation` runs every
script's beats in global time order, each inside ``clock.frozen_at(moment)`` (so events
are dated then, and the domain's "not in the future" and "not in the past" rules are
checked against that moment) and inside ``acting_as(officer)``. Beats that would fall
on or after the cut-off (the start of today) are not run: records opened recently are
left part-way through, as live work is.

:class:`EventWriter` collects the new events of each beat, stamps them with the acting
officer the way ``CaseworkStore.save`` does (docs/decisions.md D3), and saves them in
batches: one ``store.save`` of many events is one transaction (with its audit rows), so
the log is written in time order at bulk speed.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from application.context import acting_as, current_context
from application.demo.roster import Officer, Roster
from application.demo.timeline import DaySampler, Meetings
from application.rules import LocalRules
from application.store import CaseworkStore
from domain.people.aggregate import Person
from domain.people.values import PersonKind
from domain.shared import clock
from domain.shared.calendar import WorkingCalendar
from domain.shared.partnerships import Partnership, Ward
from domain.shared.references import ReferenceCounter


class DemoDataError(Exception):
    """A beat of the demo data broke a rule: a bug in the generator, reported with where."""


@dataclass(frozen=True)
class Beat:
    moment: datetime
    officer: Officer
    action: Callable[[], object]
    what: str = ""


Script = Iterator[Beat]


@dataclass
class Progress:
    """How far a load has got: simulated time, beats run, events written."""

    simulated_until: datetime
    fraction: float
    beats: int
    events: int
    elapsed_seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


ProgressCallback = Callable[[Progress], None]


class EventWriter:
    """Stamps each beat's new events with the acting officer and saves them in batches."""

    def __init__(self, store: CaseworkStore, batch_events: int) -> None:
        self.store = store
        self.batch_events = batch_events
        self.pending: list[Any] = []
        self.written = 0
        self.counts: dict[str, int] = {}
        # Records that crossed a snapshot interval since the last flush. The commands'
        # store takes snapshots when aggregates are saved; events saved on their own (as
        # here) are not, so the writer takes them, from the state in memory.
        self.due_snapshots: dict[UUID, Aggregate] = {}
        self.snapshots_taken = 0

    def record(self, *aggregates: Aggregate) -> None:
        metadata = current_context().event_metadata()
        for aggregate in aggregates:
            events = aggregate.collect_events()
            for event in events:
                object.__setattr__(event, "audit", metadata)
                self.pending.append(event)
                name = type(aggregate).__name__
                self.counts[name] = self.counts.get(name, 0) + 1
            interval = self.store.snapshotting_intervals.get(type(aggregate))
            if events and interval and (
                    aggregate.version // interval > (aggregate.version - len(events)) // interval):
                self.due_snapshots[aggregate.id] = aggregate
        if len(self.pending) >= self.batch_events:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        events, self.pending = self.pending, []
        # Saving the events themselves (not the aggregates) keeps each event's own actor:
        # CaseworkStore.save stamps only aggregates' pending events, and these are stamped.
        self.store.save(*events)
        self.written += len(events)
        self._take_snapshots()

    def _take_snapshots(self) -> None:
        snapshots = self.store.snapshots
        if snapshots is None or not self.due_snapshots:
            return
        # Only records whose state is what was just stored (no events still to collect).
        ready = [a for a in self.due_snapshots.values() if not a.pending_events]
        if ready:
            self.store.put_snapshots(ready)
            self.snapshots_taken += len(ready)
        for aggregate in ready:
            del self.due_snapshots[aggregate.id]


@dataclass
class PersonSpec:
    """Someone who may appear in cases; registered the first time they do."""

    key: str
    partnership_id: str
    name: str
    kind: PersonKind
    date_of_birth: date | None
    phone: str | None
    email: str | None
    address: str | None
    ward: str
    vulnerability_notes: str | None = None
    person_id: UUID | None = None

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class CaseRef:
    case_id: UUID
    reference: str
    ward: str
    asb_type: str
    opened_at: datetime


@dataclass
class Area:
    """One partnership as the simulation sees it."""

    partnership: Partnership
    roster: Roster
    meetings: Meetings
    days: DaySampler
    repeat_victims: dict[str, list[PersonSpec]] = field(default_factory=dict)
    """Repeat victims by neighbourhood."""
    prolific: dict[str, list[PersonSpec]] = field(default_factory=dict)
    """Repeat alleged perpetrators by neighbourhood."""

    @property
    def id(self) -> str:
        return self.partnership.id

    def wards_in(self, neighbourhood: str) -> list[Ward]:
        return [w for w in self.partnership.wards if w.neighbourhood == neighbourhood]


class World:
    """Shared state of one load: the store writer, reference counters, people, indexes."""

    def __init__(self, store: CaseworkStore, rules: LocalRules, writer: EventWriter, *,
                 seed: int, start: date, until: datetime) -> None:
        self.store = store
        self.rules = rules
        self.writer = writer
        self.seed = seed
        self.start = start
        self.until = until
        self.calendar = WorkingCalendar(rules.reviews.closure_days)
        self.areas: dict[str, Area] = {}
        self.counters: dict[tuple[str, int], ReferenceCounter] = {}
        self.agency_numbers: dict[str, int] = {}
        self.cases_by_ward: dict[tuple[str, str], list[CaseRef]] = {}
        self.sim: Simulation | None = None

    # -- references -----------------------------------------------------------------

    def next_reference(self, prefix: str) -> tuple[ReferenceCounter, str]:
        """The next reference for ``prefix`` this year, as the services allocate it."""
        year = clock.now().year
        counter = self.counters.get((prefix, year))
        if counter is None:
            counter_id = ReferenceCounter.create_id(prefix, year)
            try:
                counter = self.store.repository.get(counter_id)
            except AggregateNotFoundError:
                counter = ReferenceCounter(prefix=prefix, year=year)
            self.counters[(prefix, year)] = counter
        return counter, counter.next_reference()

    def agency_reference(self, agency: str, kind: str, moment: datetime) -> str:
        number = self.agency_numbers.get(agency, 0) + 1
        self.agency_numbers[agency] = number
        year = moment.strftime("%y")
        if kind == "police":
            return f"41/{number:05d}/{year}"
        initials = "".join(part[0] for part in agency.split("-") if part).upper()
        return f"{initials}-{year}-{number:05d}"

    # -- people ---------------------------------------------------------------------

    def person_id(self, spec: PersonSpec) -> UUID:
        """The person's record id, registering them now if this is their first case."""
        if spec.person_id is None:
            person = Person.register(
                partnership_id=spec.partnership_id, name=spec.name, kind=spec.kind,
                date_of_birth=spec.date_of_birth, phone=spec.phone, email=spec.email,
                address=spec.address, vulnerability_notes=spec.vulnerability_notes,
            )
            self.writer.record(person)
            spec.person_id = person.id
        return spec.person_id

    # -- cases ----------------------------------------------------------------------

    def index_case(self, partnership_id: str, ref: CaseRef) -> None:
        self.cases_by_ward.setdefault((partnership_id, ref.ward), []).append(ref)

    def recent_cases(self, partnership_id: str, wards: list[str], since: datetime,
                     types: tuple[str, ...]) -> list[CaseRef]:
        found = [ref for ward in wards
                 for ref in self.cases_by_ward.get((partnership_id, ward), [])
                 if ref.opened_at >= since and (not types or ref.asb_type in types)]
        return sorted(found, key=lambda ref: ref.opened_at)

    def spawn(self, script: Script) -> None:
        assert self.sim is not None
        self.sim.add(script)


class Simulation:
    """Runs every script's beats in time order, up to the cut-off."""

    def __init__(self, world: World, *, progress: ProgressCallback | None = None,
                 progress_every: int = 2000) -> None:
        self.world = world
        self.heap: list[tuple[datetime, int, Beat | None, Script | Callable[[], Script]]] = []
        self.sequence = 0
        self.beats = 0
        self.now = datetime.min.replace(tzinfo=UTC)
        self.progress = progress
        self.progress_every = progress_every
        self.started = time.perf_counter()
        world.sim = self

    def add(self, script: Script) -> None:
        beat = next(script, None)
        if beat is None:
            return
        if beat.moment < self.now:
            raise DemoDataError(f"a beat ({beat.what}) is dated {beat.moment.isoformat()}, "
                                f"before the simulation's present {self.now.isoformat()}")
        self.sequence += 1
        heapq.heappush(self.heap, (beat.moment, self.sequence, beat, script))

    def schedule(self, moment: datetime, factory: Callable[[], Script]) -> None:
        """Start a script at ``moment``, building it only then (to keep memory flat)."""
        self.sequence += 1
        heapq.heappush(self.heap, (moment, self.sequence, None, factory))

    def run(self) -> None:
        until = self.world.until
        seed = self.world.seed
        while self.heap:
            moment, _, beat, script = heapq.heappop(self.heap)
            if moment >= until:
                continue  # the rest of this record's life is in the future
            self.now = moment
            if beat is None:
                assert callable(script)
                assert not isinstance(script, Iterator)
                self.add(script())
                continue
            assert isinstance(script, Iterator)
            self.beats += 1
            context = beat.officer.context(f"demo-{seed}-{self.beats:08d}")
            try:
                with clock.frozen_at(moment), acting_as(context):
                    beat.action()
            except Exception as error:
                raise DemoDataError(
                    f"demo data beat {beat.what!r} at {moment.isoformat()} by "
                    f"{beat.officer.user_id} failed: {error}"
                ) from error
            self.add(script)
            if self.progress is not None and self.beats % self.progress_every == 0:
                self.report(moment)
        self.world.writer.flush()
        self.report(until)

    def report(self, moment: datetime) -> None:
        if self.progress is None:
            return
        start = datetime.combine(self.world.start, datetime.min.time(), tzinfo=UTC)
        span = (self.world.until - start).total_seconds()
        done = (min(moment, self.world.until) - start).total_seconds()
        writer = self.world.writer
        self.progress(Progress(
            simulated_until=moment, fraction=max(0.0, min(1.0, done / span)) if span else 1.0,
            beats=self.beats, events=writer.written + len(writer.pending),
            elapsed_seconds=time.perf_counter() - self.started,
        ))
