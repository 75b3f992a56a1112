"""Quarter boundaries (Europe/London dates, summer and winter time) and small-number
suppression in the RAG overview and the data return.

British Summer Time began on 29 March 2026, so London midnight on 1 April 2026 is 23:00 UTC
on 31 March: 23:30 UTC on 31 March is already 00:30 on 1 April, in 2026-27 Q1, while
22:59 UTC is 23:59 on 31 March, in 2025-26 Q4. On 31 December (GMT) 23:30 UTC is still
31 December.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from domain.cases import AsbCase
from domain.shared import clock
from domain.shared.periods import FinancialQuarter
from projections.data_return import data_return
from projections.framework import ProjectionHost
from projections.overview import load_facts, quarter_figures, rag_overview
from projections.suppression import (
    FEWER_THAN_5,
    SUPPRESSED,
    can_be_worked_out,
    shown,
    suppress_breakdown,
)
from tests.projections.conftest import HostFactory
from tests.projections.test_views_consistency import views

PARTNERSHIP = "north-herts"
RAG = RequestContext(actor=Actor(user_id="rag.member", display_name="RAG member",
                                 agency="council", roles=("rag",), partnerships=(PARTNERSHIP,)))
Q4_2025 = FinancialQuarter.parse("2025-26-Q4")
Q1_2026 = FinancialQuarter.parse("2026-27-Q1")
Q2_2026 = FinancialQuarter.parse("2026-27-Q2")
Q3_2026 = FinancialQuarter.parse("2026-27-Q3")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class Cases:
    """Opens cases on the real store at chosen moments."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.number = 0

    def open(self, reported_at: datetime, *, at: datetime | None = None,
             category: str = "personal", ward: str = "Hitchin Bearton") -> AsbCase:
        self.number += 1
        with clock.frozen_at(at or reported_at + timedelta(minutes=5)):
            case = AsbCase.open(
                partnership_id=PARTNERSHIP, reference=f"ASB-2026-{self.number:05d}",
                nsir_category=category, asb_type="noise", summary="Loud music",
                address="1 High Street", ward=ward, reporting_channel="phone",
                lead_agency="herts-police", lead_officer="pc.jones", reported_at=reported_at,
                outward_postcode="SG5")
            self.container.store.save(case)
        return case

    def change(self, case: AsbCase, at: datetime, command: Any) -> None:
        with clock.frozen_at(at):
            command(case)
            self.container.store.save(case)


@pytest.fixture
def host(make_host: HostFactory) -> ProjectionHost:
    return make_host(views())


@pytest.fixture
def cases(container: Container) -> Cases:
    return Cases(container)


def figures(container: Container, host: ProjectionHost, quarter: FinancialQuarter
            ) -> dict[str, Any]:
    host.catch_up()
    with host.reading() as cur:
        facts = load_facts(cur, container.rules, PARTNERSHIP, [quarter])
    return quarter_figures(facts, quarter, container.rules)


def test_a_case_reported_at_2330_utc_on_31_march_opens_in_april(
        container: Container, host: ProjectionHost, cases: Cases) -> None:
    cases.open(utc(2026, 3, 31, 22, 59), category="nuisance")  # 23:59 BST, 31 March
    cases.open(utc(2026, 3, 31, 23, 30), category="personal")  # 00:30 BST, 1 April
    assert dict(figures(container, host, Q4_2025)["cases_opened_by_category"]) == {
        "nuisance": 1}
    assert dict(figures(container, host, Q1_2026)["cases_opened_by_category"]) == {
        "personal": 1}


def test_london_midnight_in_summer_and_in_winter(
        container: Container, host: ProjectionHost, cases: Cases) -> None:
    cases.open(utc(2026, 6, 30, 22, 30), ward="Hitchin Bearton")    # 23:30 BST 30 June: Q1
    cases.open(utc(2026, 6, 30, 23, 0), ward="Letchworth Grange")   # 00:00 BST 1 July: Q2
    cases.open(utc(2026, 12, 31, 23, 30), ward="Baldock Town")      # 23:30 GMT 31 Dec: Q3
    assert dict(figures(container, host, Q1_2026)["cases_opened_by_ward"]) == {
        "Hitchin Bearton": 1}
    assert dict(figures(container, host, Q2_2026)["cases_opened_by_ward"]) == {
        "Letchworth Grange": 1}
    assert dict(figures(container, host, Q3_2026)["cases_opened_by_ward"]) == {
        "Baldock Town": 1}


def test_closures_and_the_open_caseload_at_the_quarter_boundary(
        container: Container, host: ProjectionHost, cases: Cases) -> None:
    early = cases.open(utc(2026, 5, 1, 9, 0))
    late = cases.open(utc(2026, 5, 2, 9, 0))
    reopened = cases.open(utc(2026, 5, 3, 9, 0))
    close: Any = lambda case: case.close(outcome="resolved", reason="done",  # noqa: E731
                                         victim_satisfaction=5)
    cases.change(early, utc(2026, 6, 30, 22, 59), close)     # 23:59 BST 30 June: Q1
    cases.change(late, utc(2026, 6, 30, 23, 0), close)       # midnight BST: Q2
    cases.change(reopened, utc(2026, 6, 10, 9, 0), close)
    cases.change(reopened, utc(2026, 6, 20, 9, 0), lambda c: c.reopen(reason="more reports"))
    q1 = figures(container, host, Q1_2026)
    assert dict(q1["cases_closed_by_category"]) == {"personal": 2}  # early and reopened
    # Open at the end of Q1: late (closed at the very start of Q2) and reopened.
    assert dict(q1["open_cases_by_risk"]) == {"not assessed": 2}
    assert dict(figures(container, host, Q2_2026)["cases_closed_by_category"]) == {
        "personal": 1}


def test_the_data_return_dates_incidents_in_london(
        container: Container, host: ProjectionHost, cases: Cases) -> None:
    case = cases.open(utc(2026, 3, 30, 9, 0), at=utc(2026, 4, 2, 9, 0))
    victim = uuid4()
    cases.change(case, utc(2026, 4, 2, 9, 0), lambda c: c.add_party(person_id=victim,
                                                                     role="victim"))

    def log(occurred: datetime, agency: str, reference: str | None) -> Any:
        return lambda c: c.log_incident(
            occurred_at=occurred, reported_at=occurred + timedelta(minutes=20),
            reported_to_agency=agency, description="Shouting", agency_reference=reference)

    when = utc(2026, 4, 2, 10, 0)
    cases.change(case, when, log(utc(2026, 3, 31, 22, 59), "herts-police", None))
    cases.change(case, when, log(utc(2026, 3, 31, 23, 30), "herts-police", "HC-9"))
    # The same incident reported to the council too (same agency reference): counted once.
    cases.change(case, when, log(utc(2026, 3, 31, 23, 35), "north-herts-council", "HC-9"))
    host.catch_up()
    with acting_as(RAG), host.reading() as cur:
        q4 = data_return(cur, container.rules, PARTNERSHIP, "2025-26-Q4")
        q1 = data_return(cur, container.rules, PARTNERSHIP, "2026-27 Q1")
    assert [(r.date, r.time, r.reports, r.agencies) for r in q4] == [
        (date(2026, 3, 31), "23:59", 1, 1)]
    assert [(r.quarter, r.date, r.time, r.ward, r.outward_postcode, r.reports, r.agencies)
            for r in q1] == [("2026-27-Q1", date(2026, 4, 1), "00:30", "Hitchin Bearton",
                              "SG5", 2, 2)]


def test_the_published_overview_suppresses_small_counts(
        container: Container, host: ProjectionHost, cases: Cases) -> None:
    for day in range(1, 8):
        cases.open(utc(2026, 4, day, 9, 0), category="nuisance")
    cases.open(utc(2026, 4, 9, 9, 0), category="personal")
    host.catch_up()
    with acting_as(RAG), host.reading() as cur:
        overview = rag_overview(cur, container.rules, PARTNERSHIP, "2026-27-Q1")
    assert overview.columns == ["2026-27-Q1", "2025-26-Q4", "2025-26-Q1"]
    section = next(s for s in overview.sections if s.name == "cases_opened_by_category")
    values = {row.label: row.values[0] for row in section.rows}
    # personal 1 is hidden; nuisance 7 would then give it away (8 - 7), so it is hidden too.
    assert values == {"personal": FEWER_THAN_5, "nuisance": SUPPRESSED, "environmental": 0}
    assert section.total is not None
    assert section.total.values == (8, 0, 0)
    wards = next(s for s in overview.sections if s.name == "cases_opened_by_ward")
    assert {row.label: row.values[0] for row in wards.rows}["Hitchin Bearton"] == 8
    assert all(not can_be_worked_out([r.values[i] for r in s.rows],
                                      None if s.total is None else s.total.values[i])
               for s in overview.sections for i in range(3))


# ------------------------------------------------------------------------- suppression


def test_counts_of_one_to_four_are_fewer_than_five_and_zero_is_zero() -> None:
    assert [shown(n) for n in range(7)] == [0, *[FEWER_THAN_5] * 4, 5, 6]
    with pytest.raises(ValueError, match="negative"):
        shown(-1)


def test_one_hidden_cell_beside_a_total_hides_the_next_smallest() -> None:
    assert suppress_breakdown({"a": 3, "b": 10, "c": 0, "d": 9}) == (
        {"a": FEWER_THAN_5, "b": 10, "c": 0, "d": SUPPRESSED}, 22)
    # Two hidden cells already protect each other; a small total protects everything.
    assert suppress_breakdown({"a": 3, "b": 2, "c": 9}) == (
        {"a": FEWER_THAN_5, "b": FEWER_THAN_5, "c": 9}, 14)
    assert suppress_breakdown({"a": 3, "b": 0}) == ({"a": FEWER_THAN_5, "b": 0}, FEWER_THAN_5)
    assert suppress_breakdown({"a": 0, "b": 0}) == ({"a": 0, "b": 0}, 0)


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 30), max_size=8))
def test_no_published_breakdown_gives_away_a_hidden_count(cells: dict[str, int]) -> None:
    published, total = suppress_breakdown(cells)
    assert list(published) == list(cells)
    assert not can_be_worked_out(list(published.values()), total)
    for label, count in cells.items():
        value = published[label]
        if 1 <= count <= 4:
            assert value == FEWER_THAN_5
        elif value != SUPPRESSED:
            assert value == count
    assert total == shown(sum(cells.values()))
