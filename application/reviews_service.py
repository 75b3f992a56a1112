"""Use cases for ASB Case Reviews (the "Community Trigger").

Officers and coordinators record the steps of a review; only coordinators decide the
threshold and agree a review on discretion. The threshold is decided with the trigger
rules from the local rules file, and the decision keeps its reasoning (which
complaints counted, why each other did not, by which route). Milestone due dates come
from the local service levels on a working-day calendar (weekends, England and Wales
bank holidays and the local closure days excluded); whether one is at risk or missed is
worked out on the day asked, never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application import access
from application.commands import CommandOutcome, CommandRunner, Idempotency
from application.errors import NotFound
from application.records import (
    PartnershipChecks,
    RecordLoader,
    next_reference,
    reference_counter_id,
)
from application.review_figures import PublishedFigures, ReviewIndex, published_figures
from application.rules import LocalRules
from application.store import CaseworkStore
from domain.reviews.aggregate import CaseReview
from domain.reviews.milestones import MilestoneProgress
from domain.reviews.threshold import assess_threshold
from domain.reviews.values import (
    Applicant,
    ApplicationChannel,
    ComplaintReport,
    ContactMethod,
    EscalationResult,
    ThresholdAssessment,
    VictimParticipation,
)
from domain.shared.calendar import WorkingCalendar
from domain.shared.errors import InvalidValue

KIND = "case review"
REFERENCE_PREFIX = "CR"


def people_of(review: CaseReview) -> list[UUID]:
    """The people a review refers to, for the access log: the victim, the applicant, and
    any complainant recorded by person id."""
    ids: list[UUID] = []
    applicant = review.applicant
    for person_id in (applicant.victim_person_id, applicant.applicant_person_id):
        if person_id is not None and person_id not in ids:
            ids.append(person_id)
    for complaint in review.complaints:
        try:
            person_id = UUID(complaint.complainant)
        except ValueError:
            continue
        if person_id not in ids:
            ids.append(person_id)
    return ids


class ReviewService:
    """Every command on an ASB Case Review, the milestones, and the yearly figures."""

    def __init__(self, store: CaseworkStore, runner: CommandRunner, rules: LocalRules, *,
                 index: ReviewIndex | None = None) -> None:
        self.store = store
        self.runner = runner
        self.rules = rules
        self.loader = RecordLoader(store)
        self.checks = PartnershipChecks(rules, self.loader)
        self.index = index

    # -- reading -------------------------------------------------------------------

    def get(self, review_id: UUID, *, version: int | None = None,
            as_at: datetime | None = None) -> CaseReview:
        access.require_role(*access.CASEWORK_READERS, doing="reading a case review")
        return self.loader.load_as_at(CaseReview, KIND, review_id, version=version,
                                      as_at=as_at)

    @property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.rules.reviews.closure_days)

    def milestones(self, review: CaseReview, today: date) -> list[MilestoneProgress]:
        """Each milestone with its due date and how it stands on ``today`` (derived)."""
        return review.milestones(today, self.calendar, self.rules.reviews.service_levels)

    def preview_threshold(self, review_id: UUID) -> ThresholdAssessment:
        """What the local trigger rules say of the complaints now, without recording it."""
        review = self.get(review_id)
        return assess_threshold(
            review.complaints, received_on=review.received_on, rules=self.rules.reviews.trigger,
            hate_incident_involved=review.hate_incident_involved,
            victim_vulnerable=review.victim_vulnerable,
        )

    def yearly_figures(self, financial_year: str, partnership_id: str | None = None
                       ) -> PublishedFigures:
        """The statutory yearly figures (counts only) for one partnership or, for county-wide
        users, all of them."""
        return published_figures(self.store, self.rules, financial_year, partnership_id,
                                 index=self.index)

    # -- receiving -----------------------------------------------------------------

    def receive(
        self,
        *,
        partnership_id: str,
        applicant: Applicant,
        applicant_description: str,
        received_via: ApplicationChannel,
        received_on: date,
        complaints: Sequence[ComplaintReport] = (),
        asb_case_ids: Sequence[UUID] = (),
        hate_incident_involved: bool = False,
        victim_vulnerable: bool = False,
        idempotency: Idempotency | None = None,
    ) -> CommandOutcome:
        access.require_role(*access.CASEWORK_WRITERS, doing="recording a case review")
        access.require_partnership(partnership_id)
        if self.rules.partnerships.get(partnership_id) is None:
            raise InvalidValue(f"unknown partnership {partnership_id!r}",
                               rule="unknown_partnership", field="partnership_id")
        for complaint in complaints:
            self.checks.agency(partnership_id, complaint.agency, "complaints.agency")
        for person_id, field in ((applicant.victim_person_id, "victim_person_id"),
                                 (applicant.applicant_person_id, "applicant_person_id")):
            if person_id is not None:
                self.checks.person(person_id, partnership_id, field)
        for case_id in asb_case_ids:
            self.checks.case(case_id, partnership_id, field="asb_case_ids")

        def build() -> list[Aggregate]:
            counter, reference = next_reference(self.store, REFERENCE_PREFIX)
            review = CaseReview.receive(
                partnership_id=partnership_id, reference=reference, applicant=applicant,
                applicant_description=applicant_description, received_via=received_via,
                received_on=received_on, complaints=complaints, asb_case_ids=asb_case_ids,
                hate_incident_involved=hate_incident_involved,
                victim_vulnerable=victim_vulnerable,
            )
            return [review, counter]

        return self.runner.create(build, idempotency=idempotency,
                                  contended=reference_counter_id(REFERENCE_PREFIX))

    def add_complaint(self, review_id: UUID, complaint: ComplaintReport,
                      **options: Any) -> tuple[CommandOutcome, int]:
        def command(review: CaseReview) -> int:
            self.checks.agency(review.partnership_id, complaint.agency, "agency")
            return review.add_complaint(complaint)

        return self._change_numbered(review_id, command,
                                     lambda r: {c.number for c in r.complaints}, **options)

    # -- deciding ------------------------------------------------------------------

    def acknowledge(self, review_id: UUID, *, acknowledged_on: date,
                    **options: Any) -> CommandOutcome:
        return self._change(review_id, lambda r: r.acknowledge(acknowledged_on), **options)

    def decide_threshold(self, review_id: UUID, *, decided_on: date,
                         vulnerable_victim_discretion_reason: str | None = None,
                         applicant_informed_on: date | None = None,
                         **options: Any) -> CommandOutcome:
        access.require_role(*access.COORDINATORS, doing="deciding the threshold")
        rules = self.rules.reviews.trigger
        return self._change(review_id, lambda r: r.decide_threshold(
            rules, decided_on,
            vulnerable_victim_discretion_reason=vulnerable_victim_discretion_reason,
            applicant_informed_on=applicant_informed_on), **options)

    def agree_discretionary_review(self, review_id: UUID, *, agreed_on: date, reason: str,
                                   **options: Any) -> CommandOutcome:
        access.require_role(*access.COORDINATORS, doing="agreeing a review on discretion")
        return self._change(review_id, lambda r: r.agree_discretionary_review(agreed_on, reason),
                            **options)

    # -- the review ------------------------------------------------------------------

    def hold_review(self, review_id: UUID, *, held_on: date, agencies_attending: Sequence[str],
                    victim_participation: VictimParticipation, findings: str,
                    independent_chair: str | None = None, **options: Any) -> CommandOutcome:
        def command(review: CaseReview) -> None:
            for agency in agencies_attending:
                self.checks.agency(review.partnership_id, agency, "agencies_attending")
            review.hold_review(held_on, agencies_attending=agencies_attending,
                               victim_participation=victim_participation, findings=findings,
                               independent_chair=independent_chair)

        return self._change(review_id, command, **options)

    def record_victim_consultation(self, review_id: UUID, *, consulted_on: date, response: str,
                                   **options: Any) -> CommandOutcome:
        return self._change(
            review_id, lambda r: r.record_victim_consultation(consulted_on, response), **options)

    def make_recommendation(self, review_id: UUID, *, to_agency: str, recommendation: str,
                            deadline: date, made_on: date,
                            **options: Any) -> tuple[CommandOutcome, int]:
        def command(review: CaseReview) -> int:
            self.checks.agency(review.partnership_id, to_agency, "to_agency")
            return review.make_recommendation(to_agency, recommendation, deadline, made_on)

        return self._change_numbered(review_id, command,
                                     lambda r: {x.number for x in r.recommendations}, **options)

    def complete_recommendation(self, review_id: UUID, *, number: int, completed_on: date,
                                **options: Any) -> CommandOutcome:
        return self._change(
            review_id, lambda r: r.complete_recommendation(number, completed_on), **options)

    def record_recommendation_not_accepted(self, review_id: UUID, *, number: int,
                                           recorded_on: date, reason: str,
                                           **options: Any) -> CommandOutcome:
        return self._change(review_id, lambda r: r.record_recommendation_not_accepted(
            number, recorded_on, reason), **options)

    def send_outcome(self, review_id: UUID, *, sent_on: date, via: ContactMethod,
                     **options: Any) -> CommandOutcome:
        return self._change(review_id, lambda r: r.send_outcome(sent_on, via), **options)

    # -- afterwards --------------------------------------------------------------------

    def request_escalation(self, review_id: UUID, *, requested_on: date, reviewer: str,
                           grounds: str, **options: Any) -> CommandOutcome:
        return self._change(
            review_id, lambda r: r.request_escalation(requested_on, reviewer, grounds), **options)

    def resolve_escalation(self, review_id: UUID, *, result: EscalationResult,
                           decided_on: date, notes: str | None = None,
                           **options: Any) -> CommandOutcome:
        return self._change(
            review_id, lambda r: r.resolve_escalation(result, decided_on, notes), **options)

    def close(self, review_id: UUID, *, closed_on: date, **options: Any) -> CommandOutcome:
        return self._change(review_id, lambda r: r.close(closed_on), **options)

    def withdraw(self, review_id: UUID, *, withdrawn_on: date, reason: str | None = None,
                 **options: Any) -> CommandOutcome:
        return self._change(review_id, lambda r: r.withdraw(withdrawn_on, reason), **options)

    # -- plumbing ----------------------------------------------------------------------

    def _load(self, review_id: UUID) -> CaseReview:
        return self.loader.load(CaseReview, KIND, review_id)

    def _change(self, review_id: UUID, command: Callable[[CaseReview], object], *,
                expected_version: int | None = None,
                idempotency: Idempotency | None = None) -> CommandOutcome:
        access.require_role(*access.CASEWORK_WRITERS, doing="changing a case review")

        def run(review: CaseReview) -> None:
            command(review)

        return self.runner.update(review_id, self._load, run,
                                  expected_version=expected_version, idempotency=idempotency)

    def _change_numbered(self, review_id: UUID, command: Callable[[CaseReview], int],
                         numbers_of: Callable[[CaseReview], set[int]], *,
                         expected_version: int | None = None,
                         idempotency: Idempotency | None = None) -> tuple[CommandOutcome, int]:
        """For commands that add a numbered item (complaint C3, recommendation R2).

        On an idempotent replay the command does not run again, so the number is found by
        comparing the review at the recorded version with the version before it.
        """
        created: list[int] = []

        def run(review: CaseReview) -> None:
            created.clear()
            created.append(command(review))

        outcome = self._change(review_id, run, expected_version=expected_version,
                               idempotency=idempotency)
        if created:
            return outcome, created[0]
        after = self.loader.load(CaseReview, KIND, review_id, version=outcome.version)
        before = self.loader.load(CaseReview, KIND, review_id, version=outcome.version - 1)
        added = numbers_of(after) - numbers_of(before)
        if len(added) != 1:
            raise NotFound("numbered item of case review", review_id)
        return outcome, added.pop()
