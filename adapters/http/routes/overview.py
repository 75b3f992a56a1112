"""``/api/rag``: the RAG quarterly overview and the quarterly data return.

Both are depersonalised (docs/reports.md): the overview has counts only, each suppressed
(1-4 as "fewer than 5", with secondary suppression), beside the previous quarter and the
same quarter last year; the data return has one row per incident with category, London
date and time, ward and outward postcode. Roles: rag, coordinator, auditor, admin.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from adapters.http.routes.metrics import views_at_least
from adapters.http.routes.tasking import CSV_MEDIA_TYPE, csv_response, csv_text, wants_csv
from adapters.http.schemas.views import (
    DataReturnRowOut,
    FigureRowOut,
    OverviewOut,
    OverviewSectionOut,
)
from adapters.http.security import Context
from application.access_log import AccessAction
from projections.data_return import COLUMNS as RETURN_COLUMNS
from projections.data_return import data_return
from projections.framework import Freshness
from projections.overview import FigureRow, Overview, rag_overview
from projections.suppression import RULE

router = APIRouter(prefix="/api/rag", tags=["RAG reports"])

Quarter = Annotated[str, Query(max_length=20, examples=["2026-27-Q1"],
                               description="A financial-year quarter: 2026-27-Q1 is "
                                           "April to June 2026")]
PartnershipId = Annotated[str, Query(max_length=64, examples=["north-herts"])]
Format = Annotated[Literal["json", "csv"] | None, Query(description="Overrides Accept")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Your role may not read RAG reports, or not that partnership"},
    422: {"description": "Bad quarter or partnership (problem+json names the field)"},
}
OVERVIEW_CSV_EXAMPLE = (
    "partnership_id,section,title,label,2026-27-Q1,2025-26-Q4,2025-26-Q1\r\n"
    "north-herts,cases_opened_by_category,\"Cases opened, by NSIR category\",personal,12,"
    "fewer than 5,suppressed\r\n"
)


def _row(row: FigureRow) -> FigureRowOut:
    this, previous, last_year = row.values
    return FigureRowOut(label=row.label, this_quarter=this, previous_quarter=previous,
                        same_quarter_last_year=last_year)


def overview_out(overview: Overview) -> OverviewOut:
    previous, last_year = overview.compared_with
    return OverviewOut(
        partnership_id=overview.partnership_id, partnership_name=overview.partnership_name,
        quarter=overview.quarter.label, first_day=overview.quarter.first_day,
        last_day=overview.quarter.last_day, previous_quarter=previous.label,
        same_quarter_last_year=last_year.label, suppression=RULE,
        sections=[OverviewSectionOut(
            name=section.name, title=section.title, rows=[_row(r) for r in section.rows],
            total=None if section.total is None else _row(section.total))
            for section in overview.sections],
    )


def overview_csv(overview: Overview) -> str:
    rows = [[overview.partnership_id, section.name, section.title, row.label, *row.values]
            for section in overview.sections
            for row in [*section.rows, *([section.total] if section.total else [])]]
    return csv_text(["partnership_id", "section", "title", "label", *overview.columns], rows)


@router.get(
    "/overview", response_model=OverviewOut, responses={
        **RESPONSES, 200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"},
                                                        "example": OVERVIEW_CSV_EXAMPLE}}}},
    summary="The RAG quarterly overview (depersonalised)",
    description="Cases opened and closed by category and ward, open caseload and risk mix "
    "at quarter end, repeat victims (a count), interventions, outcomes and satisfaction, "
    "plans by stage and result, case review figures; each beside the previous quarter and "
    "the same quarter last year. Counts of 1-4 show as 'fewer than 5' (secondary "
    "suppression where a total would reveal one). JSON, or CSV with `?format=csv` or "
    "`Accept: text/csv`.",
)
def overview(
    request: Request, response: Response, _: Context,
    fresh: Annotated[Freshness, Depends(views_at_least("case_list", "plan_list",
                                                       "review_list"))],
    quarter: Quarter, partnership_id: PartnershipId, format: Format = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    container = request.app.state.container
    with container.projections.reading() as cur:
        result = rag_overview(cur, container.rules, partnership_id, quarter)
    if not wants_csv(format, accept):
        return overview_out(result)
    filename = f"rag-overview-{result.partnership_id}-{result.quarter.label}.csv"
    return csv_response(overview_csv(result), filename, response)


@router.get(
    "/data-return", response_model=list[DataReturnRowOut], responses={
        **RESPONSES, 200: {"content": {
            CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": ",".join(RETURN_COLUMNS)
                             + "\r\nnorth-herts,2026-27-Q1,personal,noise,2026-04-01,00:30,"
                             "Hitchin Bearton,SG5,2,2\r\n"}}}},
    summary="The quarterly data return: one depersonalised row per incident (CSV)",
    description="Category, date and time (Europe/London), ward and outward postcode of each "
    "incident that happened in the quarter; one incident reported to several agencies is "
    "one row. CSV by default; JSON with `?format=json`. Each download is access-logged.",
)
def quarterly_data_return(
    request: Request, response: Response, _: Context,
    fresh: Annotated[Freshness, Depends(views_at_least("case_list"))],
    quarter: Quarter, partnership_id: PartnershipId, format: Format = None,
) -> Any:
    container = request.app.state.container
    with container.projections.reading() as cur:
        rows = data_return(cur, container.rules, partnership_id, quarter)
    container.record_read(request, AccessAction.EXPORT, "data-return", None)
    if format == "json":
        return [DataReturnRowOut.model_validate(row) for row in rows]
    filename = f"data-return-{partnership_id}-{quarter}.csv"
    text = csv_text(RETURN_COLUMNS, ([getattr(row, c) for c in RETURN_COLUMNS] for row in rows))
    return csv_response(text, filename, response)
