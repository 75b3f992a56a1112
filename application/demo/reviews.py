"""ASB Case Reviews (the "Community Trigger") in the demo data.

An application is made by a repeat victim (or their councillor, MP or a family member
with consent) some days after their latest report, relying on the reports logged on
their case. The domain decides the threshold from those complaints under the local
rules, so whether it is met is never forced: the complaints are the real reports, with
their duplicates (one incident reported to two agencies counts once) and late reports
(more than a month after the behaviour: not qualifying). Then the milestones follow at
working-day intervals, mostly within the service levels and sometimes late: the review
meeting, the victim's consultation, recommendations to named agencies tracked to done
or not accepted, the outcome letter, and closure. Some applications are withdrawn; a
few reviews are agreed on discretion although the threshold was not met; a few
applicants escalate to the Police and Crime Commissioner's office, which confirms the
handling or upholds the complaint and refers it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from random import Random
from uuid import UUID

from application import access
from application.demo.people import resident
from application.demo.roster import Officer
from application.demo.timeline import london_day, office_time
from application.demo.world import Area, Beat, PersonSpec, World
from domain.cases import AsbCase, IncidentReport
from domain.reviews.aggregate import CaseReview
from domain.reviews.values import (
    Applicant,
    ApplicantRole,
    ApplicationChannel,
    ComplaintReport,
    ConsentMethod,
    ConsentRecord,
    ContactMethod,
    EscalationResult,
    ReviewStatus,
    VictimKind,
    VictimParticipation,
)
from domain.shared import clock

RECOMMENDATIONS: dict[str, tuple[str, ...]] = {
    "police": ("Flag the victim's address on the command and control system so that calls "
               "are graded as repeat-victim calls.",
               "Brief the neighbourhood team on the case and add the location to patrol "
               "plans for three months."),
    "district_council": ("Give the victim a single point of contact and an update at least "
                         "every ten working days.",
                         "Consider a Community Protection Notice against the alleged "
                         "perpetrator and report back to the JAG."),
    "housing": ("Share incident logs with the police within 48 hours of each report.",
                "Offer the victim a management move assessment."),
    "health": ("Offer the victim a referral to the mental health liaison service.",),
    "county_council": ("Offer diversionary youth activities to the young people involved.",),
}

FINDINGS = (
    "Each agency responded to the reports made to it, but information was not shared between "
    "them and the victim was not told what would happen next.",
    "The response was reasonable but slow: the warning came six weeks after the third report "
    "and the victim was not updated in between.",
    "The agencies did not treat the reports as one pattern of behaviour because they were "
    "made to different organisations.",
)


class ReviewScript:
    """One application for an ASB Case Review, from receipt to closure."""

    def __init__(self, world: World, area: Area, case: AsbCase, victim: PersonSpec, flow: str,
                 rng: Random, *, hate_incident: bool, street: str) -> None:
        self.world = world
        self.area = area
        self.case_id = case.id
        self.case_reference = case.reference
        self.victim = victim
        self.flow = flow
        self.rng = rng
        self.hate_incident = hate_incident
        self.street = street
        self.incidents: list[IncidentReport] = list(case.incidents)
        self.victim_vulnerable = case.has_vulnerable_victim(world.rules.cases.vulnerable_victim)
        roster = area.roster
        council = roster.agency_of_kind("district_council")
        self.officer = rng.choice(roster.caseworkers(council))
        self.coordinator = roster.coordinator
        self.review: CaseReview | None = None
        self.held_back: list[ComplaintReport] = []
        self.day = london_day(clock.now())
        self.last = clock.now()

    # -- the script -------------------------------------------------------------------

    def beats(self) -> Iterator[Beat]:
        rng = self.rng
        received = clock.now() + timedelta(minutes=rng.randrange(20, 90))
        held_back = self.flow == "review-referred-back"
        yield self.beat(received, self.officer, lambda: self._receive(held_back), "receive")
        yield self.step(self.late(1, 2, 3, 5), self.officer, self._acknowledge, "acknowledge")
        if self.flow == "auto" and rng.random() < 0.04:
            yield self.step(rng.randrange(2, 8), self.officer, self._withdraw, "withdraw")
            return
        yield self.step(self.late(3, 8, 11, 15), self.coordinator, self._decide, "decide")
        review = self._review()
        if not review.threshold_met:
            if self.flow == "review-referred-back":
                yield from self._referred_back()
                if not review.threshold_met:
                    yield self.step(rng.randrange(2, 6), self.coordinator, self._close, "close")
                    return
            elif self.flow == "review-not-met" or (
                    self.flow == "auto"
                    and rng.random() < (0.4 if self.victim_vulnerable else 0.1)):
                yield self.step(rng.randrange(2, 8), self.coordinator, self._discretion,
                                "agree discretionary review")
            else:
                yield self.step(rng.randrange(2, 8), self.coordinator, self._close, "close")
                if self.flow == "auto" and rng.random() < 0.08:
                    yield from self._escalation(after_close=True)
                return
        yield from self._hold_and_report(recommendations=self._recommendation_count())

    def _referred_back(self) -> Iterator[Beat]:
        """Not met, closed; the PCC's office finds a complaint was missed and refers it back;
        with that complaint added the threshold is met."""
        rng = self.rng
        yield self.step(rng.randrange(2, 6), self.coordinator, self._close, "close")
        yield self.days_later(rng.randrange(10, 25), self.officer, self._request_escalation,
                              "escalate")
        yield self.days_later(rng.randrange(10, 20), self.coordinator,
                              lambda: self._resolve(EscalationResult.UPHELD_REFERRED_BACK),
                              "escalation upheld")
        yield self.days_later(rng.randrange(1, 4), self.officer, self._add_held_back,
                              "add missed complaint")
        yield self.step(rng.randrange(3, 8), self.coordinator, self._decide, "decide again")

    def _hold_and_report(self, *, recommendations: int) -> Iterator[Beat]:
        rng = self.rng
        yield self.step(self.late(8, 18, 21, 27), self.coordinator, self._hold, "hold review")
        yield self.days_later(rng.randrange(1, 5), self.officer, self._consult, "consult victim")
        numbers: list[int] = []
        for _ in range(recommendations):
            yield self.days_later(rng.randrange(0, 2), self.coordinator,
                                  lambda: numbers.append(self._recommend()), "recommend")
        yield self.step(self.late(2, 5, 7, 11), self.officer, self._send_outcome, "outcome")
        escalate = self.flow == "review-met" or (self.flow == "auto" and rng.random() < 0.08)
        resolutions = self._plan_resolutions(numbers)
        if escalate:
            yield from self._escalation(after_close=False, resolutions=resolutions)
            review = self._review()
            if review.status is ReviewStatus.REOPENED:
                yield self.step(self.late(8, 18, 21, 27), self.coordinator, self._hold,
                                "hold review again")
                yield self.step(self.late(2, 5, 7, 11), self.officer, self._send_outcome,
                                "outcome again")
        yield from self._resolutions(resolutions)
        yield self.days_later(rng.randrange(1, 10), self.officer, self._close, "close")

    def _escalation(self, *, after_close: bool,
                    resolutions: list[tuple[date, int, bool]] | None = None) -> Iterator[Beat]:
        rng = self.rng
        yield self.days_later(rng.randrange(5, 20), self.officer, self._request_escalation,
                              "escalate")
        result = EscalationResult.CONFIRMED
        if self.flow == "auto" and not after_close and rng.random() < 0.3:
            result = EscalationResult.UPHELD_REFERRED_BACK
        yield self.days_later(rng.randrange(10, 30), self.coordinator,
                              lambda: self._resolve(result), "escalation resolved")

    def _plan_resolutions(self, numbers: list[int]) -> list[tuple[date, int, bool]]:
        planned = []
        for number in numbers:
            weeks = self.rng.randrange(4, 14)
            planned.append((self.day + timedelta(weeks=weeks), number,
                            self.rng.random() < 0.1))
        return sorted(planned)

    def _resolutions(self, planned: list[tuple[date, int, bool]]) -> Iterator[Beat]:
        for day, number, refused in planned:
            day = max(day, self.day + timedelta(days=1))
            calendar = self.world.calendar
            self.day = day if calendar.is_working_day(day) else calendar.add_working_days(day, 1)
            moment = office_time(self.day, self.rng)
            yield self.beat(moment, self.officer, self._resolver(number, refused),
                            "recommendation resolved")

    def _recommendation_count(self) -> int:
        if self.flow == "review-met":
            return 2
        if self.flow in ("review-not-met", "review-referred-back"):
            return 1
        return self.rng.choices((0, 1, 2, 3), (3, 3, 3, 1))[0]

    # -- timing -------------------------------------------------------------------------

    def late(self, low: int, high: int, late_low: int, late_high: int) -> int:
        """Working days to the next milestone: within the service level mostly."""
        if self.rng.random() < 0.15:
            return self.rng.randrange(late_low, late_high + 1)
        return self.rng.randrange(low, high + 1)

    def beat(self, moment: datetime, officer: Officer, action: Callable[[], object],
             what: str) -> Beat:
        """A beat no earlier than the one before (two steps on one day keep their order)."""
        if moment <= self.last:
            moment = self.last + timedelta(minutes=self.rng.randrange(3, 30))
        self.last = moment
        return Beat(moment, officer, action, f"case review ({self.case_reference}): {what}")

    def step(self, working_days: int, officer: Officer, action: Callable[[], object],
             what: str) -> Beat:
        self.day = self.world.calendar.add_working_days(self.day, working_days)
        return self.beat(office_time(self.day, self.rng), officer, action, what)

    def days_later(self, days: int, officer: Officer, action: Callable[[], object],
                   what: str) -> Beat:
        day = self.day + timedelta(days=days)
        calendar = self.world.calendar
        self.day = day if calendar.is_working_day(day) else calendar.add_working_days(day, 1)
        return self.beat(office_time(self.day, self.rng), officer, action, what)

    # -- commands -------------------------------------------------------------------------

    def _review(self) -> CaseReview:
        assert self.review is not None
        return self.review

    def _today(self) -> date:
        return london_day(clock.now())

    def _complaints(self, received: datetime, *, held_back: bool) -> tuple[
            list[ComplaintReport], list[ComplaintReport]]:
        housing = set(self.area.roster.agencies_of_kind("housing"))
        used: list[ComplaintReport] = []
        kept: list[ComplaintReport] = []
        for incident in self.incidents:
            if incident.reported_at > received:
                continue
            complainant = str(incident.reported_by) if incident.reported_by else "resident"
            report = ComplaintReport(
                behaviour_at=incident.occurred_at, reported_on=london_day(incident.reported_at),
                agency=incident.reported_to_agency, complainant=complainant,
                description=incident.description[:400],
                agency_reference=incident.agency_reference)
            if held_back and incident.reported_to_agency in housing:
                kept.append(report)
            else:
                used.append(report)
        return used, kept

    def _applicant(self) -> tuple[Applicant, str]:
        rng = self.rng
        victim_id = self.world.person_id(self.victim)
        role = rng.choices(list(ApplicantRole), (55, 20, 15, 10, 0))[0]
        if self.flow != "auto":
            role = ApplicantRole.VICTIM if self.flow != "review-referred-back" \
                else ApplicantRole.COUNCILLOR
        if role is ApplicantRole.VICTIM:
            return (Applicant(role, VictimKind.PERSON, victim_id, victim_id),
                    f"The victim applied about continuing ASB near {self.street}.")
        consent = ConsentRecord(self._today() - timedelta(days=rng.randrange(0, 10)),
                                rng.choice(list(ConsentMethod)))
        applicant_id: UUID | None = None
        if role is ApplicantRole.FAMILY_MEMBER:
            ward = self.rng.choice(self.area.partnership.wards)
            relative = resident(f"{self.victim.key}/relative", self.area.id, ward,
                                self._today(), rng, age_from=25, age_to=60)
            relative.name = f"{relative.name.split(' ')[0]} {self.victim.name.split(' ')[-1]}"
            applicant_id = self.world.person_id(relative)
        who = {ApplicantRole.FAMILY_MEMBER: "The victim's daughter applied on their behalf",
               ApplicantRole.COUNCILLOR: "A ward councillor applied on the victim's behalf",
               ApplicantRole.MP: "The local MP's office applied on the victim's behalf"}.get(
            role, "A representative applied on the victim's behalf")
        return (Applicant(role, VictimKind.PERSON, victim_id, applicant_id, consent),
                f"{who}, with written consent, about ASB near {self.street}.")

    def _receive(self, held_back: bool) -> None:
        access.require_partnership(self.area.id)
        world = self.world
        now = clock.now()
        complaints, self.held_back = self._complaints(now, held_back=held_back)
        applicant, description = self._applicant()
        counter, reference = world.next_reference("CR")
        self.review = CaseReview.receive(
            partnership_id=self.area.id, reference=reference, applicant=applicant,
            applicant_description=description,
            received_via=self.rng.choice(list(ApplicationChannel)),
            received_on=london_day(now), complaints=complaints, asb_case_ids=[self.case_id],
            hate_incident_involved=self.hate_incident, victim_vulnerable=self.victim_vulnerable,
        )
        world.writer.record(self.review, counter)

    def _acknowledge(self) -> None:
        review = self._review()
        review.acknowledge(self._today())
        self.world.writer.record(review)

    def _withdraw(self) -> None:
        review = self._review()
        review.withdraw(self._today(), "The applicant says things have improved.")
        self.world.writer.record(review)

    def _decide(self) -> None:
        access.require_role(*access.COORDINATORS, doing="deciding the threshold")
        review = self._review()
        today = self._today()
        review.decide_threshold(self.world.rules.reviews.trigger, today,
                                applicant_informed_on=today)
        self.world.writer.record(review)

    def _discretion(self) -> None:
        access.require_role(*access.COORDINATORS, doing="agreeing a review on discretion")
        review = self._review()
        review.agree_discretionary_review(
            self._today(), "The victim is vulnerable and the reports describe a pattern the "
                           "agencies have not yet tackled together.")
        self.world.writer.record(review)

    def _hold(self) -> None:
        review = self._review()
        agencies = [a for a in self.area.partnership.agencies
                    if self.area.roster.kinds[a] in ("police", "district_council", "housing",
                                                     "health")]
        review.hold_review(
            self._today(), agencies_attending=agencies or list(self.area.partnership.agencies),
            victim_participation=self.rng.choice(list(VictimParticipation)),
            findings=self.rng.choice(FINDINGS),
            independent_chair="Community safety manager from a neighbouring partnership"
            if self.rng.random() < 0.3 else None)
        self.world.writer.record(review)

    def _consult(self) -> None:
        review = self._review()
        review.record_victim_consultation(
            self._today(), "Victim agrees the draft action plan and asked for fortnightly "
                           "updates by phone.")
        self.world.writer.record(review)

    def _recommend(self) -> int:
        review = self._review()
        roster = self.area.roster
        kinds = [k for k in RECOMMENDATIONS if roster.agencies_of_kind(k)]
        kind = self.rng.choice(kinds)
        agency = roster.agency_of_kind(kind)
        today = self._today()
        number = review.make_recommendation(
            agency, self.rng.choice(RECOMMENDATIONS[kind]),
            today + timedelta(weeks=self.rng.randrange(4, 12)), today)
        self.world.writer.record(review)
        return number

    def _send_outcome(self) -> None:
        review = self._review()
        review.send_outcome(self._today(), self.rng.choice((ContactMethod.LETTER,
                                                            ContactMethod.EMAIL)))
        self.world.writer.record(review)

    def _resolver(self, number: int, refused: bool) -> Callable[[], None]:
        return lambda: self._resolve_recommendation(number, refused)

    def _resolve_recommendation(self, number: int, refused: bool) -> None:
        review = self._review()
        if refused:
            review.record_recommendation_not_accepted(
                number, self._today(), "Not proportionate: the behaviour stopped before it "
                                       "could be put in place.")
        else:
            review.complete_recommendation(number, self._today())
        self.world.writer.record(review)

    def _request_escalation(self) -> None:
        review = self._review()
        pcc = next((name for agency, name in self.world.rules.agencies.items()
                    if "pcc" in agency), "Office of the Police and Crime Commissioner")
        review.request_escalation(self._today(), pcc,
                                  "The applicant says the agencies did not take into account "
                                  "all the reports made.")
        self.world.writer.record(review)

    def _resolve(self, result: EscalationResult) -> None:
        review = self._review()
        notes = ("The process was followed; the decision stands."
                 if result is EscalationResult.CONFIRMED else
                 "A complaint made to the housing provider was not considered: referred back "
                 "for a new decision.")
        review.resolve_escalation(result, self._today(), notes)
        self.world.writer.record(review)

    def _add_held_back(self) -> None:
        review = self._review()
        for complaint in self.held_back:
            review.add_complaint(complaint)
        self.world.writer.record(review)

    def _close(self) -> None:
        review = self._review()
        if review.open_recommendations:
            return
        review.close(self._today())
        self.world.writer.record(review)
