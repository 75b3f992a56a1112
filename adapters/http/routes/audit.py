"""Audit over HTTP: chain verification, checkpoints, the access log, and record history.

Other resource routers use three things from here:

- :func:`history_routes` adds ``/{id}/history`` and ``/{id}/history/export`` to a
  router for one kind of record (``cases``, ``plans``, ``case-reviews``...).
- :func:`record_access` (or the :data:`RecordAccess` dependency) logs a read of
  personal data in the access log; call it on every read that returns personal data.
- :func:`past_state` with the :data:`AsAt` and :data:`AtVersion` query parameters
  serves ``GET /{id}?as_at=...`` and ``?version=N``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from adapters.audit.export import history_document, history_html, json_value
from adapters.audit.snapshots import verify_snapshots
from adapters.audit.verify import take_checkpoint, verify_store
from adapters.bootstrap import Container
from adapters.http.conventions import AsAtQuery, OffsetQuery, VersionQuery
from adapters.http.security import Context, require_roles
from application.access import AUDITORS, CASEWORK_READERS
from application.access_log import AccessAction, AccessEntry, AccessLog, AccessQuery
from application.context import RequestContext, Role
from application.errors import Forbidden, NotFound
from application.history import HistoryEntry, HistoryPage, HistoryService
from domain.shared.errors import InvalidValue

router = APIRouter(prefix="/api/audit", tags=["audit"])

LoadVisible = Callable[[Request, RequestContext, UUID], Any]
"""Loads the current record, raising NotFound when the actor may not see it."""
PeopleOf = Callable[[Any], Iterable[UUID]]
"""The ids of the people a record refers to (for the access log)."""

AsAt = AsAtQuery
AtVersion = VersionQuery


# -- response models -----------------------------------------------------------------

class ChainBreakOut(BaseModel):
    notification_id: int
    aggregate_id: str | None
    version: int | None
    problem: str
    expected: str | None
    found: str | None


class VerificationOut(BaseModel):
    ok: bool
    events_checked: int
    aggregates_checked: int
    last_notification_id: int
    last_chain_hash: str
    checkpoints_checked: int
    first_break: ChainBreakOut | None
    breaks: list[ChainBreakOut]
    stopped_early: bool
    elapsed_seconds: float
    events_per_second: float | None
    snapshots: SnapshotVerificationOut | None = None
    """Present when asked for (``?snapshots=true``); ``ok`` then covers it too."""


class SnapshotProblemOut(BaseModel):
    aggregate_id: UUID
    version: int
    topic: str
    problem: str
    fields: list[str]


class SnapshotVerificationOut(BaseModel):
    ok: bool
    snapshots_checked: int
    records_checked: int
    events_replayed: int
    problems: list[SnapshotProblemOut]
    elapsed_seconds: float


class CheckpointOut(BaseModel):
    notification_id: int
    chain_hash: str
    at: str


class AccessEntryOut(BaseModel):
    entry_id: int | None
    at: datetime
    user_id: str
    display_name: str
    agency: str
    roles: list[str]
    action: str
    record_kind: str | None
    record_id: UUID | None
    person_ids: list[UUID]
    client_address: str | None
    request_id: str


class AccessLogPage(BaseModel):
    total: int
    offset: int
    limit: int
    entries: list[AccessEntryOut]


class ActorOut(BaseModel):
    user_id: str
    display_name: str
    agency: str
    roles: list[str]
    request_id: str | None


class ChangeOut(BaseModel):
    field: str
    before: Any = Field(description="The value before (null when the field was new)")
    after: Any = Field(description="The value after (null when the field was removed)")


class HistoryEntryOut(BaseModel):
    version: int
    type: str
    recorded_at: datetime
    actor: ActorOut | None
    reason: str | None
    summary: str
    changes: list[ChangeOut]
    notification_id: int | None
    event_hash: str | None


class HistoryPageOut(BaseModel):
    id: UUID
    total: int
    offset: int
    limit: int
    next_offset: int | None
    entries: list[HistoryEntryOut]


def history_entry_out(entry: HistoryEntry) -> HistoryEntryOut:
    actor = entry.actor
    return HistoryEntryOut(
        version=entry.version,
        type=entry.event_type,
        recorded_at=entry.recorded_at,
        actor=None if actor is None else ActorOut(
            user_id=actor.user_id, display_name=actor.display_name, agency=actor.agency,
            roles=list(actor.roles), request_id=actor.request_id,
        ),
        reason=entry.reason,
        summary=entry.summary,
        changes=[ChangeOut(field=c.field, before=json_value(c.before),
                           after=json_value(c.after)) for c in entry.changes],
        notification_id=entry.notification_id,
        event_hash=entry.event_hash,
    )


def history_page_out(page: HistoryPage) -> HistoryPageOut:
    return HistoryPageOut(
        id=page.aggregate_id, total=page.total, offset=page.offset, limit=page.limit,
        next_offset=page.next_offset,
        entries=[history_entry_out(e) for e in page.entries],
    )


# -- helpers for other routers ---------------------------------------------------------

def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def access_log_of(request: Request) -> AccessLog:
    log: AccessLog | None = container_of(request).access_log
    if log is None:  # fail closed: no read of personal data goes unlogged
        raise RuntimeError("the access log is not configured")
    return log


def record_access(
    request: Request,
    context: RequestContext,
    action: str,
    kind: str | None = None,
    record_id: UUID | None = None,
    person_ids: Iterable[UUID] = (),
) -> AccessEntry:
    """Log that ``context``'s actor read personal data (identifiers only, never text)."""
    entry = AccessEntry.for_context(context, action, kind, record_id, person_ids)
    return access_log_of(request).record(entry)


class AccessRecorder:
    """The :data:`RecordAccess` dependency: ``record_access("view-case", "case", id, ...)``."""

    def __init__(self, request: Request, context: RequestContext) -> None:
        self.request = request
        self.context = context

    def __call__(self, action: str, kind: str | None = None, record_id: UUID | None = None,
                 person_ids: Iterable[UUID] = ()) -> AccessEntry:
        return record_access(self.request, self.context, action, kind, record_id, person_ids)


async def _access_recorder(request: Request, context: Context) -> AccessRecorder:
    return AccessRecorder(request, context)


RecordAccess = Annotated[AccessRecorder, Depends(_access_recorder)]


def require_timezone(moment: datetime | None, field: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise InvalidValue(f"{field} needs a time zone, e.g. 2026-03-31T23:59:00Z",
                           rule="http.timezone", field=field)
    return moment


def past_state(request: Request, kind: str, record_id: UUID, *,
               version: int | None = None, as_at: datetime | None = None) -> Any:
    """The record as it was (``as_at`` and/or ``version``); NotFound if it did not exist.

    Check visibility on the current record first (``load_visible``), then call this.
    """
    require_timezone(as_at, "as_at")
    return HistoryService(container_of(request).store).state_at(
        record_id, version=version, as_at=as_at, kind=kind
    )


def history_routes(
    resource_router: APIRouter,
    kind: str,
    load_visible: LoadVisible,
    *,
    people_of: PeopleOf | None = None,
    roles: Sequence[str] = CASEWORK_READERS,
) -> None:
    """Add ``GET /{record_id}/history`` and ``GET /{record_id}/history/export``.

    ``load_visible(request, context, id)`` must raise NotFound when the actor may not see the
    record (the same rule as reading it). Each call is written to the access log with
    the people ``people_of(record)`` names.
    """

    def _check(request: Request, context: RequestContext, record_id: UUID
               ) -> tuple[Any, tuple[UUID, ...]]:
        if not context.actor.has_role(*roles):
            raise Forbidden(f"reading a history needs one of the roles: {', '.join(roles)}")
        current = load_visible(request, context, record_id)
        people = tuple(people_of(current)) if people_of is not None else ()
        return current, people

    @resource_router.get(
        "/{record_id}/history", response_model=HistoryPageOut,
        name=f"{kind}_history", summary=f"Every change to a {kind}, oldest first",
        description="Each event with its version, type, time, who acted and why, and "
                    "what changed (before -> after). Paged by offset and limit.",
    )
    def history(
        record_id: UUID, request: Request, context: Context,
        offset: OffsetQuery = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> HistoryPageOut:
        _, people = _check(request, context, record_id)
        page = HistoryService(container_of(request).store).history(
            record_id, offset, limit, kind=kind
        )
        record_access(request, context, AccessAction.HISTORY, kind, record_id, people)
        return history_page_out(page)

    @resource_router.get(
        "/{record_id}/history/export", name=f"{kind}_history_export",
        summary=f"A {kind}'s full history as verifiable JSON or a readable HTML document",
        response_model=None,
    )
    def export(
        record_id: UUID, request: Request, context: Context,
        format: Annotated[Literal["json", "html"], Query()] = "json",
    ) -> JSONResponse | HTMLResponse:
        _, people = _check(request, context, record_id)
        store = container_of(request).store
        filename = f"{kind}-{record_id}-history.{format}"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        if format == "html":
            entries = HistoryService(store).full_history(record_id, kind=kind)
            body = history_html(entries, kind=kind, record_id=record_id,
                                exported_by=context.actor.user_id)
            record_access(request, context, AccessAction.EXPORT, kind, record_id, people)
            return HTMLResponse(body, headers=headers)
        document = history_document(store, record_id, kind=kind,
                                    exported_by=context.actor.user_id)
        record_access(request, context, AccessAction.EXPORT, kind, record_id, people)
        return JSONResponse(document, headers=headers)


# -- /api/audit ------------------------------------------------------------------------

Auditor = Annotated[Any, Depends(require_roles(*AUDITORS))]
AccessLogReader = Annotated[Any, Depends(require_roles(Role.AUDITOR))]


@router.get("/verify", response_model=VerificationOut,
            summary="Re-compute every hash chain and report the first break")
def verify(
    request: Request, _: Auditor,
    snapshots: Annotated[bool, Query(
        description="Also replay every snapshotted record and compare its snapshots "
                    "(slower: snapshots are not in the chains)")] = False,
) -> VerificationOut:
    store = container_of(request).store
    report = verify_store(store).to_json()
    if snapshots:
        checked = verify_snapshots(store)
        report["snapshots"] = checked.to_json()
        report["ok"] = report["ok"] and checked.ok
    return VerificationOut.model_validate(report)


@router.get("/checkpoint", response_model=CheckpointOut,
            summary="The newest chain link, for a third party to keep",
            responses={404: {"description": "Nothing has been recorded yet"}})
def checkpoint(request: Request, _: Auditor) -> CheckpointOut:
    taken = take_checkpoint(container_of(request).store)
    if taken is None:
        raise NotFound("checkpoint", "latest")
    return CheckpointOut.model_validate(taken.to_json())


@router.get("/access-log", response_model=AccessLogPage,
            summary="Who read what, when and from where (auditors only)")
def access_log(
    request: Request,
    context: Context,
    _: AccessLogReader,
    user_id: Annotated[str | None, Query(max_length=200)] = None,
    record_id: UUID | None = None,
    person_id: UUID | None = None,
    since: Annotated[datetime | None, Query(description="Inclusive, with a time zone")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive, with a time zone")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> AccessLogPage:
    criteria = AccessQuery(
        user_id=user_id, record_id=record_id, person_id=person_id,
        since=require_timezone(since, "since"), until=require_timezone(until, "until"),
        limit=limit, offset=offset,
    )
    log = access_log_of(request)
    entries = log.query(criteria)
    total = log.count(criteria)
    record_access(request, context, AccessAction.VIEW_ACCESS_LOG, None, record_id,
                  () if person_id is None else (person_id,))
    return AccessLogPage(
        total=total, offset=offset, limit=limit,
        entries=[AccessEntryOut(
            entry_id=e.entry_id, at=e.at, user_id=e.user_id, display_name=e.display_name,
            agency=e.agency, roles=list(e.roles), action=e.action, record_kind=e.record_kind,
            record_id=e.record_id, person_ids=list(e.person_ids),
            client_address=e.client_address, request_id=e.request_id,
        ) for e in entries],
    )


__all__ = [
    "AccessRecorder",
    "AsAt",
    "AtVersion",
    "RecordAccess",
    "history_routes",
    "past_state",
    "record_access",
    "router",
]
