"""Jinja2 templates for the pages: one environment, filters, navigation and page globals.

Every page (this phase's and later ones: plans, case reviews, JAG, RAG, audit) renders
through :data:`templates` with :func:`render`, extends ``base.html`` and gets, from
:func:`page_globals`, the signed-in user, the navigation and the CSRF token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.routing import Match

from application.access import AUDITORS, CASEWORK_READERS, REPORT_READERS
from application.context import Actor, Role

LONDON = ZoneInfo("Europe/London")
SERVICE_NAME = "Community safety casework"


# -- formatting (times are stored in UTC and shown in Europe/London) -------------------

def london(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def when(moment: datetime | None, seconds: bool = False) -> str:
    """``2 March 2026, 09:15`` (or ``09:15:42``) in London time."""
    if moment is None:
        return ""
    local = london(moment)
    return f"{local.day} {local:%B %Y}, {local:%H:%M:%S}" if seconds else (
        f"{local.day} {local:%B %Y}, {local:%H:%M}")


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = london(value).date()
    return f"{value.day} {value:%B %Y}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def local_input(moment: datetime | None) -> str:
    """The value of a ``datetime-local`` input: London wall-clock time to the minute."""
    return "" if moment is None else london(moment).strftime("%Y-%m-%dT%H:%M")


_LABELS = {
    "nsir_category": "NSIR category", "asb_type": "ASB type", "jag_referrals": "JAG referrals",
    "outward_postcode": "Postcode area", "rag": "RAG", "asb": "ASB",
    "person_id": "Person", "victim_id": "Victim", "subject_id": "About",
}


def label(value: Any) -> str:
    """``alleged_perpetrator`` -> ``Alleged perpetrator``."""
    if value is None:
        return ""
    text = str(value.value if isinstance(value, Enum) else value)
    if text in _LABELS:
        return _LABELS[text]
    text = text.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def field_id(name: str) -> str:
    """The id of a form field's input (``f-<name>``), which error summaries link to."""
    return "f-" + name.replace(".", "-").replace("_", "-")


def choices(enum_class: type[Enum]) -> list[tuple[str, str]]:
    return [(str(member.value), label(member)) for member in enum_class]


# -- navigation ---------------------------------------------------------------------

@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: tuple[str, ...]


NAV: tuple[NavItem, ...] = (
    NavItem("My work", "/", Role.ALL),
    NavItem("Cases", "/cases", CASEWORK_READERS),
    NavItem("Plans", "/plans", CASEWORK_READERS),
    NavItem("Case reviews", "/case-reviews", CASEWORK_READERS),
    NavItem("JAG tasking", "/jag", (Role.OFFICER, Role.COORDINATOR, Role.AUDITOR, Role.ADMIN)),
    NavItem("RAG overview", "/rag", REPORT_READERS),
    NavItem("Audit", "/audit", AUDITORS),
)
"""Later phases add their page at one of these paths: the link appears when the route does."""


def _has_page(request: Request, path: str) -> bool:
    """Whether the app serves GET ``path`` (asked of the router, so included routers count)."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "",
             "app": request.app, "headers": [], "query_string": b""}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


def _page_paths(request: Request) -> frozenset[str]:
    paths: frozenset[str] | None = getattr(request.app.state, "page_paths", None)
    if paths is None:
        paths = frozenset(item.path for item in NAV if _has_page(request, item.path))
        request.app.state.page_paths = paths
    return paths


def navigation(request: Request, actor: Actor | None) -> list[dict[str, Any]]:
    if actor is None:
        return []
    paths = _page_paths(request)
    here = request.url.path
    items = []
    for item in NAV:
        if item.path not in paths or not actor.has_role(*item.roles):
            continue
        current = here == item.path or (item.path != "/" and here.startswith(item.path + "/"))
        items.append({"label": item.label, "path": item.path, "current": current})
    return items


# -- the environment -------------------------------------------------------------------

def page_globals(request: Request) -> dict[str, Any]:
    """Context every page gets; safe on pages without a signed-in user (sign-in, errors)."""
    actor: Actor | None = getattr(request.state, "actor", None)
    container = request.app.state.container
    agencies: Mapping[str, str] = container.rules.agencies
    return {
        "service_name": SERVICE_NAME,
        "user": actor,
        "nav": navigation(request, actor),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "agency_name": lambda agency_id: agencies.get(agency_id, agency_id),
    }


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("adapters.http", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=when, day=day, iso=iso, local_input=local_input, label=label)
    env.globals.update(choices=choices, field_id=field_id)
    return env


templates = Jinja2Templates(env=_environment(), context_processors=[page_globals])

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def render(request: Request, template: str, context: Mapping[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, dict(context or {}),
                                          status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
