"""Turning aggregates into response models."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from adapters.http.schemas.cases import CaseIndicators, CaseOut
from application.rules import CaseRules
from domain.cases import AsbCase
from domain.shared import clock

LONDON = ZoneInfo("Europe/London")


def today_in_london() -> date:
    return clock.now().astimezone(LONDON).date()


def case_out(case: AsbCase, rules: CaseRules, today: date | None = None) -> CaseOut:
    today = today or today_in_london()
    matching = rules.incident_matching
    indicators = CaseIndicators(
        distinct_incident_count=case.distinct_incident_count(matching),
        current_risk_level=case.current_risk_level,
        vulnerability_flags=case.vulnerability_flags,
        is_repeat_victim_case=case.is_repeat_victim_case(rules.repeat_victim, matching),
        has_vulnerable_victim=case.has_vulnerable_victim(rules.vulnerable_victim),
        case_review_prompt_due=case.case_review_prompt_due(rules.case_review_prompt, matching),
        people_due_case_review_prompt=case.people_due_case_review_prompt(
            rules.case_review_prompt, matching
        ),
        open_action_count=len(case.open_actions),
        overdue_action_ids=[a.action_id for a in case.overdue_actions(today)],
        review_overdue=case.is_review_overdue(today),
    )
    return CaseOut(
        id=case.id, version=case.version, partnership_id=case.partnership_id,
        reference=case.reference, status=case.status, classification=case.classification,
        summary=case.summary, location=case.location, first_report=case.first_report,
        lead=case.lead, opened_at=case.opened_at, next_review_due=case.next_review_due,
        parties=case.parties, incidents=case.incidents,
        risk_assessments=case.risk_assessments, interventions=case.interventions,
        convictions=case.convictions, actions=case.actions,
        supervisor_reviews=case.supervisor_reviews, victim_contacts=case.victim_contacts,
        jag_referrals=case.jag_referrals,
        case_review_rights_explained=case.case_review_rights_explained,
        closures=case.closures, reopenings=case.reopenings, closure=case.closure,
        indicators=indicators,
    )
