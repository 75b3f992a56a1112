"""The event store application shared by every aggregate in casework.

One eventsourcing ``Application`` holds cases, people, plans and case reviews, so
there is one notification log: one position for projections, one hash chain for
audit, one transaction for writes that touch two aggregates (a case and its
reference counter). See docs/decisions.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, Recording, Transcoding
from eventsourcing.utils import EnvType

from application import aggregate_cache as cache_module
from application.aggregate_cache import AggregateCache, CachingRepository
from application.context import current_context
from application.ports import AuditedRecorder
from domain import catalogue
from domain.shared.values import VALUE_TYPES

DEFAULT_SNAPSHOT_INTERVAL = 50


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    def __init__(self, enum_class: type[Enum]) -> None:
        self.type = enum_class
        self.name = f"enum:{enum_class.__module__}:{enum_class.__qualname__}"

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        member: Enum = self.type(data)
        return member


class DataclassAsDict(Transcoding):
    def __init__(self, dataclass_type: type[Any]) -> None:
        self.type = dataclass_type
        self.name = f"dc:{dataclass_type.__module__}:{dataclass_type.__qualname__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


def register_value_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for value_class in VALUE_TYPES:
        if issubclass(value_class, Enum):
            transcoder.register(EnumAsValue(value_class))
        elif dataclasses.is_dataclass(value_class):
            transcoder.register(DataclassAsDict(value_class))
        else:  # pragma: no cover - programming error caught at start-up
            raise TypeError(f"{value_class!r} is neither an Enum nor a dataclass")


class CaseworkStore(Application[UUID]):
    """Saves and loads every casework aggregate; stamps events with who acted."""

    name = "casework"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}

    def __init__(self, env: EnvType | None = None, *,
                 snapshot_interval: int | None = DEFAULT_SNAPSHOT_INTERVAL,
                 aggregate_cache_size: int = cache_module.DEFAULT_CACHE_SIZE,
                 aggregate_cache_seconds: float = cache_module.DEFAULT_MAX_AGE_SECONDS,
                 verify_aggregate_cache: bool | None = None) -> None:
        # Before the library's constructor, which builds the repository.
        self.aggregate_cache: AggregateCache | None = AggregateCache(
            aggregate_cache_size, aggregate_cache_seconds,
            verify=cache_module.VERIFY_BY_DEFAULT if verify_aggregate_cache is None
            else verify_aggregate_cache,
        ) if aggregate_cache_size > 0 else None
        intervals = (
            dict.fromkeys(catalogue.aggregate_classes(), snapshot_interval)
            if snapshot_interval
            else {}
        )
        # Per instance, so one process can run stores with and without snapshots.
        self.__dict__["snapshotting_intervals"] = intervals
        super().__init__(env)

    def construct_env(self, name: str, env: EnvType | None = None) -> Any:
        environment = super().construct_env(name, env)
        if self.snapshotting_intervals:
            environment["IS_SNAPSHOTTING_ENABLED"] = "y"
        return environment

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)

    def construct_repository(self) -> Repository[UUID]:
        if self.aggregate_cache is None:
            return super().construct_repository()
        return CachingRepository(self.events, self.snapshots, self.aggregate_cache)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        recordings = super()._record(processing_event)
        if isinstance(self.repository, CachingRepository):
            self.repository.remember_saved(processing_event.aggregates.values())
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        # The library re-reads a record from the store (snapshot and events, decoded) to
        # snapshot it at a version; a record just saved is in memory at that version, so
        # snapshot that: for a big case, a cold load saved every interval's worth of events.
        if not self.snapshots or not self.snapshotting_intervals:
            return
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            if aggregate is None:
                continue
            interval = self.snapshotting_intervals.get(type(aggregate))
            if not interval or event.originator_version % interval:
                continue
            if aggregate.version == event.originator_version:
                self.put_snapshots([cast(Aggregate, aggregate)])
            else:  # one save crossed the interval part-way: the state then is not in memory
                self.take_snapshot(event.originator_id, version=event.originator_version)

    def put_snapshots(self, aggregates: Iterable[Aggregate]) -> None:
        """Snapshot records from memory; each must be exactly as stored (saved, with no
        events still pending), which ``casework audit verify --snapshots`` checks."""
        assert self.snapshots is not None
        snapshots = []
        for aggregate in aggregates:
            # As the library's take_snapshot chooses the class.
            snapshot_class: Any = getattr(type(aggregate), "Snapshot", self.snapshot_class)
            snapshots.append(snapshot_class.take(aggregate))
        self.snapshots.put(snapshots)

    def forget_cached_aggregates(self) -> None:
        """Drop every cached aggregate (after an erasure, or to measure cold loads)."""
        if self.aggregate_cache is not None:
            self.aggregate_cache.forget()

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        metadata = current_context().event_metadata()
        for obj in objs:
            events = obj.pending_events if isinstance(obj, Aggregate) else [obj]
            for pending in events:
                # Bulk loaders (demo data) stamp each event as it happens; keep that.
                if pending is not None and "audit" not in vars(pending):
                    object.__setattr__(pending, "audit", metadata)
        return super().save(*objs, **kwargs)

    @property
    def audited_recorder(self) -> AuditedRecorder:
        return cast(AuditedRecorder, self.recorder)

    def version_as_at(self, aggregate_id: UUID, moment: datetime) -> int | None:
        return self.audited_recorder.version_as_at(aggregate_id, moment)
