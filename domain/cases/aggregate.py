"""The ASB case aggregate: one report of anti-social behaviour and the work done on it.

Commands (public methods) validate their arguments and the case's state, raising
``InvalidValue`` or ``RuleViolation``, and only then trigger an event through a
private ``@event`` method whose body is the apply logic. The state's attributes and
the queries read models use are in :class:`~domain.cases.queries.CaseQueries`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import event

from domain.cases import checks, escalation, periods
from domain.cases.queries import VICTIM_ROLES, CaseQueries, highest_level
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
from domain.cases.rules import ReviewCadence, RiskQuestionnaire
from domain.cases.values import (
    ActionStatus,
    AsbType,
    ClosureOutcome,
    ContactMethod,
    InterventionResult,
    InterventionType,
    JagOutcome,
    NsirCategory,
    PartyRole,
    ReportingChannel,
    RiskLevel,
    SupervisorDecision,
    VictimSatisfaction,
    VulnerabilityFlag,
)
from domain.shared import clock
from domain.shared.aggregate import CaseworkAggregate
from domain.shared.errors import InvalidValue, RuleViolation

CASE_ID_NAMESPACE = UUID("8f0b6a52-3c1e-4d55-9a43-0b1f3c2a7d10")

DEFAULT_QUESTIONNAIRE = RiskQuestionnaire()
DEFAULT_CADENCE = ReviewCadence()

R = TypeVar("R")


def _replaced(records: list[R], matches: Callable[[R], bool], new: R) -> list[R]:
    return [new if matches(record) else record for record in records]


class AsbCase(CaseQueries, CaseworkAggregate):
    """An anti-social behaviour case, from the first report to closure (and reopening)."""

    # ----------------------------------------------------------------- opening

    class Opened(CaseworkAggregate.Created):
        personal_fields = frozenset({"summary", "address"})
        partnership_id: str
        reference: str
        nsir_category: NsirCategory
        asb_type: AsbType
        other_type: str | None
        summary: str
        address: str
        ward: str
        neighbourhood: str | None
        outward_postcode: str | None
        reporting_channel: ReportingChannel
        lead_agency: str
        lead_officer: str
        reported_at: datetime
        opened_at: datetime

    @staticmethod
    def create_id(partnership_id: str, reference: str) -> UUID:
        """One case per reference: opening the same reference twice cannot be saved."""
        return uuid5(CASE_ID_NAMESPACE, f"{partnership_id}/{reference}")

    @event(Opened)
    def __init__(
        self,
        partnership_id: str,
        reference: str,
        nsir_category: NsirCategory,
        asb_type: AsbType,
        other_type: str | None,
        summary: str,
        address: str,
        ward: str,
        neighbourhood: str | None,
        outward_postcode: str | None,
        reporting_channel: ReportingChannel,
        lead_agency: str,
        lead_officer: str,
        reported_at: datetime,
        opened_at: datetime,
    ) -> None:
        self.partnership_id = partnership_id
        self.reference = reference
        self.classification = Classification(nsir_category, asb_type, other_type)
        self.summary = summary
        self.location = Location(address, ward, neighbourhood, outward_postcode)
        self.first_report = FirstReport(reporting_channel, reported_at)
        self.lead = Lead(lead_agency, lead_officer)
        self.opened_at = opened_at
        self.parties = []
        self.incidents = []
        self.risk_assessments = []
        self.interventions = []
        self.convictions = []
        self.actions = []
        self.supervisor_reviews = []
        self.victim_contacts = []
        self.jag_referrals = []
        self.case_review_rights_explained = []
        self.closures = []
        self.reopenings = []
        self.closure = None
        self.next_review_due = None

    @classmethod
    def open(
        cls,
        *,
        partnership_id: str,
        reference: str,
        nsir_category: NsirCategory,
        asb_type: AsbType,
        summary: str,
        address: str,
        ward: str,
        reporting_channel: ReportingChannel,
        lead_agency: str,
        lead_officer: str,
        reported_at: datetime,
        other_type: str | None = None,
        neighbourhood: str | None = None,
        outward_postcode: str | None = None,
    ) -> AsbCase:
        """Open a case for a report received at ``reported_at``.

        ``reference`` (``ASB-2026-00042``) is allocated by the application layer.
        """
        checked_type = checks.choice(AsbType, asb_type, "asb_type")
        checked_other = checks.optional_text(
            other_type, "other_type", max_length=checks.MAX_NAME_LENGTH
        )
        if checked_type is AsbType.OTHER and checked_other is None:
            raise InvalidValue(
                'Say what the behaviour is when the ASB type is "other".',
                rule="required",
                field="other_type",
            )
        if checked_type is not AsbType.OTHER and checked_other is not None:
            raise InvalidValue(
                'A description of the type is only given when the ASB type is "other".',
                rule="other_type_not_allowed",
                field="other_type",
            )
        return cls(
            partnership_id=checks.slug(partnership_id, "partnership_id"),
            reference=checks.asb_reference(reference, "reference"),
            nsir_category=checks.choice(NsirCategory, nsir_category, "nsir_category"),
            asb_type=checked_type,
            other_type=checked_other,
            summary=checks.required_text(summary, "summary"),
            address=checks.required_text(address, "address", max_length=checks.MAX_NAME_LENGTH),
            ward=checks.name(ward, "ward"),
            neighbourhood=checks.optional_text(
                neighbourhood, "neighbourhood", max_length=checks.MAX_NAME_LENGTH
            ),
            outward_postcode=checks.outward_postcode(outward_postcode, "outward_postcode"),
            reporting_channel=checks.choice(
                ReportingChannel, reporting_channel, "reporting_channel"
            ),
            lead_agency=checks.name(lead_agency, "lead_agency"),
            lead_officer=checks.name(lead_officer, "lead_officer"),
            reported_at=checks.past_moment(reported_at, "reported_at"),
            opened_at=clock.now(),
        )

    # -------------------------------------------------------------------- lead

    class LeadChanged(CaseworkAggregate.Event):
        personal_fields = frozenset[str]()
        lead_agency: str
        lead_officer: str
        changed_at: datetime

    def change_lead(self, *, lead_agency: str, lead_officer: str) -> None:
        self._require_open()
        lead = Lead(
            checks.name(lead_agency, "lead_agency"), checks.name(lead_officer, "lead_officer")
        )
        if lead == self.lead:
            raise RuleViolation("That agency and officer already lead this case.", rule="no_change")
        self._lead_changed(lead.agency, lead.officer, clock.now())

    @event(LeadChanged)
    def _lead_changed(self, lead_agency: str, lead_officer: str, changed_at: datetime) -> None:
        self.lead = Lead(lead_agency, lead_officer)

    # ----------------------------------------------------------------- parties

    class PartyAdded(CaseworkAggregate.Event):
        personal_fields = frozenset[str]()
        person_id: UUID
        role: PartyRole
        consent_to_share: bool
        anonymity_requested: bool
        added_at: datetime

    class PartyUpdated(CaseworkAggregate.Event):
        personal_fields = frozenset[str]()
        person_id: UUID
        role: PartyRole
        consent_to_share: bool
        anonymity_requested: bool

    class PartyRemoved(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        person_id: UUID
        role: PartyRole
        reason: str

    def add_party(
        self,
        *,
        person_id: UUID,
        role: PartyRole,
        consent_to_share: bool = False,
        anonymity_requested: bool = False,
    ) -> None:
        """Add a person (by their person record's id) to the case in a role."""
        self._require_open()
        checked_id = self._checked_uuid(person_id, "person_id")
        checked_role = checks.choice(PartyRole, role, "role")
        if self.find_party(checked_id, checked_role) is not None:
            raise RuleViolation(
                f"That person is already a {checked_role.value.replace('_', ' ')} on this case.",
                rule="duplicate_party",
                field="person_id",
            )
        self._party_added(
            checked_id,
            checked_role,
            self._checked_flag(consent_to_share, "consent_to_share"),
            self._checked_flag(anonymity_requested, "anonymity_requested"),
            clock.now(),
        )

    @event(PartyAdded)
    def _party_added(
        self,
        person_id: UUID,
        role: PartyRole,
        consent_to_share: bool,
        anonymity_requested: bool,
        added_at: datetime,
    ) -> None:
        party = Party(person_id, role, consent_to_share, anonymity_requested, added_at)
        self.parties = [*self.parties, party]

    def update_party(
        self,
        *,
        person_id: UUID,
        role: PartyRole,
        consent_to_share: bool,
        anonymity_requested: bool,
    ) -> None:
        self._require_open()
        party = self._require_party(person_id, checks.choice(PartyRole, role, "role"))
        consent = self._checked_flag(consent_to_share, "consent_to_share")
        anonymity = self._checked_flag(anonymity_requested, "anonymity_requested")
        if (party.consent_to_share, party.anonymity_requested) == (consent, anonymity):
            raise RuleViolation("Nothing about that party has changed.", rule="no_change")
        self._party_updated(party.person_id, party.role, consent, anonymity)

    @event(PartyUpdated)
    def _party_updated(
        self, person_id: UUID, role: PartyRole, consent_to_share: bool, anonymity_requested: bool
    ) -> None:
        def matches(party: Party) -> bool:
            return party.person_id == person_id and party.role == role

        old = next(party for party in self.parties if matches(party))
        new = replace(
            old, consent_to_share=consent_to_share, anonymity_requested=anonymity_requested
        )
        self.parties = _replaced(self.parties, matches, new)

    def remove_party(self, *, person_id: UUID, role: PartyRole, reason: str) -> None:
        """Take a person out of one role (for example, added in error)."""
        self._require_open()
        party = self._require_party(person_id, checks.choice(PartyRole, role, "role"))
        checked_reason = checks.required_text(reason, "reason")
        remaining_roles = [r for r in self.roles_of(party.person_id) if r != party.role]
        for intervention in self.interventions:
            if intervention.subject_id == party.person_id and not escalation.subject_allowed(
                intervention.intervention_type, party.person_id, remaining_roles
            ):
                raise RuleViolation(
                    "That person is the subject of an intervention on this case "
                    f"({intervention.intervention_type.value.replace('_', ' ')}) that needs "
                    "them in this role.",
                    rule="party_is_intervention_subject",
                    field="person_id",
                )
        self._party_removed(party.person_id, party.role, checked_reason)

    @event(PartyRemoved)
    def _party_removed(self, person_id: UUID, role: PartyRole, reason: str) -> None:
        self.parties = [
            party
            for party in self.parties
            if not (party.person_id == person_id and party.role == role)
        ]

    # --------------------------------------------------------------- incidents

    class IncidentLogged(CaseworkAggregate.Event):
        personal_fields = frozenset({"description"})
        incident_id: UUID
        occurred_at: datetime
        reported_at: datetime
        reported_to_agency: str
        agency_reference: str | None
        description: str
        reported_by: UUID | None
        logged_at: datetime

    def log_incident(
        self,
        *,
        occurred_at: datetime,
        reported_at: datetime,
        reported_to_agency: str,
        description: str,
        agency_reference: str | None = None,
        reported_by: UUID | None = None,
    ) -> UUID:
        """Log one report of an incident to one agency; returns the new incident id.

        The same incident reported again (to another agency) is logged again: see
        :meth:`distinct_incidents` for how reports are counted once.
        """
        self._require_open()
        checked_occurred = checks.past_moment(occurred_at, "occurred_at")
        checked_reported = checks.past_moment(reported_at, "reported_at")
        if checked_reported < checked_occurred:
            raise InvalidValue(
                "An incident cannot be reported before it happened.",
                rule="reported_before_occurred",
                field="reported_at",
            )
        if reported_by is not None:
            self._require_person(reported_by, "reported_by")
        incident_id = uuid4()
        self._incident_logged(
            incident_id,
            checked_occurred,
            checked_reported,
            checks.name(reported_to_agency, "reported_to_agency"),
            checks.optional_text(
                agency_reference, "agency_reference", max_length=checks.MAX_NAME_LENGTH
            ),
            checks.required_text(description, "description"),
            reported_by,
            clock.now(),
        )
        return incident_id

    @event(IncidentLogged)
    def _incident_logged(
        self,
        incident_id: UUID,
        occurred_at: datetime,
        reported_at: datetime,
        reported_to_agency: str,
        agency_reference: str | None,
        description: str,
        reported_by: UUID | None,
        logged_at: datetime,
    ) -> None:
        report = IncidentReport(
            incident_id,
            occurred_at,
            reported_at,
            reported_to_agency,
            agency_reference,
            description,
            reported_by,
            logged_at,
        )
        self.incidents = [*self.incidents, report]

    # ---------------------------------------------------------- risk and review

    class RiskAssessed(CaseworkAggregate.Event):
        personal_fields = frozenset({"notes"})
        victim_id: UUID
        assessed_at: datetime
        assessed_by: str
        questionnaire_version: str
        answers: dict[str, bool]
        score: int
        risk_level: RiskLevel
        vulnerability_flags: list[VulnerabilityFlag]
        notes: str | None
        next_review_due: date

    def assess_risk(
        self,
        *,
        victim_id: UUID,
        answers: Mapping[str, bool],
        assessed_by: str,
        vulnerability_flags: Iterable[VulnerabilityFlag] = (),
        notes: str | None = None,
        questionnaire: RiskQuestionnaire = DEFAULT_QUESTIONNAIRE,
        cadence: ReviewCadence = DEFAULT_CADENCE,
    ) -> RiskLevel:
        """Score the questionnaire for a victim; sets the next review by the case's level."""
        self._require_open()
        checked_victim = self._checked_uuid(victim_id, "victim_id")
        if PartyRole.VICTIM not in self.roles_of(checked_victim):
            raise RuleViolation(
                "Risk is assessed for a victim on the case; that person is not one.",
                rule="not_a_victim",
                field="victim_id",
            )
        checked_answers = questionnaire.checked_answers(answers)
        score = questionnaire.score(checked_answers)
        level = questionnaire.level_for(score)
        flags = {
            checks.choice(VulnerabilityFlag, f, "vulnerability_flags") for f in vulnerability_flags
        }
        case_level = self._risk_level_with(checked_victim, level)
        self._risk_assessed(
            victim_id=checked_victim,
            assessed_at=clock.now(),
            assessed_by=checks.name(assessed_by, "assessed_by"),
            questionnaire_version=questionnaire.version,
            answers=checked_answers,
            score=score,
            risk_level=level,
            vulnerability_flags=[f for f in VulnerabilityFlag if f in flags],
            notes=checks.optional_text(notes, "notes"),
            next_review_due=cadence.next_review_due(periods.today(), case_level),
        )
        return level

    @event(RiskAssessed)
    def _risk_assessed(
        self,
        victim_id: UUID,
        assessed_at: datetime,
        assessed_by: str,
        questionnaire_version: str,
        answers: dict[str, bool],
        score: int,
        risk_level: RiskLevel,
        vulnerability_flags: list[VulnerabilityFlag],
        notes: str | None,
        next_review_due: date,
    ) -> None:
        assessment = RiskAssessment(
            victim_id,
            assessed_at,
            assessed_by,
            questionnaire_version,
            dict(answers),
            score,
            risk_level,
            list(vulnerability_flags),
            notes,
            next_review_due,
        )
        self.risk_assessments = [*self.risk_assessments, assessment]
        self.next_review_due = next_review_due

    class SupervisorReviewed(CaseworkAggregate.Event):
        personal_fields = frozenset({"note"})
        reviewed_by: str
        reviewed_at: datetime
        decision: SupervisorDecision
        note: str | None
        next_review_due: date

    def record_supervisor_review(
        self,
        *,
        reviewed_by: str,
        decision: SupervisorDecision,
        note: str | None = None,
        cadence: ReviewCadence = DEFAULT_CADENCE,
    ) -> None:
        """Record a supervisor's review; the next one falls due by the current risk level."""
        self._require_open()
        level = self.current_risk_level or RiskLevel.STANDARD
        self._supervisor_reviewed(
            checks.name(reviewed_by, "reviewed_by"),
            clock.now(),
            checks.choice(SupervisorDecision, decision, "decision"),
            checks.optional_text(note, "note"),
            cadence.next_review_due(periods.today(), level),
        )

    @event(SupervisorReviewed)
    def _supervisor_reviewed(
        self,
        reviewed_by: str,
        reviewed_at: datetime,
        decision: SupervisorDecision,
        note: str | None,
        next_review_due: date,
    ) -> None:
        review = SupervisorReview(reviewed_by, reviewed_at, decision, note, next_review_due)
        self.supervisor_reviews = [*self.supervisor_reviews, review]
        self.next_review_due = next_review_due

    # ----------------------------------------------------------- interventions

    class InterventionRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"details"})
        intervention_id: UUID
        intervention_type: InterventionType
        agency: str
        officer: str
        subject_id: UUID | None
        started_on: date
        review_on: date | None
        ends_on: date | None
        details: str | None

    class InterventionResultRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"note"})
        intervention_id: UUID
        result: InterventionResult
        result_on: date
        note: str | None

    class ConvictionRecorded(CaseworkAggregate.Event):
        personal_fields = frozenset({"offence"})
        person_id: UUID
        convicted_on: date
        court: str | None
        offence: str
        recorded_at: datetime

    def record_intervention(
        self,
        *,
        intervention_type: InterventionType,
        agency: str,
        officer: str,
        started_on: date,
        subject_id: UUID | None = None,
        review_on: date | None = None,
        ends_on: date | None = None,
        details: str | None = None,
    ) -> UUID:
        """Record an intervention from the escalation ladder; returns its id.

        See :mod:`domain.cases.escalation` for who it may be aimed at and the legal order.
        """
        self._require_open()
        checked_type = checks.choice(InterventionType, intervention_type, "intervention_type")
        checked_start = checks.past_date(started_on, "started_on")
        for later, field in ((review_on, "review_on"), (ends_on, "ends_on")):
            if later is not None and checks.a_date(later, field) < checked_start:
                raise InvalidValue(
                    f"The {field.replace('_on', '')} date cannot be before the start date.",
                    rule="before_start",
                    field=field,
                )
        if subject_id is not None:
            self._checked_uuid(subject_id, "subject_id")
        subject_roles = self.roles_of(subject_id) if subject_id is not None else []
        escalation.check_subject(checked_type, subject_id, subject_roles)
        escalation.check_legal_order(
            checked_type, subject_id, checked_start, self.interventions, self.convictions
        )
        intervention_id = uuid4()
        self._intervention_recorded(
            intervention_id,
            checked_type,
            checks.name(agency, "agency"),
            checks.name(officer, "officer"),
            subject_id,
            checked_start,
            review_on,
            ends_on,
            checks.optional_text(details, "details"),
        )
        return intervention_id

    @event(InterventionRecorded)
    def _intervention_recorded(
        self,
        intervention_id: UUID,
        intervention_type: InterventionType,
        agency: str,
        officer: str,
        subject_id: UUID | None,
        started_on: date,
        review_on: date | None,
        ends_on: date | None,
        details: str | None,
    ) -> None:
        intervention = Intervention(
            intervention_id,
            intervention_type,
            agency,
            officer,
            subject_id,
            started_on,
            review_on,
            ends_on,
            details,
        )
        self.interventions = [*self.interventions, intervention]

    def record_intervention_result(
        self,
        *,
        intervention_id: UUID,
        result: InterventionResult,
        result_on: date,
        note: str | None = None,
    ) -> None:
        self._require_open()
        intervention = self.find_intervention(intervention_id)
        if intervention is None:
            raise RuleViolation(
                "There is no such intervention on this case.",
                rule="unknown_intervention",
                field="intervention_id",
            )
        if intervention.has_result:
            raise RuleViolation(
                "That intervention already has a result.",
                rule="result_already_recorded",
                field="intervention_id",
            )
        checked_on = checks.past_date(result_on, "result_on")
        if checked_on < intervention.started_on:
            raise InvalidValue(
                "The result cannot be dated before the intervention started.",
                rule="before_start",
                field="result_on",
            )
        self._intervention_result_recorded(
            intervention.intervention_id,
            checks.choice(InterventionResult, result, "result"),
            checked_on,
            checks.optional_text(note, "note"),
        )

    @event(InterventionResultRecorded)
    def _intervention_result_recorded(
        self, intervention_id: UUID, result: InterventionResult, result_on: date, note: str | None
    ) -> None:
        def matches(intervention: Intervention) -> bool:
            return intervention.intervention_id == intervention_id

        old = next(i for i in self.interventions if matches(i))
        new = replace(old, result=InterventionResult(result), result_on=result_on, result_note=note)
        self.interventions = _replaced(self.interventions, matches, new)

    def record_conviction(
        self,
        *,
        person_id: UUID,
        convicted_on: date,
        offence: str,
        court: str | None = None,
    ) -> None:
        """Record that an alleged perpetrator on the case was convicted (see CBOs)."""
        self._require_open()
        checked_id = self._checked_uuid(person_id, "person_id")
        if PartyRole.ALLEGED_PERPETRATOR not in self.roles_of(checked_id):
            raise RuleViolation(
                "A conviction is recorded for an alleged perpetrator on the case; that "
                "person is not one.",
                rule="not_an_alleged_perpetrator",
                field="person_id",
            )
        self._conviction_recorded(
            checked_id,
            checks.past_date(convicted_on, "convicted_on"),
            checks.optional_text(court, "court", max_length=checks.MAX_NAME_LENGTH),
            checks.required_text(offence, "offence"),
            clock.now(),
        )

    @event(ConvictionRecorded)
    def _conviction_recorded(
        self,
        person_id: UUID,
        convicted_on: date,
        court: str | None,
        offence: str,
        recorded_at: datetime,
    ) -> None:
        conviction = Conviction(person_id, convicted_on, court, offence, recorded_at)
        self.convictions = [*self.convictions, conviction]

    # ----------------------------------------------------------------- actions

    class ActionSet(CaseworkAggregate.Event):
        personal_fields = frozenset({"description"})
        action_id: UUID
        agency: str
        owner: str
        description: str
        due_on: date
        set_at: datetime

    class ActionCompleted(CaseworkAggregate.Event):
        personal_fields = frozenset({"note"})
        action_id: UUID
        completed_at: datetime
        note: str | None

    class ActionCancelled(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        action_id: UUID
        cancelled_at: datetime
        reason: str

    class ActionReassigned(CaseworkAggregate.Event):
        personal_fields = frozenset[str]()
        action_id: UUID
        agency: str
        owner: str
        due_on: date
        reassigned_at: datetime

    def set_action(self, *, agency: str, owner: str, description: str, due_on: date) -> UUID:
        """Task an agency (and an owner there) with something to do by ``due_on``."""
        self._require_open()
        action_id = uuid4()
        self._action_set(
            action_id,
            checks.name(agency, "agency"),
            checks.name(owner, "owner"),
            checks.required_text(description, "description"),
            self._checked_due_date(due_on),
            clock.now(),
        )
        return action_id

    @event(ActionSet)
    def _action_set(
        self,
        action_id: UUID,
        agency: str,
        owner: str,
        description: str,
        due_on: date,
        set_at: datetime,
    ) -> None:
        action = Action(action_id, agency, owner, description, due_on, set_at)
        self.actions = [*self.actions, action]

    def complete_action(self, *, action_id: UUID, note: str | None = None) -> None:
        self._require_open()
        action = self._require_open_action(action_id)
        self._action_completed(action.action_id, clock.now(), checks.optional_text(note, "note"))

    @event(ActionCompleted)
    def _action_completed(self, action_id: UUID, completed_at: datetime, note: str | None) -> None:
        self._finish_action(action_id, ActionStatus.COMPLETED, completed_at, note)

    def cancel_action(self, *, action_id: UUID, reason: str) -> None:
        self._require_open()
        action = self._require_open_action(action_id)
        self._action_cancelled(
            action.action_id, clock.now(), checks.required_text(reason, "reason")
        )

    @event(ActionCancelled)
    def _action_cancelled(self, action_id: UUID, cancelled_at: datetime, reason: str) -> None:
        self._finish_action(action_id, ActionStatus.CANCELLED, cancelled_at, reason)

    def _finish_action(
        self, action_id: UUID, status: ActionStatus, finished_at: datetime, note: str | None
    ) -> None:
        def matches(action: Action) -> bool:
            return action.action_id == action_id

        old = next(action for action in self.actions if matches(action))
        new = replace(old, status=status, finished_at=finished_at, finishing_note=note)
        self.actions = _replaced(self.actions, matches, new)

    def reassign_action(
        self, *, action_id: UUID, agency: str, owner: str, due_on: date | None = None
    ) -> None:
        """Give an open action to another owner (and agency), optionally with a new due date."""
        self._require_open()
        action = self._require_open_action(action_id)
        checked_agency = checks.name(agency, "agency")
        checked_owner = checks.name(owner, "owner")
        checked_due = action.due_on if due_on is None else self._checked_due_date(due_on)
        if (checked_agency, checked_owner, checked_due) == (
            action.agency,
            action.owner,
            action.due_on,
        ):
            raise RuleViolation(
                "That action already has this owner and due date.", rule="no_change"
            )
        self._action_reassigned(
            action.action_id, checked_agency, checked_owner, checked_due, clock.now()
        )

    @event(ActionReassigned)
    def _action_reassigned(
        self, action_id: UUID, agency: str, owner: str, due_on: date, reassigned_at: datetime
    ) -> None:
        def matches(action: Action) -> bool:
            return action.action_id == action_id

        old = next(action for action in self.actions if matches(action))
        self.actions = _replaced(
            self.actions, matches, replace(old, agency=agency, owner=owner, due_on=due_on)
        )

    # ----------------------------------------------------- victims and the JAG

    class VictimContacted(CaseworkAggregate.Event):
        personal_fields = frozenset({"note"})
        person_id: UUID
        contacted_at: datetime
        method: ContactMethod
        contacted_by: str
        note: str

    def record_victim_contact(
        self,
        *,
        person_id: UUID,
        contacted_at: datetime,
        method: ContactMethod,
        contacted_by: str,
        note: str,
    ) -> None:
        """Record contact with (an update to) a victim or complainant on the case."""
        self._require_open()
        checked_id = self._require_victim_or_complainant(person_id)
        self._victim_contacted(
            checked_id,
            self._checked_since_first_report(contacted_at, "contacted_at"),
            checks.choice(ContactMethod, method, "method"),
            checks.name(contacted_by, "contacted_by"),
            checks.required_text(note, "note"),
        )

    @event(VictimContacted)
    def _victim_contacted(
        self,
        person_id: UUID,
        contacted_at: datetime,
        method: ContactMethod,
        contacted_by: str,
        note: str,
    ) -> None:
        contact = VictimContact(person_id, contacted_at, method, contacted_by, note)
        self.victim_contacts = [*self.victim_contacts, contact]

    class CaseReviewRightExplained(CaseworkAggregate.Event):
        personal_fields = frozenset[str]()
        person_id: UUID
        explained_at: datetime
        method: ContactMethod

    def record_case_review_right_explained(
        self, *, person_id: UUID, explained_at: datetime, method: ContactMethod
    ) -> None:
        """Record that a victim was told about their right to an ASB Case Review."""
        self._require_open()
        checked_id = self._require_victim_or_complainant(person_id)
        self._case_review_right_explained(
            checked_id,
            self._checked_since_first_report(explained_at, "explained_at"),
            checks.choice(ContactMethod, method, "method"),
        )

    @event(CaseReviewRightExplained)
    def _case_review_right_explained(
        self, person_id: UUID, explained_at: datetime, method: ContactMethod
    ) -> None:
        explanation = CaseReviewRightExplanation(person_id, explained_at, method)
        self.case_review_rights_explained = [*self.case_review_rights_explained, explanation]

    class ReferredToJag(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        referral_id: UUID
        referred_at: datetime
        reason: str

    class JagReferralAccepted(CaseworkAggregate.Event):
        personal_fields = frozenset[str]()
        referral_id: UUID
        accepted_on: date

    class JagReferralConcluded(CaseworkAggregate.Event):
        personal_fields = frozenset({"note"})
        referral_id: UUID
        concluded_at: datetime
        outcome: JagOutcome
        note: str | None

    def refer_to_jag(self, *, reason: str) -> UUID:
        """Refer the case to the Joint Action Group; one open referral at a time."""
        self._require_open()
        if self.open_jag_referral is not None:
            raise RuleViolation(
                "This case already has an open referral to the JAG.",
                rule="jag_referral_open",
            )
        referral_id = uuid4()
        self._referred_to_jag(referral_id, clock.now(), checks.required_text(reason, "reason"))
        return referral_id

    @event(ReferredToJag)
    def _referred_to_jag(self, referral_id: UUID, referred_at: datetime, reason: str) -> None:
        self.jag_referrals = [*self.jag_referrals, JagReferral(referral_id, referred_at, reason)]

    def accept_jag_referral(self, *, accepted_on: date) -> None:
        """The JAG took the open referral onto its tasking list."""
        self._require_open()
        referral = self._require_open_jag_referral()
        if referral.accepted_on is not None:
            raise RuleViolation(
                "The JAG has already accepted this referral.", rule="jag_referral_accepted"
            )
        checked_on = checks.past_date(accepted_on, "accepted_on")
        if checked_on < periods.london_date(referral.referred_at):
            raise InvalidValue(
                "A referral cannot be accepted before it was made.",
                rule="before_referral",
                field="accepted_on",
            )
        self._jag_referral_accepted(referral.referral_id, checked_on)

    @event(JagReferralAccepted)
    def _jag_referral_accepted(self, referral_id: UUID, accepted_on: date) -> None:
        self._update_jag_referral(referral_id, accepted_on=accepted_on)

    def conclude_jag_referral(self, *, outcome: JagOutcome, note: str | None = None) -> None:
        """End the open referral: declined (not accepted), discharged (accepted) or withdrawn."""
        self._require_open()
        referral = self._require_open_jag_referral()
        checked_outcome = checks.choice(JagOutcome, outcome, "outcome")
        if checked_outcome is JagOutcome.DECLINED and referral.accepted_on is not None:
            raise RuleViolation(
                "The JAG accepted this referral, so it cannot be declined; discharge it.",
                rule="jag_referral_accepted",
                field="outcome",
            )
        if checked_outcome is JagOutcome.DISCHARGED and referral.accepted_on is None:
            raise RuleViolation(
                "Only a referral the JAG accepted can be discharged.",
                rule="jag_referral_not_accepted",
                field="outcome",
            )
        self._jag_referral_concluded(
            referral.referral_id, clock.now(), checked_outcome, checks.optional_text(note, "note")
        )

    @event(JagReferralConcluded)
    def _jag_referral_concluded(
        self, referral_id: UUID, concluded_at: datetime, outcome: JagOutcome, note: str | None
    ) -> None:
        self._update_jag_referral(
            referral_id,
            concluded_at=concluded_at,
            outcome=JagOutcome(outcome),
            outcome_note=note,
        )

    def _update_jag_referral(
        self,
        referral_id: UUID,
        *,
        accepted_on: date | None = None,
        concluded_at: datetime | None = None,
        outcome: JagOutcome | None = None,
        outcome_note: str | None = None,
    ) -> None:
        def matches(referral: JagReferral) -> bool:
            return referral.referral_id == referral_id

        old = next(referral for referral in self.jag_referrals if matches(referral))
        new = replace(
            old,
            accepted_on=accepted_on or old.accepted_on,
            concluded_at=concluded_at or old.concluded_at,
            outcome=outcome or old.outcome,
            outcome_note=outcome_note or old.outcome_note,
        )
        self.jag_referrals = _replaced(self.jag_referrals, matches, new)

    # --------------------------------------------------- closing and reopening

    class Closed(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        outcome: ClosureOutcome
        reason: str
        victim_satisfaction: VictimSatisfaction | None
        closed_at: datetime

    class Reopened(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        reason: str
        reopened_at: datetime
        next_review_due: date

    def close(
        self,
        *,
        outcome: ClosureOutcome,
        reason: str,
        victim_satisfaction: VictimSatisfaction | int | None = None,
    ) -> None:
        """Close with an outcome; ``victim_satisfaction`` is a choice or a score 1-5."""
        self._require_open()
        open_actions = self.open_actions
        if open_actions:
            raise RuleViolation(
                f"This case has {len(open_actions)} open action(s): complete, cancel or "
                "reassign them before closing.",
                rule="open_actions",
            )
        if self.open_jag_referral is not None:
            raise RuleViolation(
                "This case has an open referral to the JAG: conclude it before closing.",
                rule="jag_referral_open",
            )
        self._closed(
            checks.choice(ClosureOutcome, outcome, "outcome"),
            checks.required_text(reason, "reason"),
            self._checked_satisfaction(victim_satisfaction),
            clock.now(),
        )

    @event(Closed)
    def _closed(
        self,
        outcome: ClosureOutcome,
        reason: str,
        victim_satisfaction: VictimSatisfaction | None,
        closed_at: datetime,
    ) -> None:
        closure = Closure(outcome, reason, victim_satisfaction, closed_at)
        self.closures = [*self.closures, closure]
        self.closure = closure
        self.next_review_due = None

    def reopen(self, *, reason: str, cadence: ReviewCadence = DEFAULT_CADENCE) -> None:
        if self.closure is None:
            raise RuleViolation("This case is not closed.", rule="case_not_closed")
        level = self.current_risk_level or RiskLevel.STANDARD
        self._reopened(
            checks.required_text(reason, "reason"),
            clock.now(),
            cadence.next_review_due(periods.today(), level),
        )

    @event(Reopened)
    def _reopened(self, reason: str, reopened_at: datetime, next_review_due: date) -> None:
        self.reopenings = [*self.reopenings, Reopening(reason, reopened_at)]
        self.closure = None
        self.next_review_due = next_review_due

    # ================================================================= helpers

    def _require_open(self) -> None:
        if self.closure is not None:
            raise RuleViolation(
                f"Case {self.reference} is closed: reopen it before changing it.",
                rule="case_closed",
            )

    @staticmethod
    def _checked_uuid(value: UUID, field: str) -> UUID:
        if not isinstance(value, UUID):
            raise InvalidValue(f"{field} must be an id (UUID).", rule="invalid_type", field=field)
        return value

    @staticmethod
    def _checked_flag(value: bool, field: str) -> bool:
        if not isinstance(value, bool):
            raise InvalidValue(f"{field} must be true or false.", rule="invalid_type", field=field)
        return value

    def _require_person(self, person_id: UUID, field: str) -> UUID:
        checked = self._checked_uuid(person_id, field)
        if not self.is_party(checked):
            raise RuleViolation(
                "That person is not a party on this case: add them first.",
                rule="unknown_party",
                field=field,
            )
        return checked

    def _require_party(self, person_id: UUID, role: PartyRole) -> Party:
        party = self.find_party(self._checked_uuid(person_id, "person_id"), role)
        if party is None:
            raise RuleViolation(
                f"That person is not a {role.value.replace('_', ' ')} on this case.",
                rule="unknown_party",
                field="person_id",
            )
        return party

    def _require_victim_or_complainant(self, person_id: UUID) -> UUID:
        checked = self._require_person(person_id, "person_id")
        if not VICTIM_ROLES.intersection(self.roles_of(checked)):
            raise RuleViolation(
                "That person is not a victim or complainant on this case.",
                rule="not_a_victim",
                field="person_id",
            )
        return checked

    def _require_open_action(self, action_id: UUID) -> Action:
        action = self.find_action(self._checked_uuid(action_id, "action_id"))
        if action is None:
            raise RuleViolation(
                "There is no such action on this case.", rule="unknown_action", field="action_id"
            )
        if not action.is_open:
            raise RuleViolation(
                f"That action is already {action.status.value}.",
                rule="action_not_open",
                field="action_id",
            )
        return action

    def _require_open_jag_referral(self) -> JagReferral:
        referral = self.open_jag_referral
        if referral is None:
            raise RuleViolation(
                "This case has no open referral to the JAG.", rule="no_open_jag_referral"
            )
        return referral

    def _checked_due_date(self, due_on: date) -> date:
        checked = checks.a_date(due_on, "due_on")
        if checked < periods.today():
            raise InvalidValue(
                "The due date cannot be in the past.", rule="in_past", field="due_on"
            )
        return checked

    def _checked_since_first_report(self, moment: datetime, field: str) -> datetime:
        checked = checks.past_moment(moment, field)
        if checked < self.first_report.reported_at:
            raise InvalidValue(
                "That is before the case was reported.", rule="before_report", field=field
            )
        return checked

    @staticmethod
    def _checked_satisfaction(value: VictimSatisfaction | int | None) -> VictimSatisfaction | None:
        if value is None or isinstance(value, VictimSatisfaction):
            return value
        if isinstance(value, str):
            return checks.choice(VictimSatisfaction, value, "victim_satisfaction")
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            return VictimSatisfaction.from_score(value)
        raise InvalidValue(
            "Victim satisfaction must be very satisfied to very dissatisfied, or a score "
            "from 1 to 5.",
            rule="invalid_choice",
            field="victim_satisfaction",
        )

    def _risk_level_with(self, victim_id: UUID, level: RiskLevel) -> RiskLevel:
        """The case's level once ``victim_id`` is assessed at ``level``."""
        others = (a.level for a in self.current_risk_assessments if a.victim_id != victim_id)
        return highest_level([level, *others]) or level
