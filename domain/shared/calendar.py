"""Working days in England and Wales: bank holidays by rule, plus local closure days.

Bank holidays follow the pattern in force since 1978 (New Year's Day, Good Friday,
Easter Monday, the early May and spring bank holidays, the summer bank holiday,
Christmas Day and Boxing Day), with substitute weekdays when a fixed-date holiday
falls at a weekend, and the known one-off changes and extra days:

* early May moved to Monday 8 May 1995 and to Friday 8 May 2020 (VE Day anniversaries);
* spring moved for royal jubilees: 2002 (Tue 4 June, plus Mon 3 June), 2012 (Mon 4 June,
  plus Tue 5 June), 2022 (Thu 2 June, plus Fri 3 June);
* extra days: 7 June 1977, 29 July 1981, 31 December 1999, 29 April 2011,
  19 September 2022, 8 May 2023.

Future one-off days announced by proclamation can be passed to
:class:`WorkingCalendar` as local closure days until this table is updated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType

from domain.shared.errors import InvalidValue

MONDAY, FRIDAY, SATURDAY = 0, 4, 5

EARLY_MAY_MOVED: Mapping[int, date] = MappingProxyType(
    {1995: date(1995, 5, 8), 2020: date(2020, 5, 8)}
)
SPRING_MOVED: Mapping[int, date] = MappingProxyType(
    {2002: date(2002, 6, 4), 2012: date(2012, 6, 4), 2022: date(2022, 6, 2)}
)
ONE_OFF_BANK_HOLIDAYS: Mapping[date, str] = MappingProxyType(
    {
        date(1977, 6, 7): "Silver Jubilee of Elizabeth II",
        date(1981, 7, 29): "Royal wedding",
        date(1999, 12, 31): "Millennium celebrations",
        date(2002, 6, 3): "Golden Jubilee of Elizabeth II",
        date(2011, 4, 29): "Royal wedding",
        date(2012, 6, 5): "Diamond Jubilee of Elizabeth II",
        date(2022, 6, 3): "Platinum Jubilee of Elizabeth II",
        date(2022, 9, 19): "State funeral of Queen Elizabeth II",
        date(2023, 5, 8): "Coronation of King Charles III",
    }
)


def easter_sunday(year: int) -> date:
    """Easter Day in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    moon_correction = (century + 8) // 25
    sun_correction = (century - moon_correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - sun_correction + 15) % 30
    leap_years, year_rest = divmod(year_of_century, 4)
    weekday_offset = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    adjustment = (golden + 11 * epact + 22 * weekday_offset) // 451
    month, day = divmod(epact + weekday_offset - 7 * adjustment + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(MONDAY - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    next_month_first = date(year + month // 12, month % 12 + 1, 1)
    last = next_month_first - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - MONDAY) % 7)


def _is_weekend(day: date) -> bool:
    return day.weekday() >= SATURDAY


def _with_substitutes(fixed_days: list[tuple[date, str]], taken: dict[date, str]) -> None:
    """Add fixed-date holidays; one on a weekend moves to the next free weekday."""
    for day, name in fixed_days:
        if not _is_weekend(day):
            taken[day] = name
    for day, name in fixed_days:
        if _is_weekend(day):
            substitute = day + timedelta(days=1)
            while _is_weekend(substitute) or substitute in taken:
                substitute += timedelta(days=1)
            taken[substitute] = f"{name} (substitute day)"


@lru_cache(maxsize=512)
def bank_holidays(year: int) -> Mapping[date, str]:
    """The bank holidays of ``year`` in England and Wales, in date order, with names."""
    if not 1900 <= year <= 9998:
        raise InvalidValue(
            f"Bank holidays are only worked out for years 1900 to 9998, not {year}.",
            rule="year-out-of-range",
            field="year",
        )
    holidays: dict[date, str] = {}
    _with_substitutes([(date(year, 1, 1), "New Year's Day")], holidays)
    easter = easter_sunday(year)
    holidays[easter - timedelta(days=2)] = "Good Friday"
    holidays[easter + timedelta(days=1)] = "Easter Monday"
    holidays[EARLY_MAY_MOVED.get(year, _first_monday(year, 5))] = "Early May bank holiday"
    holidays[SPRING_MOVED.get(year, _last_monday(year, 5))] = "Spring bank holiday"
    holidays[_last_monday(year, 8)] = "Summer bank holiday"
    _with_substitutes(
        [(date(year, 12, 25), "Christmas Day"), (date(year, 12, 26), "Boxing Day")], holidays
    )
    for day, name in ONE_OFF_BANK_HOLIDAYS.items():
        if day.year == year:
            holidays[day] = name
    return MappingProxyType(dict(sorted(holidays.items())))


def is_bank_holiday(day: date) -> bool:
    return day in bank_holidays(day.year)


def _plain_date(value: date, field_name: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValue(
            f"{field_name} must be a calendar date, not {type(value).__name__}.",
            rule="not-a-date",
            field=field_name,
        )
    return value


@dataclass(frozen=True, init=False)
class WorkingCalendar:
    """Monday to Friday, less bank holidays and any local closure days.

    ``add_working_days(start, n)`` counts working days *after* ``start`` (``start`` itself
    never counts, whatever day it is): a deadline of "2 working days" from a Friday
    application falls on the Tuesday, and from a Saturday one also on the Tuesday.
    ``working_days_between(a, b)`` is the number of working days ``d`` with
    ``a < d <= b`` (negative when ``b`` is before ``a``), so for a working day ``b``
    after ``a``: ``add_working_days(a, working_days_between(a, b)) == b``.
    """

    closure_days: frozenset[date] = field(default_factory=frozenset)

    def __init__(self, closure_days: Iterable[date] = ()) -> None:
        days = frozenset(_plain_date(day, "closure_days") for day in closure_days)
        object.__setattr__(self, "closure_days", days)

    def is_working_day(self, day: date) -> bool:
        _plain_date(day, "day")
        return not (_is_weekend(day) or is_bank_holiday(day) or day in self.closure_days)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (before it when ``n`` is negative)."""
        _plain_date(start, "start")
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        day = start
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days ``d`` with ``a < d <= b`` (if ``b < a``: minus those in ``b < d <= a``)."""
        _plain_date(a, "a")
        _plain_date(b, "b")
        if b < a:
            return -self.working_days_between(b, a)
        return sum(
            1
            for offset in range(1, (b - a).days + 1)
            if self.is_working_day(a + timedelta(days=offset))
        )
