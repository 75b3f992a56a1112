"""The statutory yearly figures for ASB Case Reviews, ready to publish.

Per financial year and partnership (or every partnership, for county-wide users):
applications received, times the threshold was not met, reviews carried out, reviews
that resulted in recommendations (each counted on its own, see
:mod:`domain.reviews.figures`), and the median working days to each milestone.
Counts only: nothing here names or describes anyone.

Which reviews to count is found by :class:`ReviewIndex`. For now
:class:`NotificationLogIndex` reads the ``CaseReview.Received`` events from the
notification log (a topic filter, paged) and each review is loaded from the
repository. That is fine for the tens of reviews a partnership has each year; when a
read model of case reviews exists, give :func:`published_figures` an index that reads
it instead and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.utils import get_topic

from application import access
from application.rules import LocalRules
from application.store import CaseworkStore
from domain.reviews.aggregate import CaseReview
from domain.reviews.figures import YearlyFigures, yearly_figures
from domain.shared.calendar import WorkingCalendar
from domain.shared.errors import InvalidValue
from domain.shared.periods import FinancialYear

RECEIVED_TOPIC = get_topic(CaseReview.Received)
PAGE_SIZE = 500
ALL_PARTNERSHIPS = "All partnerships"


class ReviewIndex(Protocol):
    """Finds the case reviews the figures must look at."""

    def review_ids(self, partnership_ids: Collection[str] | None, *,
                   received_by: date) -> list[UUID]:
        """Reviews of those partnerships (``None``: all) received on or before a day."""
        ...


@dataclass(frozen=True)
class IndexedReview:
    review_id: UUID
    partnership_id: str
    received_on: date


class NotificationLogIndex:
    """The light index: ``CaseReview.Received`` events read from the notification log.

    Each call pages through the log with a topic filter, so it costs one pass over the
    reviews' creation events. Replace it with a read model when one exists.
    """

    def __init__(self, store: CaseworkStore, *, page_size: int = PAGE_SIZE) -> None:
        self.store = store
        self.page_size = page_size

    def received(self) -> Iterator[IndexedReview]:
        start = 1
        while True:
            page = self.store.recorder.select_notifications(
                start, self.page_size, topics=[RECEIVED_TOPIC]
            )
            for notification in page:
                received: Any = self.store.mapper.to_domain_event(notification)
                yield IndexedReview(review_id=UUID(str(notification.originator_id)),
                                    partnership_id=received.partnership_id,
                                    received_on=received.received_on)
            if len(page) < self.page_size:
                return
            start = page[-1].id + 1

    def review_ids(self, partnership_ids: Collection[str] | None, *,
                   received_by: date) -> list[UUID]:
        return [
            entry.review_id for entry in self.received()
            if (partnership_ids is None or entry.partnership_id in partnership_ids)
            and entry.received_on <= received_by
        ]


@dataclass(frozen=True)
class PublishedFigures:
    """The yearly figures for one partnership (or all of them), counts and medians only."""

    figures: YearlyFigures
    partnership_id: str | None
    """``None`` when the figures cover every partnership."""
    partnership_name: str
    partnerships: tuple[str, ...]
    """The partnerships covered."""


def financial_year(label: str) -> FinancialYear:
    try:
        return FinancialYear.parse(label)
    except InvalidValue as error:
        raise InvalidValue(error.message, rule=error.rule, field="year") from None


def _scope(rules: LocalRules, partnership_id: str | None
           ) -> tuple[str | None, str, tuple[str, ...]]:
    if partnership_id is None:
        if not access.actor().all_partnerships:
            raise InvalidValue(
                "give the partnership_id of one of your partnerships; only county-wide users "
                "can see the figures of every partnership together",
                rule="partnership_required", field="partnership_id")
        return None, ALL_PARTNERSHIPS, rules.partnerships.ids
    partnership = rules.partnerships.get(partnership_id)
    if partnership is None:
        raise InvalidValue(
            f"unknown partnership {partnership_id!r}; choose one of "
            + ", ".join(rules.partnerships.ids),
            rule="unknown_partnership", field="partnership_id")
    access.require_partnership(partnership_id)
    return partnership.id, partnership.name, (partnership.id,)


def published_figures(store: CaseworkStore, rules: LocalRules, year: str,
                      partnership_id: str | None = None, *,
                      index: ReviewIndex | None = None) -> PublishedFigures:
    """The statutory figures for ``year`` (e.g. ``"2025-26"``), computed from the events.

    Roles: RAG, coordinators, auditors, admins. ``partnership_id`` must be one of the
    actor's partnerships; county-wide users may leave it out for all partnerships.
    """
    access.require_role(*access.REPORT_READERS, doing="reading the case review figures")
    period = financial_year(year)
    scope, name, covered = _scope(rules, partnership_id)
    finder = index if index is not None else NotificationLogIndex(store)
    ids = finder.review_ids(None if scope is None else (scope,), received_by=period.last_day)
    reviews: list[CaseReview] = [store.repository.get(review_id) for review_id in ids]
    figures = yearly_figures(reviews, period, WorkingCalendar(rules.reviews.closure_days))
    return PublishedFigures(figures=figures, partnership_id=scope, partnership_name=name,
                            partnerships=covered)
