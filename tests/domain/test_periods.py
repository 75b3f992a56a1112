"""Financial years and quarters: labels, boundaries in UTC, and which one an instant is in."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.errors import InvalidValue
from domain.shared.periods import LONDON, FinancialQuarter, FinancialYear, local_date


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("label", "start_year", "first_day", "last_day"),
    [
        ("2025-26", 2025, date(2025, 4, 1), date(2026, 3, 31)),
        ("2026-27", 2026, date(2026, 4, 1), date(2027, 3, 31)),
        ("1999-00", 1999, date(1999, 4, 1), date(2000, 3, 31)),
        ("2027-28", 2027, date(2027, 4, 1), date(2028, 3, 31)),
    ],
)
def test_financial_year_labels_and_days(
    label: str, start_year: int, first_day: date, last_day: date
) -> None:
    year = FinancialYear.parse(label)
    assert year == FinancialYear(start_year)
    assert year.label == label == str(year)
    assert (year.first_day, year.last_day) == (first_day, last_day)


@pytest.mark.parametrize("label", ["2025-27", "2025/26", "25-26", "2025-2026", "", "2025-26-Q1"])
def test_bad_financial_year_labels(label: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        FinancialYear.parse(label)
    assert raised.value.rule == "financial-year-format"


@pytest.mark.parametrize(
    ("label", "first_day", "last_day", "starts_at", "ends_at"),
    [
        # 1 April is always in British Summer Time: midnight there is 23:00 UTC the day before.
        ("2026-27-Q1", date(2026, 4, 1), date(2026, 6, 30), "2026-03-31T23:00", "2026-06-30T23:00"),
        ("2026-27-Q2", date(2026, 7, 1), date(2026, 9, 30), "2026-06-30T23:00", "2026-09-30T23:00"),
        (
            "2026-27-Q3",
            date(2026, 10, 1),
            date(2026, 12, 31),
            "2026-09-30T23:00",
            "2027-01-01T00:00",
        ),
        ("2026-27-Q4", date(2027, 1, 1), date(2027, 3, 31), "2027-01-01T00:00", "2027-03-31T23:00"),
        ("2025-26-Q4", date(2026, 1, 1), date(2026, 3, 31), "2026-01-01T00:00", "2026-03-31T23:00"),
        ("2027-28-Q4", date(2028, 1, 1), date(2028, 3, 31), "2028-01-01T00:00", "2028-03-31T23:00"),
    ],
)
def test_quarter_labels_days_and_instants(
    label: str, first_day: date, last_day: date, starts_at: str, ends_at: str
) -> None:
    quarter = FinancialQuarter.parse(label)
    assert quarter.label == label == str(quarter)
    assert (quarter.first_day, quarter.last_day) == (first_day, last_day)
    assert quarter.starts_at == utc(starts_at)
    assert quarter.ends_at == utc(ends_at)
    assert quarter.starts_at.tzinfo is UTC


def test_a_quarter_label_with_a_space_is_accepted_and_written_with_a_hyphen() -> None:
    assert FinancialQuarter.parse("2025-26 Q4").label == "2025-26-Q4"


@pytest.mark.parametrize("label", ["2026-27-Q5", "2026-27-Q0", "2026-28-Q1", "2026-27", "Q1"])
def test_bad_quarter_labels(label: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        FinancialQuarter.parse(label)
    assert raised.value.rule in {"financial-quarter-format", "financial-year-format"}


@pytest.mark.parametrize(
    ("instant", "quarter"),
    [
        # Summer time (from the last Sunday of March, 29 March 2026): London is UTC+1.
        ("2026-03-31T22:59:59", "2025-26-Q4"),
        ("2026-03-31T23:00:00", "2026-27-Q1"),
        ("2026-03-31T23:30:00", "2026-27-Q1"),
        ("2026-04-01T00:30:00", "2026-27-Q1"),
        ("2026-06-30T22:59:59", "2026-27-Q1"),
        ("2026-06-30T23:00:00", "2026-27-Q2"),
        ("2026-09-30T23:30:00", "2026-27-Q3"),
        # Winter (GMT): London midnight is UTC midnight.
        ("2026-12-31T23:59:59", "2026-27-Q3"),
        ("2027-01-01T00:00:00", "2026-27-Q4"),
        ("2027-03-31T22:59:59", "2026-27-Q4"),
        ("2027-03-31T23:00:00", "2027-28-Q1"),
    ],
)
def test_which_quarter_an_instant_is_in(instant: str, quarter: str) -> None:
    moment = utc(instant)
    found = FinancialQuarter.at(moment)
    assert found.label == quarter
    assert found.contains(moment)
    assert not found.previous().contains(moment)
    assert not found.next().contains(moment)
    assert FinancialYear.at(moment) == found.year


def test_an_instant_given_in_london_time_is_in_the_same_quarter_as_in_utc() -> None:
    moment = datetime(2026, 4, 1, 0, 30, tzinfo=LONDON)
    assert FinancialQuarter.at(moment) == FinancialQuarter.at(moment.astimezone(UTC))
    assert FinancialQuarter.at(moment).label == "2026-27-Q1"


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        FinancialQuarter.at(datetime(2026, 4, 1, 0, 30))
    assert raised.value.rule == "naive-datetime"


@pytest.mark.parametrize(
    ("label", "previous", "next_quarter", "last_year"),
    [
        ("2026-27-Q1", "2025-26-Q4", "2026-27-Q2", "2025-26-Q1"),
        ("2026-27-Q2", "2026-27-Q1", "2026-27-Q3", "2025-26-Q2"),
        ("2026-27-Q4", "2026-27-Q3", "2027-28-Q1", "2025-26-Q4"),
        ("2000-01-Q1", "1999-00-Q4", "2000-01-Q2", "1999-00-Q1"),
    ],
)
def test_neighbouring_quarters(
    label: str, previous: str, next_quarter: str, last_year: str
) -> None:
    quarter = FinancialQuarter.parse(label)
    assert quarter.previous().label == previous
    assert quarter.next().label == next_quarter
    assert quarter.same_quarter_last_year().label == last_year


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2026, 3, 31), "2025-26-Q4"),
        (date(2026, 4, 1), "2026-27-Q1"),
        (date(2026, 1, 1), "2025-26-Q4"),
        (date(2025, 12, 31), "2025-26-Q3"),
        (date(2025, 7, 1), "2025-26-Q2"),
    ],
)
def test_which_quarter_a_date_is_in(day: date, quarter: str) -> None:
    assert FinancialQuarter.containing(day).label == quarter
    assert FinancialYear.containing(day).label == quarter[:7]


def test_quarters_are_ordered_and_tile_the_year() -> None:
    year = FinancialYear(2026)
    quarters = year.quarters
    assert [q.number for q in quarters] == [1, 2, 3, 4]
    assert quarters == sorted(quarters)
    assert quarters[0].starts_at == year.starts_at
    assert quarters[-1].ends_at == year.ends_at == year.next().starts_at
    for earlier, later in itertools.pairwise(quarters):
        assert earlier.ends_at == later.starts_at
        assert earlier.last_day + timedelta(days=1) == later.first_day


instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC)
)


@given(instants)
def test_every_instant_is_in_the_quarter_whose_instants_contain_it(moment: datetime) -> None:
    quarter = FinancialQuarter.at(moment)
    assert quarter.starts_at <= moment < quarter.ends_at
    assert quarter.contains_date(local_date(moment))
    assert quarter.year.starts_at <= moment < quarter.year.ends_at
    assert FinancialQuarter.parse(quarter.label) == quarter
    assert FinancialYear.parse(quarter.year.label) == quarter.year
