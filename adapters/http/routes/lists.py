"""``GET /api/cases``, ``GET /api/plans``, ``GET /api/case-reviews``: lists and search.

Read from the views (``projections.queries``), so they declare the views they read for
read-your-writes (``X-Casework-Min-Position``, see docs/projections.md). Each router here
shares its prefix with the resource's own router (``routes/cases.py`` ...), which has the
``/{id}`` routes. Lists are for the roles that read casework (not ``rag``), cover only the
actor's partnerships, and leave out restricted records for roles that may not read them.
A search (``q``) is written to the access log as ``search`` (no terms, no people).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from adapters.http.presenters import today_in_london
from adapters.http.routes.metrics import views_at_least
from adapters.http.schemas.views import (
    CaseListItem,
    CaseListPage,
    PlanListItem,
    PlanListPage,
    ReviewListItem,
    ReviewListPage,
)
from adapters.http.security import Context
from application import access
from application.access_log import AccessAction
from domain.cases.values import AsbType, CaseStatus, NsirCategory
from domain.plans import PlanStage, PlanStatus
from domain.reviews.values import ReviewStatus
from domain.shared.calendar import WorkingCalendar
from projections.framework import Freshness
from projections.queries import (
    CASE_SORTS,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PLAN_SORTS,
    REVIEW_SORTS,
    CaseFilters,
    PlanFilters,
    Reader,
    ReviewFilters,
    list_cases,
    list_plans,
    list_reviews,
)

cases_router = APIRouter(prefix="/api/cases", tags=["ASB cases"])
plans_router = APIRouter(prefix="/api/plans", tags=["problem-solving plans"])
reviews_router = APIRouter(prefix="/api/case-reviews", tags=["ASB case reviews"])

LIST_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "Your role may not read casework (or not that partnership)"},
    422: {"description": "A bad filter, sort or page (problem+json names the field)"},
}

Partnership = Annotated[str | None, Query(
    max_length=64, description="One of your partnerships (default: all of yours)")]
Search = Annotated[str | None, Query(
    max_length=200, description="Search the reference and summary: PostgreSQL full-text "
    "(words, \"phrases\", -not, or); on SQLite every word must appear")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Text = Annotated[str | None, Query(max_length=200)]
Overdue = Annotated[bool | None, Query(
    description="true: only overdue; false: only not overdue (today in Europe/London)")]


def _sorts(keys: dict[str, str]) -> str:
    return ", ".join(f"{key} / -{key}" for key in sorted(keys))


def _reader(request: Request) -> Reader:
    reader = Reader(request.app.state.container.rules)
    reader.require(access.CASEWORK_READERS, "reading casework lists")
    return reader


def _log_search(request: Request, q: str | None, kind: str) -> None:
    if q is not None and q.strip():
        request.app.state.container.record_read(request, AccessAction.SEARCH, kind, None)


@cases_router.get(
    "", response_model=CaseListPage, responses=LIST_RESPONSES,
    summary="List and search ASB cases",
    description="Filter by status, lead agency and officer, ward, neighbourhood, NSIR "
    "category, type, risk level and overdue; search with `q`; sort with `sort` "
    f"({_sorts(CASE_SORTS)}); page with `offset` and `limit`.",
)
def list_cases_route(
    request: Request, _: Context,
    fresh: Annotated[Freshness, Depends(views_at_least("case_list"))],
    partnership_id: Partnership = None,
    status: CaseStatus | None = None,
    agency: Text = None,
    officer: Text = None,
    ward: Text = None,
    neighbourhood: Text = None,
    category: NsirCategory | None = None,
    asb_type: AsbType | None = None,
    risk: Literal["high", "medium", "standard", "none"] | None = None,
    overdue: Overdue = None,
    q: Search = None,
    sort: Annotated[str, Query(max_length=40)] = "-reported_at",
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> CaseListPage:
    reader = _reader(request)
    filters = CaseFilters(
        partnership_id=partnership_id, status=None if status is None else status.value,
        agency=agency, officer=officer, ward=ward, neighbourhood=neighbourhood,
        category=None if category is None else category.value,
        asb_type=None if asb_type is None else asb_type.value, risk=risk, overdue=overdue,
        q=q, sort=sort, offset=offset, limit=limit)
    with request.app.state.container.projections.reading() as cur:
        page = list_cases(cur, reader, filters, today_in_london())
    _log_search(request, q, "case")
    return CaseListPage(items=[CaseListItem.model_validate(item) for item in page.items],
                        total=page.total, offset=page.offset, limit=page.limit, sort=page.sort)


@plans_router.get(
    "", response_model=PlanListPage, responses=LIST_RESPONSES,
    summary="List and search problem-solving plans",
    description="Filter by governance status, O'SARA stage, lead agency and officer, ward, "
    "neighbourhood, priority and overdue (a response or review past due); search the "
    f"reference and title with `q`; sort ({_sorts(PLAN_SORTS)}); page.",
)
def list_plans_route(
    request: Request, _: Context,
    fresh: Annotated[Freshness, Depends(views_at_least("plan_list"))],
    partnership_id: Partnership = None,
    status: PlanStatus | None = None,
    stage: PlanStage | None = None,
    agency: Text = None,
    officer: Text = None,
    ward: Text = None,
    neighbourhood: Text = None,
    priority: Text = None,
    overdue: Overdue = None,
    q: Search = None,
    sort: Annotated[str, Query(max_length=40)] = "-started_on",
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> PlanListPage:
    reader = _reader(request)
    filters = PlanFilters(
        partnership_id=partnership_id, status=None if status is None else status.value,
        stage=None if stage is None else stage.value, agency=agency, officer=officer,
        ward=ward, neighbourhood=neighbourhood, priority=priority, overdue=overdue, q=q,
        sort=sort, offset=offset, limit=limit)
    with request.app.state.container.projections.reading() as cur:
        page = list_plans(cur, reader, filters, today_in_london())
    _log_search(request, q, "plan")
    return PlanListPage(items=[PlanListItem.model_validate(item) for item in page.items],
                        total=page.total, offset=page.offset, limit=page.limit, sort=page.sort)


@reviews_router.get(
    "", response_model=ReviewListPage, responses=LIST_RESPONSES,
    summary="List and search ASB Case Reviews",
    description="Filter by status, agency (a recommendation to it), ward or neighbourhood "
    "(of a linked ASB case) and overdue (a milestone missed or a recommendation past its "
    f"deadline); search the reference with `q`; sort ({_sorts(REVIEW_SORTS)}); page. "
    "Each review comes with its milestones as they stand today.",
)
def list_reviews_route(
    request: Request, _: Context,
    fresh: Annotated[Freshness, Depends(views_at_least("review_list", "case_list"))],
    partnership_id: Partnership = None,
    status: ReviewStatus | None = None,
    agency: Text = None,
    ward: Text = None,
    neighbourhood: Text = None,
    overdue: Overdue = None,
    q: Search = None,
    sort: Annotated[str, Query(max_length=40)] = "-received_on",
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> ReviewListPage:
    reader = _reader(request)
    rules = request.app.state.container.rules
    filters = ReviewFilters(
        partnership_id=partnership_id, status=None if status is None else status.value,
        agency=agency, ward=ward, neighbourhood=neighbourhood, overdue=overdue, q=q,
        sort=sort, offset=offset, limit=limit)
    with request.app.state.container.projections.reading() as cur:
        page = list_reviews(cur, reader, filters, today_in_london(),
                            WorkingCalendar(rules.reviews.closure_days),
                            rules.reviews.service_levels)
    _log_search(request, q, "case-review")
    return ReviewListPage(items=[ReviewListItem.model_validate(item) for item in page.items],
                          total=page.total, offset=page.offset, limit=page.limit,
                          sort=page.sort)
