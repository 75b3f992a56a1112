"""Every view equals a from-scratch computation over the same events, on both stores.

Hypothesis drives random sequences of real domain commands (``bench.workload``: cases,
plans, case reviews, with the clock moving across quarter boundaries) into the store.
After each sequence:

* each view, kept up to date by the host in small batches (so a batch holds many events
  of one record), equals ``expected_rows``: the same view applied one event at a time to an
  empty database;
* what each row says agrees with the aggregates replayed from the store (an independent
  computation): a case's status, current risk level, next review, open actions; a plan's
  stage and governance status; a case review's milestones on several days;
* a rebuild from the log (shadow tables and swap) gives the same rows again.

The store keeps growing across examples (a new database per example would be too slow on
PostgreSQL), so each example checks the whole log so far. Each example starts a fresh
workload at the same moment (so the same draws give the same commands, as hypothesis needs)
with references numbered apart from the earlier examples'.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from adapters.bootstrap import Container
from bench.workload import Workload
from domain.cases import AsbCase
from domain.plans import ProblemSolvingPlan
from domain.reviews.aggregate import CaseReview
from domain.shared.calendar import WorkingCalendar
from projections.case_list import CaseListView
from projections.framework import ProjectionHost
from projections.plan_list import PlanListView
from projections.queries import review_milestones
from projections.review_list import ReviewListView
from projections.testing import expected_rows, view_rows
from tests.projections.conftest import HostFactory

T = TypeVar("T")


class DrawChooser:
    """The workload's choices, drawn by hypothesis (so failures shrink)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def pick(self, options: Sequence[T]) -> T:
        # By index: options may be aggregates, which hypothesis must not hash.
        return options[self.data.draw(st.integers(0, len(options) - 1))]


def views() -> list[Any]:
    return [CaseListView(), PlanListView(), ReviewListView()]


def rows_of(host: ProjectionHost, table: str, key: str) -> dict[str, dict[str, Any]]:
    names = next(list(t.columns) for v in host.views.values() for t in v.tables
                 if t.name == table)
    with host.reading() as cur:
        rows = cur.execute(f"SELECT {', '.join(names)} FROM {{{table}}}").fetchall()
    return {row[names.index(key)]: dict(zip(names, row, strict=True)) for row in rows}


def check_cases(container: Container, host: ProjectionHost, case_ids: list[UUID]) -> None:
    cases = rows_of(host, "rm_cases", "case_id")
    with host.reading() as cur:
        open_actions = {(r[0], r[1]) for r in cur.execute(
            "SELECT case_id, action_id FROM {rm_case_actions} WHERE status = 'open'"
        ).fetchall()}
    assert len(cases) == len(case_ids)
    expected_actions = set()
    for case_id in case_ids:
        case: AsbCase = container.store.repository.get(case_id)
        row = cases[str(case_id)]
        assert row["status"] == case.status.value
        level = case.current_risk_level
        assert row["risk_level"] == (None if level is None else level.value)
        assert bool(row["flagged"]) == any(a.vulnerability_flags
                                           for a in case.current_risk_assessments)
        assert row["victims"] == len(case.victim_ids)
        due = case.next_review_due
        assert row["next_review_due"] == (None if due is None else due.isoformat())
        assert row["lead_agency"] == case.lead.agency
        assert row["summary"] == case.summary
        expected_actions |= {(str(case_id), str(a.action_id)) for a in case.open_actions}
    assert open_actions == expected_actions


def check_plans(container: Container, host: ProjectionHost, plan_ids: list[UUID]) -> None:
    plans = rows_of(host, "rm_plans", "plan_id")
    assert len(plans) == len(plan_ids)
    for plan_id in plan_ids:
        plan: ProblemSolvingPlan = container.store.repository.get(plan_id)
        row = plans[str(plan_id)]
        assert row["stage"] == plan.stage.value
        assert row["status"] == plan.status.value, plan.missing_sections()
        assert bool(row["signed_off"]) == plan.is_signed_off
        assert row["started_on"] == plan.started_on.isoformat()
        closable = (plan.stage.value == "assessment" and plan.assessment is not None
                    and not [m for m in plan.missing_sections()
                             if m.stage.value == "assessment"])
        assert bool(row["assessment_complete"]) == closable


def check_reviews(container: Container, host: ProjectionHost, review_ids: list[UUID],
                  today: date) -> None:
    reviews = rows_of(host, "rm_reviews", "review_id")
    rules = container.rules.reviews
    calendar = WorkingCalendar(rules.closure_days)
    assert len(reviews) == len(review_ids)
    for review_id in review_ids:
        review: CaseReview = container.store.repository.get(review_id)
        row = reviews[str(review_id)]
        assert row["status"] == review.status.value
        for day in (today - timedelta(days=20), today, today + timedelta(days=9)):
            assert review_milestones(row, day, calendar, rules.service_levels) == \
                review.milestones(day, calendar, rules.service_levels)


class Workloads:
    """Workloads run so far on one store (one per hypothesis example)."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.runs: list[Workload] = []

    def run(self, data: st.DataObject, max_steps: int = 40) -> Workload:
        workload = Workload(self.container.store, DrawChooser(data),
                            reference_base=1000 * len(self.runs))
        self.runs.append(workload)
        workload.run(data.draw(st.integers(1, max_steps), label="steps"))
        return workload

    def ids(self, kind: str) -> list[UUID]:
        return [a.id for w in self.runs for a in getattr(w, kind)]


def test_views_equal_a_from_scratch_computation(container: Container,
                                                make_host: HostFactory) -> None:
    host = make_host(views(), batch_size=7)
    workloads = Workloads(container)

    @given(st.data())
    def check(data: st.DataObject) -> None:
        workload = workloads.run(data)
        host.catch_up()
        for view in host.views.values():
            assert view_rows(host, view.name) == expected_rows(view, host.log), view.name
        check_cases(container, host, workloads.ids("cases"))
        check_plans(container, host, workloads.ids("plans"))
        check_reviews(container, host, workloads.ids("reviews"), workload.today)

    check()
    for name, view in host.views.items():
        before = view_rows(host, name)
        host.rebuild(name)
        assert view_rows(host, name) == before == expected_rows(view, host.log)
