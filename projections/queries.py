"""Read-side queries over the views: the case, plan and case review lists and search.

Everything that depends on "today" or on the local rules (overdue, milestones,
red/amber/green, repeat and vulnerable victims) is worked out here, when read, from the
facts the views keep. Access is checked here too, with ``application.access``: lists are
for the roles that read casework (not ``rag``), show only the partnerships the actor works
in, and leave out records whose processing is restricted unless the actor's role may
still read restricted records (``rules.restriction.readers``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from application import access
from application.rules import LocalRules
from domain.cases.incidents import distinct_incidents
from domain.cases.periods import has_cluster
from domain.cases.records import IncidentReport
from domain.cases.rules import IncidentMatching, RepeatVictimRule, VulnerableVictimRule
from domain.cases.values import RiskLevel
from domain.plans import PlanStage, PlanStatus
from domain.reviews.milestones import (
    Milestone,
    MilestoneClock,
    MilestoneProgress,
    MilestoneStatus,
    progress,
)
from domain.reviews.rules import ServiceLevels
from domain.reviews.values import ReviewStatus
from domain.shared.calendar import WorkingCalendar
from domain.shared.errors import InvalidValue
from projections.db import ViewCursor, to_db
from projections.rowcache import text_search_condition

T = TypeVar("T")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
FINISHED_REVIEWS = frozenset({ReviewStatus.CLOSED.value, ReviewStatus.WITHDRAWN.value})

# ------------------------------------------------------------------------------ access


class Reader:
    """Who is reading, from the request context: roles, partnerships, restricted records."""

    def __init__(self, rules: LocalRules) -> None:
        self.rules = rules
        self.actor = access.actor()

    def require(self, roles: Sequence[str], doing: str) -> None:
        access.require_role(*roles, doing=doing)

    def partnerships(self, wanted: str | None = None) -> tuple[str, ...]:
        """The partnerships to read: ``wanted`` (which must be visible) or every visible one."""
        if wanted is not None:
            if self.rules.partnerships.get(wanted) is None:
                raise InvalidValue(
                    f"unknown partnership {wanted!r}; choose one of "
                    + ", ".join(self.rules.partnerships.ids),
                    rule="unknown_partnership", field="partnership_id")
            access.require_partnership(wanted)
            return (wanted,)
        return access.visible_partnerships(self.rules.partnerships.ids)

    @property
    def sees_restricted(self) -> bool:
        return self.actor.has_role(*self.rules.restriction.readers)


def restriction_filter(reader: Reader, id_column: str) -> str:
    """SQL leaving out restricted records for readers who may not see them."""
    if reader.sees_restricted:
        return ""
    return (f" AND NOT EXISTS (SELECT 1 FROM {{rm_restrictions}} rx "
            f"WHERE rx.record_id = {id_column} AND rx.restricted)")


def in_values(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join('?' for _ in values)})", [to_db(v) for v in values]


# ------------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int
    sort: str


def paging(offset: int, limit: int) -> tuple[int, int]:
    if offset < 0:
        raise InvalidValue("offset cannot be negative", rule="invalid_offset", field="offset")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue(f"limit must be 1 to {MAX_LIMIT}", rule="invalid_limit",
                           field="limit")
    return offset, limit


def _order(sort: str, columns: dict[str, str], tie: str) -> str:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in columns:
        raise InvalidValue(
            f"sort by one of {', '.join(sorted(columns))} (prefix - for descending)",
            rule="invalid_sort", field="sort")
    direction = "DESC" if descending else "ASC"
    return f"ORDER BY {columns[key]} {direction}, {tie} {direction}"


def _search(cur: ViewCursor, q: str | None, alias: str) -> tuple[str, list[Any]]:
    if q is None or not q.strip():
        return "", []
    condition, values = text_search_condition(cur.dialect, f"{alias}.search_text", q.strip())
    # A reference typed in part ("00042", "asb-2026-0004") is found on either database.
    return (f" AND (({condition}) OR lower({alias}.reference) LIKE ? ESCAPE '!')",
            [*values, like_pattern(q.strip().lower())])


def like_pattern(term: str) -> str:
    """``term`` anywhere, for ``LIKE ? ESCAPE '!'`` (its own wildcards matched literally)."""
    escaped = term.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _item_values(item_class: type[Any], row: Sequence[Any], **convert: Callable[[Any], Any]
                 ) -> dict[str, Any]:
    """A selected row as the fields of ``item_class`` (in order), some converted."""
    names = [f.name for f in fields(item_class)]
    values = dict(zip(names, row, strict=True))
    for name, conversion in convert.items():
        values[name] = conversion(values[name])
    return values


# ------------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class CaseFilters:
    partnership_id: str | None = None
    status: str | None = None
    agency: str | None = None
    officer: str | None = None
    ward: str | None = None
    neighbourhood: str | None = None
    category: str | None = None
    asb_type: str | None = None
    risk: str | None = None
    """high, medium, standard, or none (not yet assessed)."""
    overdue: bool | None = None
    q: str | None = None
    sort: str = "-reported_at"
    offset: int = 0
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class CaseItem:
    case_id: UUID
    partnership_id: str
    reference: str
    status: str
    nsir_category: str
    asb_type: str
    ward: str
    neighbourhood: str | None
    outward_postcode: str | None
    lead_agency: str
    lead_officer: str
    risk_level: str | None
    reported_at: str
    opened_at: str
    closed_at: str | None
    next_review_due: str | None
    open_actions: int
    overdue_actions: int
    overdue: bool
    jag_status: str | None
    summary: str
    updated_at: str


CASE_SORTS = {
    "reference": "c.reference", "reported_at": "c.reported_at", "opened_at": "c.opened_at",
    "updated": "c.updated_at", "risk": "c.risk_rank", "ward": "c.ward",
    "next_review_due": "coalesce(c.next_review_due, '9999-12-31')",
}


def case_overdue_sql(today: date) -> tuple[str, list[Any]]:
    """Open and past its review date, or with an open action past its due date."""
    day = to_db(today)
    return (
        "(c.status = 'open' AND (c.next_review_due < ? OR EXISTS (SELECT 1 FROM "
        "{rm_case_actions} a WHERE a.case_id = c.case_id AND a.status = 'open' "
        "AND a.due_on < ?)))",
        [day, day],
    )


def list_cases(cur: ViewCursor, reader: Reader, filters: CaseFilters, today: date
               ) -> Page[CaseItem]:
    offset, limit = paging(filters.offset, filters.limit)
    partnerships = reader.partnerships(filters.partnership_id)
    where, values = in_values("c.partnership_id", partnerships)
    where += restriction_filter(reader, "c.case_id")
    for column, value in (("status", filters.status), ("lead_agency", filters.agency),
                          ("ward", filters.ward), ("neighbourhood", filters.neighbourhood),
                          ("nsir_category", filters.category), ("asb_type", filters.asb_type)):
        if value is not None:
            where += f" AND c.{column} = ?"
            values.append(value)
    if filters.officer is not None:
        where += " AND lower(c.lead_officer) = lower(?)"
        values.append(filters.officer)
    if filters.risk is not None:
        if filters.risk == "none":
            where += " AND c.risk_level IS NULL"
        else:
            where += " AND c.risk_level = ?"
            values.append(RiskLevel(filters.risk).value)
    if filters.overdue is not None:
        condition, extra = case_overdue_sql(today)
        where += f" AND {'' if filters.overdue else 'NOT '}{condition}"
        values += extra
    search, extra = _search(cur, filters.q, "c")
    where += search
    values += extra
    total = int(cur.scalar(f"SELECT count(*) FROM {{rm_cases}} c WHERE {where}", values) or 0)
    day = to_db(today)
    overdue_sql, overdue_values = case_overdue_sql(today)
    rows = cur.execute(
        "SELECT c.case_id, c.partnership_id, c.reference, c.status, c.nsir_category, "
        "c.asb_type, c.ward, c.neighbourhood, c.outward_postcode, c.lead_agency, "
        "c.lead_officer, c.risk_level, c.reported_at, c.opened_at, c.closed_at, "
        "c.next_review_due, "
        "(SELECT count(*) FROM {rm_case_actions} a WHERE a.case_id = c.case_id "
        " AND a.status = 'open'), "
        "(SELECT count(*) FROM {rm_case_actions} a WHERE a.case_id = c.case_id "
        " AND a.status = 'open' AND a.due_on < ?), "
        f"CASE WHEN {overdue_sql} THEN 1 ELSE 0 END, c.jag_status, c.summary, c.updated_at "
        f"FROM {{rm_cases}} c WHERE {where} "
        f"{_order(filters.sort, CASE_SORTS, 'c.case_id')} LIMIT ? OFFSET ?",
        [day, *overdue_values, *values, limit, offset],
    ).fetchall()
    items = [CaseItem(**_item_values(CaseItem, row, case_id=UUID, open_actions=int,
                                     overdue_actions=int, overdue=bool)) for row in rows]
    return Page(items, total, offset, limit, filters.sort)


# ------------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class PlanFilters:
    partnership_id: str | None = None
    status: str | None = None
    stage: str | None = None
    agency: str | None = None
    officer: str | None = None
    ward: str | None = None
    neighbourhood: str | None = None
    priority: str | None = None
    overdue: bool | None = None
    q: str | None = None
    sort: str = "-started_on"
    offset: int = 0
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class PlanItem:
    plan_id: UUID
    partnership_id: str
    reference: str
    title: str
    ward: str
    neighbourhood: str | None
    priority: str
    lead_agency: str
    lead_officer: str
    stage: str
    status: str
    started_on: str
    agreed_on: str | None
    closed_on: str | None
    next_review_due: str | None
    assessment_result: str | None
    funded: bool
    open_responses: int
    overdue_responses: int
    overdue: bool
    updated_at: str


PLAN_SORTS = {
    "reference": "p.reference", "started_on": "p.created_at", "updated": "p.updated_at",
    "stage": "p.stage", "ward": "p.ward",
    "next_review_due": "coalesce(p.next_review_due, '9999-12-31')",
}


def plan_overdue_sql(today: date) -> tuple[str, list[Any]]:
    """Not closed, and past its review date or with an open response past its due date."""
    day = to_db(today)
    return (
        "(p.stage <> 'closed' AND (p.next_review_due < ? OR EXISTS (SELECT 1 FROM "
        "{rm_plan_responses} r WHERE r.plan_id = p.plan_id "
        "AND r.status IN ('planned', 'actioned') AND r.due_on < ?)))",
        [day, day],
    )


def list_plans(cur: ViewCursor, reader: Reader, filters: PlanFilters, today: date
               ) -> Page[PlanItem]:
    offset, limit = paging(filters.offset, filters.limit)
    where, values = in_values("p.partnership_id", reader.partnerships(filters.partnership_id))
    if filters.status is not None:
        where += " AND p.status = ?"
        values.append(PlanStatus(filters.status).value)
    if filters.stage is not None:
        where += " AND p.stage = ?"
        values.append(PlanStage(filters.stage).value)
    for column, value in (("lead_agency", filters.agency), ("ward", filters.ward),
                          ("neighbourhood", filters.neighbourhood),
                          ("priority", filters.priority)):
        if value is not None:
            where += f" AND p.{column} = ?"
            values.append(value)
    if filters.officer is not None:
        where += " AND lower(p.lead_officer) = lower(?)"
        values.append(filters.officer)
    if filters.overdue is not None:
        condition, extra = plan_overdue_sql(today)
        where += f" AND {'' if filters.overdue else 'NOT '}{condition}"
        values += extra
    search, extra = _search(cur, filters.q, "p")
    where += search
    values += extra
    total = int(cur.scalar(f"SELECT count(*) FROM {{rm_plans}} p WHERE {where}", values) or 0)
    overdue_sql, overdue_values = plan_overdue_sql(today)
    rows = cur.execute(
        "SELECT p.plan_id, p.partnership_id, p.reference, p.title, p.ward, p.neighbourhood, "
        "p.priority, p.lead_agency, p.lead_officer, p.stage, p.status, p.started_on, "
        "p.agreed_on, p.closed_on, p.next_review_due, p.assessment_result, p.funded, "
        "(SELECT count(*) FROM {rm_plan_responses} r WHERE r.plan_id = p.plan_id "
        " AND r.status IN ('planned', 'actioned')), "
        "(SELECT count(*) FROM {rm_plan_responses} r WHERE r.plan_id = p.plan_id "
        " AND r.status IN ('planned', 'actioned') AND r.due_on < ?), "
        f"CASE WHEN {overdue_sql} THEN 1 ELSE 0 END, p.updated_at "
        f"FROM {{rm_plans}} p WHERE {where} "
        f"{_order(filters.sort, PLAN_SORTS, 'p.plan_id')} LIMIT ? OFFSET ?",
        [to_db(today), *overdue_values, *values, limit, offset],
    ).fetchall()
    items = [PlanItem(**_item_values(PlanItem, row, plan_id=UUID, funded=bool,
                                     open_responses=int, overdue_responses=int, overdue=bool))
             for row in rows]
    return Page(items, total, offset, limit, filters.sort)


# ------------------------------------------------------------------------ case reviews

REVIEW_COLUMNS = (
    "review_id", "partnership_id", "reference", "status", "received_on", "received_via",
    "victim_kind", "hate_incident_involved", "victim_vulnerable", "complaints",
    "acknowledged_on", "threshold_met", "threshold_decided_on", "discretion_agreed_on",
    "first_review_held_on", "recommendations", "outcome_sent_on", "escalated_from",
    "closed_on", "withdrawn_on", "threshold_clock_starts_on", "round_threshold_decided_on",
    "review_clock_starts_on", "round_review_held_on", "round_outcome_sent_on", "updated_at",
)


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def review_milestones(row: dict[str, Any], today: date, calendar: WorkingCalendar,
                      levels: ServiceLevels) -> list[MilestoneProgress]:
    """``CaseReview.milestones`` from a ``rm_reviews`` row."""
    received_on = date.fromisoformat(row["received_on"])
    threshold_starts = date.fromisoformat(row["threshold_clock_starts_on"])
    clocks = [
        MilestoneClock(Milestone.ACKNOWLEDGEMENT, received_on, _day(row["acknowledged_on"])),
        MilestoneClock(Milestone.THRESHOLD_DECISION, threshold_starts,
                       _day(row["round_threshold_decided_on"])),
    ]
    review_starts = _day(row["review_clock_starts_on"])
    if review_starts is not None:
        clocks.append(MilestoneClock(Milestone.REVIEW_MEETING, review_starts,
                                     _day(row["round_review_held_on"])))
    held = _day(row["round_review_held_on"])
    if held is not None:
        clocks.append(MilestoneClock(Milestone.OUTCOME, held,
                                     _day(row["round_outcome_sent_on"])))
    if row["status"] in FINISHED_REVIEWS:
        clocks = [clock for clock in clocks if clock.done_on is not None]
    return [progress(clock, today=today, calendar=calendar, levels=levels) for clock in clocks]


@dataclass(frozen=True)
class ReviewFilters:
    partnership_id: str | None = None
    status: str | None = None
    agency: str | None = None
    """Reviews with a recommendation to this agency."""
    ward: str | None = None
    """Reviews about an ASB case in this ward."""
    neighbourhood: str | None = None
    overdue: bool | None = None
    """A milestone missed, or an open recommendation past its deadline."""
    q: str | None = None
    sort: str = "-received_on"
    offset: int = 0
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class MilestoneItem:
    milestone: str
    due_on: date
    done_on: date | None
    status: str


@dataclass(frozen=True)
class ReviewItem:
    review_id: UUID
    partnership_id: str
    reference: str
    status: str
    received_on: str
    victim_kind: str
    threshold_met: bool | None
    first_review_held_on: str | None
    outcome_sent_on: str | None
    closed_on: str | None
    recommendations: int
    open_recommendations: int
    overdue_recommendations: int
    milestones: list[MilestoneItem] = field(default_factory=list)
    overdue: bool = False
    updated_at: str = ""


REVIEW_SORTS = {"reference": "reference", "received_on": "received_on",
                "updated": "updated_at", "status": "status"}
"""Sort keys of the case review list and the ``ReviewItem`` attribute each sorts by."""


def review_rows(cur: ViewCursor, where: str, values: Sequence[Any]) -> list[dict[str, Any]]:
    rows = cur.execute(
        f"SELECT {', '.join('v.' + c for c in REVIEW_COLUMNS)} FROM {{rm_reviews}} v "
        f"WHERE {where}", values).fetchall()
    return [dict(zip(REVIEW_COLUMNS, row, strict=True)) for row in rows]


def open_recommendations(cur: ViewCursor, review_ids: Sequence[str]
                         ) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(review_ids), 400):
        where, values = in_values("review_id", review_ids[start:start + 400])
        for row in cur.execute(
            "SELECT review_id, number, to_agency, text, deadline, made_on "
            f"FROM {{rm_review_recommendations}} WHERE status = 'open' AND {where}",
            values,
        ).fetchall():
            found.setdefault(row[0], []).append(
                dict(zip(("review_id", "number", "to_agency", "text", "deadline", "made_on"),
                         row, strict=True)))
    return found


def list_reviews(cur: ViewCursor, reader: Reader, filters: ReviewFilters, today: date,
                 calendar: WorkingCalendar, levels: ServiceLevels) -> Page[ReviewItem]:
    offset, limit = paging(filters.offset, filters.limit)
    where, values = in_values("v.partnership_id", reader.partnerships(filters.partnership_id))
    if filters.status is not None:
        where += " AND v.status = ?"
        values.append(ReviewStatus(filters.status).value)
    if filters.agency is not None:
        where += (" AND EXISTS (SELECT 1 FROM {rm_review_recommendations} r "
                  "WHERE r.review_id = v.review_id AND r.to_agency = ?)")
        values.append(filters.agency)
    for column, value in (("ward", filters.ward), ("neighbourhood", filters.neighbourhood)):
        if value is not None:
            where += (" AND EXISTS (SELECT 1 FROM {rm_review_cases} rc JOIN {rm_cases} c "
                      f"ON c.case_id = rc.case_id WHERE rc.review_id = v.review_id "
                      f"AND c.{column} = ?)")
            values.append(value)
    search, extra = _search(cur, filters.q, "v")
    where += search
    values += extra
    _order(filters.sort, REVIEW_SORTS, "review_id")  # validates the sort key
    rows = review_rows(cur, where, values)
    recommendations = open_recommendations(cur, [row["review_id"] for row in rows])
    items = []
    for row in rows:
        milestones = review_milestones(row, today, calendar, levels)
        open_ones = recommendations.get(row["review_id"], [])
        late = sum(1 for r in open_ones if today > date.fromisoformat(r["deadline"]))
        overdue = late > 0 or any(m.status is MilestoneStatus.MISSED for m in milestones)
        if filters.overdue is not None and overdue != filters.overdue:
            continue
        items.append(ReviewItem(
            review_id=UUID(row["review_id"]), partnership_id=row["partnership_id"],
            reference=row["reference"], status=row["status"], received_on=row["received_on"],
            victim_kind=row["victim_kind"],
            threshold_met=None if row["threshold_met"] is None else bool(row["threshold_met"]),
            first_review_held_on=row["first_review_held_on"],
            outcome_sent_on=row["outcome_sent_on"], closed_on=row["closed_on"],
            recommendations=int(row["recommendations"]), open_recommendations=len(open_ones),
            overdue_recommendations=late,
            milestones=[MilestoneItem(m.milestone.value, m.due_on, m.done_on, m.status.value)
                        for m in milestones],
            overdue=overdue, updated_at=row["updated_at"],
        ))
    key = REVIEW_SORTS[filters.sort.removeprefix("-")]
    items.sort(key=lambda item: (getattr(item, key), str(item.review_id)),
               reverse=filters.sort.startswith("-"))
    return Page(items[offset:offset + limit], len(items), offset, limit, filters.sort)


# ---------------------------------------------------------------- facts used by reports


def incident_reports(rows: Iterable[Sequence[Any]]) -> dict[str, list[IncidentReport]]:
    """``(case_id, incident_id, occurred_at, reported_at, agency, agency_reference,
    reported_by)`` rows as each case's incident reports (descriptions are not kept)."""
    by_case: dict[str, list[IncidentReport]] = {}
    for case_id, incident_id, occurred, reported, agency, reference, reporter in rows:
        by_case.setdefault(case_id, []).append(IncidentReport(
            incident_id=UUID(incident_id), occurred_at=parse_moment(occurred),
            reported_at=parse_moment(reported), reported_to_agency=agency,
            agency_reference=reference, description="",
            reported_by=None if reporter is None else UUID(reporter),
            logged_at=parse_moment(reported)))
    return by_case


def parse_moment(text: str) -> datetime:
    """A ``timestamp`` column's text (``projections.db.to_db``) as an aware UTC datetime.
    ``fromisoformat`` reads that format a dozen times faster than ``strptime``."""
    return datetime.fromisoformat(text)


def is_repeat_victim_case(reports: Sequence[IncidentReport], has_victim: bool,
                          rule: RepeatVictimRule, matching: IncidentMatching,
                          before: datetime | None = None) -> bool:
    """``AsbCase.is_repeat_victim_case`` from the view's incident rows; with ``before``,
    counting only the incidents that occurred before that moment."""
    if not has_victim:
        return False
    occurred = [incident.occurred_at for incident in distinct_incidents(reports, matching)]
    if before is not None:
        occurred = [moment for moment in occurred if moment < before]
    return has_cluster(occurred, rule.incidents, rule.within_months)


def is_vulnerable(risk_rank: int, flagged: bool, rule: VulnerableVictimRule) -> bool:
    """``AsbCase.has_vulnerable_victim`` from the case row: the highest current level is
    at least the rule's, or (if flags count) a current victim's assessment has a flag."""
    return risk_rank >= rule.risk_level_at_least.rank or (
        rule.flags_make_vulnerable and bool(flagged))


def chunks(values: Sequence[T], size: int = 400) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]

