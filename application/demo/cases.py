"""The life of an ASB case in the demo data, run through the case commands.

A case is opened when the first report comes in, with the complainant and, when known,
the alleged perpetrator. Further incidents are logged as they are reported (some to two
agencies: the incident-matching rule counts them once; a few weeks late: they do not
qualify for a case review). The victim is risk-assessed and updated every couple of
weeks; a supervisor reviews the case at the cadence its risk sets. Interventions climb
the escalation ladder in legal order (a Community Protection Warning before a Notice, a
conviction before a Criminal Behaviour Order, a closure notice before a closure order).
Actions are set by the officer and at the JAG, and are done on time, late, reassigned or
never (then cancelled at closure). Harder cases are referred to the JAG, accepted at its
next meeting and discharged later. The case closes with an outcome and often the
victim's satisfaction; a few reopen. Some repeat victims apply for an ASB Case Review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random
from uuid import UUID

from application import access
from application.demo import vocabulary as words
from application.demo.people import (
    address_in,
    organisation,
    resident,
    street_in,
    town_of,
    young_person,
)
from application.demo.reviews import ReviewScript
from application.demo.roster import Officer
from application.demo.seeding import seeded
from application.demo.timeline import (
    incident_time,
    local,
    london_day,
    next_working_moment,
    office_time,
)
from application.demo.vocabulary import AsbProfile
from application.demo.world import Area, Beat, CaseRef, PersonSpec, World
from domain.cases import (
    AsbCase,
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
    RiskQuestion,
    SupervisorDecision,
    VictimSatisfaction,
    VulnerabilityFlag,
)
from domain.shared import clock
from domain.shared.errors import InvalidValue
from domain.shared.partnerships import Ward

IT = InterventionType
IR = InterventionResult

SHOWCASES = ("review-met", "review-not-met", "review-referred-back", "review-in-progress")


@dataclass
class CaseSpec:
    area: Area
    number: int
    ward: Ward
    profile: AsbProfile
    occurred_at: datetime
    reported_at: datetime
    track: str
    """light, moderate or serious: how long and how hard the case is."""
    showcase: str | None = None


@dataclass
class PlannedIncident:
    occurred_at: datetime
    reported_at: datetime
    logged_at: datetime
    agency: str
    reporter: PersonSpec | None
    description: str
    same_reference_as: PlannedIncident | None = None
    reference: str | None = None
    duplicate: bool = False
    late: bool = False


class CaseScript:
    """Plans and runs one case's life (see the module docstring)."""

    def __init__(self, world: World, spec: CaseSpec, rng: Random, review_rate: float) -> None:
        self.world = world
        self.spec = spec
        self.rng = rng
        self.review_rate = review_rate
        self.case: AsbCase | None = None
        self.perpetrators: list[PersonSpec] = []
        self.second_complainant: PersonSpec | None = None
        self.action_ids: dict[int, UUID] = {}
        self.intervention_ids: dict[int, UUID] = {}
        self.actions_planned = 0
        self.hate_incident = False
        self.beats_out: list[Beat] = []
        self.level = RiskLevel.STANDARD
        self.lead_actions = 0
        area = spec.area
        self.lead = self._showcase_lead() if spec.showcase else \
            rng.choice(area.roster.caseworkers(self.lead_agency()))
        if area.roster.kinds.get(self.lead.agency) == "police":
            self.t_open = spec.reported_at + timedelta(minutes=rng.randrange(15, 6 * 60))
        else:  # the council and landlords open cases in office hours
            self.t_open = next_working_moment(spec.reported_at, world.calendar, rng)
        self.t_close = self.t_open
        self.t_risk = self.t_open
        self.street = street_in(spec.ward, rng)
        self.place = f"{rng.choice(words.PLACE_KINDS)} off {self.street}"
        self.channel = _channel(rng)
        self._choose_people()
        self.perpetrators_at_open = len(self.perpetrators) if rng.random() < 0.6 else 0
        self.identified_at = self.t_open + timedelta(days=rng.randrange(3, 20), hours=1)
        self.incidents: list[PlannedIncident] = [PlannedIncident(
            spec.occurred_at, spec.reported_at, self.t_open,
            self._agency_for_report(first=True), self.complainant,
            words.fill(rng.choice(spec.profile.incidents), street=self.street,
                       place=self.place))]

    # -- who ------------------------------------------------------------------------

    def _showcase_lead(self) -> Officer:
        """The showcase cases are led by the first caseworker of the police, the council
        and the landlord (the demo sign-in users), so each of them has cases to show."""
        roster = self.spec.area.roster
        council = roster.agency_of_kind("district_council")
        kind = {"review-met": "police", "review-referred-back": "housing"}.get(
            self.spec.showcase or "", "district_council")
        return roster.caseworkers(roster.agency_of_kind(kind, council))[0]

    def lead_agency(self) -> str:
        roster, kind = self.spec.area.roster, self.spec.profile.asb_type
        council = roster.agency_of_kind("district_council")
        police = roster.agency_of_kind("police", council)
        housing = roster.agency_of_kind("housing", council)
        roll = self.rng.random()
        if kind in (AsbType.NOISE, AsbType.NEIGHBOUR_DISPUTE, AsbType.ANIMAL_NUISANCE):
            return housing if roll < 0.45 else council if roll < 0.9 else police
        if self.spec.profile.category is NsirCategory.ENVIRONMENTAL:
            return council if roll < 0.85 else police
        if kind is AsbType.VEHICLE_NUISANCE:
            return police if roll < 0.7 else council
        return police if roll < 0.55 else council

    def _choose_people(self) -> None:
        spec, rng, area = self.spec, self.rng, self.spec.area
        key = f"{area.id}/case{spec.number}"
        on = london_day(spec.reported_at)
        neighbourhood = spec.ward.neighbourhood
        personal = spec.profile.has_victim
        pool = area.repeat_victims.get(neighbourhood, [])
        if spec.showcase is not None:
            self.complainant = resident(f"{key}/victim", area.id, spec.ward, on, rng,
                                        age_from=76 if spec.showcase == "review-met" else 30,
                                        vulnerable=spec.showcase == "review-not-met")
        elif pool and rng.random() < (0.16 if personal else 0.08):
            self.complainant = rng.choice(pool)
        elif spec.profile.category is NsirCategory.ENVIRONMENTAL and rng.random() < 0.3:
            self.complainant = organisation(f"{key}/org", area.id, spec.ward, rng)
        else:
            self.complainant = resident(f"{key}/complainant", area.id, spec.ward, on, rng,
                                        street=self.street if personal else None,
                                        vulnerable=rng.random() < 0.06)
        self.complainant_is_victim = personal or spec.showcase is not None or rng.random() < 0.4
        if spec.profile.category is NsirCategory.NUISANCE and rng.random() < 0.3:
            self.second_complainant = resident(f"{key}/neighbour", area.id, spec.ward, on, rng,
                                               street=self.street)
        known = spec.showcase is not None or rng.random() < spec.profile.perpetrator_known
        if known:
            prolific = area.prolific.get(neighbourhood, [])
            count = 2 if spec.profile.asb_type is AsbType.ROWDY_BEHAVIOUR and rng.random() < 0.3 \
                else 1
            for n in range(count):
                if prolific and rng.random() < 0.3:
                    candidate = rng.choice(prolific)
                    if candidate not in self.perpetrators:
                        self.perpetrators.append(candidate)
                        continue
                young = spec.profile.asb_type in (AsbType.ROWDY_BEHAVIOUR, AsbType.VANDALISM,
                                                  AsbType.FIREWORKS, AsbType.VEHICLE_NUISANCE)
                maker = _young if young else _adult
                self.perpetrators.append(maker(f"{key}/perpetrator{n}", area.id, spec.ward, on,
                                               rng, self.street))

    # -- the script -----------------------------------------------------------------

    def beats(self) -> Iterator[Beat]:
        yield Beat(self.t_open, self.lead, self.open, f"open case {self.spec.number}")
        planned = self.plan()
        planned.sort(key=lambda beat: beat.moment)
        yield from planned

    def open(self) -> None:
        spec, world = self.spec, self.world
        partnership = spec.area.partnership
        access.require_partnership(partnership.id)
        _require_agency(spec.area, self.lead.agency)
        counter, reference = world.next_reference("ASB")
        outward = self.rng.choice(spec.ward.outward_postcodes) if spec.ward.outward_postcodes \
            else None
        personal = spec.profile.has_victim and self.complainant.address
        address = self.complainant.address if personal else f"{self.place.capitalize()}, " \
            f"{town_of(spec.ward)}"
        summary = words.fill(self.rng.choice(spec.profile.summaries), street=self.street,
                             place=self.place)
        self.case = AsbCase.open(
            partnership_id=partnership.id, reference=reference,
            nsir_category=spec.profile.category, asb_type=spec.profile.asb_type,
            other_type=words.OTHER_TYPE if spec.profile.asb_type is AsbType.OTHER else None,
            summary=summary, address=address or summary[:60], ward=spec.ward.name,
            neighbourhood=spec.ward.neighbourhood, outward_postcode=outward,
            reporting_channel=self.channel, lead_agency=self.lead.agency,
            lead_officer=self.lead.user_id, reported_at=spec.reported_at,
        )
        world.writer.record(self.case, counter)
        world.index_case(partnership.id, CaseRef(self.case.id, reference, spec.ward.name,
                                                 spec.profile.asb_type.value, self.t_open))
        complainant = world.person_id(self.complainant)
        self.case.add_party(person_id=complainant, role=PartyRole.COMPLAINANT,
                            consent_to_share=self.rng.random() < 0.85)
        if self.complainant_is_victim:
            self.case.add_party(person_id=complainant, role=PartyRole.VICTIM,
                                consent_to_share=True)
        for perpetrator in self.perpetrators[: self.perpetrators_at_open]:
            self.case.add_party(person_id=world.person_id(perpetrator),
                                role=PartyRole.ALLEGED_PERPETRATOR)
        first = self.incidents[0]
        self._log(first)
        world.writer.record(self.case)

    # -- planning ---------------------------------------------------------------------

    def plan(self) -> list[Beat]:
        rng, spec = self.rng, self.spec
        low, high = {"light": (12, 60), "moderate": (45, 150), "serious": (100, 280)}[spec.track]
        self.t_close = self.t_open + timedelta(days=rng.randrange(low, high),
                                               hours=rng.randrange(0, 8))
        if spec.showcase == "review-in-progress":
            self.t_close = self.world.until + timedelta(days=45)
        elif spec.showcase is not None:
            self.t_close = self.t_open + timedelta(days=130)
        self._plan_parties()
        self._plan_follow_up_incidents()
        self.level = self._plan_risk()
        self._plan_interventions()
        self._plan_jag()
        self._plan_actions(self.lead_actions)
        self._plan_contacts()
        self._plan_supervision()
        self._plan_review_application()
        self._plan_closure()
        return [b for b in self.beats_out if b.moment > self.t_open]

    def office(self, moment: datetime) -> datetime:
        """The next moment in office hours on a working day after ``moment``."""
        return next_working_moment(moment, self.world.calendar, self.rng)

    def at(self, moment: datetime, officer: Officer, action: Callable[[], object],
           what: str) -> None:
        self.beats_out.append(Beat(moment, officer, action, f"case {self.spec.number}: {what}"))

    def perpetrator_known_from(self) -> datetime:
        return self.t_open if self.perpetrators_at_open else self.identified_at

    def _agency_for_report(self, *, first: bool = False) -> str:
        roster = self.spec.area.roster
        roll = self.rng.random()
        police = roster.agency_of_kind("police", self.lead.agency)
        if first and self.channel is ReportingChannel.PHONE:
            return police if roll < 0.6 else self.lead.agency
        if roll < 0.55:
            return self.lead.agency
        if roll < 0.85:
            return police
        return roster.agency_of_kind("housing", self.lead.agency)

    def _officer_of(self, agency: str) -> Officer:
        if agency == self.lead.agency:
            return self.lead
        return self.rng.choice(self.spec.area.roster.caseworkers(agency))

    def _plan_parties(self) -> None:
        if self.perpetrators and not self.perpetrators_at_open:
            moment = self.identified_at
            if moment < self.t_close - timedelta(days=2):
                self.at(moment, self.lead, self._add_perpetrators, "perpetrators identified")
        if self.rng.random() < 0.1:
            witness = resident(f"{self.spec.area.id}/case{self.spec.number}/witness",
                               self.spec.area.id, self.spec.ward, london_day(self.t_open),
                               self.rng)
            moment = self.t_open + timedelta(days=self.rng.randrange(1, 10), hours=2)
            if moment < self.t_close:
                self.at(moment, self.lead, lambda: self._add(witness, PartyRole.WITNESS),
                        "witness")

    def _add_perpetrators(self) -> None:
        for perpetrator in self.perpetrators:
            self._add(perpetrator, PartyRole.ALLEGED_PERPETRATOR)

    def _add(self, spec: PersonSpec, role: PartyRole) -> None:
        case = self._case()
        person_id = self.world.person_id(spec)
        if case.find_party(person_id, role) is None:
            case.add_party(person_id=person_id, role=role,
                           consent_to_share=role is not PartyRole.ALLEGED_PERPETRATOR)
        self.world.writer.record(case)

    def _case(self) -> AsbCase:
        assert self.case is not None
        return self.case

    # -- incidents --------------------------------------------------------------------

    def _plan_follow_up_incidents(self) -> None:
        rng, spec = self.rng, self.spec
        if spec.showcase is not None:
            moments = self._showcase_incidents()
        else:
            count = {"light": rng.randrange(0, 3), "moderate": rng.randrange(2, 6),
                     "serious": rng.randrange(4, 11)}[spec.track]
            span = (self.t_close - self.t_open).days - 5
            times = sorted(
                incident_time(london_day(self.t_open) + timedelta(days=rng.randrange(1, span)),
                              rng, evenings=spec.profile.evenings)
                for _ in range(count)
            ) if span > 2 else []
            moments = [(m, self._delay(), None, rng.random() < 0.18) for m in times]
        last_log = self.t_close - timedelta(hours=3)
        for occurred, delay, agency, duplicate in moments:
            reporter = self.complainant
            if self.second_complainant is not None and rng.random() < 0.3:
                reporter = self.second_complainant
            reported = occurred + delay
            agency = agency or self._agency_for_report()
            incident = PlannedIncident(
                occurred, reported, self._logged_at(agency, reported), agency, reporter,
                words.fill(rng.choice(spec.profile.incidents), street=self.street,
                           place=self.place),
                late=delay > timedelta(days=31),
            )
            if incident.logged_at >= last_log:
                continue
            self.incidents.append(incident)
            self.at(incident.logged_at, self._officer_of(incident.agency),
                    self._logger(incident), "incident")
            if duplicate:
                self._plan_duplicate(incident, last_log)

    def _delay(self) -> timedelta:
        roll = self.rng.random()
        if roll < 0.07:
            return timedelta(days=self.rng.randrange(33, 55))
        if roll < 0.15:
            return timedelta(days=self.rng.randrange(2, 6))
        return timedelta(minutes=self.rng.randrange(10, 36 * 60))

    def _showcase_incidents(self) -> list[tuple[datetime, timedelta, str | None, bool]]:
        """Fixed patterns, so each kind of case review comes out the way it is meant to."""
        base = london_day(self.t_open)
        roster = self.spec.area.roster
        quick = timedelta(hours=3)
        if self.spec.showcase == "review-met":
            return [(local(base + timedelta(days=12), 21), quick, None, False),
                    (local(base + timedelta(days=26), 20), quick, None, True),
                    (local(base + timedelta(days=41), 22), quick, None, False)]
        if self.spec.showcase == "review-not-met":
            return [(local(base + timedelta(days=20), 19), quick, None, True),
                    (local(base + timedelta(days=35), 20), timedelta(days=45), None, False)]
        if self.spec.showcase == "review-referred-back":
            housing = roster.agency_of_kind("housing", self.lead.agency)
            return [(local(base + timedelta(days=15), 22), quick, None, False),
                    (local(base + timedelta(days=30), 21), quick, housing, False)]
        return [(local(base + timedelta(days=20), 21), quick, None, False),
                (local(base + timedelta(days=40), 22), quick, None, False)]

    def _logged_at(self, agency: str, reported: datetime) -> datetime:
        """Police log round the clock; the council and landlords in office hours."""
        if self.spec.area.roster.kinds.get(agency) == "police":
            return reported + timedelta(minutes=self.rng.randrange(5, 300))
        return self.office(reported)

    def _plan_duplicate(self, first: PlannedIncident, last_log: datetime) -> None:
        rng = self.rng
        roster = self.spec.area.roster
        others = [a for a in (roster.agency_of_kind("police", ""),
                              roster.agency_of_kind("district_council", ""),
                              roster.agency_of_kind("housing", "")) if a and a != first.agency]
        if not others:
            return
        reported = first.reported_at + timedelta(minutes=rng.randrange(20, 30 * 60))
        # Mostly the same time of behaviour as the first report (the case review threshold
        # then sees one incident too); sometimes a different recollection of the time, which
        # only the case's tolerance of a couple of hours catches.
        shift = 0 if self.spec.showcase or rng.random() < 0.6 else rng.randrange(-40, 40)
        occurred = min(first.occurred_at + timedelta(minutes=shift), reported)
        agency = rng.choice(others)
        second = PlannedIncident(
            occurred, reported, self._logged_at(agency, reported), agency, first.reporter,
            "Same incident reported again to this agency: " + first.description[0].lower()
            + first.description[1:],
            same_reference_as=first if rng.random() < 0.15 else None, duplicate=True,
        )
        if second.logged_at >= last_log:
            return
        self.incidents.append(second)
        self.at(second.logged_at, self._officer_of(second.agency), self._logger(second),
                "duplicate report")

    def _log(self, incident: PlannedIncident) -> None:
        case = self._case()
        reporter = None
        if incident.reporter is not None:
            reporter = self.world.person_id(incident.reporter)
            if not case.is_party(reporter):
                case.add_party(person_id=reporter, role=PartyRole.COMPLAINANT,
                               consent_to_share=True)
        _require_agency(self.spec.area, incident.agency)
        kind = self.spec.area.roster.kinds.get(incident.agency, "other")
        if incident.same_reference_as is not None and incident.same_reference_as.reference:
            reference = incident.same_reference_as.reference
        else:
            reference = self.world.agency_reference(incident.agency, kind, incident.reported_at)
        incident.reference = reference
        description = incident.description
        if incident.late:
            description = "Reported at a later visit: " + description[0].lower() + \
                description[1:]
        case.log_incident(occurred_at=incident.occurred_at, reported_at=incident.reported_at,
                          reported_to_agency=incident.agency, description=description,
                          agency_reference=reference, reported_by=reporter)

    def _logger(self, incident: PlannedIncident) -> Callable[[], None]:
        def run() -> None:
            self._log(incident)
            self.world.writer.record(self._case())
        return run

    # -- risk -------------------------------------------------------------------------

    def _plan_risk(self) -> RiskLevel:
        rng = self.rng
        wanted = _wanted_level(self.spec.track, rng)
        if self.spec.showcase in ("review-met", "review-not-met"):
            wanted = RiskLevel.HIGH if self.spec.showcase == "review-met" else RiskLevel.MEDIUM
        victim = self.complainant
        if not self.complainant_is_victim or victim.date_of_birth is None:
            return RiskLevel.STANDARD
        questionnaire = self.world.rules.cases.risk_questionnaire
        answers = _answers_for(questionnaire.questions, wanted, questionnaire.medium_from,
                               questionnaire.high_from, rng)
        self.hate_incident = answers.get("targeted_for_identity", False)
        flags = self._flags(victim, wanted)
        level = questionnaire.level_for(questionnaire.score(answers))
        moment = next_working_moment(self.t_open, self.world.calendar, rng,
                                     days=rng.randrange(0, 3))
        self.t_risk = moment
        self.at(moment, self.lead, lambda: self._assess(victim, answers, flags), "risk")
        if self.spec.track != "light" and rng.random() < 0.5:
            later = self.office(moment + timedelta(days=(self.t_close - moment).days // 2))
            again = _answers_for(questionnaire.questions, _shifted(level, rng),
                                 questionnaire.medium_from, questionnaire.high_from, rng)
            self.at(later, self.lead, lambda: self._assess(victim, again, flags), "reassess")
        return level

    def _flags(self, victim: PersonSpec, level: RiskLevel) -> list[VulnerabilityFlag]:
        flags: list[VulnerabilityFlag] = []
        age = victim.age_on(london_day(self.t_open))
        if age is not None and age >= 75:
            flags.append(VulnerabilityFlag.OLDER_PERSON)
        if victim.vulnerability_notes:
            flags.append(VulnerabilityFlag.MENTAL_HEALTH if "nxiety" in victim.vulnerability_notes
                         else VulnerabilityFlag.PHYSICAL_DISABILITY)
        if level is not RiskLevel.STANDARD:
            for flag, chance in ((VulnerabilityFlag.LIVES_ALONE_OR_ISOLATED, 0.2),
                                 (VulnerabilityFlag.MENTAL_HEALTH, 0.15),
                                 (VulnerabilityFlag.CARER_OR_CARED_FOR, 0.05)):
                if self.rng.random() < chance and flag not in flags:
                    flags.append(flag)
        return flags

    def _assess(self, victim: PersonSpec, answers: dict[str, bool],
                flags: list[VulnerabilityFlag]) -> None:
        case = self._case()
        rules = self.world.rules.cases
        case.assess_risk(victim_id=self.world.person_id(victim), answers=answers,
                         assessed_by=self.lead.user_id, vulnerability_flags=flags,
                         notes="Assessed with the victim on the phone." if flags else None,
                         questionnaire=rules.risk_questionnaire, cadence=rules.review_cadence)
        self.world.writer.record(case)

    # -- interventions ----------------------------------------------------------------

    def _plan_interventions(self) -> None:
        rng, spec = self.rng, self.spec
        ladder = self._ladder()
        cursor = max(self.t_open + timedelta(days=rng.randrange(4, 12)),
                     self.perpetrator_known_from() + timedelta(days=1))
        number = 0
        for kind, subject, result in ladder:
            number += 1
            officer = self._intervention_officer(kind)
            start = self.office(cursor)
            if start >= self.t_close - timedelta(days=5):
                if spec.track != "serious":
                    break
                self.t_close = start + timedelta(days=rng.randrange(20, 40))
            self.at(start, officer, self._intervene(number, kind, subject, officer),
                    f"intervention {kind.value}")
            if result is None:
                cursor = start + timedelta(days=rng.randrange(7, 21))
                continue
            settle = {IT.CLOSURE_NOTICE: 2, IT.CLOSURE_ORDER: 1, IT.DISPERSAL: 2,
                      IT.CRIMINAL_BEHAVIOUR_ORDER: rng.randrange(1, 15)}.get(
                kind, rng.randrange(14, 36))
            result_at = self.office(start + timedelta(days=settle))
            if result_at < self.t_close - timedelta(hours=2):
                self.at(result_at, officer, self._result(number, result), "intervention result")
            cursor = result_at + timedelta(days=rng.randrange(1, 10))
            if kind is IT.COMMUNITY_PROTECTION_NOTICE and result is IR.BREACHED \
                    and ladder[-1][0] is IT.CRIMINAL_BEHAVIOUR_ORDER:
                convicted = self.office(cursor + timedelta(days=rng.randrange(14, 50)))
                if convicted < self.t_close - timedelta(days=3) or spec.track == "serious":
                    self.t_close = max(self.t_close, convicted + timedelta(days=30))
                    police = self.spec.area.roster.agency_of_kind("police", self.lead.agency)
                    self.at(office_time(london_day(convicted), rng, earliest=10, latest=13),
                            self._officer_of(police), self._convict(subject),
                            "conviction")
                    cursor = office_time(london_day(convicted), rng, earliest=14)
        support = self.complainant_is_victim and self.complainant.date_of_birth is not None \
            and rng.random() < {"light": 0.1, "moderate": 0.35, "serious": 0.6}[spec.track]
        if support:
            number += 1
            moment = next_working_moment(self.t_open, self.world.calendar, rng,
                                         days=rng.randrange(2, 8))
            if moment < self.t_close:
                self.at(moment, self.lead, self._intervene(number, IT.SUPPORT_REFERRAL, "victim",
                                                           self.lead), "support referral")

    def _ladder(self) -> list[tuple[InterventionType, str | None, InterventionResult | None]]:
        rng, spec = self.rng, self.spec
        kind = spec.profile.asb_type
        steps: list[tuple[InterventionType, str | None, InterventionResult | None]] = []
        perp = bool(self.perpetrators)
        if kind is AsbType.DRUG_USE and spec.track == "serious" and rng.random() < 0.6:
            steps += [(IT.CLOSURE_NOTICE, None, IR.GRANTED), (IT.CLOSURE_ORDER, None, IR.GRANTED)]
        if kind in (AsbType.STREET_DRINKING, AsbType.ROWDY_BEHAVIOUR) and \
                spec.track != "light" and rng.random() < 0.35:
            steps.append((IT.DISPERSAL, None, IR.EXPIRED))
        if not perp:
            return steps
        if spec.track == "light":
            first = IT.ADVISORY_LETTER if rng.random() < 0.65 else IT.WARNING
            return [*steps, (first, "perp", IR.COMPLIED)] if rng.random() < 0.8 else steps
        young = self.perpetrators[0].age_on(london_day(self.t_open)) or 30
        if spec.track == "moderate":
            steps.append((IT.WARNING if rng.random() < 0.6 else IT.ADVISORY_LETTER, "perp",
                          IR.BREACHED if rng.random() < 0.5 else IR.COMPLIED))
            if kind in (AsbType.NOISE, AsbType.NEIGHBOUR_DISPUTE) and rng.random() < 0.4:
                steps.append((IT.MEDIATION, "perp",
                              IR.COMPLIED if rng.random() < 0.6 else IR.WITHDRAWN))
            elif young < 18 and rng.random() < 0.6:
                steps.append((IT.ACCEPTABLE_BEHAVIOUR_AGREEMENT, "perp",
                              IR.COMPLIED if rng.random() < 0.65 else IR.BREACHED))
            if rng.random() < 0.5:
                steps.append((IT.COMMUNITY_PROTECTION_WARNING, "perp",
                              IR.COMPLIED if rng.random() < 0.6 else IR.BREACHED))
            return steps
        steps += [(IT.WARNING, "perp", IR.BREACHED),
                  (IT.COMMUNITY_PROTECTION_WARNING, "perp", IR.BREACHED)]
        cpn_breached = rng.random() < 0.55
        steps.append((IT.COMMUNITY_PROTECTION_NOTICE, "perp",
                      IR.BREACHED if cpn_breached else IR.COMPLIED))
        if self.lead.agency in self.spec.area.roster.agencies_of_kind("housing") and \
                rng.random() < 0.5:
            steps.append((IT.TENANCY_ACTION, "perp",
                          IR.GRANTED if rng.random() < 0.6 else IR.WITHDRAWN))
        if cpn_breached:
            if young >= 18 and rng.random() < 0.6:
                steps.append((IT.CRIMINAL_BEHAVIOUR_ORDER, "perp", IR.GRANTED))
            else:
                steps.append((IT.CIVIL_INJUNCTION, "perp", IR.GRANTED))
        return steps

    def _intervention_officer(self, kind: InterventionType) -> Officer:
        roster = self.spec.area.roster
        police_kinds = (IT.DISPERSAL, IT.CLOSURE_NOTICE, IT.CLOSURE_ORDER,
                        IT.CRIMINAL_BEHAVIOUR_ORDER)
        if kind in police_kinds:
            return self._officer_of(roster.agency_of_kind("police", self.lead.agency))
        if kind is IT.TENANCY_ACTION:
            return self._officer_of(roster.agency_of_kind("housing", self.lead.agency))
        return self.lead

    def _intervene(self, number: int, kind: InterventionType, subject: str | None,
                   officer: Officer) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            _require_agency(self.spec.area, officer.agency)
            subject_id = None
            if subject == "perp":
                subject_id = self.world.person_id(self.perpetrators[0])
            elif subject == "victim":
                subject_id = self.world.person_id(self.complainant)
            today = london_day(self.world_now())
            ends = {IT.COMMUNITY_PROTECTION_NOTICE: 365, IT.CIVIL_INJUNCTION: 365,
                    IT.CRIMINAL_BEHAVIOUR_ORDER: 730, IT.CLOSURE_ORDER: 90,
                    IT.DISPERSAL: 2, IT.ACCEPTABLE_BEHAVIOUR_AGREEMENT: 180}.get(kind)
            review = 28 if kind in (IT.COMMUNITY_PROTECTION_WARNING,
                                    IT.ACCEPTABLE_BEHAVIOUR_AGREEMENT) else None
            self.intervention_ids[number] = case.record_intervention(
                intervention_type=kind, agency=officer.agency, officer=officer.user_id,
                started_on=today, subject_id=subject_id,
                review_on=today + timedelta(days=review) if review else None,
                ends_on=today + timedelta(days=ends) if ends else None,
                details=_INTERVENTION_DETAILS.get(kind, kind.value.replace("_", " ").capitalize()
                                                  + "."),
            )
            self.world.writer.record(case)
        return run

    def world_now(self) -> datetime:
        return clock.now()

    def _result(self, number: int, result: InterventionResult) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            intervention_id = self.intervention_ids.get(number)
            if intervention_id is None:
                return
            case.record_intervention_result(
                intervention_id=intervention_id, result=result,
                result_on=london_day(self.world_now()),
                note=_RESULT_NOTES.get(result))
            self.world.writer.record(case)
        return run

    def _convict(self, subject: str | None) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            person = self.perpetrators[0]
            court = words.COURTS[0] if self.spec.area.id == "north-herts" else \
                words.COURTS[1] if self.spec.area.id == "st-albans" else \
                self.rng.choice(words.COURTS)
            case.record_conviction(person_id=self.world.person_id(person),
                                   convicted_on=london_day(self.world_now()),
                                   offence=words.OFFENCES[0], court=court)
            self.world.writer.record(case)
        return run

    # -- the JAG and actions ----------------------------------------------------------

    def _plan_jag(self) -> None:
        rng, spec = self.rng, self.spec
        chance = {"light": 0.0, "moderate": 0.15, "serious": 0.8}[spec.track]
        if self.level is RiskLevel.HIGH:
            chance = max(chance, 0.6)
        if spec.showcase == "review-met":
            chance = 1.0
        self.lead_actions = {"light": rng.randrange(0, 2), "moderate": rng.randrange(1, 4),
                             "serious": rng.randrange(2, 5)}[spec.track]
        if rng.random() >= chance:
            return
        referred = self.office(self.t_open + timedelta(days=rng.randrange(10, 45)))
        self.t_close = max(self.t_close, referred + timedelta(days=10))
        meetings = spec.area.meetings
        meeting = meetings.next_on_or_after(london_day(referred) + timedelta(days=2))
        supervisor = self._supervisor()
        self.at(referred - timedelta(minutes=rng.randrange(30, 150)), supervisor,
                self._supervise(supervisor, SupervisorDecision.REFER_TO_JAG), "review for JAG")
        self.at(referred, self.lead, self._refer, "refer to JAG")
        if meeting is None:
            return
        coordinator = spec.area.roster.coordinator
        accepted = local(meeting, 10, rng.randrange(0, 50))
        if rng.random() < 0.07 and spec.showcase is None:
            self.at(accepted, coordinator, self._conclude(JagOutcome.DECLINED,
                                                          "Single-agency work is proportionate"
                                                          " for now."), "JAG declined")
            return
        self.at(accepted, coordinator, self._accept(meeting), "JAG accepted")
        for n in range(rng.randrange(1, 4)):
            self._plan_action(accepted + timedelta(minutes=5 + n), coordinator, jag=True)
        discharge = meetings.next_on_or_after(meeting + timedelta(days=rng.randrange(50, 120)))
        if discharge is None:
            self.t_close = max(self.t_close, self.world.until + timedelta(days=30))
            return
        discharged = local(discharge, 11, rng.randrange(0, 50))
        self.at(discharged, coordinator, self._conclude(
            JagOutcome.DISCHARGED, "Risk reduced; returned to single-agency management."),
            "JAG discharged")
        self.t_close = max(self.t_close, discharged + timedelta(days=rng.randrange(2, 15)))

    def _refer(self) -> None:
        case = self._case()
        case.refer_to_jag(reason=self.rng.choice(words.JAG_REASONS))
        self.world.writer.record(case)

    def _accept(self, meeting: date) -> Callable[[], None]:
        def run() -> None:
            access.require_role(*access.COORDINATORS, doing="accepting a JAG referral")
            case = self._case()
            case.accept_jag_referral(accepted_on=meeting)
            self.world.writer.record(case)
        return run

    def _conclude(self, outcome: JagOutcome | None, note: str) -> Callable[[], None]:
        """End the open referral; with no ``outcome``, discharged if the JAG accepted it and
        withdrawn if not."""
        def run() -> None:
            access.require_role(*access.COORDINATORS, doing="concluding a JAG referral")
            case = self._case()
            referral = case.open_jag_referral
            if referral is None:
                return
            chosen = outcome or (JagOutcome.DISCHARGED if referral.accepted_on is not None
                                 else JagOutcome.WITHDRAWN)
            case.conclude_jag_referral(outcome=chosen, note=note)
            self.world.writer.record(case)
        return run

    def _plan_actions(self, count: int) -> None:
        if count <= 0:
            return
        span = (self.t_close - self.t_open).days - 8
        for _ in range(count):
            if span < 2:
                return
            moment = self.office(self.t_open + timedelta(days=self.rng.randrange(1, span)))
            if moment <= self.t_open:
                continue
            self._plan_action(moment, self.lead, jag=False)

    def _plan_action(self, moment: datetime, setter: Officer, *, jag: bool) -> None:
        rng, roster = self.rng, self.spec.area.roster
        if jag:
            kinds = [k for k in ("police", "housing", "county_council", "fire", "health",
                                 "probation", "district_council") if roster.agencies_of_kind(k)]
            agency = roster.agency_of_kind(rng.choice(kinds))
        else:
            agency = self.lead.agency if rng.random() < 0.7 else \
                rng.choice(list(roster.partnership.agencies))
        owner = self._officer_of(agency)
        text = rng.choice(words.ACTION_TEXTS.get(roster.kinds.get(agency, "other"),
                                                 words.ACTION_TEXTS["other"]))
        due = london_day(moment) + timedelta(days=rng.randrange(7, 29))
        self.actions_planned += 1
        key = self.actions_planned
        self.at(moment, setter, self._set_action(key, agency, owner, text, due),
                "set action at JAG" if jag else "set action")
        roll = rng.random()
        closing = self.t_close - timedelta(hours=2)
        if roll < 0.66:
            done = self.office(moment + timedelta(days=rng.randrange(0, max(1, (
                due - london_day(moment)).days - 1))))
        elif roll < 0.86:
            done = self.office(local(due, 18) + timedelta(days=rng.randrange(1, 30)))
        elif roll < 0.92:
            new_owner = self._officer_of(agency)
            new_due = due + timedelta(days=14)
            when = self.office(moment + timedelta(days=rng.randrange(2, 6)))
            if when < closing:
                self.at(when, setter, self._reassign(key, new_owner, new_due), "reassign action")
            done = self.office(local(new_due, 8) - timedelta(days=rng.randrange(2, 6)))
            owner = new_owner
        else:
            return  # never done: cancelled at closure, or overdue if the case is still open
        if done >= closing:  # wrapped up in the last days before the case closes
            earlier = self.office(closing - timedelta(days=rng.randrange(3, 6)))
            done = earlier if moment < earlier < closing else done
        if moment < done < closing:
            self.at(done, owner, self._complete(key), "complete action")

    def _set_action(self, key: int, agency: str, owner: Officer, text: str,
                    due: date) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            _require_agency(self.spec.area, agency)
            self.action_ids[key] = case.set_action(agency=agency, owner=owner.user_id,
                                                   description=text, due_on=due)
            self.world.writer.record(case)
        return run

    def _complete(self, key: int) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            action = case.find_action(self.action_ids[key])
            if action is None or not action.is_open:
                return
            case.complete_action(action_id=action.action_id,
                                 note="Done." if self.rng.random() < 0.5 else None)
            self.world.writer.record(case)
        return run

    def _reassign(self, key: int, owner: Officer, due: date) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            action = case.find_action(self.action_ids[key])
            if action is None or not action.is_open or action.owner == owner.user_id:
                return
            case.reassign_action(action_id=action.action_id, agency=owner.agency,
                                 owner=owner.user_id, due_on=due)
            self.world.writer.record(case)
        return run

    # -- contact and supervision ------------------------------------------------------

    def _plan_contacts(self) -> None:
        rng, calendar = self.rng, self.world.calendar
        moment = next_working_moment(self.t_open, calendar, rng, days=1)
        second_report = self._second_report_by_complainant()
        explained = False
        while moment < self.t_close - timedelta(hours=4):
            if rng.random() > 0.12:
                self.at(moment, self.lead, self._contact(), "victim contact")
                if not explained and second_report is not None and moment > second_report:
                    explained = True
                    if rng.random() < 0.85:
                        self.at(moment + timedelta(minutes=3), self.lead, self._explain(),
                                "case review right")
            moment = next_working_moment(moment, calendar, rng, days=rng.randrange(8, 13))

    def _second_report_by_complainant(self) -> datetime | None:
        reports = sorted(i.logged_at for i in self.incidents
                         if i.reporter is self.complainant and not i.duplicate)
        return reports[1] if len(reports) > 1 else None

    def _contact(self) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            method = self.rng.choices(list(ContactMethod), [5, 2, 0.5, 1, 1.5, 0.5, 0.3])[0]
            case.record_victim_contact(
                person_id=self.world.person_id(self.complainant),
                contacted_at=self.world_now(), method=method,
                contacted_by=self.lead.user_id, note=self.rng.choice(words.CONTACT_NOTES))
            self.world.writer.record(case)
        return run

    def _explain(self) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            case.record_case_review_right_explained(
                person_id=self.world.person_id(self.complainant),
                explained_at=self.world_now(), method=ContactMethod.PHONE)
            self.world.writer.record(case)
        return run

    def _supervisor(self) -> Officer:
        roster = self.spec.area.roster
        same = [o for o in roster.officers(self.lead.agency) if o.supervisor]
        return (same or roster.supervisors)[0]

    def _plan_supervision(self) -> None:
        rng = self.rng
        cadence = self.world.rules.cases.review_cadence.days_for(self.level)
        supervisor = self._supervisor()
        start = getattr(self, "t_risk", self.t_open)
        moment = start + timedelta(days=cadence + rng.randrange(-2, 8))
        last = self.t_close - timedelta(days=1)
        while moment < last:
            closing_soon = moment > self.t_close - timedelta(days=20)
            decision = SupervisorDecision.RECOMMEND_CLOSURE if closing_soon else \
                SupervisorDecision.CONTINUE
            when = self.office(moment)
            if when < self.t_close:
                self.at(when, supervisor, self._supervise(supervisor, decision),
                        "supervisor review")
            moment += timedelta(days=cadence + rng.randrange(-2, 8))

    def _supervise(self, supervisor: Officer,
                   decision: SupervisorDecision) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            case.record_supervisor_review(
                reviewed_by=supervisor.user_id, decision=decision,
                note=self.rng.choice(words.SUPERVISOR_NOTES[decision.value]),
                cadence=self.world.rules.cases.review_cadence)
            self.world.writer.record(case)
        return run

    # -- closing ----------------------------------------------------------------------

    def _plan_closure(self) -> None:
        rng = self.rng
        # On the next working day, after everything planned before the closing date.
        t_close = next_working_moment(self.t_close, self.world.calendar, rng, days=1)
        self.t_close = t_close
        coordinator = self.spec.area.roster.coordinator
        self.at(t_close - timedelta(minutes=30), coordinator, self._conclude(
            None, "Case closing: taken off the tasking list."), "tidy referral")
        self.at(t_close - timedelta(minutes=20), self.lead, self._cancel_open_actions,
                "tidy actions")
        outcome = _outcome(self.spec.track, rng)
        self.at(t_close, self.lead, self._close(outcome), "close")
        if outcome is not ClosureOutcome.DUPLICATE and self.spec.showcase is None \
                and rng.random() < 0.06:
            reopened = self.office(t_close + timedelta(days=rng.randrange(10, 90)))
            self.at(reopened, self.lead, self._reopen, "reopen")
            closed_again = self.office(reopened + timedelta(days=rng.randrange(14, 45)))
            self.at(next_working_moment(reopened, self.world.calendar, rng, days=2), self.lead,
                    self._contact(), "victim contact after reopening")
            self.at(closed_again - timedelta(minutes=20), self.lead, self._cancel_open_actions,
                    "tidy actions")
            self.at(closed_again, self.lead,
                    self._close(ClosureOutcome.RESOLVED if rng.random() < 0.6
                                else ClosureOutcome.REDUCED), "close again")

    def _cancel_open_actions(self) -> None:
        case = self._case()
        for action in case.open_actions:
            case.cancel_action(action_id=action.action_id,
                               reason="No longer required: the case is closing.")
        self.world.writer.record(case)

    def _close(self, outcome: ClosureOutcome) -> Callable[[], None]:
        def run() -> None:
            case = self._case()
            satisfaction = _satisfaction(outcome, self.rng) \
                if self.complainant.date_of_birth is not None and self.rng.random() < 0.7 \
                else None
            case.close(outcome=outcome, reason=self.rng.choice(words.CLOSURE_REASONS[
                outcome.value]), victim_satisfaction=satisfaction)
            self.world.writer.record(case)
        return run

    def _reopen(self) -> None:
        case = self._case()
        case.reopen(reason=self.rng.choice(words.REOPEN_REASONS),
                    cadence=self.world.rules.cases.review_cadence)
        now = self.world_now()
        occurred = now - timedelta(days=self.rng.randrange(1, 4), hours=3)
        incident = PlannedIncident(occurred, now - timedelta(hours=self.rng.randrange(1, 20)),
                                   now, self.lead.agency, self.complainant,
                                   words.fill(self.rng.choice(self.spec.profile.incidents),
                                              street=self.street, place=self.place))
        self.incidents.append(incident)
        self._log(incident)
        self.world.writer.record(case)

    # -- case reviews -----------------------------------------------------------------

    def _plan_review_application(self) -> None:
        rng, spec = self.rng, self.spec
        if self.complainant.date_of_birth is None:
            return
        reports = sorted(i.reported_at for i in self.incidents
                         if i.reporter is self.complainant and not i.duplicate)
        if spec.showcase is not None:
            flow = spec.showcase
            if flow == "review-in-progress":
                received = self.world.calendar.add_working_days(
                    london_day(self.world.until), -7)
                moment = office_time(received, rng)
            else:
                moment = self.office(max(i.reported_at for i in self.incidents)
                                     + timedelta(days=10))
        else:
            if len(reports) < 2:
                return
            chance = self.review_rate * (1.5 if len(reports) >= 3 else 1.0)
            if rng.random() >= chance:
                return
            flow = "auto"
            # Most apply within weeks of their latest report; some only months later, when
            # the earlier complaints have fallen out of the six-month window.
            wait = rng.randrange(5, 40) if rng.random() < 0.6 else rng.randrange(100, 240)
            moment = self.office(reports[-1] + timedelta(days=wait))
        officer = self._officer_of(spec.area.roster.agency_of_kind("district_council",
                                                                   self.lead.agency))

        def spawn() -> None:
            case = self._case()
            script = ReviewScript(self.world, spec.area, case, self.complainant, flow,
                                  seeded(self.world.seed, spec.area.id, "review",
                                         spec.number),
                                  hate_incident=self.hate_incident, street=self.street)
            self.world.spawn(script.beats())

        self.at(moment, officer, spawn, "case review application")


# -- helpers ---------------------------------------------------------------------------


def _channel(rng: Random) -> ReportingChannel:
    roll = rng.random()
    return (ReportingChannel.PHONE if roll < 0.45 else
            ReportingChannel.ONLINE if roll < 0.7 else
            ReportingChannel.EMAIL if roll < 0.8 else
            ReportingChannel.PARTNER_REFERRAL if roll < 0.9 else
            ReportingChannel.IN_PERSON if roll < 0.96 else
            ReportingChannel.COUNCILLOR_OR_MP)


def _young(key: str, partnership_id: str, ward: Ward, on: date, rng: Random,
           street: str) -> PersonSpec:
    return young_person(key, partnership_id, ward, on, rng)


def _adult(key: str, partnership_id: str, ward: Ward, on: date, rng: Random,
           street: str) -> PersonSpec:
    spec = resident(key, partnership_id, ward, on, rng, age_from=19, age_to=60, street=street)
    spec.address = address_in(ward, rng, street)
    return spec


def _require_agency(area: Area, agency: str) -> None:
    """The services' check that an agency belongs to the partnership."""
    if not area.partnership.has_agency(agency):
        raise InvalidValue(f"{agency!r} is not an agency of this partnership",
                           rule="unknown_agency", field="agency")


def _wanted_level(track: str, rng: Random) -> RiskLevel:
    standard, medium = {"light": (0.8, 0.98), "moderate": (0.4, 0.85),
                        "serious": (0.1, 0.55)}[track]
    roll = rng.random()
    return RiskLevel.STANDARD if roll < standard else RiskLevel.MEDIUM if roll < medium \
        else RiskLevel.HIGH


def _shifted(level: RiskLevel, rng: Random) -> RiskLevel:
    order = [RiskLevel.STANDARD, RiskLevel.MEDIUM, RiskLevel.HIGH]
    index = order.index(level) + rng.choice((-1, 0, 0, 1))
    return order[max(0, min(2, index))]


def _answers_for(questions: tuple[RiskQuestion, ...], level: RiskLevel, medium_from: int,
                 high_from: int, rng: Random) -> dict[str, bool]:
    """Yes/no answers whose score falls in the band of ``level`` (as near as weights allow)."""
    items = [(q.code, q.weight) for q in questions]
    total = sum(weight for _, weight in items)
    low, high = {RiskLevel.STANDARD: (0, medium_from - 1),
                 RiskLevel.MEDIUM: (medium_from, high_from - 1),
                 RiskLevel.HIGH: (high_from, total)}[level]
    target = rng.randint(low, max(low, high))
    order = items[:]
    rng.shuffle(order)
    yes: set[str] = set()
    score = 0
    for code, weight in order:
        if score + weight <= target:
            yes.add(code)
            score += weight
    for code, weight in sorted(order, key=lambda item: item[1]):
        if score >= low:
            break
        if code not in yes:
            yes.add(code)
            score += weight
    return {code: code in yes for code, _ in items}


def _outcome(track: str, rng: Random) -> ClosureOutcome:
    outcomes = list(ClosureOutcome)
    weights = {
        "light": [45, 15, 5, 15, 8, 10, 2],
        "moderate": [40, 30, 10, 5, 7, 8, 0],
        "serious": [35, 40, 10, 2, 5, 8, 0],
    }[track]
    return rng.choices(outcomes, weights)[0]


def _satisfaction(outcome: ClosureOutcome, rng: Random) -> VictimSatisfaction:
    good = outcome in (ClosureOutcome.RESOLVED, ClosureOutcome.REDUCED)
    weights = [30, 45, 15, 7, 3] if good else [5, 20, 30, 30, 15]
    return rng.choices(list(VictimSatisfaction), weights)[0]


_INTERVENTION_DETAILS = {
    IT.ADVISORY_LETTER: "Letter explaining the complaints and the consequences of continuing.",
    IT.WARNING: "Verbal warning given at the address and confirmed in writing.",
    IT.ACCEPTABLE_BEHAVIOUR_AGREEMENT: "ABA signed with a parent present; six months.",
    IT.MEDIATION: "Referred to the community mediation service; both parties agreed.",
    IT.SUPPORT_REFERRAL: "Referred to the victim support service with consent.",
    IT.COMMUNITY_PROTECTION_WARNING: "CPW served in person: stop the behaviour within 7 days.",
    IT.COMMUNITY_PROTECTION_NOTICE: "CPN served after the CPW was breached; requirements set "
                                    "out in writing.",
    IT.CIVIL_INJUNCTION: "Application for a civil injunction (Part 1 ASBCPA 2014) lodged.",
    IT.CRIMINAL_BEHAVIOUR_ORDER: "CBO applied for on conviction; prohibitions and positive "
                                 "requirements.",
    IT.CLOSURE_NOTICE: "Closure notice served on the premises for 48 hours.",
    IT.CLOSURE_ORDER: "Closure order granted by the magistrates for three months.",
    IT.DISPERSAL: "Dispersal direction authorised by an inspector for 48 hours.",
    IT.PUBLIC_SPACES_PROTECTION_ORDER: "Enforcement of the town centre PSPO.",
    IT.TENANCY_ACTION: "Notice of seeking possession served for breach of tenancy.",
}

_RESULT_NOTES = {
    IR.COMPLIED: "No further reports during the period.",
    IR.BREACHED: "Further incidents reported; evidence gathered for the next step.",
    IR.GRANTED: "Granted by the court.",
    IR.WITHDRAWN: "Withdrawn: the other party would not take part.",
    IR.EXPIRED: "Expired; group moved on and did not return.",
}
