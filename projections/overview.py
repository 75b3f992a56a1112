"""The RAG quarterly overview: depersonalised figures for a financial-year quarter, each
beside the previous quarter and the same quarter last year.

Figures (docs/reports.md says the same for readers):

* **cases opened** by NSIR category, ASB type and ward: a case is opened in the quarter of
  its ``reported_at`` (when the report was received: a business date, so a case entered late
  counts in the quarter it was reported);
* **cases closed** by category and ward: cases with a closure (``closed_at``) in the
  quarter, once each however often closed;
* **open caseload at quarter end**, by risk level: cases reported before the quarter ended
  and not closed at its end (closures and reopenings in time order), with the case's risk
  level at that moment (the highest latest assessment among its victims then), or "not
  assessed";
* **repeat victims**: how many people (a count, never who) are victims on a case live
  during the quarter that met the repeat-victim rule (``rules.cases.repeat_victim``, on the
  incidents that occurred before the quarter ended, one incident reported to several
  agencies counted once by ``rules.cases.incident_matching``); a person on several such cases
  counts once;
* **interventions started** in the quarter (``started_on``), by type;
* **closure outcomes** and **victim satisfaction**: for each case closed in the quarter, its
  last closure in the quarter;
* **live plans by O'SARA stage** at quarter end (stage moves are dated when recorded), and
  **plans closed** in the quarter (``closed_on``) **by result**;
* **case reviews**: applications received, threshold not met (latest decision in the
  quarter), reviews carried out (first meeting in the quarter), reviews with recommendations
  (of those): the statutory yearly figures counted by quarter.

Quarter boundaries are Europe/London dates (``domain.shared.periods``): 23:30 UTC on 31
March 2026 is 00:30 on 1 April in London, so in 2026-27 Q1. Every count is suppressed by
``projections.suppression`` (1-4 as "fewer than 5", secondary suppression in breakdowns).
Areas are wards, never finer. No names, addresses, dates of birth, free text or references.
Restricted records are counted (counting is not using them about anyone).

The figures are counted by the database, one statement per figure for all the quarters
asked for, reading only what those quarters need (see "figures" below); only the
repeat-victim rule runs in Python. ``tests/projections/overview_reference.py`` keeps the
former all-in-Python computation, which the tests compare this one with.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application import access
from application.rules import LocalRules
from domain.cases.incidents import distinct_incidents
from domain.cases.periods import has_cluster
from domain.cases.records import IncidentReport
from domain.cases.values import (
    AsbType,
    ClosureOutcome,
    InterventionType,
    NsirCategory,
    RiskLevel,
    VictimSatisfaction,
)
from domain.plans import AssessmentResult, PlanStage
from domain.shared.errors import InvalidValue
from domain.shared.periods import FinancialQuarter
from projections.db import ViewCursor, to_db
from projections.queries import Reader, chunks
from projections.suppression import Shown, shown, suppress_breakdown

NOT_ASSESSED = "not assessed"
NOT_GIVEN = "not given"
WORKING_STAGES = [s.value for s in PlanStage if s is not PlanStage.CLOSED]
REVIEW_FIGURES = ("applications_received", "threshold_not_met", "reviews_carried_out",
                  "reviews_with_recommendations")

# (name, title, labels or None for the partnership's wards, published with a total)
SECTIONS: tuple[tuple[str, str, str | None, bool], ...] = (
    ("cases_opened_by_category", "Cases opened, by NSIR category", "category", True),
    ("cases_opened_by_type", "Cases opened, by type of ASB", "type", True),
    ("cases_opened_by_ward", "Cases opened, by ward", None, True),
    ("cases_closed_by_category", "Cases closed, by NSIR category", "category", True),
    ("cases_closed_by_ward", "Cases closed, by ward", None, True),
    ("open_cases_by_risk", "Open caseload at quarter end, by risk level", "risk", True),
    ("repeat_victims", "Repeat victims (people) on cases live in the quarter", "single",
     False),
    ("interventions_by_type", "Interventions started, by type", "intervention", True),
    ("closure_outcomes", "Outcomes of cases closed", "outcome", True),
    ("victim_satisfaction", "Victim satisfaction at closure", "satisfaction", True),
    ("plans_by_stage", "Live problem-solving plans at quarter end, by O'SARA stage", "stage",
     True),
    ("plans_closed_by_result", "Problem-solving plans closed, by result", "result", True),
    ("case_reviews", "ASB Case Reviews", "reviews", False),
)
LABELS: dict[str, list[str]] = {
    "category": [c.value for c in NsirCategory],
    "type": [t.value for t in AsbType],
    "risk": [RiskLevel.HIGH.value, RiskLevel.MEDIUM.value, RiskLevel.STANDARD.value,
             NOT_ASSESSED],
    "single": ["people"],
    "intervention": [t.value for t in InterventionType],
    "outcome": [o.value for o in ClosureOutcome],
    "satisfaction": [*(s.value for s in VictimSatisfaction), NOT_GIVEN],
    "stage": WORKING_STAGES,
    "result": [r.value for r in AssessmentResult],
    "reviews": list(REVIEW_FIGURES),
}

Figures = dict[str, Counter[str]]
"""Section name -> label -> count (raw, before suppression)."""


# ---------------------------------------------------------------------------- figures
#
# Each figure is one SQL statement for all the quarters asked for: a UNION ALL of one
# branch per quarter, each reading only what its quarter needs through an index and
# counting in the database. What a row needs from another table (a closure's case, a case's
# risk level at a moment) is a correlated scalar subquery: one index lookup per row on both
# databases, where a join may make PostgreSQL's planner read a whole table. Only the
# repeat-victim rule (distinct incidents, a cluster within months) runs in Python, on the
# cases it can apply to.
#
# A case was **closed at a moment** when its last closure (in version order) before the
# moment had not been reopened before it. The case row narrows the search for cases open at
# a moment: its ``closed_at`` is its last closure's time while it is closed (NULL while
# open), so a case closed now whose last closure came before the moment was closed then;
# only cases open now or last closed since the moment can have been open then, and the index
# on partnership, status, closed_at and reported_at finds both.

Statement = tuple[str, list[Any]]
"""SQL (``?`` placeholders, tables in braces) and its values."""


def _open_at(partnership_id: str, moment: datetime) -> Statement:
    """The ids (``case_id``) of the cases reported before ``moment`` and open at it."""
    # 1 when the last closure before the moment was not reopened before it, 0 when it was,
    # NULL when there was none.
    not_open = ("COALESCE((SELECT CASE WHEN k.reopened_at IS NULL OR k.reopened_at >= ? "
                "THEN 1 ELSE 0 END FROM {rm_case_closures} k WHERE k.case_id = c.case_id "
                "AND k.closed_at < ? ORDER BY k.version DESC LIMIT 1), 0) = 0")
    # (The second branch checks reported_at in a CASE so that no index on it is used: the
    # cases closed since the moment are the few, the cases reported before it the many.)
    return ("SELECT c.case_id FROM {rm_cases} c WHERE c.partnership_id = ? "
            "AND c.status = 'open' AND c.closed_at IS NULL AND c.reported_at < ? "
            f"AND {not_open} "
            "UNION ALL SELECT c.case_id FROM {rm_cases} c WHERE c.partnership_id = ? "
            "AND c.status = 'closed' AND c.closed_at >= ? "
            f"AND CASE WHEN c.reported_at < ? THEN 1 ELSE 0 END = 1 AND {not_open}",
            [partnership_id, moment, moment, moment,
             partnership_id, moment, moment, moment, moment])


def _of_case(column: str, row: str) -> str:
    """The ``column`` of the case of the row aliased ``row``."""
    return f"(SELECT c.{column} FROM {{rm_cases}} c WHERE c.case_id = {row}.case_id)"


def _in_scope(row: str) -> str:
    """The case of ``row`` is the partnership's (first ``?``) and was reported before the
    end of the last quarter asked for (second ``?``)."""
    return (f"(SELECT c.partnership_id FROM {{rm_cases}} c WHERE c.case_id = {row}.case_id "
            "AND c.reported_at < ?) = ?")


def _opened(partnership_id: str, quarter: FinancialQuarter, until: datetime) -> Statement:
    return ("SELECT c.nsir_category, c.asb_type, c.ward, COUNT(*) AS n FROM {rm_cases} c "
            "WHERE c.partnership_id = ? AND c.reported_at >= ? AND c.reported_at < ? "
            "GROUP BY c.nsir_category, c.asb_type, c.ward",
            [partnership_id, quarter.starts_at, quarter.ends_at])


def _closures(partnership_id: str, quarter: FinancialQuarter, until: datetime) -> Statement:
    """The closures in the quarter (``case_id, version, nsir_category, ward, outcome,
    victim_satisfaction``); the caller keeps each case's last (in version order). (A
    subquery for the last would do, but without statistics PostgreSQL may answer it with
    the closed_at index, once per closure.)"""
    return (f"SELECT k.case_id, k.version, {_of_case('nsir_category', 'k')} AS category, "
            f"{_of_case('ward', 'k')} AS ward, k.outcome, k.victim_satisfaction "
            "FROM {rm_case_closures} k WHERE k.closed_at >= ? AND k.closed_at < ? "
            f"AND {_in_scope('k')}",
            [quarter.starts_at, quarter.ends_at, until, partnership_id])


def _open_by_risk(partnership_id: str, quarter: FinancialQuarter, until: datetime
                  ) -> Statement:
    """Cases open at the quarter's end, by their risk level then (the last change before
    it, in version order)."""
    end = quarter.ends_at
    cases, values = _open_at(partnership_id, end)
    return ("SELECT o.risk, COUNT(*) AS n FROM (SELECT (SELECT r.risk_level "
            "FROM {rm_case_risk_changes} r WHERE r.case_id = c.case_id AND r.changed_at < ? "
            f"ORDER BY r.version DESC LIMIT 1) AS risk FROM ({cases}) c) o GROUP BY o.risk",
            [end, *values])


def _interventions(partnership_id: str, quarter: FinancialQuarter, until: datetime
                   ) -> Statement:
    return ("SELECT t.intervention_type, COUNT(*) AS n FROM {rm_case_interventions} t "
            f"WHERE t.started_on >= ? AND t.started_on <= ? AND {_in_scope('t')} "
            "GROUP BY t.intervention_type",
            [quarter.first_day, quarter.last_day, until, partnership_id])


def _live(partnership_id: str, quarter: FinancialQuarter, until: datetime) -> Statement:
    """The cases live during the quarter: reported in it, open at its start, or reopened
    in it (and reported before it ended). A case may come more than once."""
    start, end = quarter.starts_at, quarter.ends_at
    open_cases, values = _open_at(partnership_id, start)
    return ("SELECT c.case_id FROM {rm_cases} c WHERE c.partnership_id = ? "
            f"AND c.reported_at >= ? AND c.reported_at < ? UNION ALL {open_cases} "
            "UNION ALL SELECT k.case_id FROM {rm_case_closures} k WHERE k.reopened_at >= ? "
            f"AND k.reopened_at < ? AND {_in_scope('k')}",
            [partnership_id, start, end, *values, start, end, end, partnership_id])


def _plans_by_stage(partnership_id: str, quarter: FinancialQuarter, until: datetime
                    ) -> Statement:
    """Plans by their stage at the quarter's end (the last move before it, in version
    order), leaving out closed plans and plans not started then."""
    return ("SELECT o.stage, COUNT(*) AS n FROM (SELECT (SELECT s.stage "
            "FROM {rm_plan_stages} s WHERE s.plan_id = p.plan_id AND s.changed_at < ? "
            "ORDER BY s.version DESC LIMIT 1) AS stage FROM {rm_plans} p "
            "WHERE p.partnership_id = ? AND p.created_at < ?) o "
            "WHERE o.stage IS NOT NULL AND o.stage <> ? GROUP BY o.stage",
            [quarter.ends_at, partnership_id, until, PlanStage.CLOSED.value])


def _plans_closed(partnership_id: str, quarter: FinancialQuarter, until: datetime
                  ) -> Statement:
    """Each plan's last closure (in version order) dated in the quarter, by its result."""
    closed, first, last = PlanStage.CLOSED.value, quarter.first_day, quarter.last_day
    return ("SELECT s.result, COUNT(*) AS n FROM {rm_plan_stages} s "
            "JOIN {rm_plans} p ON p.plan_id = s.plan_id WHERE p.partnership_id = ? "
            "AND p.created_at < ? AND s.stage = ? AND s.closed_on >= ? AND s.closed_on <= ? "
            "AND s.version = (SELECT t.version FROM {rm_plan_stages} t "
            "WHERE t.plan_id = s.plan_id AND t.stage = ? AND t.closed_on >= ? "
            "AND t.closed_on <= ? ORDER BY t.version DESC LIMIT 1) GROUP BY s.result",
            [partnership_id, until, closed, first, last, closed, first, last])


def _reviews(partnership_id: str, quarter: FinancialQuarter, until: datetime) -> Statement:
    """The four case review figures (``REVIEW_FIGURES``), in one row."""
    first, last = quarter.first_day, quarter.last_day
    return ("SELECT COUNT(CASE WHEN received_on >= ? AND received_on <= ? THEN 1 END) AS a, "
            "COUNT(CASE WHEN threshold_met = ? AND threshold_decided_on >= ? "
            "AND threshold_decided_on <= ? THEN 1 END) AS b, "
            "COUNT(CASE WHEN first_review_held_on >= ? AND first_review_held_on <= ? "
            "THEN 1 END) AS c, "
            "COUNT(CASE WHEN first_review_held_on >= ? AND first_review_held_on <= ? "
            "AND recommendations > 0 THEN 1 END) AS d FROM {rm_reviews} WHERE partnership_id = ?",
            [first, last, False, first, last, first, last, first, last, partnership_id])


@dataclass(frozen=True)
class PartnershipFacts:
    """The raw figures of the quarters asked for, and the partnership's wards."""

    figures: dict[FinancialQuarter, Figures]
    wards: list[str]


Branch = Callable[[str, FinancialQuarter, datetime], Statement]


def _each_quarter(cur: ViewCursor, branch: Branch, partnership_id: str,
                  quarters: Sequence[FinancialQuarter], until: datetime
                  ) -> list[tuple[Any, ...]]:
    """``branch`` for every quarter in one statement; each row starts with the quarter's
    position in ``quarters``."""
    statements, values = [], []
    for number, quarter in enumerate(quarters):
        sql, branch_values = branch(partnership_id, quarter, until)
        statements.append(f"SELECT {number} AS q, b.* FROM ({sql}) b")
        values += branch_values
    return cur.execute(" UNION ALL ".join(statements), values).fetchall()


def load_facts(cur: ViewCursor, rules: LocalRules, partnership_id: str,
               quarters: Sequence[FinancialQuarter],
               sections: Collection[str] | None = None) -> PartnershipFacts:
    """The figures of ``quarters`` before suppression, read from the views: every section,
    or only ``sections`` (names in ``SECTIONS``; the statements no section asked for need
    are not run)."""
    names = [name for name, *_ in SECTIONS]
    wanted = set(names) if sections is None else set(sections)
    if not wanted <= set(names):
        raise ValueError(f"no such sections: {sorted(wanted - set(names))}")
    asked = list(dict.fromkeys(quarters))
    figures: list[Figures] = [{name: Counter() for name in names} for _ in asked]
    # Only cases reported (plans created) before the last quarter asked for ended count,
    # in every figure (so a closure in a quarter of a case reported after it counts only
    # when a later quarter is asked for too, as it always has).
    until = max(q.ends_at for q in asked)

    def each(branch: Branch, *filling: str) -> list[tuple[Any, ...]]:
        if wanted.isdisjoint(filling):
            return []
        return _each_quarter(cur, branch, partnership_id, asked, until)

    for number, category, asb_type, ward, count in each(
            _opened, "cases_opened_by_category", "cases_opened_by_type",
            "cases_opened_by_ward"):
        figures[number]["cases_opened_by_category"][category] += count
        figures[number]["cases_opened_by_type"][asb_type] += count
        figures[number]["cases_opened_by_ward"][ward] += count
    last_closures: dict[tuple[int, str], tuple[Any, ...]] = {}
    for number, case_id, version, *closure in each(
            _closures, "cases_closed_by_category", "cases_closed_by_ward", "closure_outcomes",
            "victim_satisfaction"):
        if last_closures.get((number, case_id), (-1,))[0] < version:
            last_closures[number, case_id] = (version, *closure)
    for (number, _), (_, category, ward, outcome, satisfaction) in last_closures.items():
        figures[number]["cases_closed_by_category"][category] += 1
        figures[number]["cases_closed_by_ward"][ward] += 1
        figures[number]["closure_outcomes"][outcome] += 1
        figures[number]["victim_satisfaction"][satisfaction or NOT_GIVEN] += 1
    for number, risk, count in each(_open_by_risk, "open_cases_by_risk"):
        figures[number]["open_cases_by_risk"][risk or NOT_ASSESSED] += count
    for number, kind, count in each(_interventions, "interventions_by_type"):
        figures[number]["interventions_by_type"][kind] += count
    if "repeat_victims" in wanted:
        live: list[set[str]] = [set() for _ in asked]
        for number, case_id in each(_live, "repeat_victims"):
            live[number].add(case_id)
        for number, people in enumerate(_repeat_victims(cur, rules, asked, live)):
            figures[number]["repeat_victims"]["people"] = people
    for number, stage, count in each(_plans_by_stage, "plans_by_stage"):
        figures[number]["plans_by_stage"][stage] += count
    for number, result, count in each(_plans_closed, "plans_closed_by_result"):
        figures[number]["plans_closed_by_result"][result or "not recorded"] += count
    for number, *counts in each(_reviews, "case_reviews"):
        for name, count in zip(REVIEW_FIGURES, counts, strict=True):
            figures[number]["case_reviews"][name] += count

    partnership = rules.partnerships.get(partnership_id)
    wards = [w.name for w in partnership.wards] if partnership is not None else []
    return PartnershipFacts(
        {quarter: {name: counts for name, counts in column.items() if name in wanted}
         for quarter, column in zip(asked, figures, strict=True)}, wards)


def _repeat_victims(cur: ViewCursor, rules: LocalRules, quarters: Sequence[FinancialQuarter],
                    live: Sequence[set[str]]) -> list[int]:
    """For each quarter, how many people are victims on a case live during it (``live``)
    that met the repeat-victim rule on the incidents that occurred before it ended."""
    rule, matching = rules.cases.repeat_victim, rules.cases.incident_matching
    victims: dict[str, set[str]] = {}
    for case_id, person_id in _where_case_in(
            cur, "SELECT case_id, person_id FROM {rm_case_parties} WHERE role = 'victim' AND",
            set().union(*live)):
        victims.setdefault(case_id, set()).add(person_id)
    reports: dict[str, list[Sequence[Any]]] = {}
    for row in _where_case_in(
            cur, "SELECT case_id, incident_id, occurred_at, reported_at, agency, "
            "agency_reference, reported_by FROM {rm_case_incidents} WHERE", victims):
        reports.setdefault(row[0], []).append(row)
    # Reports of one incident count once: a case with fewer reports before a quarter's end
    # than the rule's incidents cannot meet the rule then, and needs no grouping.
    report_times = {case_id: sorted(row[2] for row in rows) for case_id, rows in reports.items()}
    occurred: dict[str, list[datetime]] = {}
    uuids: dict[str, UUID] = {}
    counts = []
    for quarter, cases in zip(quarters, live, strict=True):
        end, before = quarter.ends_at, to_db(quarter.ends_at)
        people: set[str] = set()
        for case_id in cases & victims.keys():
            if bisect_left(report_times.get(case_id, ()), before) < rule.incidents:
                continue
            if case_id not in occurred:
                occurred[case_id] = [incident.occurred_at for incident in distinct_incidents(
                    _reports(reports.get(case_id, []), uuids), matching)]
            if has_cluster([moment for moment in occurred[case_id] if moment < end],
                           rule.incidents, rule.within_months):
                people |= victims[case_id]
        counts.append(len(people))
    return counts


def _where_case_in(cur: ViewCursor, select: str, case_ids: Iterable[str]
                   ) -> Iterable[Sequence[Any]]:
    """The rows of ``select`` (ending in ``WHERE`` or ``AND``) whose ``case_id`` is one of
    ``case_ids``: ``IN (...)`` lists, or on PostgreSQL one ``text[]`` parameter (as
    ``projections.rowcache`` reads rows): one scan at worst, where lists of ids can each
    make a scan of the table when its statistics are missing (just after a rebuild)."""
    ids = sorted(case_ids)
    if not ids:
        return
    if cur.dialect.name == "postgresql":
        cur.raw.execute(cur.sql(f"{select} case_id = ANY(?::text[])"), [ids])
        yield from cur.raw.fetchall()
        return
    for chunk in chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        yield from cur.execute(f"{select} case_id IN ({marks})", list(chunk)).fetchall()


def _reports(rows: Iterable[Sequence[Any]], uuids: dict[str, UUID]) -> list[IncidentReport]:
    """``rm_case_incidents`` rows (``case_id, incident_id, occurred_at, reported_at, agency,
    agency_reference, reported_by``) as incident reports, like ``queries.incident_reports``
    but faster: times parsed as ISO 8601 (the stored form), reporters' ids parsed once
    (``uuids``)."""
    reports = []
    for _, incident_id, occurred, reported, agency, reference, reporter in rows:
        reported_at = datetime.fromisoformat(reported)
        reported_by = None if reporter is None else uuids.get(reporter)
        if reporter is not None and reported_by is None:
            reported_by = uuids[reporter] = UUID(reporter)
        reports.append(IncidentReport(
            incident_id=UUID(incident_id), occurred_at=datetime.fromisoformat(occurred),
            reported_at=reported_at, reported_to_agency=agency, agency_reference=reference,
            description="", reported_by=reported_by, logged_at=reported_at))
    return reports


def quarter_figures(facts: PartnershipFacts, quarter: FinancialQuarter,
                    rules: LocalRules) -> Figures:
    """Every figure of one quarter (one of those ``facts`` were loaded for)."""
    try:
        figures = facts.figures[quarter]
    except KeyError:
        raise ValueError(f"no figures were loaded for {quarter.label}") from None
    return {name: Counter(counts) for name, counts in figures.items()}


# --------------------------------------------------------------------------- published


@dataclass(frozen=True)
class FigureRow:
    label: str
    values: tuple[Shown, Shown, Shown]
    """This quarter, the previous quarter, the same quarter last year."""


@dataclass(frozen=True)
class OverviewSection:
    name: str
    title: str
    rows: list[FigureRow]
    total: FigureRow | None


@dataclass(frozen=True)
class Overview:
    partnership_id: str
    partnership_name: str
    quarter: FinancialQuarter
    compared_with: tuple[FinancialQuarter, FinancialQuarter]
    sections: list[OverviewSection]

    @property
    def columns(self) -> list[str]:
        return [self.quarter.label, *(q.label for q in self.compared_with)]


def parse_quarter(label: str) -> FinancialQuarter:
    try:
        return FinancialQuarter.parse(label)
    except InvalidValue as error:
        raise InvalidValue(error.message, rule=error.rule, field="quarter") from None


def publish(figures: Sequence[Figures], wards: Iterable[str]) -> list[OverviewSection]:
    """The figures of three quarters as published sections, every count suppressed."""
    sections = []
    for name, title, kind, with_total in SECTIONS:
        seen = {label for column in figures for label in column[name]}
        labels = list(LABELS[kind]) if kind is not None else list(wards)
        labels += sorted(seen - set(labels))
        cells: list[dict[str, Shown]] = []
        totals: list[Shown] = []
        for column in figures:
            counts = {label: column[name][label] for label in labels}
            if with_total:
                published, total = suppress_breakdown(counts)
                cells.append(published)
                totals.append(total)
            else:
                cells.append({label: shown(count) for label, count in counts.items()})
        rows = [FigureRow(label, (cells[0][label], cells[1][label], cells[2][label]))
                for label in labels]
        total_row = FigureRow("total", (totals[0], totals[1], totals[2])) if totals else None
        sections.append(OverviewSection(name, title, rows, total_row))
    return sections


def rag_overview(cur: ViewCursor, rules: LocalRules, partnership_id: str,
                 quarter_label: str) -> Overview:
    """The overview (see the module docstring). Roles: rag, coordinator, auditor, admin."""
    reader = Reader(rules)
    reader.require(access.REPORT_READERS, "reading the RAG overview")
    (scope,) = reader.partnerships(partnership_id)
    partnership = rules.partnerships.get(scope)
    assert partnership is not None
    quarter = parse_quarter(quarter_label)
    compared = (quarter.previous(), quarter.same_quarter_last_year())
    quarters = (quarter, *compared)
    facts = load_facts(cur, rules, scope, quarters)
    figures = [quarter_figures(facts, q, rules) for q in quarters]
    return Overview(partnership_id=scope, partnership_name=partnership.name, quarter=quarter,
                    compared_with=compared, sections=publish(figures, facts.wards))
