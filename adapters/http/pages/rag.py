"""The RAG quarterly overview page (``/rag``): depersonalised figures and charts.

The figures are the API's (``projections.overview.rag_overview``, as ``GET
/api/rag/overview``): every count beside the previous quarter and the same quarter last
year, small counts as "fewer than 5". The charts are inline SVG drawn here
(:mod:`.charts`): cases opened over the last eight quarters, this quarter's mix by NSIR
category, and the outcomes of cases closed; each has a table with the same numbers.
Roles: rag, coordinator, auditor, admin (``access.REPORT_READERS``).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from adapters.http.pages import charts
from adapters.http.pages.rendering import label, render
from adapters.http.pages.session import PageContext, PageRoute
from adapters.http.presenters import today_in_london
from application import access
from application.errors import NotFound
from domain.shared.errors import InvalidValue
from domain.shared.periods import FinancialQuarter
from projections.overview import (
    Overview,
    OverviewSection,
    load_facts,
    parse_quarter,
    quarter_figures,
    rag_overview,
)
from projections.suppression import FEWER_THAN_5, RULE, Shown, shown

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TREND_QUARTERS = 8
CHOICE_QUARTERS = 12


def recent_quarters(current: FinancialQuarter, count: int) -> list[FinancialQuarter]:
    """``current`` and the ``count - 1`` quarters before it, newest first."""
    found = [current]
    while len(found) < count:
        found.append(found[-1].previous())
    return found


def cases_opened_trend(request: Request, partnership_id: str, quarter: FinancialQuarter
                       ) -> list[tuple[str, Shown]]:
    """Cases opened in each of the last eight quarters to ``quarter``, oldest first."""
    container = request.app.state.container
    quarters = list(reversed(recent_quarters(quarter, TREND_QUARTERS)))
    with container.projections.reading() as cur:
        # Only the figure drawn: eight quarters of every figure cost about 0.4 s at county
        # scale, this one about 10 ms.
        facts = load_facts(cur, container.rules, partnership_id, quarters,
                           sections=["cases_opened_by_category"])
    return [(q.label, shown(sum(quarter_figures(facts, q, container.rules)
                                ["cases_opened_by_category"].values())))
            for q in quarters]


def _section(overview: Overview, name: str) -> OverviewSection | None:
    return next((s for s in overview.sections if s.name == name), None)


def _this_quarter(section: OverviewSection | None) -> list[tuple[str, Shown]]:
    return [] if section is None else [(label(row.label), row.values[0]) for row in section.rows]


@router.get("/rag", name="rag_overview")
def rag_overview_page(
    request: Request, context: PageContext,
    quarter: Annotated[str | None, Query(max_length=20)] = None,
    partnership_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    return overview_page(request, quarter, partnership_id)


def overview_page(request: Request, quarter: str | None, partnership_id: str | None, *,
                  landing: bool = False) -> Response:
    """The overview; ``landing`` when it is a rag user's My work (``/``)."""
    access.require_role(*access.REPORT_READERS, doing="reading the RAG overview")
    container = request.app.state.container
    visible = access.visible_partnerships(container.rules.partnerships.ids)
    if not visible:
        raise NotFound("partnership", partnership_id or "")
    scope = partnership_id or visible[0]
    if scope not in visible:
        raise NotFound("partnership", scope)
    current = FinancialQuarter.containing(today_in_london())
    error = None
    chosen = current
    if quarter:
        try:
            chosen = parse_quarter(quarter)
        except InvalidValue as invalid:
            error = invalid.message
    choices = [q.label for q in recent_quarters(current, CHOICE_QUARTERS)]
    if chosen.label not in choices:
        choices.append(chosen.label)
    context_data: dict[str, Any] = {
        "partnerships": [(p, container.rules.partnerships.get(p).name) for p in visible],
        "partnership_id": scope, "quarter": chosen.label, "quarter_choices": choices,
        "error": error, "overview": None, "fewer_than_5": FEWER_THAN_5, "rule": RULE,
        "landing": landing,
    }
    if error is None and container.projections is not None:
        with container.projections.reading() as cur:
            overview = rag_overview(cur, container.rules, scope, chosen.label)
        trend = cases_opened_trend(request, scope, chosen)
        mix = _this_quarter(_section(overview, "cases_opened_by_category"))
        outcomes = _this_quarter(_section(overview, "closure_outcomes"))
        query = urlencode({"quarter": chosen.label, "partnership_id": scope})
        context_data.update({
            "overview": overview,
            "in_progress": chosen == current,
            "trend": trend, "mix": mix, "outcomes": outcomes,
            "trend_chart": Markup(charts.columns(  # noqa: S704 - built from escaped text
                f"Cases opened by quarter, {trend[0][0]} to {trend[-1][0]}", trend,
                chart_id="chart-trend")),
            "mix_chart": Markup(charts.horizontal_bars(  # noqa: S704
                f"Cases opened in {chosen.label}, by NSIR category", mix,
                chart_id="chart-mix")),
            "outcomes_chart": Markup(charts.horizontal_bars(  # noqa: S704
                f"Outcomes of cases closed in {chosen.label}", outcomes,
                chart_id="chart-outcomes")),
            "overview_csv": f"/api/rag/overview?{query}&format=csv",
            "data_return_csv": f"/api/rag/data-return?{query}",
        })
    return render(request, "rag/overview.html", context_data,
                  status_code=422 if error else 200)
