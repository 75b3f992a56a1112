"""The ASB Case Review (the "Community Trigger") aggregate.

Status machine (commands in brackets)::

    received -[acknowledge]-> acknowledged -[decide_threshold]-> threshold_met
                                                              \\-> threshold_not_met
    threshold_not_met -[agree_discretionary_review]-> review_agreed_on_discretion
    threshold_met | review_agreed_on_discretion | reopened -[hold_review]-> review_held
    review_held -[send_outcome]-> outcome_sent -[close]-> closed
    threshold_not_met -[close]-> closed
    threshold_not_met | outcome_sent | closed -[request_escalation]-> escalated
    escalated -[resolve_escalation: confirmed]-> the status it was escalated from
    escalated -[resolve_escalation: upheld and referred back]->
        reopened (a review had been held: hold it again), or
        acknowledged (no review yet: decide the threshold again)
    any status before the outcome, except escalated -[withdraw]-> withdrawn

The dated steps of the lifecycle must be recorded in date order and none may be in the
future. Complaints can be added until the threshold is decided. Recommendations are
made after the review meeting and before the outcome is sent, and are tracked to done
or not accepted whatever the review's status; a review cannot close while any is open.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.reviews import checks
from domain.reviews.intake import (
    checked_applicant,
    checked_complaint,
)
from domain.reviews.milestones import Milestone, MilestoneClock, MilestoneProgress, progress
from domain.reviews.rules import ServiceLevels, TriggerRules
from domain.reviews.threshold import assess_threshold
from domain.reviews.values import (
    AWAITING_REVIEW_MEETING,
    Applicant,
    ApplicationChannel,
    Complaint,
    ComplaintReport,
    ContactMethod,
    DiscretionaryReview,
    Escalation,
    EscalationResult,
    OutcomeNotice,
    Recommendation,
    RecommendationStatus,
    ReviewMeeting,
    ReviewStatus,
    ThresholdAssessment,
    ThresholdDecision,
    VictimConsultation,
    VictimParticipation,
    Withdrawal,
    restore_enum,
)
from domain.shared.aggregate import CaseworkAggregate
from domain.shared.calendar import WorkingCalendar
from domain.shared.errors import InvalidValue, RuleViolation

S = ReviewStatus

ESCALATABLE = frozenset({S.THRESHOLD_NOT_MET, S.OUTCOME_SENT, S.CLOSED})
CLOSABLE = frozenset({S.THRESHOLD_NOT_MET, S.OUTCOME_SENT})
WITHDRAWABLE = frozenset(
    {
        S.RECEIVED,
        S.ACKNOWLEDGED,
        S.THRESHOLD_MET,
        S.THRESHOLD_NOT_MET,
        S.REVIEW_AGREED_ON_DISCRETION,
        S.REOPENED,
        S.REVIEW_HELD,
    }
)
FINISHED = frozenset({S.CLOSED, S.WITHDRAWN})


class CaseReview(CaseworkAggregate):
    """An application for an ASB Case Review and everything done about it."""

    class Received(CaseworkAggregate.Created):
        partnership_id: str
        reference: str
        applicant: Applicant
        applicant_description: str
        received_via: ApplicationChannel
        received_on: date
        asb_case_ids: list[UUID]
        hate_incident_involved: bool
        victim_vulnerable: bool
        personal_fields = frozenset({"applicant_description"})

    class ComplaintRecorded(CaseworkAggregate.Event):
        number: int
        behaviour_at: datetime
        reported_on: date
        agency: str
        agency_reference: str | None
        complainant: str
        description: str
        personal_fields = frozenset({"description"})

    class Acknowledged(CaseworkAggregate.Event):
        acknowledged_on: date

    class ThresholdDecided(CaseworkAggregate.Event):
        decided_on: date
        assessment: ThresholdAssessment
        discretion_reason: str | None
        applicant_informed_on: date | None
        personal_fields = frozenset({"discretion_reason"})

    class DiscretionaryReviewAgreed(CaseworkAggregate.Event):
        agreed_on: date
        reason: str
        personal_fields = frozenset({"reason"})

    class ReviewHeld(CaseworkAggregate.Event):
        held_on: date
        agencies_attending: list[str]
        victim_participation: VictimParticipation
        independent_chair: str | None
        findings: str
        personal_fields = frozenset({"findings"})

    class VictimConsulted(CaseworkAggregate.Event):
        consulted_on: date
        response: str
        personal_fields = frozenset({"response"})

    class RecommendationMade(CaseworkAggregate.Event):
        number: int
        to_agency: str
        recommendation_text: str
        deadline: date
        made_on: date
        personal_fields = frozenset({"recommendation_text"})

    class RecommendationCompleted(CaseworkAggregate.Event):
        number: int
        completed_on: date

    class RecommendationNotAccepted(CaseworkAggregate.Event):
        number: int
        recorded_on: date
        reason: str
        personal_fields = frozenset({"reason"})

    class OutcomeSent(CaseworkAggregate.Event):
        sent_on: date
        via: ContactMethod

    class EscalationRequested(CaseworkAggregate.Event):
        requested_on: date
        reviewer: str
        grounds: str
        personal_fields = frozenset({"grounds"})

    class EscalationResolved(CaseworkAggregate.Event):
        decided_on: date
        result: EscalationResult
        notes: str | None
        personal_fields = frozenset({"notes"})

    class Closed(CaseworkAggregate.Event):
        closed_on: date

    class Withdrawn(CaseworkAggregate.Event):
        withdrawn_on: date
        reason: str | None
        personal_fields = frozenset({"reason"})

    # ------------------------------------------------------------------ creation

    @staticmethod
    def create_id(partnership_id: str, reference: str) -> UUID:
        """One review per reference in a partnership: saving a second one fails."""
        return uuid5(NAMESPACE_URL, f"casework:case-review:{partnership_id}:{reference}")

    @classmethod
    def receive(
        cls,
        *,
        partnership_id: str,
        reference: str,
        applicant: Applicant,
        applicant_description: str,
        received_via: ApplicationChannel,
        received_on: date,
        complaints: Sequence[ComplaintReport] = (),
        asb_case_ids: Sequence[UUID] = (),
        hate_incident_involved: bool = False,
        victim_vulnerable: bool = False,
    ) -> CaseReview:
        """Record an application for a case review and the complaints it relies on."""
        received_on = checks.past_date(received_on, "received_on")
        valid_complaints = [checked_complaint(report, received_on) for report in complaints]
        review = cls(
            partnership_id=checks.slug(partnership_id, "partnership_id"),
            reference=checks.reference(reference),
            applicant=checked_applicant(applicant, received_on),
            applicant_description=checks.text(applicant_description, "applicant_description"),
            received_via=checks.choice(received_via, ApplicationChannel, "received_via"),
            received_on=received_on,
            asb_case_ids=checks.uuid_list(asb_case_ids, "asb_case_ids"),
            hate_incident_involved=checks.flag(hate_incident_involved, "hate_incident_involved"),
            victim_vulnerable=checks.flag(victim_vulnerable, "victim_vulnerable"),
        )
        for complaint in valid_complaints:
            review._record(complaint)
        return review

    @event(Received)
    def __init__(
        self,
        partnership_id: str,
        reference: str,
        applicant: Applicant,
        applicant_description: str,
        received_via: ApplicationChannel,
        received_on: date,
        asb_case_ids: list[UUID],
        hate_incident_involved: bool,
        victim_vulnerable: bool,
    ) -> None:
        self.partnership_id = partnership_id
        self.reference = reference
        self.applicant = applicant
        self.applicant_description = applicant_description
        self._received_via = restore_enum(received_via, ApplicationChannel).value
        self.received_on = received_on
        self.asb_case_ids = list(asb_case_ids)
        self.hate_incident_involved = hate_incident_involved
        self.victim_vulnerable = victim_vulnerable
        self._status = S.RECEIVED.value
        self._last_step_on = received_on
        self.complaints: list[Complaint] = []
        self.acknowledged_on: date | None = None
        self.threshold_decisions: list[ThresholdDecision] = []
        self.discretionary_review: DiscretionaryReview | None = None
        self.meetings: list[ReviewMeeting] = []
        self.victim_consultations: list[VictimConsultation] = []
        self.recommendations: list[Recommendation] = []
        self.outcomes: list[OutcomeNotice] = []
        self.escalations: list[Escalation] = []
        self.closed_on: date | None = None
        self.withdrawal: Withdrawal | None = None
        # The milestone clocks of the current round (a referral back starts a new round).
        self._threshold_clock_starts_on = received_on
        self._round_threshold_decided_on: date | None = None
        self._review_clock_starts_on: date | None = None
        self._round_review_held_on: date | None = None
        self._round_outcome_sent_on: date | None = None

    # ------------------------------------------------------------------ state read

    @property
    def status(self) -> ReviewStatus:
        return ReviewStatus(self._status)

    @property
    def received_via(self) -> ApplicationChannel:
        return ApplicationChannel(self._received_via)

    @property
    def threshold_decision(self) -> ThresholdDecision | None:
        """The latest threshold decision (a referral back can lead to a new one)."""
        return self.threshold_decisions[-1] if self.threshold_decisions else None

    @property
    def threshold_met(self) -> bool | None:
        """Whether the latest threshold decision found it met; ``None`` before any decision.

        A review agreed on discretion does not change this: the threshold was not met.
        """
        decision = self.threshold_decision
        return None if decision is None else decision.met

    @property
    def threshold_decided_on(self) -> date | None:
        decision = self.threshold_decision
        return None if decision is None else decision.decided_on

    @property
    def review_held(self) -> bool:
        return bool(self.meetings)

    @property
    def review_held_on(self) -> date | None:
        """The day of the first review meeting."""
        return self.meetings[0].held_on if self.meetings else None

    @property
    def latest_meeting(self) -> ReviewMeeting | None:
        return self.meetings[-1] if self.meetings else None

    @property
    def has_recommendations(self) -> bool:
        return bool(self.recommendations)

    @property
    def open_recommendations(self) -> list[Recommendation]:
        return [r for r in self.recommendations if r.is_open]

    def overdue_recommendations(self, today: date) -> list[Recommendation]:
        return [r for r in self.recommendations if r.is_overdue(today)]

    @property
    def outcome_sent_on(self) -> date | None:
        """The day the (first) outcome was sent to the applicant."""
        return self.outcomes[0].sent_on if self.outcomes else None

    @property
    def open_escalation(self) -> Escalation | None:
        latest = self.escalations[-1] if self.escalations else None
        return latest if latest is not None and latest.is_open else None

    @property
    def withdrawn_on(self) -> date | None:
        return None if self.withdrawal is None else self.withdrawal.withdrawn_on

    def milestones(
        self, today: date, calendar: WorkingCalendar, levels: ServiceLevels
    ) -> list[MilestoneProgress]:
        """Each milestone that applies now, with its due date and how it stands on ``today``.

        Once the review is closed or withdrawn, milestones not done are no longer due and
        are left out.
        """
        clocks = [
            MilestoneClock(Milestone.ACKNOWLEDGEMENT, self.received_on, self.acknowledged_on),
            MilestoneClock(
                Milestone.THRESHOLD_DECISION,
                self._threshold_clock_starts_on,
                self._round_threshold_decided_on,
            ),
        ]
        if self._review_clock_starts_on is not None:
            clocks.append(
                MilestoneClock(
                    Milestone.REVIEW_MEETING,
                    self._review_clock_starts_on,
                    self._round_review_held_on,
                )
            )
        if self._round_review_held_on is not None:
            clocks.append(
                MilestoneClock(
                    Milestone.OUTCOME, self._round_review_held_on, self._round_outcome_sent_on
                )
            )
        if self.status in FINISHED:
            clocks = [clock for clock in clocks if clock.done_on is not None]
        return [progress(clock, today=today, calendar=calendar, levels=levels) for clock in clocks]

    # ------------------------------------------------------------------ commands

    def add_complaint(self, report: ComplaintReport) -> int:
        """Record another complaint the application relies on; returns its number."""
        self._require_status({S.RECEIVED, S.ACKNOWLEDGED}, "add-complaint", "add a complaint")
        self._record(checked_complaint(report, self.received_on))
        return self.complaints[-1].number

    def acknowledge(self, acknowledged_on: date) -> None:
        self._require_status({S.RECEIVED}, "acknowledge", "acknowledge the application")
        self._acknowledge(acknowledged_on=self._step_date(acknowledged_on, "acknowledged_on"))

    def decide_threshold(
        self,
        rules: TriggerRules,
        decided_on: date,
        *,
        vulnerable_victim_discretion_reason: str | None = None,
        applicant_informed_on: date | None = None,
    ) -> ThresholdAssessment:
        """Apply the local trigger rules to the complaints and record the decision.

        A coordinator uses the vulnerable-victim discretion by giving a reason; the local
        rules must allow it and the victim must be recorded as vulnerable.
        """
        self._require_status({S.ACKNOWLEDGED}, "decide-threshold", "decide the threshold")
        if not isinstance(rules, TriggerRules):
            raise InvalidValue("rules must be TriggerRules.", rule="invalid-rules", field="rules")
        decided_on = self._step_date(decided_on, "decided_on")
        reason = checks.optional_text(
            vulnerable_victim_discretion_reason, "vulnerable_victim_discretion_reason"
        )
        if reason is not None and not rules.vulnerable_victim_discretion:
            raise RuleViolation(
                "The local rules do not provide for discretion for a vulnerable victim.",
                rule="vulnerable-victim-discretion-not-allowed",
                field="vulnerable_victim_discretion_reason",
            )
        if reason is not None and not self.victim_vulnerable:
            raise RuleViolation(
                "The victim is not recorded as vulnerable, so that discretion does not apply.",
                rule="victim-not-vulnerable",
                field="vulnerable_victim_discretion_reason",
            )
        if applicant_informed_on is not None:
            checks.past_date(
                applicant_informed_on,
                "applicant_informed_on",
                not_before=decided_on,
                not_before_what="the decision",
            )
        assessment = assess_threshold(
            self.complaints,
            received_on=self.received_on,
            rules=rules,
            hate_incident_involved=self.hate_incident_involved,
            victim_vulnerable=self.victim_vulnerable,
            vulnerable_victim_discretion_used=reason is not None,
        )
        self._decide_threshold(
            decided_on=decided_on,
            assessment=assessment,
            discretion_reason=reason,
            applicant_informed_on=applicant_informed_on,
        )
        return assessment

    def agree_discretionary_review(self, agreed_on: date, reason: str) -> None:
        """Hold a review although the threshold was not met (it still counts as not met)."""
        self._require_status(
            {S.THRESHOLD_NOT_MET}, "agree-discretionary-review", "agree a review on discretion"
        )
        self._agree_discretionary_review(
            agreed_on=self._step_date(agreed_on, "agreed_on"),
            reason=checks.text(reason, "reason"),
        )

    def hold_review(
        self,
        held_on: date,
        *,
        agencies_attending: Sequence[str],
        victim_participation: VictimParticipation,
        findings: str,
        independent_chair: str | None = None,
    ) -> None:
        self._require_status(AWAITING_REVIEW_MEETING, "hold-review", "hold the review meeting")
        self._hold_review(
            held_on=self._step_date(held_on, "held_on"),
            agencies_attending=checks.short_text_list(agencies_attending, "agencies_attending"),
            victim_participation=checks.choice(
                victim_participation, VictimParticipation, "victim_participation"
            ),
            independent_chair=checks.optional_text(
                independent_chair, "independent_chair", limit=checks.SHORT_TEXT_LIMIT
            ),
            findings=checks.text(findings, "findings"),
        )

    def record_victim_consultation(self, consulted_on: date, response: str) -> None:
        """The victim's response when consulted on the action plan, before it is final."""
        self._require_status(
            {S.REVIEW_HELD}, "record-victim-consultation", "record the victim's consultation"
        )
        self._consult_victim(
            consulted_on=self._step_date(consulted_on, "consulted_on"),
            response=checks.text(response, "response"),
        )

    def make_recommendation(
        self, to_agency: str, recommendation: str, deadline: date, made_on: date
    ) -> int:
        """Recommend something to a named body by a deadline; returns its number."""
        self._require_status({S.REVIEW_HELD}, "make-recommendation", "make a recommendation")
        made_on = self._step_date(made_on, "made_on")
        checks.calendar_date(deadline, "deadline")
        if deadline < made_on:
            raise InvalidValue(
                "The deadline cannot be before the day the recommendation is made.",
                rule="date-too-early",
                field="deadline",
            )
        number = len(self.recommendations) + 1
        self._make_recommendation(
            number=number,
            to_agency=checks.short_text(to_agency, "to_agency"),
            recommendation_text=checks.text(recommendation, "recommendation"),
            deadline=deadline,
            made_on=made_on,
        )
        return number

    def complete_recommendation(self, number: int, completed_on: date) -> None:
        recommendation = self._open_recommendation(number)
        self._complete_recommendation(
            number=number,
            completed_on=checks.past_date(
                completed_on,
                "completed_on",
                not_before=recommendation.made_on,
                not_before_what="the day it was made",
            ),
        )

    def record_recommendation_not_accepted(
        self, number: int, recorded_on: date, reason: str
    ) -> None:
        recommendation = self._open_recommendation(number)
        self._record_not_accepted(
            number=number,
            recorded_on=checks.past_date(
                recorded_on,
                "recorded_on",
                not_before=recommendation.made_on,
                not_before_what="the day it was made",
            ),
            reason=checks.text(reason, "reason"),
        )

    def send_outcome(self, sent_on: date, via: ContactMethod) -> None:
        """Record that the outcome (with any recommendations) was sent to the applicant."""
        self._require_status({S.REVIEW_HELD}, "send-outcome", "send the outcome")
        self._send_outcome(
            sent_on=self._step_date(sent_on, "sent_on"),
            via=checks.choice(via, ContactMethod, "via"),
        )

    def request_escalation(self, requested_on: date, reviewer: str, grounds: str) -> None:
        """The applicant asks for the handling to be looked at again, e.g. by the PCC's office."""
        self._require_status(ESCALATABLE, "request-escalation", "escalate")
        self._request_escalation(
            requested_on=self._step_date(requested_on, "requested_on"),
            reviewer=checks.short_text(reviewer, "reviewer"),
            grounds=checks.text(grounds, "grounds"),
        )

    def resolve_escalation(
        self, result: EscalationResult, decided_on: date, notes: str | None = None
    ) -> None:
        """Confirmed: back where it was. Upheld and referred back: the review reopens."""
        self._require_status({S.ESCALATED}, "resolve-escalation", "record an escalation result")
        self._resolve_escalation(
            decided_on=self._step_date(decided_on, "decided_on"),
            result=checks.choice(result, EscalationResult, "result"),
            notes=checks.optional_text(notes, "notes"),
        )

    def close(self, closed_on: date) -> None:
        self._require_status(CLOSABLE, "close", "close the case review")
        if self.open_recommendations:
            numbers = ", ".join(f"R{r.number}" for r in self.open_recommendations)
            raise RuleViolation(
                f"Recommendations {numbers} are still open: record each as done or not "
                "accepted before closing.",
                rule="recommendations-outstanding",
            )
        closed_on = self._step_date(closed_on, "closed_on")
        resolved = [r.resolved_on for r in self.recommendations if r.resolved_on is not None]
        if resolved and closed_on < max(resolved):
            raise InvalidValue(
                "The review cannot close before its last recommendation was resolved "
                f"({max(resolved).isoformat()}).",
                rule="date-too-early",
                field="closed_on",
            )
        self._close(closed_on=closed_on)

    def withdraw(self, withdrawn_on: date, reason: str | None = None) -> None:
        """The applicant withdrew the application."""
        self._require_status(WITHDRAWABLE, "withdraw", "withdraw the application")
        self._withdraw(
            withdrawn_on=self._step_date(withdrawn_on, "withdrawn_on"),
            reason=checks.optional_text(reason, "reason"),
        )

    # ------------------------------------------------------------------ checks

    def _require_status(self, allowed: frozenset[S] | set[S], code: str, action: str) -> None:
        if self.status not in allowed:
            hint = ""
            if self.status is S.ESCALATED:
                hint = " Record the escalation result first."
            raise RuleViolation(
                f"Cannot {action}: the case review is {self.status.label}.{hint}",
                rule=f"cannot-{code}",
            )

    def _step_date(self, value: date, field: str) -> date:
        """A lifecycle date: not in the future and not before the latest step so far."""
        return checks.past_date(
            value,
            field,
            not_before=self._last_step_on,
            not_before_what="the latest step recorded on the case review",
        )

    def _open_recommendation(self, number: int) -> Recommendation:
        found = next((r for r in self.recommendations if r.number == number), None)
        if found is None:
            raise InvalidValue(
                f"There is no recommendation R{number} on this case review.",
                rule="unknown-recommendation",
                field="number",
            )
        if not found.is_open:
            raise RuleViolation(
                f"Recommendation R{number} is already {found.status.value.replace('_', ' ')}.",
                rule="recommendation-already-resolved",
                field="number",
            )
        return found

    # ------------------------------------------------------------------ apply

    def _record(self, complaint: ComplaintReport) -> None:
        self._record_complaint(
            number=len(self.complaints) + 1,
            behaviour_at=complaint.behaviour_at,
            reported_on=complaint.reported_on,
            agency=complaint.agency,
            agency_reference=complaint.agency_reference,
            complainant=complaint.complainant,
            description=complaint.description,
        )

    @event(ComplaintRecorded)
    def _record_complaint(
        self,
        number: int,
        behaviour_at: datetime,
        reported_on: date,
        agency: str,
        agency_reference: str | None,
        complainant: str,
        description: str,
    ) -> None:
        self.complaints = [
            *self.complaints,
            Complaint(
                number,
                behaviour_at,
                reported_on,
                agency,
                agency_reference,
                complainant,
                description,
            ),
        ]

    @event(Acknowledged)
    def _acknowledge(self, acknowledged_on: date) -> None:
        self.acknowledged_on = acknowledged_on
        self._status = S.ACKNOWLEDGED.value
        self._last_step_on = acknowledged_on

    @event(ThresholdDecided)
    def _decide_threshold(
        self,
        decided_on: date,
        assessment: ThresholdAssessment,
        discretion_reason: str | None,
        applicant_informed_on: date | None,
    ) -> None:
        decision = ThresholdDecision(
            decided_on, assessment, discretion_reason, applicant_informed_on
        )
        self.threshold_decisions = [*self.threshold_decisions, decision]
        self._round_threshold_decided_on = decided_on
        self._last_step_on = decided_on
        if assessment.met:
            self._status = S.THRESHOLD_MET.value
            self._review_clock_starts_on = decided_on
        else:
            self._status = S.THRESHOLD_NOT_MET.value

    @event(DiscretionaryReviewAgreed)
    def _agree_discretionary_review(self, agreed_on: date, reason: str) -> None:
        self.discretionary_review = DiscretionaryReview(agreed_on, reason)
        self._status = S.REVIEW_AGREED_ON_DISCRETION.value
        self._review_clock_starts_on = agreed_on
        self._last_step_on = agreed_on

    @event(ReviewHeld)
    def _hold_review(
        self,
        held_on: date,
        agencies_attending: list[str],
        victim_participation: VictimParticipation,
        independent_chair: str | None,
        findings: str,
    ) -> None:
        meeting = ReviewMeeting(
            held_on,
            list(agencies_attending),
            restore_enum(victim_participation, VictimParticipation),
            independent_chair,
            findings,
        )
        self.meetings = [*self.meetings, meeting]
        self._status = S.REVIEW_HELD.value
        self._round_review_held_on = held_on
        self._last_step_on = held_on

    @event(VictimConsulted)
    def _consult_victim(self, consulted_on: date, response: str) -> None:
        self.victim_consultations = [
            *self.victim_consultations,
            VictimConsultation(consulted_on, response),
        ]
        self._last_step_on = consulted_on

    @event(RecommendationMade)
    def _make_recommendation(
        self, number: int, to_agency: str, recommendation_text: str, deadline: date, made_on: date
    ) -> None:
        made = Recommendation(number, to_agency, recommendation_text, deadline, made_on)
        self.recommendations = [*self.recommendations, made]
        self._last_step_on = made_on

    @event(RecommendationCompleted)
    def _complete_recommendation(self, number: int, completed_on: date) -> None:
        self._update_recommendation(
            number, status=RecommendationStatus.DONE, resolved_on=completed_on
        )

    @event(RecommendationNotAccepted)
    def _record_not_accepted(self, number: int, recorded_on: date, reason: str) -> None:
        self._update_recommendation(
            number,
            status=RecommendationStatus.NOT_ACCEPTED,
            resolved_on=recorded_on,
            not_accepted_reason=reason,
        )

    def _update_recommendation(
        self,
        number: int,
        *,
        status: RecommendationStatus,
        resolved_on: date,
        not_accepted_reason: str | None = None,
    ) -> None:
        self.recommendations = [
            dataclasses.replace(
                r, status=status, resolved_on=resolved_on, not_accepted_reason=not_accepted_reason
            )
            if r.number == number
            else r
            for r in self.recommendations
        ]

    @event(OutcomeSent)
    def _send_outcome(self, sent_on: date, via: ContactMethod) -> None:
        self.outcomes = [*self.outcomes, OutcomeNotice(sent_on, restore_enum(via, ContactMethod))]
        self._status = S.OUTCOME_SENT.value
        self._round_outcome_sent_on = sent_on
        self._last_step_on = sent_on

    @event(EscalationRequested)
    def _request_escalation(self, requested_on: date, reviewer: str, grounds: str) -> None:
        escalation = Escalation(requested_on, reviewer, grounds, escalated_from=self.status)
        self.escalations = [*self.escalations, escalation]
        self._status = S.ESCALATED.value
        self._last_step_on = requested_on

    @event(EscalationResolved)
    def _resolve_escalation(
        self, decided_on: date, result: EscalationResult, notes: str | None
    ) -> None:
        result = restore_enum(result, EscalationResult)
        escalation = self.escalations[-1]
        resolved = dataclasses.replace(
            escalation, result=result, decided_on=decided_on, notes=notes
        )
        self.escalations = [*self.escalations[:-1], resolved]
        self._last_step_on = decided_on
        if result is EscalationResult.CONFIRMED:
            self._status = escalation.escalated_from.value
            return
        self.closed_on = None
        if self.meetings:
            self._status = S.REOPENED.value
            self._review_clock_starts_on = decided_on
            self._round_review_held_on = None
            self._round_outcome_sent_on = None
        else:
            self._status = S.ACKNOWLEDGED.value
            self._threshold_clock_starts_on = decided_on
            self._round_threshold_decided_on = None
            self._review_clock_starts_on = None

    @event(Closed)
    def _close(self, closed_on: date) -> None:
        self.closed_on = closed_on
        self._status = S.CLOSED.value
        self._last_step_on = closed_on

    @event(Withdrawn)
    def _withdraw(self, withdrawn_on: date, reason: str | None) -> None:
        self.withdrawal = Withdrawal(withdrawn_on, reason)
        self._status = S.WITHDRAWN.value
        self._last_step_on = withdrawn_on
