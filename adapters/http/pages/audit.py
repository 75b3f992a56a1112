"""Audit pages: the chain check, a record's history with the record as it was at any
version or moment, and the access log.

- ``/audit`` (auditors and admins, as ``/api/audit/verify``): the result of checking every
  hash chain. A small log is checked on every view; a big one shows the last result in
  this process with a button that runs the check now.
- ``/audit/records/{kind}/{id}`` (anyone who may read the record, as its ``/history``
  route): every change (who, when, what changed), a slider over the versions and a
  date-time picker to see the record as it was, read-only, and the history export.
- ``/audit/access-log`` (auditors only, as ``/api/audit/access-log``): who read what,
  filtered by user, record, person and period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from adapters.audit.verify import AuditVerification, chain_source, describe_break, verify_store
from adapters.http.pages.case_view import people_names, people_on
from adapters.http.pages.forms import FormState
from adapters.http.pages.home import find_case
from adapters.http.pages.plans import (
    PLANS,
    find_plan,
    plan_body_context,
)
from adapters.http.pages.record_steps import (
    FLASH_MESSAGES,
    RecordKind,
    container_of,
    flash_message,
    kind_timeline,
    redirect_with_flash,
    with_flash_cleared,
)
from adapters.http.pages.rendering import LONDON, london, render
from adapters.http.pages.reviews import REVIEWS, find_review, review_body_context
from adapters.http.pages.session import PageContext, PageForm, PageRoute
from adapters.http.presenters import today_in_london
from adapters.http.routes.audit import record_access
from application import access
from application.access_log import AccessAction, AccessEntry, AccessQuery
from application.cases_service import CaseService
from application.context import Actor, Role
from application.errors import NotFound
from application.history import HistoryService, public_state
from domain.shared import clock

router = APIRouter(route_class=PageRoute, include_in_schema=False)

INLINE_VERIFY_EVENTS = 10_000
"""Up to this many events, /audit checks the chains on every view (well under a second)."""
HISTORY_PAGE = 50
ACCESS_LOG_PAGE = 50
SLIDER_TICKS = 60
"""Versions marked on the slider (every version, up to this many)."""
FLASH_MESSAGES["audit:verified"] = "The check has run."


def _cases(request: Request) -> CaseService:
    service: CaseService = container_of(request).services["cases"]
    return service


CASES = RecordKind(
    kind="case", noun="case", base_path="/cases", api_path="/api/cases",
    view_action=AccessAction.VIEW_CASE,
    load=lambda request, case_id: _cases(request).get(case_id),
    people_of=people_on, state_view=public_state, titles={},
    names=lambda request, case: people_names(container_of(request).services["people"],
                                             people_on(case)),
)
KINDS: Mapping[str, RecordKind] = {"case": CASES, "plan": PLANS, "case-review": REVIEWS}
LoadAt = Callable[[Request, UUID, int | None, datetime | None], Any]
LOAD_AT: Mapping[str, LoadAt] = {
    "case": lambda r, i, v, a: _cases(r).get(i, version=v, as_at=a),
    "plan": lambda r, i, v, a: container_of(r).services["plans"].get(i, version=v, as_at=a),
    "case-review": lambda r, i, v, a: container_of(r).services["reviews"].get(
        i, version=v, as_at=a),
}


# -- /audit: the chain check -------------------------------------------------------------

@dataclass(frozen=True)
class VerifyRun:
    result: AuditVerification
    at: datetime
    by: str

    @property
    def first_break(self) -> str | None:
        found = self.result.first_break
        return None if found is None else describe_break(found)


def _verify(request: Request, actor: Actor) -> VerifyRun:
    run = VerifyRun(verify_store(container_of(request).store), clock.now(),
                    actor.display_name or actor.user_id)
    request.app.state.audit_last_verification = run
    return run


@router.get("/audit", name="audit_home")
def audit_home(request: Request, context: PageContext) -> Response:
    access.require_role(*access.AUDITORS, doing="checking the audit trail")
    link = chain_source(container_of(request).store).latest_chain_link()
    events = link[0] if link else 0
    run: VerifyRun | None = getattr(request.app.state, "audit_last_verification", None)
    inline = events <= INLINE_VERIFY_EVENTS
    if inline:
        run = _verify(request, context.actor)
    response = render(request, "audit/home.html", {
        "run": run, "events": events, "inline": inline, "inline_limit": INLINE_VERIFY_EVENTS,
        "link": link, "flash": flash_message(request), "form": FormState(),
        "reads_access_log": context.actor.has_role(Role.AUDITOR),
        "kinds": [(key, kind.noun.capitalize()) for key, kind in KINDS.items()],
    })
    return with_flash_cleared(request, response)


@router.post("/audit/verify", name="audit_verify")
def audit_verify(request: Request, context: PageContext, _: PageForm) -> Response:
    access.require_role(*access.AUDITORS, doing="checking the audit trail")
    _verify(request, context.actor)
    return redirect_with_flash("/audit#verification", "audit:verified")


@router.get("/audit/records", name="audit_find_record")
def find_record(request: Request, context: PageContext,
                q: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    """A record's history by its reference (ASB-, PSP-, CR-) or id."""
    access.require_role(*access.CASEWORK_READERS, doing="reading a record's history")
    text = (q or "").strip()
    found = _find_any(request, context.actor, text) if text else None
    if found is not None:
        return RedirectResponse(KINDS[found[0]].history_path(found[1]), status_code=303)
    return render(request, "audit/find.html", {
        "query": text,
        "error": ("Enter a reference, like ASB-2026-00042, PSP-2026-0007 or CR-2026-0003, "
                  "or a record id" if not text else
                  "No record with that reference or id is in your partnerships."),
    }, status_code=404 if text else 200)


def _find_any(request: Request, actor: Actor, text: str) -> tuple[str, UUID] | None:
    container = container_of(request)
    upper = text.upper()
    tries: list[tuple[str, Callable[[], UUID | None]]] = [
        ("case", lambda: find_case(_cases(request), actor, container.rules.partnerships.ids,
                                   text)),
        ("plan", lambda: find_plan(request, actor, text)),
        ("case-review", lambda: find_review(request, actor, text)),
    ]
    prefixes = {"case": "ASB-", "plan": "PSP-", "case-review": "CR-"}
    for kind, attempt in tries:
        if "-" in upper[:4] and not upper.startswith(prefixes[kind]):
            continue
        found = attempt()
        if found is not None:
            return kind, found
    return None


# -- /audit/records/{kind}/{id}: a record's history and its state at a version ------------

def _moment(text: str) -> tuple[datetime | None, str | None]:
    form = FormState({"as_at": text}, labels={"as_at": "the moment"})
    moment = form.moment("as_at")
    if moment is None:
        return None, form.error("as_at")
    if moment > clock.now():
        return None, "Choose a moment in the past"
    return moment, None


@router.get("/audit/records/{kind}/{record_id}", name="audit_record")
def record_history(
    kind: str, record_id: UUID, request: Request, context: PageContext,
    version: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
    as_at: Annotated[str | None, Query(max_length=40)] = None,
    before: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
) -> Response:
    access.require_role(*access.CASEWORK_READERS, doing="reading a record's history")
    record_kind = KINDS.get(kind)
    if record_kind is None:
        raise NotFound("kind of record", kind)
    current = record_kind.load(request, record_id)
    chosen = current.version if version is None else min(version, current.version)
    as_at_error = None
    moment = None
    if as_at:
        moment, as_at_error = _moment(as_at)
        if moment is not None:
            try:
                chosen = LOAD_AT[kind](request, record_id, None, moment).version
            except NotFound:
                as_at_error = (f"The {record_kind.noun} was not recorded yet then: it was "
                               f"recorded {_recorded(request, record_id, 1)}")
                moment = None
    record = current if chosen == current.version else LOAD_AT[kind](
        request, record_id, chosen, None)
    container_of(request).record_read(request, AccessAction.HISTORY, kind, record_id,
                                      list(record_kind.people_of(current)))
    top = chosen if before is None else max(0, min(before - 1, chosen))
    start = max(0, top - HISTORY_PAGE)
    entries = kind_timeline(request, record_kind, current, after_version=start,
                            up_to_version=top)
    at_version = HistoryService(container_of(request).store).history(
        record_id, chosen - 1, 1, kind=kind).entries[0]
    past = chosen < current.version
    body = _state_context(request, kind, record, at_version.recorded_at if past else None)
    return render(request, "audit/record.html", {
        **body, "kind": record_kind, "kind_key": kind, "current": current, "record": record,
        "chosen": chosen, "past": past, "at_version": at_version, "entries": entries,
        "earlier": start + 1 if start > 0 else None,
        "as_at_text": as_at if as_at_error else (
            london(moment).strftime("%Y-%m-%dT%H:%M:%S") if moment else ""),
        "as_at_error": as_at_error,
        "ticks": range(1, current.version + 1) if current.version <= SLIDER_TICKS else (),
        "case_as_at": _iso(at_version.recorded_at),
        "exports": {"json": record_kind.export_path(record_id, "json"),
                    "html": record_kind.export_path(record_id, "html")},
    }, status_code=422 if as_at_error else 200)


def _recorded(request: Request, record_id: UUID, version: int) -> str:
    entry = HistoryService(container_of(request).store).history(record_id, version - 1,
                                                                1).entries[0]
    moment = london(entry.recorded_at)
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M:%S}"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _state_context(request: Request, kind: str, record: Any, moment: datetime | None
                   ) -> dict[str, Any]:
    """The record's page body, read-only, as it was (``moment``: when that version was
    recorded, for milestones worked out on that day)."""
    today = london(moment).date() if moment is not None else today_in_london()
    if kind == "plan":
        return plan_body_context(request, record, can_write=False, today=today)
    if kind == "case-review":
        return review_body_context(request, record, today=today, can_write=False,
                                   with_preview=moment is None)
    names = people_names(container_of(request).services["people"], people_on(record))
    return {"case": record, "names": names}


# -- /audit/access-log ---------------------------------------------------------------------

_LOG_LABELS = {"user_id": "the user id", "record": "the record", "person_id": "the person id",
               "since": "the first day", "until": "the last day"}


def _record_id(request: Request, actor: Actor, form: FormState) -> UUID | None:
    text = form.text("record")
    if text is None:
        return None
    try:
        return UUID(text)
    except ValueError:
        pass
    found = _find_any(request, actor, text)
    if found is None:
        form.add_error("record", "Enter a record id, or the reference of a case, plan or case "
                                 "review in your partnerships")
        return None
    return found[1]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


@router.get("/audit/access-log", name="audit_access_log")
def access_log_page(
    request: Request, context: PageContext,
    user_id: Annotated[str | None, Query(max_length=200)] = None,
    record: Annotated[str | None, Query(max_length=100)] = None,
    person_id: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[str | None, Query(max_length=20)] = None,
    until: Annotated[str | None, Query(max_length=20)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    access.require_role(Role.AUDITOR, doing="reading the access log")
    form = FormState({"user_id": user_id, "record": record, "person_id": person_id,
                      "since": since, "until": until},
                     fields=tuple(_LOG_LABELS), labels=_LOG_LABELS)
    record_id = _record_id(request, context.actor, form)
    person = None
    if form.text("person_id"):
        try:
            person = UUID(form.value("person_id").strip())
        except ValueError:
            form.add_error("person_id", "Enter the person's record id in full, like "
                                        "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f")
    first, last = form.day("since"), form.day("until")
    if first and last and last < first:
        form.add_error("until", "The last day must be the same as or after the first day")
    entries: list[AccessEntry] = []
    total = 0
    if form.ok:
        criteria = AccessQuery(
            user_id=form.text("user_id"), record_id=record_id, person_id=person,
            since=_start_of(first) if first else None,
            until=_start_of(last + timedelta(days=1)) if last else None,
            limit=ACCESS_LOG_PAGE, offset=offset)
        log = container_of(request).access_log
        entries, total = log.query(criteria), log.count(criteria)
        record_access(request, context, AccessAction.VIEW_ACCESS_LOG, None, record_id,
                      () if person is None else (person,))
    filters = {name: form.value(name) for name in _LOG_LABELS if form.value(name)}
    return render(request, "audit/access_log.html", {
        "form": form, "entries": entries, "total": total, "offset": offset,
        "limit": ACCESS_LOG_PAGE, "filters": filters, "filtered": bool(filters),
        "history_kinds": set(KINDS),
    }, status_code=200 if form.ok else 422)


__all__ = ["CASES", "KINDS", "router"]
