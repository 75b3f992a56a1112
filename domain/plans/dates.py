"""Calendar dates as a community safety officer sees them (Europe/London)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.shared import clock

LONDON = ZoneInfo("Europe/London")


def local_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def today() -> date:
    return local_date(clock.now())
