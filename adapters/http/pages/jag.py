"""The JAG tasking page (``/jag``): the tasking list for a partnership and a meeting date.

The list is the API's (``projections.tasking.tasking_list``, as ``GET /api/jag/tasking``),
in its sections, with the open actions, recommendations and plan responses grouped by
agency and a red/amber/green status in words on colour, worked out from the meeting date.
Every item links to its record. Printing gives an A4 tasking pack (a page per agency);
"Download CSV" is the API's CSV. Each view is written to the access log as the API's is.
Roles: those that read casework (``access.CASEWORK_READERS``), not rag.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from adapters.http.pages.plans import list_lag
from adapters.http.pages.rendering import render
from adapters.http.pages.session import PageContext, PageRoute
from adapters.http.presenters import today_in_london
from adapters.http.routes.tasking import TASKING_ACCESS
from application import access
from application.errors import NotFound
from projections.tasking import tasking_list

router = APIRouter(route_class=PageRoute, include_in_schema=False)

VIEWS = ("case_list", "plan_list", "review_list")
WAIT_SECONDS = 3.0
RECORD_PATHS = {"case": "/cases/", "plan": "/plans/", "case-review": "/case-reviews/"}
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}


def record_path(record_kind: str, record_id: object) -> str:
    return RECORD_PATHS.get(record_kind, "/") + str(record_id)


def when_due(days_to_due: int) -> str:
    if days_to_due == 0:
        return "due on the day"
    if days_to_due < 0:
        return f"overdue by {-days_to_due} day{'s' if days_to_due != -1 else ''}"
    return f"due in {days_to_due} day{'s' if days_to_due != 1 else ''}"


def _parse_day(text: str | None) -> tuple[date | None, str | None]:
    if not text:
        return None, None
    try:
        return date.fromisoformat(text.strip()), None
    except ValueError:
        return None, "Enter the meeting date as a date, like 2026-05-12"


@router.get("/jag", name="jag_tasking")
def jag_tasking_page(
    request: Request, context: PageContext,
    partnership_id: Annotated[str | None, Query(max_length=64)] = None,
    meeting_date: Annotated[str | None, Query(max_length=20)] = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    access.require_role(*access.CASEWORK_READERS, doing="reading the JAG tasking list")
    container = request.app.state.container
    visible = access.visible_partnerships(container.rules.partnerships.ids)
    if not visible:
        raise NotFound("partnership", partnership_id or "")
    scope = partnership_id or visible[0]
    if scope not in visible:
        raise NotFound("partnership", scope)
    meeting, error = _parse_day(meeting_date)
    meeting = meeting or today_in_london()
    data: dict[str, Any] = {
        "partnerships": [(p, container.rules.partnerships.get(p).name) for p in visible],
        "partnership_id": scope, "meeting_date": meeting_date if error else meeting.isoformat(),
        "error": error, "tasking": None, "behind": 0,
        "record_path": record_path, "when_due": when_due, "rag_words": RAG_WORDS,
    }
    projections = container.projections
    if error is None and projections is not None:
        if min_position is not None:
            projections.wait_for(min_position, WAIT_SECONDS, views=list(VIEWS))
        with projections.reading() as cur:
            tasking = tasking_list(cur, container.rules, scope, meeting)
        container.record_read(request, TASKING_ACCESS, "jag-tasking", None)
        query = urlencode({"partnership_id": scope, "meeting_date": meeting.isoformat()})
        data.update({
            "tasking": tasking,
            "behind": max(list_lag(request, view) for view in VIEWS),
            "csv_link": f"/api/jag/tasking?{query}&format=csv",
            "task_count": sum(len(agency.tasks) for agency in tasking.agencies),
        })
    return render(request, "jag/tasking.html", data, status_code=422 if error else 200)
