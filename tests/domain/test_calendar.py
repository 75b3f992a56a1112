"""Working days in England and Wales: bank holidays by rule and deadlines across them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.calendar import WorkingCalendar, bank_holidays, easter_sunday, is_bank_holiday
from domain.shared.errors import InvalidValue

D = date
CALENDAR = WorkingCalendar()

# As published on gov.uk for England and Wales.
PUBLISHED = {
    2011: [
        D(2011, 1, 3),
        D(2011, 4, 22),
        D(2011, 4, 25),
        D(2011, 4, 29),
        D(2011, 5, 2),
        D(2011, 5, 30),
        D(2011, 8, 29),
        D(2011, 12, 26),
        D(2011, 12, 27),
    ],
    2012: [
        D(2012, 1, 2),
        D(2012, 4, 6),
        D(2012, 4, 9),
        D(2012, 5, 7),
        D(2012, 6, 4),
        D(2012, 6, 5),
        D(2012, 8, 27),
        D(2012, 12, 25),
        D(2012, 12, 26),
    ],
    2020: [
        D(2020, 1, 1),
        D(2020, 4, 10),
        D(2020, 4, 13),
        D(2020, 5, 8),
        D(2020, 5, 25),
        D(2020, 8, 31),
        D(2020, 12, 25),
        D(2020, 12, 28),
    ],
    2021: [
        D(2021, 1, 1),
        D(2021, 4, 2),
        D(2021, 4, 5),
        D(2021, 5, 3),
        D(2021, 5, 31),
        D(2021, 8, 30),
        D(2021, 12, 27),
        D(2021, 12, 28),
    ],
    2022: [
        D(2022, 1, 3),
        D(2022, 4, 15),
        D(2022, 4, 18),
        D(2022, 5, 2),
        D(2022, 6, 2),
        D(2022, 6, 3),
        D(2022, 8, 29),
        D(2022, 9, 19),
        D(2022, 12, 26),
        D(2022, 12, 27),
    ],
    2023: [
        D(2023, 1, 2),
        D(2023, 4, 7),
        D(2023, 4, 10),
        D(2023, 5, 1),
        D(2023, 5, 8),
        D(2023, 5, 29),
        D(2023, 8, 28),
        D(2023, 12, 25),
        D(2023, 12, 26),
    ],
    2024: [
        D(2024, 1, 1),
        D(2024, 3, 29),
        D(2024, 4, 1),
        D(2024, 5, 6),
        D(2024, 5, 27),
        D(2024, 8, 26),
        D(2024, 12, 25),
        D(2024, 12, 26),
    ],
    2025: [
        D(2025, 1, 1),
        D(2025, 4, 18),
        D(2025, 4, 21),
        D(2025, 5, 5),
        D(2025, 5, 26),
        D(2025, 8, 25),
        D(2025, 12, 25),
        D(2025, 12, 26),
    ],
    2026: [
        D(2026, 1, 1),
        D(2026, 4, 3),
        D(2026, 4, 6),
        D(2026, 5, 4),
        D(2026, 5, 25),
        D(2026, 8, 31),
        D(2026, 12, 25),
        D(2026, 12, 28),
    ],
    2027: [
        D(2027, 1, 1),
        D(2027, 3, 26),
        D(2027, 3, 29),
        D(2027, 5, 3),
        D(2027, 5, 31),
        D(2027, 8, 30),
        D(2027, 12, 27),
        D(2027, 12, 28),
    ],
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_bank_holidays_match_the_published_lists(year: int) -> None:
    assert list(bank_holidays(year)) == PUBLISHED[year]


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2022, 1, 3), "New Year's Day (substitute day)"),
        (D(2022, 12, 26), "Boxing Day"),
        (D(2022, 12, 27), "Christmas Day (substitute day)"),
        (D(2021, 12, 27), "Christmas Day (substitute day)"),
        (D(2021, 12, 28), "Boxing Day (substitute day)"),
        (D(2026, 12, 28), "Boxing Day (substitute day)"),
        (D(2020, 5, 8), "Early May bank holiday"),
        (D(2023, 5, 8), "Coronation of King Charles III"),
    ],
)
def test_bank_holiday_names(day: date, name: str) -> None:
    assert bank_holidays(day.year)[day] == name


@pytest.mark.parametrize(
    "easter",
    [
        D(2008, 3, 23),
        D(2011, 4, 24),
        D(2019, 4, 21),
        D(2024, 3, 31),
        D(2025, 4, 20),
        D(2026, 4, 5),
        D(2027, 3, 28),
        D(2038, 4, 25),
        D(2285, 3, 22),
    ],
)
def test_easter_sunday(easter: date) -> None:
    assert easter_sunday(easter.year) == easter


@given(st.integers(min_value=1900, max_value=2200))
def test_every_year_has_the_regular_bank_holidays_on_weekdays(year: int) -> None:
    holidays = bank_holidays(year)
    assert all(day.weekday() < 5 for day in holidays)
    assert all(day.year == year for day in holidays)
    assert len(holidays) >= 8
    assert easter_sunday(year).weekday() == 6
    assert easter_sunday(year) + timedelta(days=1) in holidays
    assert easter_sunday(year) - timedelta(days=2) in holidays


@pytest.mark.parametrize(
    ("start", "n", "expected", "why"),
    [
        (D(2026, 2, 2), 0, D(2026, 2, 2), "no days added"),
        (D(2026, 2, 2), 1, D(2026, 2, 3), "Monday to Tuesday"),
        (D(2026, 2, 6), 1, D(2026, 2, 9), "Friday to Monday over a weekend"),
        (D(2026, 2, 6), 2, D(2026, 2, 10), "Friday plus two"),
        (D(2026, 2, 7), 1, D(2026, 2, 9), "from a Saturday, the Monday is the first"),
        (D(2026, 2, 8), 2, D(2026, 2, 10), "from a Sunday"),
        (D(2026, 2, 2), 10, D(2026, 2, 16), "two weeks"),
        (D(2026, 4, 2), 1, D(2026, 4, 7), "Easter: Good Friday and Easter Monday skipped"),
        (D(2026, 4, 2), 2, D(2026, 4, 8), "Easter plus one more"),
        (D(2026, 3, 27), 10, D(2026, 4, 14), "year end 31 March / 1 April, then Easter"),
        (D(2026, 3, 31), 1, D(2026, 4, 1), "31 March to 1 April"),
        (D(2025, 3, 31), 3, D(2025, 4, 3), "year end in a year with a late Easter"),
        (D(2026, 12, 23), 2, D(2026, 12, 29), "Christmas Friday, Boxing Day substitute Monday"),
        (D(2026, 12, 24), 3, D(2026, 12, 31), "over Christmas"),
        (D(2026, 12, 24), 4, D(2027, 1, 4), "over Christmas and New Year's Day"),
        (D(2027, 12, 24), 1, D(2027, 12, 29), "two substitute days after a weekend Christmas"),
        (D(2022, 12, 30), 1, D(2023, 1, 3), "New Year's Day substitute Monday"),
        (D(2026, 5, 22), 1, D(2026, 5, 26), "spring bank holiday"),
        (D(2026, 8, 28), 1, D(2026, 9, 1), "summer bank holiday"),
        (D(2022, 6, 1), 1, D(2022, 6, 6), "2022 jubilee: spring moved to Thursday, plus Friday"),
        (D(2020, 5, 7), 1, D(2020, 5, 11), "2020: early May moved to Friday 8 May"),
        (D(2020, 5, 1), 1, D(2020, 5, 4), "2020: Monday 4 May was a working day"),
        (D(2026, 2, 10), -1, D(2026, 2, 9), "backwards"),
        (D(2026, 4, 7), -1, D(2026, 4, 2), "backwards over Easter"),
    ],
)
def test_add_working_days(start: date, n: int, expected: date, why: str) -> None:
    assert CALENDAR.add_working_days(start, n) == expected, why


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2026, 2, 2), D(2026, 2, 2), 0),
        (D(2026, 2, 6), D(2026, 2, 9), 1),
        (D(2026, 2, 6), D(2026, 2, 8), 0),
        (D(2026, 3, 27), D(2026, 4, 14), 10),
        (D(2026, 12, 24), D(2027, 1, 4), 4),
        (D(2026, 2, 9), D(2026, 2, 6), -1),
        (D(2026, 1, 1), D(2027, 1, 1), 253),
    ],
)
def test_working_days_between(a: date, b: date, expected: int) -> None:
    assert CALENDAR.working_days_between(a, b) == expected


def test_local_closure_days_are_not_working_days() -> None:
    closed = WorkingCalendar(closure_days=[D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)])
    assert not closed.is_working_day(D(2026, 12, 30))
    assert CALENDAR.is_working_day(D(2026, 12, 30))
    assert closed.add_working_days(D(2026, 12, 24), 1) == D(2027, 1, 4)
    assert CALENDAR.add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 3, 31), True),
        (D(2026, 4, 3), False),
        (D(2026, 4, 4), False),
        (D(2026, 12, 28), False),
        (D(2023, 5, 8), False),
        (D(2011, 4, 29), False),
        (D(2022, 9, 19), False),
        (D(2022, 9, 20), True),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working
    assert is_bank_holiday(day) is (not working and day.weekday() < 5)


def test_a_datetime_is_not_a_day() -> None:
    with pytest.raises(InvalidValue) as raised:
        CALENDAR.add_working_days(datetime(2026, 2, 2, 9), 1)
    assert raised.value.rule == "not-a-date"


days = st.dates(min_value=D(2000, 1, 1), max_value=D(2060, 12, 31))


@given(days, st.integers(min_value=0, max_value=60))
def test_counting_back_the_working_days_added(start: date, n: int) -> None:
    end = CALENDAR.add_working_days(start, n)
    assert CALENDAR.working_days_between(start, end) == n
    assert n == 0 or CALENDAR.is_working_day(end)
    assert end >= start


@given(days, days)
def test_working_days_between_is_antisymmetric_and_never_more_than_the_days(
    a: date, b: date
) -> None:
    between = CALENDAR.working_days_between(a, b)
    assert between == -CALENDAR.working_days_between(b, a)
    assert abs(between) <= abs((b - a).days)
