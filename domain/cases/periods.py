"""Calendar arithmetic for case rules: local dates and "N things within M months"."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.shared import clock

LONDON = ZoneInfo("Europe/London")


def london_date(moment: datetime) -> date:
    """The calendar date in England and Wales at ``moment`` (a timezone-aware datetime)."""
    return moment.astimezone(LONDON).date()


def today() -> date:
    return london_date(clock.now())


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months, the day clamped to the month's end."""
    month_index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def has_cluster(moments: Iterable[datetime], count: int, months: int) -> bool:
    """Whether ``count`` of the ``moments`` fall within some span of ``months`` months.

    The span is inclusive: 1 January and 1 April are within three months.
    """
    ordered = sorted(moments)
    if count <= 0:
        return True
    return any(
        ordered[first + count - 1] <= add_months(ordered[first], months)
        for first in range(len(ordered) - count + 1)
    )
