"""The RAG figures, the data return and the JAG tasking list, computed from the views, equal
an independent computation over the aggregates replayed from the store, on both stores.

The independent computation here does not use the views' tables or ``projections``'
history logic: "open at quarter end" and "risk at quarter end" replay each case from its
own events up to the quarter's end; a plan's stage at quarter end and result at closure
likewise; repeat victims and distinct incidents come from ``AsbCase`` itself. Only the
definitions are shared (docs/reports.md).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from application.rules import LocalRules
from domain.cases import AsbCase
from domain.cases.periods import has_cluster
from domain.plans import ProblemSolvingPlan
from domain.reviews.aggregate import CaseReview
from domain.shared.periods import LONDON, FinancialQuarter
from projections.data_return import data_return
from projections.overview import NOT_ASSESSED, NOT_GIVEN, load_facts, quarter_figures
from projections.tasking import rag_status, tasking_list
from tests.projections.conftest import HostFactory
from tests.projections.test_views_consistency import Workloads, views

PARTNERSHIP = "north-herts"
ADMIN = RequestContext(actor=Actor(user_id="admin", display_name="Admin", agency="council",
                                   roles=("admin",), all_partnerships=True))


class History:
    """Each aggregate's events, read once, replayed up to any moment. (An example's
    aggregates never change after it, so one history serves every example of a test.)"""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.events: dict[UUID, list[Any]] = {}
        self.now: dict[UUID, Any] = {}

    def get(self, aggregate_id: UUID) -> Any:
        """The aggregate as it is now, replayed from the store."""
        if aggregate_id not in self.now:
            self.now[aggregate_id] = self.container.store.repository.get(aggregate_id)
        return self.now[aggregate_id]

    def of(self, aggregate_id: UUID) -> list[Any]:
        if aggregate_id not in self.events:
            self.events[aggregate_id] = list(self.container.store.events.get(aggregate_id))
        return self.events[aggregate_id]

    def at(self, aggregate_id: UUID, moment: datetime) -> Any:
        """The aggregate made only of its events recorded before ``moment`` (None if none)."""
        aggregate = None
        for event in self.of(aggregate_id):
            if event.timestamp >= moment:
                break
            aggregate = event.mutate(aggregate)
        return aggregate


def expected_figures(history: History, cases: list[AsbCase],
                     plans: list[ProblemSolvingPlan], reviews: list[CaseReview],
                     quarter: FinancialQuarter, rules: LocalRules) -> dict[str, Counter[str]]:
    start, end = quarter.starts_at, quarter.ends_at
    figures: dict[str, Counter[str]] = {}

    def add(section: str, label: str, amount: int = 1) -> None:
        figures.setdefault(section, Counter())[label] += amount

    repeat_victims: set[UUID] = set()
    for case in cases:
        reported = case.first_report.reported_at
        if start <= reported < end:
            add("cases_opened_by_category", case.classification.nsir_category.value)
            add("cases_opened_by_type", case.classification.asb_type.value)
            add("cases_opened_by_ward", case.location.ward)
        in_quarter = [c for c in case.closures if start <= c.closed_at < end]
        if in_quarter:
            add("cases_closed_by_category", case.classification.nsir_category.value)
            add("cases_closed_by_ward", case.location.ward)
            add("closure_outcomes", in_quarter[-1].outcome.value)
            satisfaction = in_quarter[-1].victim_satisfaction
            add("victim_satisfaction", satisfaction.value if satisfaction else NOT_GIVEN)
        then = history.at(case.id, end)
        if reported < end and (then is None or then.is_open):
            level = None if then is None else then.current_risk_level
            add("open_cases_by_risk", level.value if level else NOT_ASSESSED)
        for intervention in case.interventions:
            if quarter.contains_date(intervention.started_on):
                add("interventions_by_type", intervention.intervention_type.value)
        at_start = history.at(case.id, start)
        live = reported < end and (
            start <= reported or (at_start is None or at_start.is_open)
            or any(start <= r.reopened_at < end for r in case.reopenings))
        occurred = [i.occurred_at for i in case.distinct_incidents(rules.cases.incident_matching)
                    if i.occurred_at < end]
        repeat = rules.cases.repeat_victim
        if live and case.victim_ids and has_cluster(occurred, repeat.incidents,
                                                   repeat.within_months):
            repeat_victims |= set(case.victim_ids)
    add("repeat_victims", "people", len(repeat_victims))
    for plan in plans:
        then = history.at(plan.id, end)
        if then is not None and not then.is_closed:
            add("plans_by_stage", then.stage.value)
        events = history.of(plan.id)
        closures = [n for n, e in enumerate(events)
                    if isinstance(e, ProblemSolvingPlan.Closed)
                    and quarter.contains_date(e.closed_on)]
        if closures:
            closed: Any = None
            for event in events[:closures[-1] + 1]:
                closed = event.mutate(closed)
            assert closed.result is not None
            add("plans_closed_by_result", closed.result.value)
    for review in reviews:
        add("case_reviews", "applications_received",
            quarter.contains_date(review.received_on))
        add("case_reviews", "threshold_not_met",
            review.threshold_met is False and review.threshold_decided_on is not None
            and quarter.contains_date(review.threshold_decided_on))
        held = review.review_held_on is not None and quarter.contains_date(
            review.review_held_on)
        add("case_reviews", "reviews_carried_out", held)
        add("case_reviews", "reviews_with_recommendations", held and review.has_recommendations)
    return {name: +counts for name, counts in figures.items() if +counts}


def loaded(history: History, ids: list[UUID]) -> list[Any]:
    aggregates = [history.get(i) for i in ids]
    return [a for a in aggregates if a.partnership_id == PARTNERSHIP]


def quarters_of(workloads: Workloads) -> list[FinancialQuarter]:
    moments = [w.now for w in workloads.runs]
    first = FinancialQuarter.at(min(moments) - timedelta(days=200))
    last = FinancialQuarter.at(max(moments))
    quarters = [first]
    while quarters[-1] < last:
        quarters.append(quarters[-1].next())
    return quarters


def check_figures(history: History, host: Any, workloads: Workloads) -> None:
    rules = history.container.rules
    cases = loaded(history, workloads.ids("cases"))
    plans = loaded(history, workloads.ids("plans"))
    reviews = loaded(history, workloads.ids("reviews"))
    quarters = quarters_of(workloads)
    with host.reading() as cur:
        facts = load_facts(cur, rules, PARTNERSHIP, quarters)
    for quarter in quarters:
        got = {name: +counts for name, counts in quarter_figures(facts, quarter, rules).items()
               if +counts}
        assert got == expected_figures(history, cases, plans, reviews, quarter, rules), \
            quarter.label


def check_data_return(history: History, host: Any, workloads: Workloads) -> None:
    rules = history.container.rules
    cases = loaded(history, workloads.ids("cases"))
    for quarter in quarters_of(workloads)[-3:]:
        expected = Counter()
        for case in cases:
            for incident in case.distinct_incidents(rules.cases.incident_matching):
                if quarter.contains(incident.occurred_at):
                    local = incident.occurred_at.astimezone(LONDON)
                    expected[(case.classification.nsir_category.value, local.date(),
                              local.strftime("%H:%M"), case.location.ward,
                              case.location.outward_postcode, len(incident.reports),
                              len(incident.agencies))] += 1
        with acting_as(ADMIN), host.reading() as cur:
            rows = data_return(cur, rules, PARTNERSHIP, quarter.label)
        assert Counter((r.nsir_category, r.date, r.time, r.ward, r.outward_postcode,
                        r.reports, r.agencies) for r in rows) == expected


def check_tasking(history: History, host: Any, workloads: Workloads, meeting: date) -> None:
    rules = history.container.rules
    case_rules = rules.cases
    cases = loaded(history, workloads.ids("cases"))
    with acting_as(ADMIN), host.reading() as cur:
        tasking = tasking_list(cur, rules, PARTNERSHIP, meeting)
    amber = rules.tasking.amber_within_days
    expected_tasks = {
        ("action", str(a.action_id), a.agency, rag_status(a.due_on, meeting, amber))
        for case in cases for a in case.open_actions}
    expected_tasks |= {
        ("recommendation", f"R{r.number}", r.to_agency, rag_status(r.deadline, meeting, amber))
        for review in loaded(history, workloads.ids("reviews"))
        for r in review.open_recommendations}
    expected_tasks |= {
        ("response", f"R{r.number}", r.agency, rag_status(r.due_on, meeting, amber))
        for plan in loaded(history, workloads.ids("plans")) if not plan.is_closed
        for r in plan.open_responses}
    got = {(t.kind, t.item, t.agency, t.rag) for group in tasking.agencies
           for t in group.tasks}
    assert got == expected_tasks
    assert all(t.agency == group.agency for group in tasking.agencies for t in group.tasks)
    expected_priority = {
        case.reference for case in cases if case.is_open and (
            (case.current_risk_level is not None and case.current_risk_level.value == "high")
            or case.is_repeat_victim_case(case_rules.repeat_victim, case_rules.incident_matching)
            or case.has_vulnerable_victim(case_rules.vulnerable_victim))}
    assert {c.reference for c in tasking.priority_cases} == expected_priority
    since = tasking.since
    expected_referrals = sorted(
        (case.reference, referral.referral_id) for case in cases
        for referral in case.jag_referrals
        if since <= referral.referred_at.astimezone(LONDON).date() <= meeting)
    assert sorted(r.reference for r in tasking.new_referrals) == \
        [reference for reference, _ in expected_referrals]


def test_reports_equal_an_independent_computation(container: Container,
                                                  make_host: HostFactory) -> None:
    host = make_host(views(), batch_size=11)
    workloads = Workloads(container)
    history = History(container)

    @given(st.data())
    def check(data: st.DataObject) -> None:
        workload = workloads.run(data, max_steps=50)
        host.catch_up()
        check_figures(history, host, workloads)
        check_data_return(history, host, workloads)
        meeting = workload.today + timedelta(days=data.draw(st.integers(-10, 10)))
        check_tasking(history, host, workloads, meeting)

    check()
