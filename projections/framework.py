"""Views and the exactly-once, batched projection host that keeps them up to date.

A view is a class (see docs/projections.md)::

    class NoteCounts(View):
        name = "note_counts"
        version = 1
        tables = (Table("rm_note_counts", {"ward": "text", "notes": "integer not null"},
                        primary_key=("ward",)),)
        topics = (Note.Written,)

        def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
            for e in events:
                cur.upsert("rm_note_counts", {"ward": e.ward}, increment={"notes": 1})

How it runs
-----------
* Positions are notification ids of the store's single log. Each view has one row in
  ``rm_view_state``; a batch of events is applied and the row's position moved **in the same
  transaction**, after locking that row, so a crash anywhere leaves view and position in step:
  no event is skipped or applied twice, and two runners on one view cannot both apply a batch.
* Events are read in batches (``batch_size``, default 500; ``catch_up_batch_size``, 2,000,
  while more than that behind) after the lowest position, filtered by the views' topics,
  decoded once and handed to every view at that position, all in one transaction (each
  view's rows with its own position); if one of them fails or was moved by another runner,
  the batch is applied again view by view, each in its own transaction.
* A view whose ``apply`` raises is retried one event at a time (savepoints) to find the event:
  the events before it are committed, the view's position stops just before it, the failure
  (event id and type, error type: never values) is recorded and logged, and that view stops.
  The other views carry on. The next start of a runner retries it.
* Rebuilds go into shadow tables (``rm_x__g<generation>``) while readers keep using the live
  tables; when the shadow has caught up, one transaction drops the old tables, renames the
  shadow tables to the live names and moves the position. A view whose ``version`` differs
  from the stored one is rebuilt this way automatically by the runner.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar, NamedTuple, Protocol, TypeVar

import structlog
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from projections.db import Database, Dialect, SQLCursor, ViewCursor

log = structlog.get_logger("casework.projections")

STATE_TABLE = "rm_view_state"
DEFAULT_BATCH_SIZE = 500
CATCH_UP_BATCH_SIZE = 2000
"""Events per batch while a view is more than this far behind (a rebuild, a new view, a
runner that was stopped): fewer, bigger transactions rewrite each changed row and index
page fewer times. Following the log stays at ``batch_size``."""
RESIDENT_ROWS = 100_000
"""Rows the views building from empty may keep in memory between batches, all together
(see ``View.builds_in_memory``; about 1 KB each): past that they create their indexes and
read rows back as usual."""
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TABLE_NAME = re.compile(r"^rm_[a-z0-9_]{1,45}$")

# ---------------------------------------------------------------------------------------
# Declaring views
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A view table: ``columns`` maps names to portable types, e.g. ``"integer not null"``."""

    name: str
    columns: Mapping[str, str]
    primary_key: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if not _TABLE_NAME.match(self.name) or "__" in self.name:
            raise ValueError(
                f"view table {self.name!r}: lower case, prefixed rm_, at most 48 characters, "
                "no double underscore"
            )
        unknown = [c for c in (*self.primary_key, *(c for i in self.indexes for c in i))
                   if c not in self.columns]
        if unknown:
            raise ValueError(f"view table {self.name}: unknown columns {unknown}")

    def create_statements(self, dialect: Dialect, physical: str, generation: int) -> list[str]:
        return [self.table_statement(dialect, physical),
                *(sql for _, sql in self.index_statements(dialect, physical, generation))]

    def table_statement(self, dialect: Dialect, physical: str) -> str:
        """``CREATE TABLE`` with the primary key (but no secondary index)."""
        columns = [f"{name} {dialect.column_type(spec)}" for name, spec in self.columns.items()]
        if self.primary_key:
            columns.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        return f"CREATE TABLE {physical} ({', '.join(columns)})"

    def index_statements(self, dialect: Dialect, physical: str, generation: int
                         ) -> list[tuple[str, str]]:
        """``(name, CREATE INDEX ...)`` for each secondary index (named by generation)."""
        statements = []
        for number, index in enumerate(self.indexes, start=1):
            name = f"{self.name}__g{generation}_ix{number}"
            statements.append((name, f"CREATE INDEX {name} ON {physical} ({', '.join(index)})"))
        return statements


def physical_name(table: str, generation: int, *, shadow: bool) -> str:
    return f"{table}__g{generation}" if shadow else table


Handler = Callable[[Any, ViewCursor, Any], None]
F = TypeVar("F", bound=Callable[..., Any])


def handles(*event_classes: type[Any]) -> Callable[[F], F]:
    """Mark a ``View`` method ``(self, cur, event)`` as the handler of these event classes."""

    def mark(method: F) -> F:
        method.__dict__.setdefault("_handles", ())
        method.__dict__["_handles"] = (*method.__dict__["_handles"], *event_classes)
        return method

    return mark


class View:
    """Base class of read models. Subclasses set ``name``, ``version``, ``tables`` and
    either ``topics`` plus ``apply``, or ``@handles(...)`` methods (``topics`` then follow).
    """

    name: ClassVar[str] = ""
    version: ClassVar[int] = 1
    tables: ClassVar[tuple[Table, ...]] = ()
    topics: ClassVar[tuple[type[Any], ...]] = ()
    """Event classes this view cares about; empty means every event."""
    builds_in_memory: ClassVar[bool] = False
    """True when ``apply`` reads its tables only through ``projections.rowcache.BatchRows``.
    A build of such a view from empty (a new view, a rebuild) then keeps every row it
    wrote in memory between batches (``ViewCursor.resident``) instead of reading rows
    back, and creates the tables' secondary indexes once, when the build has caught up
    (or holds ``RESIDENT_ROWS`` rows), instead of updating them row by row."""

    _handlers: ClassVar[dict[type[Any], Handler]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[type[Any], Handler] = {}
        for klass in reversed(cls.__mro__):
            for attribute in vars(klass).values():
                for event_class in getattr(attribute, "_handles", ()):
                    handlers[event_class] = attribute
        cls._handlers = handlers
        if handlers and "topics" not in cls.__dict__:
            cls.topics = tuple(handlers)

    def __init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"view name {self.name!r}: lower case letters, digits, _")
        if not self.tables:
            raise ValueError(f"view {self.name} declares no tables")
        self.topic_strings: frozenset[str] = frozenset(get_topic(c) for c in self.topics)

    def wants(self, topic: str) -> bool:
        return not self.topic_strings or topic in self.topic_strings

    def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
        """Write the effect of ``events`` (in log order, already filtered by ``topics``)."""
        if not self._handlers:
            raise NotImplementedError(f"{type(self).__name__} needs apply() or @handles")
        for event in events:
            handler = self._handlers.get(type(event))
            if handler is not None:
                handler(self, cur, event)

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(table.name for table in self.tables)


class ViewRegistry:
    """The views the service runs (``projections.default_views()``)."""

    def __init__(self) -> None:
        self._classes: dict[str, type[View]] = {}

    def register(self, view_class: type[View]) -> type[View]:
        existing = self._classes.get(view_class.name)
        if existing is not None and existing is not view_class:
            raise ValueError(f"two views are named {view_class.name!r}")
        self._classes[view_class.name] = view_class
        return view_class

    def create_all(self) -> list[View]:
        return [view_class() for view_class in self._classes.values()]


registry = ViewRegistry()


def check_views(views: Iterable[View]) -> None:
    names: set[str] = set()
    tables: dict[str, str] = {}
    for view in views:
        if view.name in names:
            raise ValueError(f"two views are named {view.name!r}")
        names.add(view.name)
        for table in view.table_names:
            if table == STATE_TABLE or table in tables:
                raise ValueError(f"table {table} of view {view.name} is already used")
            tables[table] = view.name


# ---------------------------------------------------------------------------------------
# What the host needs from the outside (implemented in adapters/persistence/views.py)
# ---------------------------------------------------------------------------------------


class EventLog(Protocol):
    """The store's notification log."""

    def head(self) -> int:
        """The highest notification id (0 when empty)."""
        ...

    def read(
        self, after: int, limit: int, *, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Sequence[Notification]:
        """Notifications with ``after < id <= stop``, in order, at most ``limit``."""
        ...

    def decode(self, notification: Notification) -> Any:
        """The domain event (personal fields decrypted)."""
        ...

    def count_after(self, position: int) -> int: ...

    def first_recorded_after(self, position: int) -> datetime | None:
        """When the oldest event after ``position`` was recorded."""
        ...


class Notifier(Protocol):
    """Wakes the runner when new events may have been recorded (LISTEN/NOTIFY)."""

    def start(self, wake: Callable[[], None]) -> None: ...

    def stop(self) -> None: ...


# ---------------------------------------------------------------------------------------
# State rows
# ---------------------------------------------------------------------------------------

_STATE_COLUMNS = (
    "name", "version", "generation", "position", "tables", "shadow_version",
    "shadow_generation", "shadow_position", "shadow_tables", "failed_track", "failed_at",
    "failure", "updated_at",
)


@dataclass
class ViewState:
    name: str
    version: int
    generation: int
    position: int
    tables: str
    shadow_version: int | None = None
    shadow_generation: int | None = None
    shadow_position: int | None = None
    shadow_tables: str | None = None
    failed_track: str | None = None
    failed_at: int | None = None
    failure: str | None = None
    updated_at: str | None = None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ViewState:
        return cls(*row)

    def values(self) -> list[Any]:
        return [getattr(self, column) for column in _STATE_COLUMNS]


def _now_text() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Track:
    """A view's live tables, or the shadow tables of a rebuild."""

    view: View
    shadow: bool
    generation: int

    @property
    def key(self) -> tuple[str, bool]:
        return (self.view.name, self.shadow)

    @property
    def label(self) -> str:
        return f"shadow g{self.generation}" if self.shadow else "live"

    @property
    def tables(self) -> dict[str, str]:
        return {
            name: physical_name(name, self.generation, shadow=self.shadow)
            for name in self.view.table_names
        }

    def position_of(self, state: ViewState) -> int | None:
        if not self.shadow:
            return state.position if state.version == self.view.version else None
        if state.shadow_generation != self.generation:
            return None
        return state.shadow_position


class _Item(NamedTuple):  # a tuple: one per event, so cheaper than a dataclass to make
    position: int
    topic: str
    originator_id: Any
    event: Any = None
    error: BaseException | None = None


@dataclass
class _Filling:
    """A track this host is building from empty: the rows it wrote, kept between batches.

    Valid only while nobody else has written the tables: at ``position`` (None while a
    batch is being written, until it commits) of the tables of ``generation``."""

    generation: int | None
    position: int | None = 0
    resident: dict[str, Any] = field(default_factory=dict)
    done: bool = False
    """Indexes created in the batch being written: a plain track once it commits."""


class _Outcome(Enum):
    MOVED = "moved"
    CHANGED = "changed"
    FAILED = "failed"


class _StateChanged(Exception):
    """Another process moved this view (a rebuild swapped in, or another runner)."""


@dataclass
class _ViewFailed(Exception):
    error: BaseException


class RebuildFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Freshness:
    """Result of :meth:`ProjectionHost.wait_for`."""

    caught_up: bool
    position: int | None
    """The lowest position among the views waited for (None: no views)."""


@dataclass(frozen=True)
class ViewStatus:
    name: str
    state: str
    """current, behind, failed, rebuilding, outdated, superseded or not-started."""
    code_version: int
    stored_version: int | None
    position: int
    events_behind: int
    seconds_behind: float
    rebuild_position: int | None = None
    failure: str | None = None
    failed_at: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {
            "state": self.state, "version": self.code_version,
            "stored_version": self.stored_version, "position": self.position,
            "events_behind": self.events_behind,
            "seconds_behind": round(self.seconds_behind, 3),
        }
        if self.rebuild_position is not None:
            data["rebuild_position"] = self.rebuild_position
        if self.failure is not None:
            data["failure"] = self.failure
            data["failed_at"] = self.failed_at
        return data


# ---------------------------------------------------------------------------------------
# The host
# ---------------------------------------------------------------------------------------


class ProjectionHost:
    """Runs views over the event log: in a background thread (``start``/``stop``), in the
    calling thread (``run_forever``), or step by step (``run_once``/``catch_up``).
    """

    def __init__(
        self,
        *,
        views: Sequence[View],
        log: EventLog,
        db: Database,
        batch_size: int = DEFAULT_BATCH_SIZE,
        poll_seconds: float = 0.2,
        notifier: Notifier | None = None,
    ) -> None:
        check_views(views)
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.views: dict[str, View] = {view.name: view for view in views}
        self.log = log
        self.db = db
        self.batch_size = batch_size
        self.catch_up_batch_size = CATCH_UP_BATCH_SIZE
        self.poll_seconds = poll_seconds
        self.notifier = notifier
        self._tracks: dict[tuple[str, bool], Track] = {}
        self._positions: dict[tuple[str, bool], int] = {}
        self._failed: dict[tuple[str, bool], str] = {}
        self._filling: dict[tuple[str, bool], _Filling] = {}
        self._unchecked: set[tuple[str, bool]] = set()
        """Tracks whose secondary indexes may be missing (created without them, or adopted
        from the database): checked, and created, by the next write not filling from empty."""
        self.resident_rows = RESIDENT_ROWS
        self._live: dict[str, int] = {}
        self._changed = threading.Condition()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._prepared = False
        self._state_table_ready = False
        self._lock = threading.RLock()
        self._looping = False

    # -- running -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Follow the log in a background thread (the service process in development)."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run_loop, name="casework-projections", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    def run_forever(self) -> None:
        """Follow the log in this thread until :meth:`stop` (the ``projections run`` worker)."""
        self._stopping.clear()
        self._run_loop()

    def wake(self) -> None:
        self._wake.set()

    def _run_loop(self) -> None:
        self._looping = True
        if self.notifier is not None:
            self.notifier.start(self.wake)
        backoff = 0.0
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    progressed = self.run_once()
                    backoff = 0.0
                except Exception as error:
                    backoff = min(max(backoff * 2, 0.5), 10.0)
                    log.warning("projections_paused", error_type=type(error).__name__,
                                retry_in_seconds=backoff)
                    self._stopping.wait(backoff)
                    continue
                if not progressed:
                    self._wake.wait(self.poll_seconds)
        finally:
            self._looping = False
            if self.notifier is not None:
                self.notifier.stop()
            with self._changed:
                self._changed.notify_all()

    def run_once(self) -> int:
        """Apply at most one batch to every view; returns how many views moved."""
        with self._lock:
            self.prepare()
            if not self._tracks:
                return 0
            head = self.log.head()
            groups: dict[int, list[Track]] = {}
            for key, track in self._tracks.items():
                if key not in self._failed:
                    groups.setdefault(self._positions[key], []).append(track)
            moved = 0
            for after, tracks in sorted(groups.items(), key=lambda item: item[0]):
                if self._looping and self._stopping.is_set():
                    break
                if after >= head:
                    for track in tracks:
                        if track.shadow and self._swap(track):
                            moved += 1
                    continue
                for track, outcome in self._step(tracks, after, head).items():
                    moved += 1
                    if outcome is _Outcome.CHANGED:
                        self._readopt(track.view)
            return moved

    def catch_up(self, timeout: float = 60.0) -> None:
        """Run batches until every view is at the head of the log (tests, rebuild tools)."""
        deadline = time.monotonic() + timeout
        while self.run_once():
            if time.monotonic() > deadline:
                raise TimeoutError("projections did not catch up in time")

    # -- preparing state and tables ----------------------------------------------------

    def prepare(self) -> None:
        """Create the state table and each view's tables; decide what to run."""
        if self._prepared:
            return
        self._ensure_state_table()
        for view in self.views.values():
            self._prepare_view(view)
        self._prepared = True

    def _ensure_state_table(self) -> None:
        if self._state_table_ready:
            return
        dialect = self.db.dialect
        table = Table(
            STATE_TABLE,
            {
                "name": "text not null", "version": "integer not null",
                "generation": "integer not null", "position": "integer not null",
                "tables": "text not null", "shadow_version": "integer",
                "shadow_generation": "integer", "shadow_position": "integer",
                "shadow_tables": "text", "failed_track": "text", "failed_at": "integer",
                "failure": "text", "updated_at": "text",
            },
            primary_key=("name",),
        )
        statement = table.create_statements(dialect, STATE_TABLE, 0)[0].replace(
            "CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1
        )
        with self.db.transaction(write=True) as raw:
            self._lock_schema(raw)
            raw.execute(statement)
        self._state_table_ready = True

    def _lock_schema(self, raw: SQLCursor) -> None:
        if self.db.dialect.schema_lock:
            raw.execute(self.db.dialect.schema_lock)

    def _read_state(self, raw: SQLCursor, name: str, *, lock: bool) -> ViewState | None:
        dialect = self.db.dialect
        raw.execute(
            dialect.native(
                f"SELECT {', '.join(_STATE_COLUMNS)} FROM {STATE_TABLE} WHERE name = ?"
                + (dialect.for_update if lock else "")
            ),
            [name],
        )
        row = raw.fetchone()
        return None if row is None else ViewState.from_row(tuple(row))

    def _write_state(self, raw: SQLCursor, state: ViewState) -> None:
        state.updated_at = _now_text()
        columns = ", ".join(_STATE_COLUMNS)
        marks = ", ".join("?" for _ in _STATE_COLUMNS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in _STATE_COLUMNS[1:])
        raw.execute(
            self.db.dialect.native(
                f"INSERT INTO {STATE_TABLE} ({columns}) VALUES ({marks}) "
                f"ON CONFLICT (name) DO UPDATE SET {sets}"
            ),
            state.values(),
        )

    def read_states(self) -> dict[str, ViewState]:
        self._ensure_state_table()
        with self.db.transaction(write=False) as raw:
            raw.execute(f"SELECT {', '.join(_STATE_COLUMNS)} FROM {STATE_TABLE}")
            return {row[0]: ViewState.from_row(tuple(row)) for row in raw.fetchall()}

    def _create_tables(self, raw: SQLCursor, view: View, generation: int, *, shadow: bool
                       ) -> None:
        """Create the tables empty; a view that builds in memory gets its secondary indexes
        when the build has caught up (``_create_missing_indexes``)."""
        dialect = self.db.dialect
        for table in view.tables:
            physical = physical_name(table.name, generation, shadow=shadow)
            raw.execute(f"DROP TABLE IF EXISTS {physical}")
            raw.execute(table.table_statement(dialect, physical))
            if not view.builds_in_memory:
                for _, statement in table.index_statements(dialect, physical, generation):
                    raw.execute(statement)

    def _create_missing_indexes(self, raw: SQLCursor, track: Track) -> None:
        dialect = self.db.dialect
        for table in track.view.tables:
            physical = physical_name(table.name, track.generation, shadow=track.shadow)
            raw.execute(dialect.native(dialect.index_catalog), [physical])
            existing = {row[0] for row in raw.fetchall()}
            for name, statement in table.index_statements(dialect, physical, track.generation):
                if name not in existing:
                    raw.execute(statement)

    def _drop_tables(self, raw: SQLCursor, names: str | None, generation: int | None, *,
                     shadow: bool) -> None:
        for name in (names or "").split(","):
            if name:
                physical = physical_name(name, generation or 0, shadow=shadow)
                raw.execute(f"DROP TABLE IF EXISTS {physical}")

    def _prepare_view(self, view: View) -> None:
        """Decide the view's tracks from its state row, creating what is missing."""
        with self.db.transaction(write=True) as raw:
            self._lock_schema(raw)
            state = self._read_state(raw, view.name, lock=True)
            if state is None:
                self._create_tables(raw, view, 0, shadow=False)
                state = ViewState(name=view.name, version=view.version, generation=0,
                                  position=0, tables=",".join(view.table_names))
                self._write_state(raw, state)
                log.info("view_created", view=view.name, version=view.version)
            elif state.version < view.version and state.shadow_version != view.version:
                generation = max(state.generation, state.shadow_generation or 0) + 1
                self._drop_tables(raw, state.shadow_tables, state.shadow_generation,
                                  shadow=True)
                self._create_tables(raw, view, generation, shadow=True)
                state.shadow_version = view.version
                state.shadow_generation = generation
                state.shadow_position = 0
                state.shadow_tables = ",".join(view.table_names)
                self._write_state(raw, state)
                log.info("view_rebuild_started", view=view.name, version=view.version,
                         stored_version=state.version, generation=generation)
        self._adopt(view, state)

    def _adopt(self, view: View, state: ViewState) -> None:
        """Set this host's tracks for ``view`` from its (committed) state row."""
        live = (view.name, False)
        shadow = (view.name, True)
        for key in (live, shadow):
            self._tracks.pop(key, None)
            self._positions.pop(key, None)
            self._failed.pop(key, None)
            self._filling.pop(key, None)
            self._unchecked.add(key)
        if state.version == view.version:
            self._tracks[live] = Track(view, shadow=False, generation=state.generation)
            self._positions[live] = state.position
            self._set_live(view.name, state.position)
        elif state.version > view.version:
            log.warning("view_superseded", view=view.name, version=view.version,
                        stored_version=state.version)
        elif (state.shadow_version == view.version and state.shadow_generation is not None
              and state.shadow_position is not None):
            self._tracks[shadow] = Track(view, shadow=True, generation=state.shadow_generation)
            self._positions[shadow] = state.shadow_position

    def _set_live(self, name: str, position: int) -> None:
        with self._changed:
            self._live[name] = position
            self._changed.notify_all()

    # -- applying batches --------------------------------------------------------------

    def _step(self, tracks: Sequence[Track], after: int, head: int
              ) -> dict[Track, _Outcome]:
        """Read one batch after ``after`` and apply it to each track (all at ``after``)."""
        topics: set[str] = set()
        for track in tracks:
            if not track.view.topic_strings:
                topics = set()
                break
            topics |= track.view.topic_strings
        limit = self.batch_size
        if head - after > self.catch_up_batch_size > limit:
            limit = self.catch_up_batch_size
        notifications = self.log.read(after, limit, stop=head, topics=sorted(topics))
        end = notifications[-1].id if len(notifications) >= limit else head
        items = [self._decode(notification) for notification in notifications]
        work = [(track, _wanted(track.view, items)) for track in tracks]
        caught_up = end >= head
        if len(work) > 1 and self._apply_together(work, after, end, caught_up):
            return dict.fromkeys(tracks, _Outcome.MOVED)
        return {track: self._apply(track, after, end, wanted, caught_up)
                for track, wanted in work}

    def _apply_together(self, work: Sequence[tuple[Track, Sequence[_Item]]], after: int,
                        end: int, caught_up: bool) -> bool:
        """Apply the batch to every track in one transaction: one commit, not one per view.

        Each track's rows and position still move together. Returns False, having changed
        nothing, when a track's state moved under us or a view raised: the caller then
        applies the batch track by track, which finds the failing event or the change.
        """
        try:
            with self.db.transaction(write=True) as raw:
                # Lock the state rows in one order (name), whatever order the host has.
                for track, items in sorted(work, key=lambda pair: pair[0].key):
                    self._write_batch(raw, track, after, end, items, caught_up)
        except _StateChanged:
            return False
        except _ViewFailed as failed:
            if self.db.is_transient(failed.error):
                raise failed.error from None
            return False
        for track, _ in work:
            self._advanced(track, end)
        return True

    def _decode(self, notification: Notification) -> _Item:
        try:
            event = self.log.decode(notification)
        except Exception as error:  # reported against the views that want this event
            return _Item(notification.id, notification.topic, notification.originator_id,
                         error=error)
        return _Item(notification.id, notification.topic, notification.originator_id, event)

    def _apply(self, track: Track, after: int, end: int, items: Sequence[_Item],
               caught_up: bool) -> _Outcome:
        try:
            self._apply_batch(track, after, end, items, caught_up)
        except _StateChanged:
            return _Outcome.CHANGED
        except _ViewFailed as failed:
            if self.db.is_transient(failed.error):
                raise failed.error from None
            try:
                return self._apply_one_by_one(track, after, end, items)
            except _StateChanged:
                return _Outcome.CHANGED
        self._advanced(track, end)
        return _Outcome.MOVED

    def _locked_state(self, raw: SQLCursor, track: Track, after: int) -> ViewState:
        state = self._read_state(raw, track.view.name, lock=True)
        if state is None or track.position_of(state) != after:
            raise _StateChanged
        return state

    def _apply_batch(self, track: Track, after: int, end: int, items: Sequence[_Item],
                     caught_up: bool) -> None:
        with self.db.transaction(write=True) as raw:
            self._write_batch(raw, track, after, end, items, caught_up)

    def _write_batch(self, raw: SQLCursor, track: Track, after: int, end: int,
                     items: Sequence[_Item], caught_up: bool) -> None:
        state = self._locked_state(raw, track, after)
        filling = self._filling_for(track, state, after)
        if filling is None and track.key in self._unchecked:
            self._create_missing_indexes(raw, track)
        if items:
            undecodable = next((item for item in items if item.error is not None), None)
            if undecodable is not None:
                assert undecodable.error is not None
                raise _ViewFailed(undecodable.error)
            cursor = ViewCursor(raw, self.db.dialect, track.tables, strict=True,
                                resident=None if filling is None else filling.resident)
            try:
                track.view.apply(cursor, [item.event for item in items])
            except Exception as error:
                raise _ViewFailed(error) from error
        if filling is not None and (caught_up or self._resident_rows() > self.resident_rows):
            self._create_missing_indexes(raw, track)
            filling.done = True
        self._move(raw, state, track, end, failure=None)

    def _resident_rows(self) -> int:
        """Rows kept in memory (each kept table, e.g. a ``BatchRows`` table, has a length)."""
        return sum(len(kept) for filling in self._filling.values()
                   for kept in filling.resident.values())

    def _filling_for(self, track: Track, state: ViewState, after: int) -> _Filling | None:
        """The rows kept from this host's build of ``track`` from empty, if still valid for
        the tables as they are (nobody else wrote them, no batch of ours was rolled back);
        a new, empty one when the tables are empty (at position 0) and the view builds in
        memory; otherwise None (and the indexes are made complete before writing)."""
        key = track.key
        generation = state.shadow_generation if track.shadow else state.generation
        filling = self._filling.get(key)
        if filling is not None and (filling.position != after or filling.done
                                    or filling.generation != generation):
            del self._filling[key]
            self._unchecked.add(key)
            filling = None
        if filling is None and after == 0 and track.view.builds_in_memory:
            filling = self._filling[key] = _Filling(generation)
        if filling is not None:
            filling.position = None  # until this batch commits (``_advanced``)
        return filling

    def _apply_one_by_one(self, track: Track, after: int, end: int, items: Sequence[_Item]
                          ) -> _Outcome:
        failed: tuple[_Item, BaseException] | None = None
        self._filling.pop(track.key, None)
        self._unchecked.add(track.key)
        with self.db.transaction(write=True) as raw:
            state = self._locked_state(raw, track, after)
            self._create_missing_indexes(raw, track)
            cursor = ViewCursor(raw, self.db.dialect, track.tables, strict=True)
            for item in items:
                if item.error is not None:
                    failed = (item, item.error)
                    break
                raw.execute("SAVEPOINT rm_event")
                try:
                    track.view.apply(cursor, [item.event])
                except Exception as error:
                    if self.db.is_transient(error):
                        raise
                    raw.execute("ROLLBACK TO SAVEPOINT rm_event")
                    failed = (item, error)
                    break
                raw.execute("RELEASE SAVEPOINT rm_event")
            if failed is None:
                self._move(raw, state, track, end, failure=None)
            else:
                bad, cause = failed
                failure = (f"{track.label}: {_short_topic(bad.topic)} at position "
                           f"{bad.position}: {type(cause).__name__}")
                self._move(raw, state, track, bad.position - 1,
                           failure=(failure, bad.position))
        self._unchecked.discard(track.key)
        if failed is None:
            self._advanced(track, end)
            return _Outcome.MOVED
        bad, cause = failed
        self._positions[track.key] = bad.position - 1
        if not track.shadow:
            self._set_live(track.view.name, bad.position - 1)
        self._failed[track.key] = failure
        log.error(
            "view_failed", view=track.view.name, track=track.label, position=bad.position,
            event_type=_short_topic(bad.topic), originator_id=str(bad.originator_id),
            error_type=type(cause).__name__,
        )
        with self._changed:
            self._changed.notify_all()
        return _Outcome.FAILED

    def _move(self, raw: SQLCursor, state: ViewState, track: Track, position: int, *,
              failure: tuple[str, int] | None) -> None:
        if track.shadow:
            state.shadow_position = position
        else:
            state.position = position
        label = "shadow" if track.shadow else "live"
        if failure is not None:
            state.failed_track, (state.failure, state.failed_at) = label, failure
        elif state.failed_track == label:
            state.failed_track = state.failure = state.failed_at = None
        self._write_state(raw, state)

    def _advanced(self, track: Track, end: int) -> None:
        """After the commit of a batch of ``track`` ending at ``end``."""
        filling = self._filling.get(track.key)
        if filling is None or filling.done:
            self._filling.pop(track.key, None)
            self._unchecked.discard(track.key)
        else:
            filling.position = end
        self._positions[track.key] = end
        if not track.shadow:
            self._set_live(track.view.name, end)

    def _readopt(self, view: View) -> None:
        with self.db.transaction(write=False) as raw:
            state = self._read_state(raw, view.name, lock=False)
        if state is None or (state.version != view.version
                             and state.shadow_version != view.version):
            self._prepare_view(view)
        else:
            self._adopt(view, state)

    # -- rebuilding --------------------------------------------------------------------

    def _swap(self, track: Track) -> bool:
        """Make the caught-up shadow tables live, in one transaction."""
        view = track.view
        with self.db.transaction(write=True) as raw:
            self._lock_schema(raw)
            state = self._read_state(raw, view.name, lock=True)
            swapped = state is not None and state.shadow_generation == track.generation
            if state is not None and swapped:
                self._create_missing_indexes(raw, track)
                self._drop_tables(raw, state.tables, None, shadow=False)
                for name, physical in track.tables.items():
                    raw.execute(f"ALTER TABLE {physical} RENAME TO {name}")
                state.version = state.shadow_version or view.version
                state.generation = track.generation
                state.position = state.shadow_position or 0
                state.tables = state.shadow_tables or ",".join(view.table_names)
                state.shadow_version = state.shadow_generation = None
                state.shadow_position = None
                state.shadow_tables = None
                state.failed_track = state.failure = state.failed_at = None
                self._write_state(raw, state)
        if state is not None and swapped:
            log.info("view_rebuilt", view=view.name, version=state.version,
                     generation=state.generation, position=state.position)
        self._readopt(view)
        return swapped

    def rebuild(
        self,
        name: str,
        *,
        restart: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Rebuild one view from the start into shadow tables, then swap them in.

        Runs in the calling thread (the ``projections rebuild`` command). Readers keep
        reading the old tables until the swap; a runner elsewhere keeps the old tables up
        to date meanwhile. An unfinished rebuild of the same version is resumed unless
        ``restart``. Returns the position of the view when it was swapped in.
        """
        view = self.views[name]
        with self._lock:
            self._ensure_state_table()
            track, position = self._begin_rebuild(view, restart=restart)
        while True:
            with self._lock:
                head = self.log.head()
                if progress is not None:
                    progress(position, head)
                if position >= head:
                    if self._swap(track):
                        if progress is not None:
                            progress(head, head)
                        return position
                    raise RebuildFailed(f"the rebuild of {name} was replaced by another one")
                outcome = self._step([track], position, head)[track]
                if outcome is _Outcome.FAILED:
                    raise RebuildFailed(self._failed[track.key])
                if outcome is _Outcome.CHANGED:
                    with self.db.transaction(write=False) as raw:
                        state = self._read_state(raw, name, lock=False)
                    if state is None or state.shadow_generation != track.generation:
                        raise RebuildFailed(
                            f"the rebuild of {name} was finished or replaced by another one"
                        )
                    position = state.shadow_position or 0
                else:
                    position = self._positions[track.key]

    def _begin_rebuild(self, view: View, *, restart: bool) -> tuple[Track, int]:
        with self.db.transaction(write=True) as raw:
            self._lock_schema(raw)
            state = self._read_state(raw, view.name, lock=True)
            if state is not None and state.version > view.version:
                raise RebuildFailed(
                    f"the stored {view.name} is version {state.version}, newer than this "
                    f"code's {view.version}"
                )
            resumable = (state is not None and not restart
                         and state.shadow_version == view.version
                         and state.shadow_generation is not None)
            if state is None:
                self._create_tables(raw, view, 0, shadow=False)
                state = ViewState(name=view.name, version=view.version, generation=0,
                                  position=0, tables=",".join(view.table_names))
            if not resumable:
                generation = max(state.generation, state.shadow_generation or 0) + 1
                self._drop_tables(raw, state.shadow_tables, state.shadow_generation,
                                  shadow=True)
                self._create_tables(raw, view, generation, shadow=True)
                state.shadow_version = view.version
                state.shadow_generation = generation
                state.shadow_position = 0
                state.shadow_tables = ",".join(view.table_names)
                if state.failed_track == "shadow":
                    state.failed_track = state.failure = state.failed_at = None
                self._write_state(raw, state)
        assert state.shadow_generation is not None
        track = Track(view, shadow=True, generation=state.shadow_generation)
        position = state.shadow_position or 0
        # The rebuild is driven by the caller, not by the background rounds.
        self._positions[track.key] = position
        self._failed.pop(track.key, None)
        self._filling.pop(track.key, None)
        self._unchecked.add(track.key)
        log.info("view_rebuild_started", view=view.name, version=view.version,
                 generation=track.generation, resumed=resumable)
        return track, position

    # -- reading -----------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[ViewCursor]:
        """A read-only cursor on the live view tables (write ``{rm_x}`` or plain names).

        The first use creates missing view tables, so a reader never finds them absent.
        """
        if not self._prepared:
            with self._lock:
                self.prepare()
        with self.db.transaction(write=False) as raw:
            yield ViewCursor(raw, self.db.dialect)

    def live_positions(self) -> dict[str, int]:
        if self.running:
            with self._changed:
                return {name: self._live.get(name, 0) for name in self.views}
        states = self.read_states()
        return {
            name: (states[name].position if name in states
                   and states[name].version == view.version else 0)
            for name, view in self.views.items()
        }

    def failed_views(self) -> set[str]:
        if self.running:
            return {name for (name, shadow) in self._failed if not shadow}
        return {name for name, state in self.read_states().items()
                if state.failed_track == "live"}

    def wait_for(
        self, position: int, timeout: float, views: Sequence[str] | None = None
    ) -> Freshness:
        """Wait until the views (all by default) have applied every event up to
        ``position`` (a notification id, e.g. from ``X-Casework-Position``).

        Returns at once with ``caught_up=False`` when a view waited for has failed.
        """
        names = list(views) if views is not None else list(self.views)
        unknown = [name for name in names if name not in self.views]
        if unknown:
            raise KeyError(f"unknown views {unknown}")
        if not names:
            return Freshness(True, None)
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            positions = self.live_positions()
            lowest = min(positions[name] for name in names)
            if lowest >= position:
                return Freshness(True, lowest)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.failed_views() & {
                name for name in names if positions[name] < position
            }:
                return Freshness(False, lowest)
            if self.running:
                self.wake()
                with self._changed:
                    if min(self._live.get(n, 0) for n in names) < position:
                        self._changed.wait(min(remaining, 0.25))
            else:
                time.sleep(min(remaining, 0.05))

    def statuses(self) -> list[ViewStatus]:
        """Each view's position and lag, read from the database (any process's runner)."""
        states = self.read_states()
        now = datetime.now(tz=UTC)
        statuses = []
        for name, view in self.views.items():
            state = states.get(name)
            if state is None:
                position, stored_version = 0, None
            else:
                position, stored_version = state.position, state.version
            behind = self.log.count_after(position)
            oldest = self.log.first_recorded_after(position) if behind else None
            seconds = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
            statuses.append(ViewStatus(
                name=name,
                state=_state_word(view, state, behind),
                code_version=view.version,
                stored_version=stored_version,
                position=position,
                events_behind=behind,
                seconds_behind=seconds,
                rebuild_position=None if state is None else state.shadow_position,
                failure=None if state is None else state.failure,
                failed_at=None if state is None else state.failed_at,
            ))
        return statuses

    def lag(self) -> dict[str, Any]:
        """For ``/readyz``: ``ok`` is false when a view has failed."""
        statuses = self.statuses()
        return {
            "ok": not any(status.state == "failed" for status in statuses),
            "runner": "in-process" if self.running else "external",
            "head": self.log.head(),
            "views": {status.name: status.as_dict() for status in statuses},
        }


def _state_word(view: View, state: ViewState | None, behind: int) -> str:
    if state is None:
        return "not-started"
    if state.failure is not None:
        return "failed"
    if state.version > view.version:
        return "superseded"
    if state.version < view.version:
        return "outdated"
    if state.shadow_generation is not None:
        return "rebuilding"
    return "behind" if behind else "current"


def _wanted(view: View, items: Sequence[_Item]) -> list[_Item]:
    topics = view.topic_strings
    if not topics:
        return list(items)
    return [item for item in items if item.topic in topics]


def _short_topic(topic: str) -> str:
    return topic.rpartition(":")[2] or topic


__all__ = [
    "DEFAULT_BATCH_SIZE",
    "STATE_TABLE",
    "EventLog",
    "Freshness",
    "Notifier",
    "ProjectionHost",
    "RebuildFailed",
    "Table",
    "View",
    "ViewRegistry",
    "ViewState",
    "ViewStatus",
    "handles",
    "registry",
]
