"""When things happen in the demo data: seasons, days of the week, hours, JAG meetings.

ASB rises in the summer months and spikes around Bonfire Night; more is reported on
Friday and Saturday evenings. Officers record their work in office hours on working
days; the JAG meets on the partnership's configured day each month ("second Tuesday").
All moments are timezone-aware UTC datetimes, worked out from London local time.
"""

from __future__ import annotations

import bisect
import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from random import Random
from zoneinfo import ZoneInfo

from domain.shared.calendar import WorkingCalendar

LONDON = ZoneInfo("Europe/London")

MONTH_WEIGHTS = {1: 0.75, 2: 0.75, 3: 0.85, 4: 0.95, 5: 1.1, 6: 1.2, 7: 1.3, 8: 1.3,
                 9: 1.05, 10: 1.0, 11: 1.0, 12: 0.8}
WEEKDAY_WEIGHTS = (0.9, 0.9, 0.95, 1.0, 1.25, 1.3, 1.05)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC moment of ``hour:minute`` on ``day`` in London."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def is_bonfire_season(day: date) -> bool:
    return (day.month == 10 and day.day >= 25) or (day.month == 11 and day.day <= 10)


def is_summer(day: date) -> bool:
    return day.month in (6, 7, 8)


class DaySampler:
    """Draws days between two dates, weighted by season, weekday and Bonfire Night."""

    def __init__(self, first: date, last: date) -> None:
        self.days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        weights = [self._weight(day) for day in self.days]
        self.cumulative = list(accumulate(weights))

    @staticmethod
    def _weight(day: date) -> float:
        weight = MONTH_WEIGHTS[day.month] * WEEKDAY_WEIGHTS[day.weekday()]
        if is_bonfire_season(day):
            weight *= 1.5 if day.month == 10 else 1.8
        if (day.month, day.day) in ((12, 31), (1, 1)):
            weight *= 1.6
        return weight

    def draw(self, rng: Random) -> date:
        point = rng.random() * self.cumulative[-1]
        return self.days[bisect.bisect_right(self.cumulative, point)]


def incident_time(day: date, rng: Random, *, evenings: bool) -> datetime:
    """When on ``day`` behaviour of this kind tends to happen."""
    if evenings and rng.random() < 0.75:
        minutes = rng.randrange(17 * 60, 23 * 60 + 59)
    else:
        minutes = rng.randrange(8 * 60, 21 * 60)
    return local(day, minutes // 60, minutes % 60)


def office_time(day: date, rng: Random, *, earliest: int = 9, latest: int = 17) -> datetime:
    minutes = rng.randrange(earliest * 60, latest * 60)
    return local(day, minutes // 60, minutes % 60)


def next_working_moment(moment: datetime, calendar: WorkingCalendar, rng: Random, *,
                        days: int = 0) -> datetime:
    """Office hours on the working day ``days`` working days after ``moment`` (the same
    day when ``days`` is 0 and it is a working day, later in the day than ``moment``)."""
    day = london_day(moment)
    if days == 0:
        if calendar.is_working_day(day):
            candidate = office_time(day, rng)
            if candidate > moment:
                return candidate
        days = 1
    return office_time(calendar.add_working_days(day, days), rng)


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def meeting_days(rule: str, first: date, last: date) -> list[date]:
    """The partnership's JAG meetings between two dates, from a rule like "second Tuesday"
    (the second Tuesday of the month when the rule cannot be read)."""
    match = re.fullmatch(r"\s*(first|second|third|fourth|last)\s+(\w+)\s*", rule.lower())
    ordinal, weekday = (2, 1)
    if match and match.group(2) in _WEEKDAYS:
        ordinal, weekday = _ORDINALS[match.group(1)], _WEEKDAYS.index(match.group(2))
    days: list[date] = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        candidates = [date(year, month, d) for d in range(1, 32) if _valid(year, month, d)
                      and date(year, month, d).weekday() == weekday]
        chosen = candidates[ordinal - 1] if ordinal > 0 else candidates[-1]
        if first <= chosen <= last:
            days.append(chosen)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


class Meetings:
    """A partnership's JAG meeting days, for "the next meeting on or after" lookups."""

    def __init__(self, days: list[date]) -> None:
        self.days = days

    def next_on_or_after(self, day: date) -> date | None:
        index = bisect.bisect_left(self.days, day)
        return self.days[index] if index < len(self.days) else None
