"""Financial years (1 April to 31 March) and their quarters, on Europe/London dates.

A financial year is labelled by the two calendar years it spans, ``"2025-26"``; a
quarter by its year and number, ``"2026-27-Q1"`` (Q1 April-June, Q2 July-September,
Q3 October-December, Q4 January-March, so ``"2025-26-Q4"`` is January to March 2026).
``"2026-27 Q1"`` is accepted when parsing; labels are always written with the hyphen.

Which period an instant belongs to is decided by its *local date in London*: at
2026-03-31T23:30Z the clocks in London (BST, UTC+1) already show 00:30 on 1 April, so
that instant is in 2026-27. Each period's ``starts_at`` and ``ends_at`` are the UTC
instants of local midnight at its start and just after its end (``ends_at`` is
exclusive: it is the next period's ``starts_at``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.shared.errors import InvalidValue

LONDON = ZoneInfo("Europe/London")
FIRST_MONTH = 4
"""Financial years start on 1 April."""

_YEAR_LABEL = re.compile(r"(\d{4})-(\d{2})")
_QUARTER_LABEL = re.compile(r"(\d{4})-(\d{2})[- ]Q([1-4])")
_MIN_YEAR, _MAX_YEAR = 1900, 9997


def local_date(instant: datetime) -> date:
    """The date on the calendar in London at ``instant`` (which must be timezone-aware)."""
    _require_aware(instant)
    return instant.astimezone(LONDON).date()


def london_midnight(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in London."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def _require_aware(instant: datetime) -> None:
    if not isinstance(instant, datetime) or instant.utcoffset() is None:
        raise InvalidValue(
            "A moment in time must be a timezone-aware datetime.",
            rule="naive-datetime",
            field="instant",
        )


def _require_date(day: date) -> None:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise InvalidValue(
            f"Expected a calendar date, not {type(day).__name__}.", rule="not-a-date", field="day"
        )


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The year from 1 April ``start_year`` to 31 March ``start_year + 1``."""

    start_year: int

    def __post_init__(self) -> None:
        if not isinstance(self.start_year, int) or not _MIN_YEAR <= self.start_year <= _MAX_YEAR:
            raise InvalidValue(
                f"A financial year must start between {_MIN_YEAR} and {_MAX_YEAR}.",
                rule="financial-year-out-of-range",
                field="financial_year",
            )

    @classmethod
    def parse(cls, label: str) -> FinancialYear:
        match = _YEAR_LABEL.fullmatch(label.strip())
        if match is None:
            raise InvalidValue(
                f"'{label}' is not a financial year: write it like '2025-26'.",
                rule="financial-year-format",
                field="financial_year",
            )
        start_year, end_digits = int(match[1]), int(match[2])
        if (start_year + 1) % 100 != end_digits:
            raise InvalidValue(
                f"'{label}' is not a financial year: {start_year} is followed by "
                f"{(start_year + 1) % 100:02d}, not {end_digits:02d}.",
                rule="financial-year-format",
                field="financial_year",
            )
        return cls(start_year)

    @classmethod
    def containing(cls, day: date) -> FinancialYear:
        _require_date(day)
        return cls(day.year if day.month >= FIRST_MONTH else day.year - 1)

    @classmethod
    def at(cls, instant: datetime) -> FinancialYear:
        return cls.containing(local_date(instant))

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    def __str__(self) -> str:
        return self.label

    @property
    def first_day(self) -> date:
        return date(self.start_year, FIRST_MONTH, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, FIRST_MONTH, 1) - timedelta(days=1)

    @property
    def starts_at(self) -> datetime:
        return london_midnight(self.first_day)

    @property
    def ends_at(self) -> datetime:
        """Exclusive: the UTC instant the next financial year starts."""
        return london_midnight(self.last_day + timedelta(days=1))

    def contains_date(self, day: date) -> bool:
        _require_date(day)
        return self.first_day <= day <= self.last_day

    def contains(self, instant: datetime) -> bool:
        return self.contains_date(local_date(instant))

    @property
    def quarters(self) -> list[FinancialQuarter]:
        return [FinancialQuarter(self, number) for number in range(1, 5)]

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    def next(self) -> FinancialYear:
        return FinancialYear(self.start_year + 1)


@dataclass(frozen=True, order=True)
class FinancialQuarter:
    """Quarter ``number`` (1-4) of a financial year."""

    year: FinancialYear
    number: int

    def __post_init__(self) -> None:
        if not isinstance(self.number, int) or not 1 <= self.number <= 4:
            raise InvalidValue(
                "A financial quarter is numbered 1 to 4.",
                rule="financial-quarter-out-of-range",
                field="quarter",
            )

    @classmethod
    def parse(cls, label: str) -> FinancialQuarter:
        match = _QUARTER_LABEL.fullmatch(label.strip())
        if match is None:
            raise InvalidValue(
                f"'{label}' is not a financial quarter: write it like '2026-27-Q1'.",
                rule="financial-quarter-format",
                field="quarter",
            )
        year = FinancialYear.parse(f"{match[1]}-{match[2]}")
        return cls(year, int(match[3]))

    @classmethod
    def containing(cls, day: date) -> FinancialQuarter:
        year = FinancialYear.containing(day)
        months_into_year = (day.month - FIRST_MONTH) % 12
        return cls(year, months_into_year // 3 + 1)

    @classmethod
    def at(cls, instant: datetime) -> FinancialQuarter:
        return cls.containing(local_date(instant))

    @property
    def label(self) -> str:
        return f"{self.year.label}-Q{self.number}"

    def __str__(self) -> str:
        return self.label

    @property
    def first_day(self) -> date:
        month_index = FIRST_MONTH - 1 + 3 * (self.number - 1)
        return date(self.year.start_year + month_index // 12, month_index % 12 + 1, 1)

    @property
    def last_day(self) -> date:
        first = self.first_day
        month_after = first.month + 3
        following = date(first.year + (month_after - 1) // 12, (month_after - 1) % 12 + 1, 1)
        return following - timedelta(days=1)

    @property
    def starts_at(self) -> datetime:
        return london_midnight(self.first_day)

    @property
    def ends_at(self) -> datetime:
        """Exclusive: the UTC instant the next quarter starts."""
        return london_midnight(self.last_day + timedelta(days=1))

    def contains_date(self, day: date) -> bool:
        _require_date(day)
        return self.first_day <= day <= self.last_day

    def contains(self, instant: datetime) -> bool:
        return self.contains_date(local_date(instant))

    def previous(self) -> FinancialQuarter:
        if self.number == 1:
            return FinancialQuarter(self.year.previous(), 4)
        return FinancialQuarter(self.year, self.number - 1)

    def next(self) -> FinancialQuarter:
        if self.number == 4:
            return FinancialQuarter(self.year.next(), 1)
        return FinancialQuarter(self.year, self.number + 1)

    def same_quarter_last_year(self) -> FinancialQuarter:
        return FinancialQuarter(self.year.previous(), self.number)
