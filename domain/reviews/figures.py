"""The yearly statutory figures for ASB Case Reviews, for one financial year.

Each figure is counted on its own, by the date of the step it counts:

* ``applications_received``: applications received in the year (withdrawn ones too);
* ``threshold_not_met``: applications whose latest threshold decision, made in the
  year, found the threshold not met (a review agreed on discretion still counts here);
* ``reviews_carried_out``: reviews whose first meeting was held in the year, whether
  the threshold was met or the review was agreed on discretion;
* ``reviews_with_recommendations``: of those reviews, the ones that made at least one
  recommendation.

The medians are in **working days** (England and Wales bank holidays and any local
closure days excluded), counted from the day the application was received to the day
each milestone was done, over the applications received in the year that have reached
that milestone. ``None`` when none has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Protocol

from domain.shared.calendar import WorkingCalendar
from domain.shared.periods import FinancialYear


class ReviewFacts(Protocol):
    """What the figures need from a case review (``CaseReview`` provides it)."""

    @property
    def received_on(self) -> date: ...

    @property
    def acknowledged_on(self) -> date | None: ...

    @property
    def threshold_met(self) -> bool | None: ...

    @property
    def threshold_decided_on(self) -> date | None: ...

    @property
    def review_held_on(self) -> date | None: ...

    @property
    def has_recommendations(self) -> bool: ...

    @property
    def outcome_sent_on(self) -> date | None: ...


@dataclass(frozen=True)
class YearlyFigures:
    financial_year: FinancialYear
    applications_received: int
    threshold_not_met: int
    reviews_carried_out: int
    reviews_with_recommendations: int
    median_working_days_to_acknowledgement: float | None
    median_working_days_to_threshold_decision: float | None
    median_working_days_to_review_meeting: float | None
    median_working_days_to_outcome: float | None


def _in(year: FinancialYear, day: date | None) -> bool:
    return day is not None and year.contains_date(day)


def yearly_figures(
    reviews: Iterable[ReviewFacts],
    financial_year: FinancialYear,
    calendar: WorkingCalendar | None = None,
) -> YearlyFigures:
    if calendar is None:
        calendar = WorkingCalendar()
    reviews = list(reviews)
    received = [r for r in reviews if _in(financial_year, r.received_on)]
    carried_out = [r for r in reviews if _in(financial_year, r.review_held_on)]

    def median_days(done_on: Callable[[ReviewFacts], date | None]) -> float | None:
        days = [
            calendar.working_days_between(r.received_on, done)
            for r in received
            if (done := done_on(r)) is not None
        ]
        return float(median(days)) if days else None

    return YearlyFigures(
        financial_year=financial_year,
        applications_received=len(received),
        threshold_not_met=sum(
            1
            for r in reviews
            if r.threshold_met is False and _in(financial_year, r.threshold_decided_on)
        ),
        reviews_carried_out=len(carried_out),
        reviews_with_recommendations=sum(1 for r in carried_out if r.has_recommendations),
        median_working_days_to_acknowledgement=median_days(lambda r: r.acknowledged_on),
        median_working_days_to_threshold_decision=median_days(lambda r: r.threshold_decided_on),
        median_working_days_to_review_meeting=median_days(lambda r: r.review_held_on),
        median_working_days_to_outcome=median_days(lambda r: r.outcome_sent_on),
    )
