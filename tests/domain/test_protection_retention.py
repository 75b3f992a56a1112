"""Retention rules: the boundaries of "six years after closure", leap days, overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.protection.retention import (
    RetentionRules,
    anniversary,
    closed_record_verdict,
    closure_date,
    is_due_for_erasure,
    person_verdict,
)

RULES = RetentionRules()
TODAY = date(2026, 3, 10)


def due(closed_on: date | None, today: date = TODAY, agency: str | None = None,
        rules: RetentionRules = RULES) -> bool:
    return is_due_for_erasure(rules, closed_on=closed_on, lead_agency=agency, today=today)


def test_closed_five_years_364_days_ago_is_kept() -> None:
    closed = date(2020, 3, 11)  # six years after is 2026-03-11: tomorrow
    assert TODAY - closed == timedelta(days=5 * 365 + 364 + 1)  # 2024 was a leap year
    assert not due(closed)


def test_closed_exactly_six_years_ago_is_due() -> None:
    assert due(date(2020, 3, 10))
    assert due(date(2020, 3, 9))


def test_the_day_before_the_sixth_anniversary_is_still_inside_the_period() -> None:
    closed = date(2020, 3, 10)
    assert not due(closed, today=date(2026, 3, 9))
    assert due(closed, today=date(2026, 3, 10))


def test_open_records_are_never_due() -> None:
    verdict = closed_record_verdict(RULES, closed_on=None, lead_agency="herts-police",
                                    today=date(2099, 1, 1))
    assert not verdict.due
    assert verdict.erasable_from is None


def test_closed_on_29_february_is_due_on_1_march_in_a_common_year() -> None:
    closed = date(2020, 2, 29)
    assert RULES.erasable_from(closed) == date(2026, 3, 1)
    assert not due(closed, today=date(2026, 2, 28))
    assert due(closed, today=date(2026, 3, 1))


def test_closed_on_29_february_is_due_on_29_february_in_a_leap_year() -> None:
    rules = RetentionRules(years_after_closure=4)
    assert rules.erasable_from(date(2020, 2, 29)) == date(2024, 2, 29)
    assert not due(date(2020, 2, 29), today=date(2024, 2, 28), rules=rules)
    assert due(date(2020, 2, 29), today=date(2024, 2, 29), rules=rules)


def test_28_february_and_1_march_keep_their_own_anniversaries() -> None:
    assert RULES.erasable_from(date(2019, 2, 28)) == date(2025, 2, 28)
    assert RULES.erasable_from(date(2020, 3, 1)) == date(2026, 3, 1)
    # a record closed a day before a leap day is due before the leap-day one
    assert RULES.erasable_from(date(2020, 2, 28)) == date(2026, 2, 28)


def test_closure_date_is_the_date_in_england_not_utc() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: six years run from 1 July
    late = datetime(2020, 6, 30, 23, 30, tzinfo=UTC)
    assert closure_date(late) == date(2020, 7, 1)
    assert not due(closure_date(late), today=date(2026, 6, 30))
    assert due(closure_date(late), today=date(2026, 7, 1))
    # in winter London is on UTC
    assert closure_date(datetime(2020, 2, 29, 23, 30, tzinfo=UTC)) == date(2020, 2, 29)


def test_agency_overrides_apply_to_the_lead_agency_only() -> None:
    rules = RetentionRules(years_by_lead_agency={"herts-police": 7})
    closed = date(2019, 6, 1)
    assert due(closed, today=date(2025, 6, 1), agency="north-herts-council", rules=rules)
    assert not due(closed, today=date(2025, 6, 1), agency="herts-police", rules=rules)
    assert due(closed, today=date(2026, 6, 1), agency="herts-police", rules=rules)
    verdict = closed_record_verdict(rules, closed_on=closed, lead_agency="herts-police",
                                    today=date(2026, 6, 1))
    assert "7 years (lead agency herts-police)" in verdict.why


def test_people_are_due_only_when_no_record_is_kept_and_enough_time_has_passed() -> None:
    registered = date(2019, 1, 15)
    assert not person_verdict(RULES, registered_on=registered, records_kept=1,
                              today=date(2030, 1, 1)).due
    recent = person_verdict(RULES, registered_on=date(2024, 1, 15), records_kept=0,
                            today=TODAY)
    assert not recent.due
    assert recent.erasable_from == date(2030, 1, 15)
    assert person_verdict(RULES, registered_on=registered, records_kept=0,
                          today=date(2025, 1, 15)).due
    assert not person_verdict(RULES, registered_on=registered, records_kept=0,
                              today=date(2025, 1, 14)).due


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=1, max_value=30))
def test_the_period_is_never_shorter_than_the_years_stated(start: date, years: int) -> None:
    end = anniversary(start, years)
    assert end.year == start.year + years
    assert (end.month, end.day) == (start.month, start.day) or (
        (start.month, start.day) == (2, 29) and (end.month, end.day) == (3, 1))
    assert end - start >= timedelta(days=365 * years)


@pytest.mark.parametrize(("bad", "named"), [
    ({"years_after_closure": 0}, "years_after_closure"),
    ({"years_after_closure": True}, "years_after_closure"),
    ({"person_years_after_registration": 101}, "person_years_after_registration"),
    ({"years_by_lead_agency": {"herts-police": 0}}, "years_by_lead_agency.herts-police"),
    ({"years_by_lead_agency": {"": 6}}, "years_by_lead_agency"),
])
def test_nonsense_rules_are_refused(bad: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        RetentionRules(**bad)  # type: ignore[arg-type]
