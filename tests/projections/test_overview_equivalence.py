"""The RAG overview's figures, counted in SQL, equal the reference: the Python computation
over every fact of the partnership they replaced (``overview_reference``), on both stores.

* Random view contents, written straight into the view tables: cases in two partnerships
  closed, reopened and reassessed in any order at moments on and either side of quarter
  boundaries (London midnights in summer and winter time), out of time order too (nothing
  stops a clock going back); victims shared between cases; incident reports that are one
  incident by agency reference or by reporter and time; interventions, plans and their
  stages, case reviews; the repeat-victim and incident-matching rules varied. Only what
  the case list view's handlers always keep is kept: a case is ``closed`` with its last
  closure's time in ``closed_at`` exactly when its last closure has not been reopened.
* Real histories: random domain commands through the store (``bench.workload``), the
  views kept up to date by the projection host, and the published overview compared too.

The kinds of quarter list callers use are checked: the overview's three quarters, one
quarter, and a run of consecutive quarters (as the RAG page's trend asks for), and some
sections only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from application.rules import LocalRules
from domain.cases.rules import IncidentMatching, RepeatVictimRule
from domain.cases.values import (
    AsbType,
    ClosureOutcome,
    InterventionType,
    NsirCategory,
    RiskLevel,
    VictimSatisfaction,
)
from domain.plans import AssessmentResult, PlanStage
from domain.shared.periods import FinancialQuarter
from projections import overview
from projections.db import ViewCursor
from projections.framework import ProjectionHost
from tests.projections import overview_reference as reference
from tests.projections.conftest import HostFactory
from tests.projections.test_views_consistency import Workloads, views
from tests.projections.test_views_reports import quarters_of

PARTNERSHIPS = ("north-herts", "st-albans")
QUARTERS = [FinancialQuarter.parse(label) for label in (
    "2025-26-Q2", "2025-26-Q3", "2025-26-Q4", "2026-27-Q1", "2026-27-Q2")]
BOUNDARIES = sorted({q.starts_at for q in QUARTERS} | {q.ends_at for q in QUARTERS})
EARLY = datetime(2024, 11, 5, 10, 0, tzinfo=UTC)
MOMENTS = sorted({EARLY, *(
    moment + offset for moment in BOUNDARIES for offset in (
        timedelta(hours=-1), timedelta(microseconds=-1), timedelta(microseconds=1),
        timedelta(minutes=50), timedelta(days=40)))})
DAYS = sorted({day for q in QUARTERS for day in (
    q.first_day - timedelta(days=1), q.first_day, q.first_day + timedelta(days=30),
    q.last_day)})
WARDS = ("Hitchin Bearton", "Baldock Town", "St Peters", "Nowhere Ward")
PEOPLE = [str(UUID(int=1000 + n)) for n in range(12)]
REFERENCES = (None, "HC-9", "hc 9", "X1", "x1 ", "Q7")
ADMIN = RequestContext(actor=Actor(user_id="admin", display_name="Admin", agency="council",
                                   roles=("admin",), all_partnerships=True))

# About half of the moments are exactly on a quarter boundary (London midnight).
moments = st.one_of(st.sampled_from(BOUNDARIES), st.sampled_from(MOMENTS))
days = st.sampled_from(DAYS)


def values_of(enum: Any) -> list[str]:
    return [member.value for member in enum]


# ------------------------------------------------------------------------ random views


class Rows:
    """Rows for the view tables, every column filled (defaults for those not drawn)."""

    def __init__(self) -> None:
        self.tables = {table.name: table for view in views() for table in view.tables}
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.ids = 0

    def new_id(self) -> str:
        self.ids += 1
        return str(UUID(int=self.ids))

    def add(self, table: str, **values: Any) -> dict[str, Any]:
        row = {column: _default(spec) for column, spec in self.tables[table].columns.items()}
        row.update(values)
        self.rows.setdefault(table, []).append(row)
        return row

    def write(self, host: ProjectionHost) -> None:
        with host.db.transaction(write=True) as raw:
            cur = ViewCursor(raw, host.db.dialect)
            for name in self.tables:
                cur.execute(f"DELETE FROM {{{name}}}")
            for name, rows in self.rows.items():
                columns = list(self.tables[name].columns)
                cur.executemany(
                    f"INSERT INTO {{{name}}} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' for _ in columns)})",
                    [[row[c] for c in columns] for row in rows])


def _default(spec: str) -> Any:
    if "not null" not in spec:
        return None
    return {"text": "x", "integer": 0, "boolean": False, "uuid": str(UUID(int=0)),
            "timestamp": EARLY, "date": date(2025, 1, 1), "json": "{}",
            "numeric": "0"}[spec.split()[0]]


def draw_case(data: st.DataObject, rows: Rows) -> None:
    case_id = rows.new_id()
    case = rows.add(
        "rm_cases", case_id=case_id, partnership_id=data.draw(st.sampled_from(PARTNERSHIPS)),
        nsir_category=data.draw(st.sampled_from(values_of(NsirCategory))),
        asb_type=data.draw(st.sampled_from(values_of(AsbType)[:3])),
        ward=data.draw(st.sampled_from(WARDS)), reported_at=data.draw(moments),
        status="open", closed_at=None)
    closures: list[dict[str, Any]] = []
    # Opened is version 1; closures, reopenings and risk changes follow in any order, at
    # later moments or (a clock going back) not.
    if data.draw(st.booleans()):  # as the aggregate allows: closed, reopened, closed...
        kinds = [("close", "reopen")[n % 2] for n in range(data.draw(st.integers(0, 5)))]
        for _ in range(data.draw(st.integers(0, 3))):
            kinds.insert(data.draw(st.integers(0, len(kinds))), "risk")
    else:
        kinds = data.draw(st.lists(st.sampled_from(("close", "reopen", "risk")), max_size=8))
    times = data.draw(st.lists(moments, min_size=len(kinds), max_size=len(kinds)))
    if data.draw(st.booleans()):
        times.sort()
    for version, (kind, moment) in enumerate(zip(kinds, times, strict=True), start=2):
        if kind == "close":
            closures.append(rows.add(
                "rm_case_closures", case_id=case_id, version=version, closed_at=moment,
                outcome=data.draw(st.sampled_from(values_of(ClosureOutcome)[:3])),
                victim_satisfaction=data.draw(st.sampled_from(
                    [None, *values_of(VictimSatisfaction)[:2]])),
                reopened_at=None))
            case.update(status="closed", closed_at=moment)
        elif kind == "reopen":
            for closure in closures:
                if closure["reopened_at"] is None:
                    closure["reopened_at"] = moment
            case.update(status="open", closed_at=None)
        else:
            rows.add("rm_case_risk_changes", case_id=case_id, version=version,
                     changed_at=moment, risk_level=data.draw(st.sampled_from(
                         [None, *values_of(RiskLevel)])))
    for person in data.draw(st.sets(st.sampled_from(PEOPLE), max_size=2)):
        rows.add("rm_case_parties", case_id=case_id, person_id=person,
                 role=data.draw(st.sampled_from(("victim", "victim", "witness"))))
    for _ in range(data.draw(st.integers(0, 5))):
        occurred = data.draw(moments)
        rows.add("rm_case_incidents", case_id=case_id, incident_id=rows.new_id(),
                 occurred_at=occurred, reported_at=occurred + timedelta(minutes=10),
                 agency=data.draw(st.sampled_from(("herts-police", "council"))),
                 agency_reference=data.draw(st.sampled_from(REFERENCES)),
                 reported_by=data.draw(st.sampled_from([None, *PEOPLE[:2]])))
    for _ in range(data.draw(st.integers(0, 2))):
        rows.add("rm_case_interventions", case_id=case_id, intervention_id=rows.new_id(),
                 intervention_type=data.draw(st.sampled_from(values_of(InterventionType)[:3])),
                 started_on=data.draw(days))


def draw_plan(data: st.DataObject, rows: Rows) -> None:
    plan_id = rows.new_id()
    rows.add("rm_plans", plan_id=plan_id,
             partnership_id=data.draw(st.sampled_from(PARTNERSHIPS)),
             created_at=data.draw(moments))
    count = data.draw(st.integers(0, 5))
    times = data.draw(st.lists(moments, min_size=count, max_size=count))
    if data.draw(st.booleans()):
        times.sort()
    for version, moment in enumerate(times, start=1):
        stage = data.draw(st.sampled_from([*values_of(PlanStage), PlanStage.CLOSED.value]))
        closed = stage == PlanStage.CLOSED.value
        rows.add("rm_plan_stages", plan_id=plan_id, version=version,
                 changed_at=moment, stage=stage,
                 closed_on=data.draw(st.sampled_from([None, *DAYS])) if closed else None,
                 result=data.draw(st.sampled_from([None, *values_of(AssessmentResult)[:2]]))
                 if closed else None)


def draw_review(data: st.DataObject, rows: Rows) -> None:
    optional_day = st.one_of(st.none(), days)
    rows.add("rm_reviews", review_id=rows.new_id(),
             partnership_id=data.draw(st.sampled_from(PARTNERSHIPS)),
             received_on=data.draw(days),
             threshold_met=data.draw(st.sampled_from((None, True, False))),
             threshold_decided_on=data.draw(optional_day),
             first_review_held_on=data.draw(optional_day),
             recommendations=data.draw(st.integers(0, 2)))


def draw_rules(data: st.DataObject, rules: LocalRules) -> LocalRules:
    cases = dataclasses.replace(
        rules.cases,
        repeat_victim=RepeatVictimRule(incidents=data.draw(st.integers(1, 3)),
                                       within_months=data.draw(st.sampled_from((1, 3)))),
        incident_matching=IncidentMatching(
            tolerance_minutes=data.draw(st.sampled_from((0, 60, 120)))))
    return dataclasses.replace(rules, cases=cases)


# ---------------------------------------------------------------------------- checking


def plain(figures: overview.Figures) -> dict[str, dict[str, int]]:
    """The figures without zero counts (the reference leaves the case review figures out,
    rather than 0, when there are no reviews at all; nothing published differs)."""
    return {name: {label: count for label, count in counts.items() if count}
            for name, counts in figures.items()}


def check_quarters(host: ProjectionHost, rules: LocalRules, partnership_id: str,
                   quarters: Sequence[FinancialQuarter]) -> None:
    with host.reading() as cur:
        expected = reference.load_facts(cur, rules, partnership_id, quarters)
        got = overview.load_facts(cur, rules, partnership_id, quarters)
    assert got.wards == expected.wards
    for quarter in quarters:
        assert plain(overview.quarter_figures(got, quarter, rules)) == plain(
            reference.quarter_figures(expected, quarter, rules)), quarter.label
    with host.reading() as cur:
        some = overview.load_facts(cur, rules, partnership_id, quarters,
                                   sections=["cases_opened_by_category", "repeat_victims"])
    for quarter in quarters:
        everything = overview.quarter_figures(got, quarter, rules)
        assert overview.quarter_figures(some, quarter, rules) == {
            name: everything[name] for name in ("cases_opened_by_category", "repeat_victims")}
    if len(quarters) == 3:
        assert overview.publish(
            [overview.quarter_figures(got, q, rules) for q in quarters], got.wards
        ) == overview.publish(
            [reference.quarter_figures(expected, q, rules) for q in quarters], expected.wards)


def overview_quarters(quarter: FinancialQuarter) -> list[FinancialQuarter]:
    return [quarter, quarter.previous(), quarter.same_quarter_last_year()]


@pytest.fixture
def host(make_host: HostFactory) -> ProjectionHost:
    host = make_host(views())
    host.catch_up()  # creates the (empty) view tables
    return host


def test_figures_equal_the_reference_on_random_view_rows(
        container: Container, host: ProjectionHost) -> None:
    @settings(max_examples=3 * settings().max_examples)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        rows = Rows()
        for _ in range(data.draw(st.integers(0, 10), label="cases")):
            draw_case(data, rows)
        for _ in range(data.draw(st.integers(0, 5), label="plans")):
            draw_plan(data, rows)
        for _ in range(data.draw(st.integers(0, 4), label="reviews")):
            draw_review(data, rows)
        rows.write(host)
        rules = draw_rules(data, container.rules)
        partnership_id = data.draw(st.sampled_from(PARTNERSHIPS))
        quarter = data.draw(st.sampled_from(QUARTERS[1:]))
        check_quarters(host, rules, partnership_id, overview_quarters(quarter))
        check_quarters(host, rules, partnership_id, [data.draw(st.sampled_from(QUARTERS))])
        check_quarters(host, rules, partnership_id, QUARTERS)

    check()


def test_figures_and_the_published_overview_equal_the_reference_on_real_histories(
        container: Container, make_host: HostFactory) -> None:
    host = make_host(views(), batch_size=11)
    workloads = Workloads(container)
    rules = container.rules
    partnership_id = "north-herts"

    @given(st.data())
    def check(data: st.DataObject) -> None:
        workloads.run(data, max_steps=40)
        host.catch_up()
        quarters = quarters_of(workloads)
        check_quarters(host, rules, partnership_id, quarters)
        last = quarters[-1]
        check_quarters(host, rules, partnership_id, overview_quarters(last))
        with acting_as(ADMIN), host.reading() as cur:
            published = overview.rag_overview(cur, rules, partnership_id, last.label)
            facts = reference.load_facts(cur, rules, partnership_id, overview_quarters(last))
        assert published.sections == overview.publish(
            [reference.quarter_figures(facts, q, rules) for q in overview_quarters(last)],
            facts.wards)

    check()


def test_figures_of_a_quarter_or_section_not_loaded_are_refused(
        container: Container, host: ProjectionHost) -> None:
    with host.reading() as cur:
        facts = overview.load_facts(cur, container.rules, "north-herts", QUARTERS[:1])
    with pytest.raises(ValueError, match=QUARTERS[1].label):
        overview.quarter_figures(facts, QUARTERS[1], container.rules)
    with host.reading() as cur, pytest.raises(ValueError, match="cases_opened"):
        overview.load_facts(cur, container.rules, "north-herts", QUARTERS, ["cases_opened"])
