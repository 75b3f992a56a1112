"""What an ASB case can tell its readers: status, parties, counts, risk, what is due.

Everything here is derived from the case's state on demand; nothing derived (overdue,
repeat victim, case review prompt) is ever stored. Methods that depend on local rules
take them as arguments, with the defaults from :mod:`domain.cases.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

from domain.cases import periods
from domain.cases.incidents import DistinctIncident, distinct_incidents
from domain.cases.records import (
    Action,
    CaseReviewRightExplanation,
    Classification,
    Closure,
    Conviction,
    FirstReport,
    IncidentReport,
    Intervention,
    JagReferral,
    Lead,
    Location,
    Party,
    Reopening,
    RiskAssessment,
    SupervisorReview,
    VictimContact,
)
from domain.cases.rules import (
    CaseReviewPromptRule,
    IncidentMatching,
    RepeatVictimRule,
    VulnerableVictimRule,
)
from domain.cases.values import CaseStatus, PartyRole, RiskLevel, VulnerabilityFlag

DEFAULT_MATCHING = IncidentMatching()
DEFAULT_REPEAT_VICTIM_RULE = RepeatVictimRule()
DEFAULT_VULNERABLE_VICTIM_RULE = VulnerableVictimRule()
DEFAULT_CASE_REVIEW_PROMPT_RULE = CaseReviewPromptRule()

# Roles of the people who are told about progress and about the ASB Case Review.
VICTIM_ROLES = frozenset({PartyRole.VICTIM, PartyRole.COMPLAINANT})


class CaseQueries:
    """The state of an ASB case (set by its apply methods) and the questions it answers."""

    partnership_id: str
    reference: str
    classification: Classification
    summary: str
    location: Location
    first_report: FirstReport
    lead: Lead
    opened_at: datetime
    parties: list[Party]
    incidents: list[IncidentReport]
    risk_assessments: list[RiskAssessment]
    interventions: list[Intervention]
    convictions: list[Conviction]
    actions: list[Action]
    supervisor_reviews: list[SupervisorReview]
    victim_contacts: list[VictimContact]
    jag_referrals: list[JagReferral]
    case_review_rights_explained: list[CaseReviewRightExplanation]
    closures: list[Closure]
    reopenings: list[Reopening]
    closure: Closure | None
    """The current closure; None while the case is open."""
    next_review_due: date | None

    @property
    def status(self) -> CaseStatus:
        return CaseStatus.OPEN if self.closure is None else CaseStatus.CLOSED

    @property
    def is_open(self) -> bool:
        return self.closure is None

    @property
    def is_closed(self) -> bool:
        return self.closure is not None

    # parties

    def find_party(self, person_id: UUID, role: PartyRole) -> Party | None:
        return next((p for p in self.parties if p.person_id == person_id and p.role == role), None)

    def roles_of(self, person_id: UUID) -> list[PartyRole]:
        return [party.role for party in self.parties if party.person_id == person_id]

    def is_party(self, person_id: UUID) -> bool:
        return any(party.person_id == person_id for party in self.parties)

    def people_in_role(self, role: PartyRole) -> list[UUID]:
        return [party.person_id for party in self.parties if party.role == role]

    @property
    def person_ids(self) -> list[UUID]:
        """Every person on the case, once each, in the order they were added."""
        return list(dict.fromkeys(party.person_id for party in self.parties))

    @property
    def victim_ids(self) -> list[UUID]:
        return self.people_in_role(PartyRole.VICTIM)

    @property
    def alleged_perpetrator_ids(self) -> list[UUID]:
        return self.people_in_role(PartyRole.ALLEGED_PERPETRATOR)

    # incidents

    def distinct_incidents(
        self, matching: IncidentMatching = DEFAULT_MATCHING
    ) -> list[DistinctIncident]:
        """The incidents, each once however many agencies it was reported to."""
        return distinct_incidents(self.incidents, matching)

    def distinct_incident_count(self, matching: IncidentMatching = DEFAULT_MATCHING) -> int:
        return len(self.distinct_incidents(matching))

    def find_incident(self, incident_id: UUID) -> IncidentReport | None:
        return next((i for i in self.incidents if i.incident_id == incident_id), None)

    def is_repeat_victim_case(
        self,
        rule: RepeatVictimRule = DEFAULT_REPEAT_VICTIM_RULE,
        matching: IncidentMatching = DEFAULT_MATCHING,
    ) -> bool:
        """A victim on the case and enough distinct incidents close enough together."""
        if not self.victim_ids:
            return False
        occurred = [incident.occurred_at for incident in self.distinct_incidents(matching)]
        return periods.has_cluster(occurred, rule.incidents, rule.within_months)

    def people_due_case_review_prompt(
        self,
        rule: CaseReviewPromptRule = DEFAULT_CASE_REVIEW_PROMPT_RULE,
        matching: IncidentMatching = DEFAULT_MATCHING,
    ) -> list[UUID]:
        """Victims and complainants who made enough reports close enough together and have
        not yet been told about the ASB Case Review."""
        told = {explanation.person_id for explanation in self.case_review_rights_explained}
        incidents = self.distinct_incidents(matching)
        due = []
        for person_id in self.person_ids:
            if person_id in told or not VICTIM_ROLES.intersection(self.roles_of(person_id)):
                continue
            report_times = [
                moment
                for incident in incidents
                if (moment := incident.first_reported_by(person_id)) is not None
            ]
            if periods.has_cluster(report_times, rule.reports, rule.within_months):
                due.append(person_id)
        return due

    def case_review_prompt_due(
        self,
        rule: CaseReviewPromptRule = DEFAULT_CASE_REVIEW_PROMPT_RULE,
        matching: IncidentMatching = DEFAULT_MATCHING,
    ) -> bool:
        """Whether an open case has a victim to tell about their right to a case review."""
        return self.is_open and bool(self.people_due_case_review_prompt(rule, matching))

    # risk

    def latest_risk_assessment(self, victim_id: UUID) -> RiskAssessment | None:
        for assessment in reversed(self.risk_assessments):
            if assessment.victim_id == victim_id:
                return assessment
        return None

    @property
    def current_risk_assessments(self) -> list[RiskAssessment]:
        """The latest assessment of each person who is a victim on the case now."""
        latest = (self.latest_risk_assessment(victim_id) for victim_id in self.victim_ids)
        return [assessment for assessment in latest if assessment is not None]

    @property
    def current_risk_level(self) -> RiskLevel | None:
        """The highest current level among the victims; None before any assessment."""
        return highest_level(a.level for a in self.current_risk_assessments)

    @property
    def vulnerability_flags(self) -> list[VulnerabilityFlag]:
        flags = {flag for a in self.current_risk_assessments for flag in a.vulnerability_flags}
        return [flag for flag in VulnerabilityFlag if flag in flags]

    def vulnerable_victim_ids(
        self, rule: VulnerableVictimRule = DEFAULT_VULNERABLE_VICTIM_RULE
    ) -> list[UUID]:
        return [
            assessment.victim_id
            for assessment in self.current_risk_assessments
            if assessment.level.rank >= rule.risk_level_at_least.rank
            or (rule.flags_make_vulnerable and assessment.vulnerability_flags)
        ]

    def has_vulnerable_victim(
        self, rule: VulnerableVictimRule = DEFAULT_VULNERABLE_VICTIM_RULE
    ) -> bool:
        return bool(self.vulnerable_victim_ids(rule))

    def is_review_overdue(self, today: date) -> bool:
        return self.is_open and self.next_review_due is not None and self.next_review_due < today

    # interventions

    def find_intervention(self, intervention_id: UUID) -> Intervention | None:
        return next((i for i in self.interventions if i.intervention_id == intervention_id), None)

    @property
    def interventions_awaiting_result(self) -> list[Intervention]:
        return [i for i in self.interventions if not i.has_result]

    def interventions_for(self, person_id: UUID) -> list[Intervention]:
        return [i for i in self.interventions if i.subject_id == person_id]

    # actions

    def find_action(self, action_id: UUID) -> Action | None:
        return next((a for a in self.actions if a.action_id == action_id), None)

    @property
    def open_actions(self) -> list[Action]:
        return [action for action in self.actions if action.is_open]

    def overdue_actions(self, today: date) -> list[Action]:
        return [action for action in self.actions if action.is_overdue(today)]

    # victims and the JAG

    @property
    def last_victim_contact_at(self) -> datetime | None:
        return max((c.contacted_at for c in self.victim_contacts), default=None)

    @property
    def open_jag_referral(self) -> JagReferral | None:
        return next((r for r in self.jag_referrals if r.is_open), None)


def highest_level(levels: Iterable[RiskLevel]) -> RiskLevel | None:
    return max(levels, key=lambda level: level.rank, default=None)
