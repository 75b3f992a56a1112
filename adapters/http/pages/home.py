"""My work (``/``) and finding a case (``/cases``).

My work lists, from the read models (``projections.queries``), the user's open cases
(lead officer), plans, case reviews, actions due or overdue for them or their agency
(the tasking list's red and amber tasks) and reviews due soon, with a find box.
Finding a case needs no list: an id is looked up directly, and a reference is
turned into the case's id with ``AsbCase.create_id`` (references are the case's natural
key) in each of the user's partnerships.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from adapters.http.pages import rag
from adapters.http.pages.plans import list_lag
from adapters.http.pages.rendering import render
from adapters.http.pages.session import PageContext, PageRoute
from adapters.http.presenters import today_in_london
from application import access
from application.cases_service import CaseService
from application.context import Actor
from application.errors import NotFound
from domain.cases import AsbCase
from domain.shared.calendar import WorkingCalendar
from projections.queries import (
    FINISHED_REVIEWS,
    CaseFilters,
    PlanFilters,
    Reader,
    ReviewFilters,
    list_cases,
    list_plans,
    list_reviews,
)
from projections.tasking import tasking_list

router = APIRouter(route_class=PageRoute, include_in_schema=False)

_REFERENCE = re.compile(r"^ASB-\d{4}-\d{5}$")


MY_WORK_LIMIT = 20
REVIEWS_DUE_WITHIN_DAYS = 14


@router.get("/", name="my_work")
def my_work(request: Request, context: PageContext) -> Response:
    """My open cases, plans and case reviews, actions due, reviews due; a find box.

    A user who only reads reports (rag) gets the RAG overview here instead.
    """
    actor = context.actor
    can_read = actor.has_role(*access.CASEWORK_READERS)
    if not can_read and actor.has_role(*access.REPORT_READERS):
        return rag.overview_page(request, None, None, landing=True)
    data: dict[str, Any] = {
        "can_read_cases": can_read,
        "can_open_cases": actor.has_role(*access.CASEWORK_WRITERS),
        "lists": None,
        "as_date": lambda text: date.fromisoformat(text[:10]) if text else None,
    }
    container = request.app.state.container
    if can_read and container.projections is not None:
        data["lists"] = my_lists(request, actor, today_in_london())
    return render(request, "home.html", data)


def my_lists(request: Request, actor: Actor, today: date) -> dict[str, Any]:
    """What My work lists, from the list read models and the tasking list's tasks."""
    container = request.app.state.container
    rules = container.rules
    reader = Reader(rules)
    soon = today + timedelta(days=REVIEWS_DUE_WITHIN_DAYS)
    with container.projections.reading() as cur:
        cases = list_cases(cur, reader, CaseFilters(
            status="open", officer=actor.user_id, sort="next_review_due",
            limit=MY_WORK_LIMIT), today)
        plans = list_plans(cur, reader, PlanFilters(
            officer=actor.user_id, sort="next_review_due", limit=MY_WORK_LIMIT), today)
        plans_live = [p for p in plans.items if p.stage != "closed"]
        # Case reviews have no lead officer: an officer's are those with a recommendation
        # to their agency; a coordinator runs them all.
        agency = None if actor.has_role(*access.COORDINATORS) else actor.agency
        reviews = list_reviews(cur, reader, ReviewFilters(agency=agency, limit=MY_WORK_LIMIT),
                               today, WorkingCalendar(rules.reviews.closure_days),
                               rules.reviews.service_levels)
        reviews_live = [r for r in reviews.items if r.status not in FINISHED_REVIEWS]
        tasks: list[Any] = []
        for partnership in reader.partnerships():
            tasking = tasking_list(cur, rules, partnership, today)
            tasks += [task for agency in tasking.agencies for task in agency.tasks
                      if task.rag != "green"
                      and (task.owner == actor.user_id or task.agency == actor.agency)]
    tasks.sort(key=lambda task: (task.due_on, task.reference))
    reviews_due = sorted(
        [("case", c.case_id, c.reference, c.summary, date.fromisoformat(c.next_review_due))
         for c in cases.items
         if c.next_review_due and date.fromisoformat(c.next_review_due) <= soon]
        + [("plan", p.plan_id, p.reference, p.title, date.fromisoformat(p.next_review_due))
           for p in plans_live
           if p.next_review_due and date.fromisoformat(p.next_review_due) <= soon],
        key=lambda row: row[4])
    return {
        "today": today, "soon": soon, "cases": cases, "plans": plans_live,
        "reviews": reviews_live, "tasks": tasks, "reviews_due": reviews_due,
        "behind": max(list_lag(request, view)
                      for view in ("case_list", "plan_list", "review_list")),
    }


def find_case(service: CaseService, actor: Actor, partnership_ids: tuple[str, ...],
              text: str) -> UUID | None:
    """The id of the case with this id or reference that the actor may see, if any."""
    cleaned = text.strip()
    candidates: list[UUID] = []
    try:
        candidates.append(UUID(cleaned))
    except ValueError:
        reference = cleaned.upper().replace(" ", "")
        if _REFERENCE.match(reference):
            candidates += [AsbCase.create_id(p, reference) for p in partnership_ids
                           if actor.can_see_partnership(p)]
    for candidate in candidates:
        try:
            return service.get(candidate).id
        except NotFound:
            continue
    return None


@router.get("/cases", name="find_case")
def find_case_page(request: Request, context: PageContext,
                   q: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    access.require_role(*access.CASEWORK_READERS, doing="finding a case")
    error = None
    if q is not None:
        if not q.strip():
            error = "Enter a case reference, like ASB-2026-00042, or a case id"
        else:
            container = request.app.state.container
            found = find_case(container.services["cases"], context.actor,
                              container.rules.partnerships.ids, q)
            if found is not None:
                return RedirectResponse(f"/cases/{found}", status_code=303)
            error = ("No case with that reference or id is in your partnerships. "
                     "Check it and try again.")
    return render(request, "cases/find.html", {
        "query": q or "", "error": error,
        "can_open_cases": context.actor.has_role(*access.CASEWORK_WRITERS),
    }, status_code=404 if error and q and q.strip() else 200)
