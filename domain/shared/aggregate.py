"""Base class for every aggregate in casework."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.shared import clock


class CaseworkAggregate(Aggregate):
    """An event-sourced aggregate whose event timestamps come from the domain clock."""

    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, Aggregate.Created):
        pass
