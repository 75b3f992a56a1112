"""My work (``/``) and finding a case (``/cases``).

There is no case list read model yet, so My work is a short page of links and a search
box; the next phase fills it from the projections (my open cases, overdue actions,
reviews due). Finding a case needs no list: an id is looked up directly, and a
reference is turned into the case's id with ``AsbCase.create_id`` (references are the
case's natural key) in each of the user's partnerships.
"""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from adapters.http.pages.rendering import render
from adapters.http.pages.session import PageContext, PageRoute
from application import access
from application.cases_service import CaseService
from application.context import Actor
from application.errors import NotFound
from domain.cases import AsbCase

router = APIRouter(route_class=PageRoute, include_in_schema=False)

_REFERENCE = re.compile(r"^ASB-\d{4}-\d{5}$")


@router.get("/", name="my_work")
def my_work(request: Request, context: PageContext) -> Response:
    actor = context.actor
    return render(request, "home.html", {
        "can_read_cases": actor.has_role(*access.CASEWORK_READERS),
        "can_open_cases": actor.has_role(*access.CASEWORK_WRITERS),
    })


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
