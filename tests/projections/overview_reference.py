"""The RAG overview's figures as ``projections.overview`` computed them before its queries
were moved into SQL: every case fact of the partnership loaded into Python, each quarter
counted there. Kept, unchanged, as the reference the SQL version must equal
(``test_overview_equivalence.py``); do not "fix" it without fixing the real one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from application.rules import LocalRules
from domain.cases.records import IncidentReport
from domain.plans import PlanStage
from domain.shared.periods import FinancialQuarter
from projections.db import ViewCursor, to_db
from projections.overview import NOT_ASSESSED, NOT_GIVEN, SECTIONS, Figures
from projections.queries import chunks, incident_reports, is_repeat_victim_case, parse_moment


@dataclass
class CaseFacts:
    case_id: str
    nsir_category: str
    asb_type: str
    ward: str
    reported_at: datetime
    victims: set[str] = field(default_factory=set)
    closures: list[tuple[datetime, datetime | None, str, str | None]] = field(
        default_factory=list)
    """(closed_at, reopened_at, outcome, victim satisfaction), in time order."""
    risk_changes: list[tuple[datetime, str | None]] = field(default_factory=list)
    interventions: list[tuple[str, date]] = field(default_factory=list)
    incidents: list[IncidentReport] = field(default_factory=list)

    def closed_at(self, moment: datetime) -> bool:
        """Whether the case was closed at ``moment`` (counting what happened before it)."""
        state = False
        for closed_at, reopened_at, _, _ in self.closures:
            if closed_at < moment:
                state = reopened_at is None or reopened_at >= moment
        return state

    def open_at(self, moment: datetime) -> bool:
        return self.reported_at < moment and not self.closed_at(moment)

    def live_during(self, quarter: FinancialQuarter) -> bool:
        start, end = quarter.starts_at, quarter.ends_at
        return self.reported_at < end and (
            self.open_at(start) or start <= self.reported_at
            or any(r is not None and start <= r < end for _, r, _, _ in self.closures))

    def risk_at(self, moment: datetime) -> str | None:
        level = None
        for changed_at, new_level in self.risk_changes:
            if changed_at < moment:
                level = new_level
        return level


@dataclass
class PlanFacts:
    plan_id: str
    created_at: datetime
    stages: list[tuple[datetime, str, date | None, str | None]] = field(default_factory=list)
    """(changed_at, stage, closed_on, result), in version order."""

    def stage_at(self, moment: datetime) -> str | None:
        stage = None
        for changed_at, new_stage, _, _ in self.stages:
            if changed_at < moment:
                stage = new_stage
        return stage


@dataclass
class ReviewFacts:
    received_on: date
    threshold_met: bool | None
    threshold_decided_on: date | None
    first_review_held_on: date | None
    recommendations: int


@dataclass
class PartnershipFacts:
    cases: list[CaseFacts]
    plans: list[PlanFacts]
    reviews: list[ReviewFacts]
    wards: list[str]


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def load_facts(cur: ViewCursor, rules: LocalRules, partnership_id: str,
               quarters: Sequence[FinancialQuarter]) -> PartnershipFacts:
    """What the figures of ``quarters`` need, read from the views."""
    until = to_db(max(q.ends_at for q in quarters))
    cases: dict[str, CaseFacts] = {}
    for r in cur.execute(
        "SELECT case_id, nsir_category, asb_type, ward, reported_at FROM {rm_cases} "
        "WHERE partnership_id = ? AND reported_at < ?", [partnership_id, until]).fetchall():
        cases[r[0]] = CaseFacts(r[0], r[1], r[2], r[3], parse_moment(r[4]))
    scoped = ("FROM {rm_cases} c JOIN {table} t ON t.case_id = c.case_id "
              "WHERE c.partnership_id = ? AND c.reported_at < ?")
    for r in cur.execute(
        "SELECT t.case_id, t.closed_at, t.reopened_at, t.outcome, t.victim_satisfaction "
        + scoped.replace("{table}", "{rm_case_closures}") + " ORDER BY t.case_id, t.version",
        [partnership_id, until]).fetchall():
        cases[r[0]].closures.append((parse_moment(r[1]),
                                     None if r[2] is None else parse_moment(r[2]), r[3], r[4]))
    for r in cur.execute(
        "SELECT t.case_id, t.changed_at, t.risk_level "
        + scoped.replace("{table}", "{rm_case_risk_changes}") + " ORDER BY t.case_id, t.version",
        [partnership_id, until]).fetchall():
        cases[r[0]].risk_changes.append((parse_moment(r[1]), r[2]))
    for r in cur.execute(
        "SELECT t.case_id, t.person_id " + scoped.replace("{table}", "{rm_case_parties}")
        + " AND t.role = 'victim'", [partnership_id, until]).fetchall():
        cases[r[0]].victims.add(r[1])
    first = to_db(min(q.first_day for q in quarters))
    for r in cur.execute(
        "SELECT t.case_id, t.intervention_type, t.started_on "
        + scoped.replace("{table}", "{rm_case_interventions}") + " AND t.started_on >= ?",
        [partnership_id, until, first]).fetchall():
        started = _date(r[2])
        assert started is not None
        cases[r[0]].interventions.append((r[1], started))
    with_victims = [c.case_id for c in cases.values()
                    if c.victims and any(c.live_during(q) for q in quarters)]
    for chunk in chunks(with_victims):
        marks = ", ".join("?" for _ in chunk)
        for case_id, reports in incident_reports(cur.execute(
            "SELECT case_id, incident_id, occurred_at, reported_at, agency, agency_reference, "
            f"reported_by FROM {{rm_case_incidents}} WHERE case_id IN ({marks})",
            list(chunk)).fetchall()).items():
            cases[case_id].incidents = reports

    plans: dict[str, PlanFacts] = {}
    for r in cur.execute("SELECT plan_id, created_at FROM {rm_plans} "
                         "WHERE partnership_id = ? AND created_at < ?",
                         [partnership_id, until]).fetchall():
        plans[r[0]] = PlanFacts(r[0], parse_moment(r[1]))
    for r in cur.execute(
        "SELECT s.plan_id, s.changed_at, s.stage, s.closed_on, s.result FROM {rm_plan_stages} s "
        "JOIN {rm_plans} p ON p.plan_id = s.plan_id WHERE p.partnership_id = ? "
        "AND p.created_at < ? ORDER BY s.plan_id, s.version",
        [partnership_id, until]).fetchall():
        plans[r[0]].stages.append((parse_moment(r[1]), r[2], _date(r[3]), r[4]))

    reviews = [ReviewFacts(received_on=date.fromisoformat(r[0]),
                           threshold_met=None if r[1] is None else bool(r[1]),
                           threshold_decided_on=_date(r[2]),
                           first_review_held_on=_date(r[3]), recommendations=int(r[4]))
               for r in cur.execute(
                   "SELECT received_on, threshold_met, threshold_decided_on, "
                   "first_review_held_on, recommendations FROM {rm_reviews} "
                   "WHERE partnership_id = ?", [partnership_id]).fetchall()]
    partnership = rules.partnerships.get(partnership_id)
    wards = [w.name for w in partnership.wards] if partnership is not None else []
    return PartnershipFacts(list(cases.values()), list(plans.values()), reviews, wards)


# ---------------------------------------------------------------------------- figures


def quarter_figures(facts: PartnershipFacts, quarter: FinancialQuarter,
                    rules: LocalRules) -> Figures:
    """Every figure of one quarter, before suppression."""
    start, end = quarter.starts_at, quarter.ends_at
    figures: Figures = {name: Counter() for name, *_ in SECTIONS}
    repeat_victims: set[str] = set()
    for case in facts.cases:
        if start <= case.reported_at < end:
            figures["cases_opened_by_category"][case.nsir_category] += 1
            figures["cases_opened_by_type"][case.asb_type] += 1
            figures["cases_opened_by_ward"][case.ward] += 1
        closures = [c for c in case.closures if start <= c[0] < end]
        if closures:
            _, _, outcome, satisfaction = closures[-1]
            figures["cases_closed_by_category"][case.nsir_category] += 1
            figures["cases_closed_by_ward"][case.ward] += 1
            figures["closure_outcomes"][outcome] += 1
            figures["victim_satisfaction"][satisfaction or NOT_GIVEN] += 1
        if case.open_at(end):
            figures["open_cases_by_risk"][case.risk_at(end) or NOT_ASSESSED] += 1
        for kind, started_on in case.interventions:
            if quarter.contains_date(started_on):
                figures["interventions_by_type"][kind] += 1
        if (case.victims and case.live_during(quarter) and is_repeat_victim_case(
                case.incidents, True, rules.cases.repeat_victim,
                rules.cases.incident_matching, before=end)):
            repeat_victims |= case.victims
    figures["repeat_victims"]["people"] = len(repeat_victims)
    for plan in facts.plans:
        stage = plan.stage_at(end)
        if stage is not None and stage != PlanStage.CLOSED.value:
            figures["plans_by_stage"][stage] += 1
        closed = [s for s in plan.stages if s[1] == PlanStage.CLOSED.value
                  and s[2] is not None and quarter.contains_date(s[2])]
        if closed:
            figures["plans_closed_by_result"][closed[-1][3] or "not recorded"] += 1
    reviews = figures["case_reviews"]
    for review in facts.reviews:
        reviews["applications_received"] += quarter.contains_date(review.received_on)
        reviews["threshold_not_met"] += (
            review.threshold_met is False and review.threshold_decided_on is not None
            and quarter.contains_date(review.threshold_decided_on))
        held = (review.first_review_held_on is not None
                and quarter.contains_date(review.first_review_held_on))
        reviews["reviews_carried_out"] += held
        reviews["reviews_with_recommendations"] += held and review.recommendations > 0
    return figures
