"""The quarterly data return: one depersonalised row per incident.

Each row: the NSIR category and type of ASB of the case, the date and time (to the minute)
in Europe/London when the incident happened, the ward and outward postcode of the case,
how many reports of it were logged and by how many agencies. Nothing else: no names,
addresses, free text, case references or ids.

One incident reported to several agencies counts once: the reports logged on a case are
grouped by the cases' own incident-matching rule (``domain.cases.incidents``, with
``rules.cases.incident_matching``: the same agency reference, or the same reporter within
the tolerance), as ``AsbCase.distinct_incidents`` does. An incident is in the quarter of
the London date it happened (its earliest report's ``occurred_at``). Reports logged on
two different cases are not merged (the rule is the case's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from application import access
from application.rules import LocalRules
from domain.cases.incidents import distinct_incidents
from domain.shared.periods import LONDON
from projections.db import ViewCursor, to_db
from projections.overview import parse_quarter
from projections.queries import Reader, chunks, incident_reports

COLUMNS = ("partnership_id", "quarter", "nsir_category", "asb_type", "date", "time", "ward",
           "outward_postcode", "reports", "agencies")


@dataclass(frozen=True)
class ReturnRow:
    partnership_id: str
    quarter: str
    nsir_category: str
    asb_type: str
    date: date
    time: str
    """HH:MM in Europe/London."""
    ward: str
    outward_postcode: str | None
    reports: int
    agencies: int


def data_return(cur: ViewCursor, rules: LocalRules, partnership_id: str,
                quarter_label: str) -> list[ReturnRow]:
    """The incident rows of one quarter, in time order. Roles: rag, coordinator, auditor,
    admin."""
    reader = Reader(rules)
    reader.require(access.REPORT_READERS, "reading the quarterly data return")
    (scope,) = reader.partnerships(partnership_id)
    quarter = parse_quarter(quarter_label)
    start, end = quarter.starts_at, quarter.ends_at
    cases = {r[0]: r[1:] for r in cur.execute(
        "SELECT c.case_id, c.nsir_category, c.asb_type, c.ward, c.outward_postcode "
        "FROM {rm_cases} c WHERE c.partnership_id = ? AND EXISTS (SELECT 1 FROM "
        "{rm_case_incidents} i WHERE i.case_id = c.case_id AND i.occurred_at >= ? "
        "AND i.occurred_at < ?)", [scope, to_db(start), to_db(end)]).fetchall()}
    rows = []
    matching = rules.cases.incident_matching
    for chunk in chunks(sorted(cases)):
        marks = ", ".join("?" for _ in chunk)
        reports = incident_reports(cur.execute(
            "SELECT case_id, incident_id, occurred_at, reported_at, agency, agency_reference, "
            f"reported_by FROM {{rm_case_incidents}} WHERE case_id IN ({marks})",
            list(chunk)).fetchall())
        for case_id, case_reports in reports.items():
            category, asb_type, ward, postcode = cases[case_id]
            for incident in distinct_incidents(case_reports, matching):
                if not start <= incident.occurred_at < end:
                    continue
                local = incident.occurred_at.astimezone(LONDON)
                rows.append(ReturnRow(
                    partnership_id=scope, quarter=quarter.label, nsir_category=category,
                    asb_type=asb_type, date=local.date(), time=local.strftime("%H:%M"),
                    ward=ward, outward_postcode=postcode, reports=len(incident.reports),
                    agencies=len(incident.agencies)))
    return sorted(rows, key=lambda row: (row.date, row.time, row.ward, row.nsir_category,
                                         row.asb_type, row.reports))
