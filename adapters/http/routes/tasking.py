"""``GET /api/jag/tasking``: the JAG tasking list for a partnership and a meeting date.

JSON, or CSV (``?format=csv`` or ``Accept: text/csv``) with one line per item, ready for the
meeting. Read from the views (``projections.tasking``); red/amber/green is worked out from
the meeting date when read. Roles: those that read casework; the list holds case
references and the text of actions, so each read is written to the access log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from adapters.http.routes.metrics import STALE_HEADER, VIEW_POSITION_HEADER, views_at_least
from adapters.http.schemas.views import TaskingListOut
from adapters.http.security import Context
from application.access_log import AccessAction
from projections.framework import Freshness
from projections.tasking import TaskingList, tasking_list

router = APIRouter(prefix="/api/jag", tags=["JAG tasking"])

CSV_MEDIA_TYPE = "text/csv"
TASKING_ACCESS = "view-jag-tasking"
CSV_COLUMNS = ("section", "agency", "kind", "reference", "item", "description", "owner",
               "due_on", "status", "detail")
CSV_EXAMPLE = (
    ",".join(CSV_COLUMNS) + "\r\n"
    "task,herts-police,action,ASB-2026-00042,5b0d2c7e-...,Visit the complainant,pc.jones,"
    "2026-05-01,red,overdue by 11 days\r\n"
)


def wants_csv(format: str | None, accept: str | None) -> bool:
    if format is not None:
        return format == "csv"
    return accept is not None and CSV_MEDIA_TYPE in accept.lower()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else str(value) for value in row])
    return buffer.getvalue()


def csv_response(text: str, filename: str, headers_from: Response) -> Response:
    """A CSV download, keeping the read-your-writes headers the dependency set."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    for name in (VIEW_POSITION_HEADER, STALE_HEADER):
        if name in headers_from.headers:
            headers[name] = headers_from.headers[name]
    return Response(text, media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8", headers=headers)


def tasking_csv_rows(tasking: TaskingList) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for referral in tasking.new_referrals:
        rows.append(["new_referral", referral.lead_agency, "case", referral.reference, "",
                     "", referral.lead_officer, referral.referred_on, referral.status,
                     f"ward {referral.ward}; risk {referral.risk_level or 'not assessed'}"])
    for case in tasking.priority_cases:
        why = [w for w, flag in (("high risk", case.high_risk),
                                 ("repeat victim", case.repeat_victim),
                                 ("vulnerable victim", case.vulnerable_victim)) if flag]
        rows.append(["priority_case", case.lead_agency, "case", case.reference, "", "",
                     case.lead_officer, case.next_review_due, case.review_status or "",
                     "; ".join(why)])
    for plan in tasking.plans:
        rows.append(["plan", plan.lead_agency, "plan", plan.reference, "", plan.title,
                     plan.lead_officer, plan.next_review_due, plan.status,
                     "awaiting " + " and ".join(a.replace("_", " ") for a in plan.awaiting)])
    for review in tasking.case_reviews:
        for milestone in review.milestones:
            rows.append(["case_review_milestone", "", "case-review", review.reference,
                         milestone.milestone, "", "", milestone.due_on, milestone.rag,
                         milestone.status])
    for agency in tasking.agencies:
        for task in agency.tasks:
            when = ("due today" if task.days_to_due == 0 else
                    f"overdue by {-task.days_to_due} days" if task.days_to_due < 0 else
                    f"due in {task.days_to_due} days")
            rows.append(["task", agency.agency, task.kind, task.reference, task.item,
                         task.description, task.owner, task.due_on, task.rag, when])
    for item in tasking.awaiting_closure:
        rows.append(["awaiting_closure", item.lead_agency or "", item.record_kind,
                     item.reference, "", "", "", "", "", item.reason])
    return rows


@router.get(
    "/tasking", response_model=TaskingListOut,
    summary="The JAG tasking list for a partnership and meeting date",
    description=(
        "New referrals since `since` (default 28 days before the meeting), high-risk and "
        "repeat or vulnerable victim cases, plans awaiting JAG agreement or a review, case "
        "reviews with milestones due or missed, every open action, recommendation and plan "
        "response grouped by agency with a red/amber/green status from the meeting date, and "
        "items awaiting closure. JSON, or CSV with `?format=csv` or `Accept: text/csv`."),
    responses={
        200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"},
                                           "example": CSV_EXAMPLE}}},
        403: {"description": "Your role may not read casework, or not that partnership"},
        422: {"description": "Bad partnership or date (problem+json names the field)"},
    },
)
def jag_tasking(
    request: Request, response: Response, _: Context,
    fresh: Annotated[Freshness, Depends(views_at_least("case_list", "plan_list",
                                                       "review_list"))],
    partnership_id: Annotated[str, Query(max_length=64, examples=["north-herts"])],
    meeting_date: Annotated[date, Query(description="The day of the meeting",
                                        ge=date(2000, 1, 1), le=date(2999, 12, 31))],
    since: Annotated[date | None, Query(
        description="New referrals from this day (default: 28 days before the meeting)",
        ge=date(2000, 1, 1), le=date(2999, 12, 31))] = None,
    format: Annotated[Literal["json", "csv"] | None, Query(
        description="Overrides the Accept header")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    container = request.app.state.container
    with container.projections.reading() as cur:
        tasking = tasking_list(cur, container.rules, partnership_id, meeting_date, since)
    as_csv = wants_csv(format, accept)
    container.record_read(request, AccessAction.EXPORT if as_csv else TASKING_ACCESS,
                          "jag-tasking", None)
    if not as_csv:
        return TaskingListOut.model_validate(tasking)
    filename = f"jag-tasking-{tasking.partnership_id}-{tasking.meeting_date.isoformat()}.csv"
    return csv_response(csv_text(CSV_COLUMNS, tasking_csv_rows(tasking)), filename, response)
