"""The JAG tasking list for one partnership and one meeting date, from the views.

What the Joint Action Group goes through, and how each part is chosen:

* **new referrals**: referrals of cases to the JAG made (London date) from ``since``
  (default 28 days before the meeting, the usual gap between meetings) to the meeting date;
* **priority cases**: open cases with a high-risk victim, a repeat victim
  (``rules.cases.repeat_victim`` over the distinct incidents, ``rules.cases.incident_matching``)
  or a vulnerable victim (``rules.cases.vulnerable_victim``);
* **plans**: live problem-solving plans awaiting the JAG's agreement, or due a review by the
  meeting date;
* **case reviews** with a milestone not yet done (due, at risk or missed on the meeting date);
* **tasks by agency**: every open case action, open case review recommendation and open plan
  response, with agency, owner, due date and a red/amber/green status: red when due before
  the meeting date, amber when due within ``rules.tasking.amber_within_days`` of it, green
  otherwise. The status is worked out here, from the meeting date; it is never stored;
* **awaiting closure**: open cases whose supervisor recommended closure, plans with a
  complete assessment, and case reviews whose outcome was sent (or whose threshold was not
  met) with no recommendation still open.

Tasks are grouped by agency, every agency of the partnership listed (an agency with nothing
open shows an empty list), so the chair can go agency by agency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from application import access
from application.rules import LocalRules
from domain.reviews.milestones import MilestoneStatus
from domain.shared.calendar import WorkingCalendar
from domain.shared.periods import local_date, london_midnight
from projections.db import ViewCursor, to_db
from projections.queries import (
    FINISHED_REVIEWS,
    Reader,
    chunks,
    incident_reports,
    is_repeat_victim_case,
    is_vulnerable,
    parse_moment,
    restriction_filter,
    review_milestones,
    review_rows,
)

DEFAULT_SINCE_DAYS = 28
RED, AMBER, GREEN = "red", "amber", "green"
RAG_ORDER = {RED: 0, AMBER: 1, GREEN: 2}


def rag_status(due_on: date, meeting_date: date, amber_within_days: int) -> str:
    """Red: overdue at the meeting; amber: due within N days of it; green: on track."""
    if due_on < meeting_date:
        return RED
    if due_on <= meeting_date + timedelta(days=amber_within_days):
        return AMBER
    return GREEN


@dataclass(frozen=True)
class Referral:
    case_id: UUID
    reference: str
    referred_on: date
    status: str
    """open (not yet accepted), accepted, or concluded (then ``outcome``)."""
    outcome: str | None
    lead_agency: str
    lead_officer: str
    ward: str
    risk_level: str | None


@dataclass(frozen=True)
class PriorityCase:
    case_id: UUID
    reference: str
    ward: str
    nsir_category: str
    lead_agency: str
    lead_officer: str
    risk_level: str | None
    high_risk: bool
    repeat_victim: bool
    vulnerable_victim: bool
    jag_status: str | None
    next_review_due: date | None
    review_status: str | None
    """Red/amber/green of the case's next review on the meeting date."""


@dataclass(frozen=True)
class PlanForJag:
    plan_id: UUID
    reference: str
    title: str
    ward: str
    lead_agency: str
    lead_officer: str
    stage: str
    status: str
    awaiting: list[str]
    """jag_agreement and/or review."""
    next_review_due: date | None


@dataclass(frozen=True)
class MilestoneDue:
    milestone: str
    due_on: date
    status: str
    """due, at_risk or missed (on the meeting date)."""
    rag: str


@dataclass(frozen=True)
class ReviewForJag:
    review_id: UUID
    reference: str
    status: str
    milestones: list[MilestoneDue]


@dataclass(frozen=True)
class Task:
    kind: str
    """action (on a case), recommendation (of a case review) or response (in a plan)."""
    record_kind: str
    record_id: UUID
    reference: str
    item: str
    """The action's id, or the recommendation's or response's number (R1, R2...)."""
    description: str
    agency: str
    owner: str | None
    due_on: date
    rag: str
    days_to_due: int
    """Negative when overdue at the meeting."""


@dataclass(frozen=True)
class AgencyTasks:
    agency: str
    agency_name: str
    red: int
    amber: int
    green: int
    tasks: list[Task] = field(default_factory=list)


@dataclass(frozen=True)
class AwaitingClosure:
    record_kind: str
    record_id: UUID
    reference: str
    lead_agency: str | None
    reason: str


@dataclass(frozen=True)
class TaskingList:
    partnership_id: str
    partnership_name: str
    meeting_date: date
    since: date
    amber_within_days: int
    new_referrals: list[Referral]
    priority_cases: list[PriorityCase]
    plans: list[PlanForJag]
    case_reviews: list[ReviewForJag]
    agencies: list[AgencyTasks]
    awaiting_closure: list[AwaitingClosure]


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def tasking_list(cur: ViewCursor, rules: LocalRules, partnership_id: str,
                 meeting_date: date, since: date | None = None) -> TaskingList:
    """The tasking list (see the module docstring). Roles: those that read casework."""
    reader = Reader(rules)
    reader.require(access.CASEWORK_READERS, "reading the JAG tasking list")
    (scope,) = reader.partnerships(partnership_id)
    partnership = rules.partnerships.get(scope)
    assert partnership is not None
    since = since if since is not None else meeting_date - timedelta(days=DEFAULT_SINCE_DAYS)
    amber = rules.tasking.amber_within_days
    hidden = restriction_filter(reader, "c.case_id")

    referrals = _referrals(cur, scope, since, meeting_date, hidden)
    priority = _priority_cases(cur, rules, scope, meeting_date, hidden)
    plans = _plans(cur, scope, meeting_date)
    reviews = _reviews(cur, rules, scope, meeting_date)
    tasks = (_case_actions(cur, scope, meeting_date, amber, hidden)
             + _recommendations(cur, scope, meeting_date, amber)
             + _responses(cur, scope, meeting_date, amber))
    closing = _awaiting_closure(cur, scope, hidden)
    return TaskingList(
        partnership_id=scope, partnership_name=partnership.name, meeting_date=meeting_date,
        since=since, amber_within_days=amber, new_referrals=referrals,
        priority_cases=priority, plans=plans, case_reviews=reviews,
        agencies=_by_agency(tasks, partnership.agencies, rules.agencies),
        awaiting_closure=closing,
    )


def _referrals(cur: ViewCursor, scope: str, since: date, meeting_date: date, hidden: str
               ) -> list[Referral]:
    rows = cur.execute(
        "SELECT c.case_id, c.reference, j.referred_at, j.accepted_on, j.outcome, "
        "c.lead_agency, c.lead_officer, c.ward, c.risk_level "
        "FROM {rm_case_jag_referrals} j JOIN {rm_cases} c ON c.case_id = j.case_id "
        f"WHERE c.partnership_id = ? AND j.referred_at >= ? AND j.referred_at < ?{hidden} "
        "ORDER BY j.referred_at, c.reference",
        [scope, to_db(london_midnight(since)),
         to_db(london_midnight(meeting_date + timedelta(days=1)))],
    ).fetchall()
    return [Referral(
        case_id=UUID(r[0]), reference=r[1], referred_on=local_date(parse_moment(r[2])),
        status="concluded" if r[4] is not None else ("accepted" if r[3] else "open"),
        outcome=r[4], lead_agency=r[5], lead_officer=r[6], ward=r[7], risk_level=r[8],
    ) for r in rows]


def _priority_cases(cur: ViewCursor, rules: LocalRules, scope: str, meeting_date: date,
                    hidden: str) -> list[PriorityCase]:
    case_rules = rules.cases
    rows = cur.execute(
        "SELECT c.case_id, c.reference, c.ward, c.nsir_category, c.lead_agency, "
        "c.lead_officer, c.risk_level, c.risk_rank, c.flagged, c.victims, c.jag_status, "
        "c.next_review_due FROM {rm_cases} c "
        f"WHERE c.partnership_id = ? AND c.status = 'open'{hidden} ORDER BY c.reference",
        [scope],
    ).fetchall()
    with_victims = [r[0] for r in rows if int(r[9]) > 0]
    reports: dict[str, list[Any]] = {}
    for chunk in chunks(with_victims):
        marks = ", ".join("?" for _ in chunk)
        reports.update(incident_reports(cur.execute(
            "SELECT case_id, incident_id, occurred_at, reported_at, agency, agency_reference, "
            f"reported_by FROM {{rm_case_incidents}} WHERE case_id IN ({marks})",
            list(chunk)).fetchall()))
    found = []
    for r in rows:
        high = r[6] == "high"
        repeat = is_repeat_victim_case(reports.get(r[0], []), int(r[9]) > 0,
                                       case_rules.repeat_victim, case_rules.incident_matching)
        vulnerable = is_vulnerable(int(r[7]), bool(r[8]), case_rules.vulnerable_victim)
        if not (high or repeat or vulnerable):
            continue
        due = _day(r[11])
        found.append(PriorityCase(
            case_id=UUID(r[0]), reference=r[1], ward=r[2], nsir_category=r[3],
            lead_agency=r[4], lead_officer=r[5], risk_level=r[6], high_risk=high,
            repeat_victim=repeat, vulnerable_victim=vulnerable, jag_status=r[10],
            next_review_due=due,
            review_status=None if due is None else rag_status(due, meeting_date, 0),
        ))
    return found


def _plans(cur: ViewCursor, scope: str, meeting_date: date) -> list[PlanForJag]:
    rows = cur.execute(
        "SELECT plan_id, reference, title, ward, lead_agency, lead_officer, stage, status, "
        "next_review_due FROM {rm_plans} WHERE partnership_id = ? AND stage <> 'closed' "
        "AND (status = 'awaiting_jag_agreement' OR next_review_due <= ?) ORDER BY reference",
        [scope, to_db(meeting_date)],
    ).fetchall()
    plans = []
    for r in rows:
        due = _day(r[8])
        awaiting = ([*(["jag_agreement"] if r[7] == "awaiting_jag_agreement" else []),
                     *(["review"] if due is not None and due <= meeting_date else [])])
        plans.append(PlanForJag(
            plan_id=UUID(r[0]), reference=r[1], title=r[2], ward=r[3], lead_agency=r[4],
            lead_officer=r[5], stage=r[6], status=r[7], awaiting=awaiting,
            next_review_due=due))
    return plans


def _reviews(cur: ViewCursor, rules: LocalRules, scope: str, meeting_date: date
             ) -> list[ReviewForJag]:
    calendar = WorkingCalendar(rules.reviews.closure_days)
    levels = rules.reviews.service_levels
    amber_until = meeting_date + timedelta(days=rules.tasking.amber_within_days)
    marks = ", ".join("?" for _ in FINISHED_REVIEWS)
    found = []
    for row in review_rows(cur, f"v.partnership_id = ? AND v.status NOT IN ({marks})",
                           [scope, *sorted(FINISHED_REVIEWS)]):
        outstanding = []
        for milestone in review_milestones(row, meeting_date, calendar, levels):
            if milestone.done_on is not None:
                continue
            if milestone.status is MilestoneStatus.MISSED:
                colour = RED
            elif (milestone.status is MilestoneStatus.AT_RISK
                  or milestone.due_on <= amber_until):
                colour = AMBER
            else:
                colour = GREEN
            outstanding.append(MilestoneDue(milestone.milestone.value, milestone.due_on,
                                            milestone.status.value, colour))
        if outstanding:
            found.append(ReviewForJag(UUID(row["review_id"]), row["reference"], row["status"],
                                      outstanding))
    return sorted(found, key=lambda review: review.reference)


def _task(kind: str, record_kind: str, row: Any, meeting_date: date, amber: int) -> Task:
    record_id, reference, item, description, agency, owner, due = row
    due_on = date.fromisoformat(due)
    return Task(kind=kind, record_kind=record_kind, record_id=UUID(record_id),
                reference=reference, item=str(item), description=description, agency=agency,
                owner=owner, due_on=due_on, rag=rag_status(due_on, meeting_date, amber),
                days_to_due=(due_on - meeting_date).days)


def _case_actions(cur: ViewCursor, scope: str, meeting_date: date, amber: int, hidden: str
                  ) -> list[Task]:
    rows = cur.execute(
        "SELECT c.case_id, c.reference, a.action_id, a.description, a.agency, a.owner, "
        "a.due_on FROM {rm_case_actions} a JOIN {rm_cases} c ON c.case_id = a.case_id "
        f"WHERE c.partnership_id = ? AND a.status = 'open'{hidden}", [scope]).fetchall()
    return [_task("action", "case", row, meeting_date, amber) for row in rows]


def _recommendations(cur: ViewCursor, scope: str, meeting_date: date, amber: int
                     ) -> list[Task]:
    rows = cur.execute(
        "SELECT v.review_id, v.reference, 'R' || r.number, r.text, r.to_agency, NULL, "
        "r.deadline FROM {rm_review_recommendations} r JOIN {rm_reviews} v "
        "ON v.review_id = r.review_id WHERE v.partnership_id = ? AND r.status = 'open'",
        [scope]).fetchall()
    return [_task("recommendation", "case-review", row, meeting_date, amber) for row in rows]


def _responses(cur: ViewCursor, scope: str, meeting_date: date, amber: int) -> list[Task]:
    rows = cur.execute(
        "SELECT p.plan_id, p.reference, 'R' || r.number, r.description, r.agency, r.owner, "
        "r.due_on FROM {rm_plan_responses} r JOIN {rm_plans} p ON p.plan_id = r.plan_id "
        "WHERE p.partnership_id = ? AND p.stage <> 'closed' "
        "AND r.status IN ('planned', 'actioned')", [scope]).fetchall()
    return [_task("response", "plan", row, meeting_date, amber) for row in rows]


def _by_agency(tasks: list[Task], partnership_agencies: tuple[str, ...],
               names: dict[str, str]) -> list[AgencyTasks]:
    agencies = sorted({*partnership_agencies, *(task.agency for task in tasks)},
                      key=lambda agency: (names.get(agency) or agency).lower())
    grouped = []
    for agency in agencies:
        mine = sorted((t for t in tasks if t.agency == agency),
                      key=lambda t: (RAG_ORDER[t.rag], t.due_on, t.reference, t.item))
        grouped.append(AgencyTasks(
            agency=agency, agency_name=names.get(agency, agency),
            red=sum(1 for t in mine if t.rag == RED),
            amber=sum(1 for t in mine if t.rag == AMBER),
            green=sum(1 for t in mine if t.rag == GREEN), tasks=mine))
    return grouped


def _awaiting_closure(cur: ViewCursor, scope: str, hidden: str) -> list[AwaitingClosure]:
    found = [AwaitingClosure("case", UUID(r[0]), r[1], r[2],
                             "supervisor recommended closure")
             for r in cur.execute(
                 "SELECT c.case_id, c.reference, c.lead_agency FROM {rm_cases} c "
                 "WHERE c.partnership_id = ? AND c.status = 'open' "
                 f"AND c.supervisor_decision = 'recommend_closure'{hidden} "
                 "ORDER BY c.reference", [scope]).fetchall()]
    found += [AwaitingClosure("plan", UUID(r[0]), r[1], r[2], "assessment complete")
              for r in cur.execute(
                  "SELECT plan_id, reference, lead_agency FROM {rm_plans} "
                  "WHERE partnership_id = ? AND assessment_complete ORDER BY reference",
                  [scope]).fetchall()]
    found += [AwaitingClosure(
        "case-review", UUID(r[0]), r[1], None,
        "outcome sent, no recommendation open" if r[2] == "outcome_sent"
        else "threshold not met")
        for r in cur.execute(
            "SELECT v.review_id, v.reference, v.status FROM {rm_reviews} v "
            "WHERE v.partnership_id = ? AND v.status IN ('outcome_sent', 'threshold_not_met') "
            "AND NOT EXISTS (SELECT 1 FROM {rm_review_recommendations} r "
            "WHERE r.review_id = v.review_id AND r.status = 'open') ORDER BY v.reference",
            [scope]).fetchall()]
    return found
