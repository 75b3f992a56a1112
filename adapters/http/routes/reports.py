"""``/api/reports``: depersonalised reports (counts only), for publication and the RAG.

Each report here is self-contained: its route, its CSV rendering and its helpers.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from adapters.http.schemas.reviews import YearlyFiguresOut
from adapters.http.security import Context
from application.review_figures import PublishedFigures
from application.reviews_service import ReviewService

router = APIRouter(prefix="/api/reports", tags=["reports"])

CSV_MEDIA_TYPE = "text/csv"


# -- ASB Case Review yearly figures ------------------------------------------------------

CASE_REVIEW_FIGURES: tuple[tuple[str, str], ...] = (
    ("applications_received", "Applications for an ASB Case Review received"),
    ("threshold_not_met", "Times the threshold for a review was not met"),
    ("reviews_carried_out", "ASB Case Reviews carried out"),
    ("reviews_with_recommendations", "Reviews that resulted in recommendations"),
    ("median_working_days_to_acknowledgement",
     "Median working days from application to acknowledgement"),
    ("median_working_days_to_threshold_decision",
     "Median working days from application to threshold decision"),
    ("median_working_days_to_review_meeting",
     "Median working days from application to review meeting"),
    ("median_working_days_to_outcome",
     "Median working days from application to outcome sent"),
)
CASE_REVIEW_CSV_EXAMPLE = (
    "financial_year,partnership_id,partnership_name,figure,description,value\r\n"
    "2025-26,north-herts,North Hertfordshire Community Safety Partnership,"
    "applications_received,Applications for an ASB Case Review received,7\r\n"
    "2025-26,north-herts,North Hertfordshire Community Safety Partnership,"
    "median_working_days_to_outcome,Median working days from application to outcome sent,"
    "33\r\n"
)


def case_review_figures_out(published: PublishedFigures) -> YearlyFiguresOut:
    figures = published.figures
    return YearlyFiguresOut(
        financial_year=figures.financial_year.label,
        first_day=figures.financial_year.first_day,
        last_day=figures.financial_year.last_day,
        partnership_id=published.partnership_id,
        partnership_name=published.partnership_name,
        partnerships=list(published.partnerships),
        applications_received=figures.applications_received,
        threshold_not_met=figures.threshold_not_met,
        reviews_carried_out=figures.reviews_carried_out,
        reviews_with_recommendations=figures.reviews_with_recommendations,
        median_working_days_to_acknowledgement=figures.median_working_days_to_acknowledgement,
        median_working_days_to_threshold_decision=(
            figures.median_working_days_to_threshold_decision),
        median_working_days_to_review_meeting=figures.median_working_days_to_review_meeting,
        median_working_days_to_outcome=figures.median_working_days_to_outcome,
    )


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def case_review_figures_csv(out: YearlyFiguresOut) -> str:
    """One row per figure, so the file reads as a table ready to publish."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["financial_year", "partnership_id", "partnership_name", "figure",
                     "description", "value"])
    values = out.model_dump()
    for figure, description in CASE_REVIEW_FIGURES:
        writer.writerow([out.financial_year, out.partnership_id or "all",
                         out.partnership_name, figure, description,
                         _csv_value(values[figure])])
    return buffer.getvalue()


def _wants_csv(format: str | None, accept: str | None) -> bool:
    if format is not None:
        return format == "csv"
    return accept is not None and CSV_MEDIA_TYPE in accept.lower()


@router.get(
    "/case-reviews", response_model=YearlyFiguresOut,
    summary="The statutory yearly ASB Case Review figures for a financial year",
    description=(
        "Applications received, times the threshold was not met, reviews carried out and "
        "reviews that resulted in recommendations (each counted on its own), with the median "
        "working days from application to each milestone. Counts only, ready to publish. "
        "JSON, or CSV with `Accept: text/csv` or `?format=csv`. Roles: rag, coordinator, "
        "auditor, admin. `partnership_id` must be one of yours; county-wide users may leave "
        "it out for every partnership together."
    ),
    responses={
        200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"},
                                           "example": CASE_REVIEW_CSV_EXAMPLE}}},
        403: {"description": "Your role may not read reports, or not that partnership"},
        422: {"description": "Bad year or partnership (problem+json names the field)"},
    },
)
def case_review_figures(
    request: Request,
    _: Context,
    year: Annotated[str, Query(description="The financial year, e.g. 2025-26",
                               examples=["2025-26"], max_length=20)],
    partnership_id: Annotated[str | None, Query(
        description="One of your partnerships; county-wide users may leave it out",
        examples=["north-herts"], max_length=200)] = None,
    format: Annotated[Literal["json", "csv"] | None, Query(
        description="Overrides the Accept header")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    service: ReviewService = request.app.state.container.services["reviews"]
    out = case_review_figures_out(service.yearly_figures(year, partnership_id))
    if not _wants_csv(format, accept):
        return out
    scope = out.partnership_id or "all"
    filename = f"case-review-figures-{out.financial_year}-{scope}.csv"
    return Response(
        case_review_figures_csv(out), media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
