"""The event store application shared by every aggregate in casework.

One eventsourcing ``Application`` holds cases, people, plans and case reviews, so
there is one notification log: one position for projections, one hash chain for
audit, one transaction for writes that touch two aggregates (a case and its
reference counter). See docs/decisions.md.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any, ClassVar

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Transcoding

import domain.catalogue  # noqa: F401  (imports every aggregate so value types register)
from domain.shared.values import VALUE_TYPES


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
        return self.type(data)


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
        if isinstance(value_class, type) and issubclass(value_class, Enum):
            transcoder.register(EnumAsValue(value_class))
        elif dataclasses.is_dataclass(value_class):
            transcoder.register(DataclassAsDict(value_class))
        else:  # pragma: no cover - programming error caught at start-up
            raise TypeError(f"{value_class!r} is neither an Enum nor a dataclass")


class CaseworkStore(Application[Any]):
    name = "casework"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)
