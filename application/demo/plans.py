"""Problem-solving plans (O'SARA) in the demo data, run through the plan commands.

A plan is opened by a neighbourhood officer for a recurring problem at a place, tied to
a current partnership priority, and linked to the ASB cases it grew out of. It moves
through the stages as each is completed: the objective; scanning from the victim's,
the location's and the offender's side with a baseline measure; analysis with triggers,
a hypothesis and measurable objectives; responses owned by agencies, signed off by a
supervisor and agreed at the next JAG meeting (with funding from the Police and Crime
Commissioner's fund, on matched funding, for some); then assessment against the
baseline and closure. Some plans are sent back to analysis when new information comes
in, and that move is in their history. The community's part is recorded at each stage.
The first plans of each partnership are placed so that, today, one sits at each stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from application import access
from application.demo.people import street_in, town_of
from application.demo.roster import Officer
from application.demo.seeding import seeded
from application.demo.timeline import local, london_day, next_working_moment
from application.demo.world import Area, Beat, World
from domain.plans import (
    AssessmentResult,
    Delivery,
    PlanStage,
    ProblemSolvingPlan,
    RiskLevel,
    TriangleSide,
)
from domain.shared import clock
from domain.shared.partnerships import Ward

TARGETS = ("closed", "assessment", "response", "analysis", "scanning", "objective")
"""Where the first six plans of each partnership stand today."""

SIDES = (TriangleSide.VICTIM, TriangleSide.LOCATION, TriangleSide.OFFENDER)


@dataclass(frozen=True)
class Theme:
    key: str
    title: str
    priority_words: tuple[str, ...]
    case_types: tuple[str, ...]
    aim: str
    scanning: tuple[str, str, str]
    """What is happening: victim, location, offender."""
    baseline: str
    baseline_range: tuple[int, int]
    analysis: tuple[str, str, str]
    triggers: str
    hypothesis: str
    responses: tuple[tuple[str, str, bool], ...]
    """(agency kind, what, depends on funding)."""
    risk: tuple[str, str]


THEMES: tuple[Theme, ...] = (
    Theme(
        "street-drinking", "Street drinking and rowdy behaviour at the {place}",
        ("town centre", "anti-social", "asb"), ("street_drinking", "rowdy_behaviour", "begging"),
        "Reduce street drinking and the ASB linked to it at the {place}, so that shoppers and "
        "traders feel safe using it during the day.",
        ("Traders and older shoppers report feeling intimidated; two shop staff verbally "
         "abused in the last month.",
         "Benches by the war memorial and the covered walkway are the gathering points; "
         "little natural surveillance after 15:00.",
         "A core group of five to seven adults, several with alcohol dependency; two also "
         "begging at the cash machines."),
        "ASB calls to police about the {place}", (25, 60),
        ("Victims are mostly lone older shoppers and staff working alone in small shops.",
         "Seating and shelter make the walkway comfortable to stay in; the off-licence opposite "
         "sells single high-strength cans.",
         "The group have few places to go in the day; support services are not engaged."),
        "Payday and benefit weeks; warm weather; the off-licence opening at 10:00.",
        "Removing the reasons to linger and engaging the group with treatment services will "
        "reduce the drinking and the ASB without moving it elsewhere.",
        (("district_council", "Remove two benches and trim the hedges to open up sight lines",
          True),
         ("police", "Enforce the town centre PSPO on alcohol with the outreach team", False),
         ("health", "Assertive outreach by the drug and alcohol service twice a week", False),
         ("district_council", "Licensing visit to the off-licence about single-can sales",
          False)),
        ("The group may move to the park nearby.", "Monitor the park through patrol plans."),
    ),
    Theme(
        "youth-asb", "Youth ASB and off-road bikes around the {place}",
        ("vulnerable", "anti-social", "asb", "exploitation"),
        ("rowdy_behaviour", "vehicle_nuisance", "vandalism"),
        "Reduce ASB by young people at the {place} and give them somewhere better to go on "
        "Friday and Saturday evenings.",
        ("Residents backing onto the {place} report noise, missiles and abuse; a child was "
         "nearly hit by a motorbike.",
         "Unlit, with a gap in the fence onto the footpath; the shelter is used as a den.",
         "A group of 10-15 young people aged 13-17, most known to the youth service; two "
         "riding off-road bikes."),
        "Youth-related ASB reports at the {place}", (20, 45),
        ("Residents nearest the gap in the fence are targeted most.",
         "The gap in the fence and the lack of lighting make it an easy place to gather "
         "unseen.",
         "Nothing else open for teenagers on weekend evenings since the youth club closed."),
        "Friday and Saturday evenings from 19:00; school holidays.",
        "Providing a positive activity and closing the gap in the fence will move the group "
        "away from residents and reduce the reports.",
        (("county_council", "Detached youth work on Friday evenings for twelve weeks", True),
         ("district_council", "Repair the fence and add lighting at the path", True),
         ("police", "Off-road bike operation with seizure under s.59 where warned", False),
         ("fire", "Fire safety and consequences sessions in the two secondary schools",
          False)),
        ("Young people may feel targeted and disengage.",
         "Lead with youth workers; enforcement only against named riders."),
    ),
    Theme(
        "fly-tipping", "Fly-tipping hotspot at the {place}",
        ("environmental", "anti-social", "asb"), ("fly_tipping", "littering"),
        "Stop the repeated fly-tipping at the {place} and identify those responsible.",
        ("Residents and the farmer whose gate is blocked; costs of clearance fall on the "
         "council and the landowner.",
         "A lay-by hidden from the road with no CCTV; tipping every week.",
         "Evidence points to unlicensed waste carriers advertising on social media."),
        "Fly-tips cleared at the {place}", (15, 40),
        ("Residents feel nothing is done because the waste keeps coming back.",
         "Easy vehicle access and no surveillance make it low-risk.",
         "Cheap 'man with a van' clearances that do not use licensed tips."),
        "Weekends and the end of each month when tenancies change.",
        "Deployable CCTV and enforcement against identified carriers, with publicity, will cut "
        "tipping at the site.",
        (("district_council", "Deploy a CCTV camera at the lay-by for three months", True),
         ("district_council", "Fixed penalty and prosecution for identified carriers", False),
         ("police", "Stop checks on vans with the Environment Agency", False)),
        ("Tipping may move to other lay-bys.", "Rotate the camera between sites."),
    ),
    Theme(
        "drugs", "Drug dealing and cuckooing concerns around {street}",
        ("drug", "county lines", "exploitation"), ("drug_use",),
        "Disrupt drug dealing around {street} and protect the vulnerable tenant whose flat "
        "is being used.",
        ("A vulnerable tenant believed to be cuckooed; neighbours afraid of the visitors.",
         "A ground-floor flat with a side entrance and poor door entry in the block.",
         "Dealers from outside the area using a county line; local young people running "
         "drugs."),
        "Reports of drug activity on {street}", (10, 30),
        ("The tenant has learning difficulties and was befriended by the dealers.",
         "The broken door entry system lets anyone into the block.",
         "The line uses the flat because the tenant cannot refuse them."),
        "Evenings and weekends; new phone numbers advertised to users.",
        "Safeguarding the tenant and securing the block will remove the base the line "
        "depends on.",
        (("police", "Warrant and closure notice on the flat if evidence supports it", False),
         ("housing", "Repair the door entry system and change the fobs", True),
         ("district_council", "Safeguarding referral and support for the tenant", False),
         ("probation", "Check licence conditions of the known associates", False)),
        ("Retaliation against neighbours who report.",
         "Anonymous reporting routes and reassurance visits."),
    ),
    Theme(
        "car-meets", "Car meets and nuisance vehicles in the {place}",
        ("anti-social", "asb", "town centre"), ("vehicle_nuisance",),
        "End the weekly car meets in the {place} that keep residents awake.",
        ("Residents of the flats overlooking the {place} woken until the early hours.",
         "A large empty car park after 20:00 with no barrier.",
         "Groups of drivers from across the county arranging meets online."),
        "Calls about car meets at the {place}", (12, 35),
        ("Shift workers and families with young children are worst affected.",
         "The open car park is ideal for handbrake turns and gatherings.",
         "Meets are advertised a day or two ahead on social media."),
        "Friday and Saturday nights, mostly in spring and summer.",
        "A barrier and a PSPO with warnings will make the car park unattractive for meets.",
        (("district_council", "Install a height barrier closed from 21:00", True),
         ("police", "Warnings under s.59 and monitoring of social media adverts", False),
         ("district_council", "Consult on a PSPO for the car park", False)),
        ("Meets may move to the industrial estate.", "Share intelligence with the next "
         "district's team."),
    ),
    Theme(
        "bonfire", "Fireworks misuse and deliberate fires around the {place}",
        ("anti-social", "asb", "vulnerable"), ("fireworks", "vandalism"),
        "Reduce fireworks misuse and deliberate fires around Bonfire Night at the {place}.",
        ("Older residents and pet owners frightened by fireworks thrown in the street.",
         "Bins and a bench set alight at the {place} in the last two autumns.",
         "Young people buying fireworks through older friends."),
        "Fireworks and deliberate fire reports at the {place}", (15, 50),
        ("Those living alone are most affected and least likely to report.",
         "Wheelie bins left out after collection day are easy to set alight.",
         "Illegal sales to under-18s from a van seen in the area."),
        "The fortnight around 5 November and New Year's Eve.",
        "Trading standards test purchases and a bin-collection change will reduce the fires "
        "and the misuse.",
        (("fire", "Schools talks and a community event with the fire service", True),
         ("district_council", "Bring forward bin collection so bins are not left out", False),
         ("police", "Patrols and dispersal authority on 4-6 November", False)),
        ("Attacks on firefighters at call-outs.", "Police escort for crews on the night."),
    ),
)

COMMUNITY = {
    PlanStage.OBJECTIVE: "Raised by residents at the ward PACT meeting, who agreed the aim.",
    PlanStage.SCANNING: "Street survey of 40 households and a walkabout with the residents' "
                        "association to map where it happens.",
    PlanStage.ANALYSIS: "Residents' diaries and a focus group with local traders helped work "
                        "out when and why it happens.",
    PlanStage.RESPONSE: "Residents chose the responses at a drop-in session; the residents' "
                        "association offered volunteers.",
    PlanStage.ASSESSMENT: "Follow-up survey of the same households on whether things changed.",
}

RESULT_FACTORS = {
    AssessmentResult.ELIMINATED: (0.0, 0.15), AssessmentResult.REDUCED: (0.35, 0.7),
    AssessmentResult.MANAGED_BETTER: (0.6, 0.9), AssessmentResult.DISPLACED: (0.3, 0.6),
    AssessmentResult.NO_DIFFERENCE: (0.9, 1.15),
    AssessmentResult.HANDED_TO_ANOTHER_AGENCY: (0.7, 1.0),
}


def priority_for(theme: Theme, priorities: tuple[str, ...]) -> str | None:
    for words in (theme.priority_words, ("anti-social", "asb")):
        for priority in priorities:
            if any(word in priority.lower() for word in words):
                return priority
    return priorities[0] if priorities else None


class PlanScript:
    """One plan's life, placed so that ``target`` is its stage today (when given)."""

    def __init__(self, world: World, area: Area, number: int, start: datetime,
                 target: str | None, *, sent_back: bool, funded: bool, seed: str) -> None:
        self.world = world
        self.area = area
        self.number = number
        self.target = target
        self.sent_back = sent_back
        self.funded = funded
        self.seed = seed
        setup = seeded(seed, "setup")
        self.theme = setup.choice(THEMES)
        self.ward: Ward = setup.choice(area.partnership.wards)
        self.street = street_in(self.ward, setup)
        self.place = f"{setup.choice(('town centre', 'recreation ground', 'car park', 'parade', 'play area'))} off {self.street}, {town_of(self.ward)}"  # noqa: E501
        roster = area.roster
        police = roster.agency_of_kind("police")
        council = roster.agency_of_kind("district_council")
        lead_agency = police if setup.random() < 0.5 else council
        self.lead = setup.choice(roster.caseworkers(lead_agency))
        supervisors = [o for o in roster.supervisors if o.user_id != self.lead.user_id]
        self.supervisor = setup.choice(supervisors or roster.supervisors)
        self.coordinator = roster.coordinator
        self.priority = priority_for(self.theme, area.partnership.priorities)
        self.start = start
        self.plan: ProblemSolvingPlan | None = None
        self.owners: dict[int, Officer] = {}
        self.requested = Decimal(0)
        self.planned: list[Beat] = []
        self.stage_times: dict[str, tuple[datetime, datetime]] = {}
        self._place()

    def text(self, template: str) -> str:
        return template.replace("{place}", self.place).replace("{street}", self.street)

    # -- placing the plan in time -------------------------------------------------------

    def _place(self) -> None:
        """Plan the life from ``start``; with a target stage, move the start until today
        falls in that stage (a few tries: JAG meeting days shift things a little)."""
        until = self.world.until
        earliest = datetime.combine(self.world.start, datetime.min.time(),
                                    tzinfo=until.tzinfo) + timedelta(days=2)
        for attempt in range(9):
            self.rng = seeded(self.seed, attempt)
            self.planned = []
            self.owners = {}
            self.start = self.office(max(earliest, self.start) - timedelta(hours=12))
            self._plan(self.start)
            if self.target is None or attempt == 8:
                return
            enter, leave = self.stage_times[self.target]
            if enter < until < leave:
                return
            middle = enter + (leave - enter) / 3
            self.start = self.start + (until - middle)

    def beats(self) -> Iterator[Beat]:
        if self.priority is None:
            return
        yield Beat(self.start, self.lead, self._open, f"plan {self.number}: open")
        self.planned.sort(key=lambda beat: beat.moment)
        yield from (b for b in self.planned if b.moment > self.start)

    def office(self, moment: datetime) -> datetime:
        """The next moment in office hours on a working day after ``moment``."""
        return next_working_moment(moment, self.world.calendar, self.rng)

    def at(self, moment: datetime, officer: Officer, action: Callable[[], object],
           what: str) -> None:
        self.planned.append(Beat(moment, officer, action, f"plan {self.number}: {what}"))

    def _plan(self, start: datetime) -> None:
        rng = self.rng
        lead, meetings = self.lead, self.area.meetings
        far = self.world.until + timedelta(days=3650)
        t = start
        self.at(t + timedelta(minutes=10), lead, self._do(lambda p: p.set_objective(
            self.text(self.theme.aim))), "objective")
        self.at(t + timedelta(days=1), lead, self._link_cases, "link cases")
        self.at(t + timedelta(days=1, minutes=5), lead, self._do(lambda p: p.add_risk(
            self.theme.risk[0], self.theme.risk[1], rng.choice(list(RiskLevel)))), "risk")
        begin = london_day(start)
        self.at(t + timedelta(days=1, minutes=8), lead, self._do(lambda p: p.set_timescale(
            begin, begin + timedelta(days=180))), "timescale")
        milestones = [("Scanning and analysis complete", 45), ("Responses agreed at the JAG",
                                                                 90)]
        for n, (title, offset) in enumerate(milestones):
            self.at(t + timedelta(days=1, minutes=10 + n), lead,
                    self._call("add_milestone", title, begin + timedelta(days=offset)),
                    "milestone")
        if rng.random() < 0.5:
            self._community(t + timedelta(days=2), PlanStage.OBJECTIVE)
        t_scan = self.office(t + timedelta(days=rng.randrange(3, 11)))
        self.stage_times["objective"] = (start, t_scan)
        self.at(t_scan, lead, self._advance, "advance to scanning")
        # Scanning.
        d_scan = rng.randrange(14, 36)
        for n, side in enumerate(SIDES):
            moment = t_scan + timedelta(days=rng.randrange(1, d_scan - 1), minutes=n)
            self.at(moment, lead, self._scan(side, n), f"scanning {side.value}")
        baseline_at = t_scan + timedelta(days=2)
        low, high = self.theme.baseline_range
        self.baseline = Decimal(rng.randrange(low, high))
        self.baseline_end = london_day(t_scan) - timedelta(days=1)
        self.baseline_start = self.baseline_end - timedelta(days=90)
        self.at(baseline_at, lead, self._do(lambda p: p.record_baseline(
            self.text(self.theme.baseline), self.baseline, self.baseline_start,
            self.baseline_end)), "baseline")
        if self.funded or rng.random() < 0.6:
            self._community(t_scan + timedelta(days=d_scan - 3), PlanStage.SCANNING)
        t_an = self.office(t_scan + timedelta(days=d_scan))
        self.stage_times["scanning"] = (t_scan, t_an)
        self.at(t_an, lead, self._advance, "advance to analysis")
        # Analysis.
        d_an = rng.randrange(10, 29)
        self._plan_analysis(t_an, d_an, revised=False)
        if self.funded or rng.random() < 0.5:
            self._community(t_an + timedelta(days=d_an - 2), PlanStage.ANALYSIS)
        t_resp = self.office(t_an + timedelta(days=d_an))
        self.stage_times["analysis"] = (t_an, t_resp)
        self.at(t_resp, lead, self._advance, "advance to response")
        # Response.
        cursor = t_resp + timedelta(days=1)
        responses = list(self.theme.responses)
        rng.shuffle(responses)
        responses = responses[: rng.randrange(2, len(responses) + 1)]
        planned_numbers: list[tuple[int, datetime]] = []
        for n, (kind, what, needs_money) in enumerate(responses, start=1):
            due = london_day(cursor) + timedelta(days=rng.randrange(40, 120))
            owner = self._owner(kind)
            self.at(cursor + timedelta(minutes=n), lead, self._respond(
                n, kind, what, owner, due, needs_money and self.funded), f"response R{n}")
            planned_numbers.append((n, datetime.combine(due, datetime.min.time(),
                                                        tzinfo=start.tzinfo)))
        if self.funded or rng.random() < 0.5:
            self._community(cursor + timedelta(days=2), PlanStage.RESPONSE)
        if self.funded:
            requested = Decimal(rng.randrange(15, 90) * 100)
            self.requested = requested
            self.at(cursor + timedelta(days=3), lead, self._do(
                lambda p: p.request_funding(requested)), "request funding")
            partners = [self.area.roster.agency_of_kind(k) for k in ("district_council",
                                                                       "housing")]
            for n, partner in enumerate(dict.fromkeys(partners)):
                share = Decimal(rng.randrange(5, 30) * 100)
                name = self.world.rules.agencies.get(partner, partner)
                self.at(cursor + timedelta(days=3, minutes=5 + n), lead,
                        self._call("record_matched_funding", name, share), "matched funding")
        signed = self.office(cursor + timedelta(days=rng.randrange(5, 12)))
        self.at(signed, self.supervisor, self._sign_off, "sign-off")
        meeting = meetings.next_on_or_after(london_day(signed) + timedelta(days=1))
        if meeting is None:
            self.stage_times["response"] = (t_resp, far)
            for later in TARGETS[:2]:
                self.stage_times[later] = (far, far)
            return
        agreed = local(meeting, 10, 30 + self.number % 20)
        self.at(agreed, self.coordinator, self._agree(meeting), "JAG agreement")
        cursor = agreed
        last_spend = agreed
        if self.funded:
            awarded_at = self.office(agreed + timedelta(days=rng.randrange(7, 22)))
            awarded = london_day(awarded_at)
            amount = self.requested
            spend_by = _spend_by(awarded)
            self.at(awarded_at, self.coordinator, self._award(amount, awarded,
                                                                              spend_by),
                    "funding award")
            last_spend = awarded_at
            for n in range(rng.randrange(1, 4)):
                last_spend = self.office(last_spend + timedelta(days=rng.randrange(5, 25)))
                spent = london_day(last_spend)
                portion = (amount / 3).quantize(Decimal("0.01"))
                self.at(last_spend, lead, self._call(
                    "record_spend", portion, spent,
                    "Supplier invoice paid from the partnership fund."), f"spend {n}")
        if self.sent_back:
            back = self.office(agreed + timedelta(days=rng.randrange(10, 26)))
            self.at(back, lead, self._do(lambda p: p.send_back(
                PlanStage.ANALYSIS, "New information: intelligence shows the same group is "
                                    "also active at a second site, so the analysis of the "
                                    "offender side must be revisited.")), "send back")
            self._plan_analysis(back + timedelta(days=1), 8, revised=True)
            again = self.office(back + timedelta(days=10))
            self.at(again, lead, self._advance, "advance to response again")
            extra = len(responses) + 1
            due = london_day(again) + timedelta(days=rng.randrange(30, 70))
            self.at(again + timedelta(hours=1), lead, self._respond(
                extra, "police", "Joint patrols at the second site on the same evenings",
                self._owner("police"), due, False), f"response R{extra}")
            planned_numbers.append((extra, datetime.combine(due, datetime.min.time(),
                                                            tzinfo=start.tzinfo)))
            signed = self.office(again + timedelta(days=rng.randrange(2, 6)))
            self.at(signed, self.supervisor, self._sign_off, "sign-off again")
            meeting = meetings.next_on_or_after(london_day(signed) + timedelta(days=1))
            if meeting is None:
                self.stage_times["response"] = (t_resp, far)
                for later in TARGETS[:2]:
                    self.stage_times[later] = (far, far)
                return
            agreed = local(meeting, 10, 40)
            self.at(agreed, self.coordinator, self._agree(meeting), "JAG agreement again")
            cursor = agreed
        finished = max(cursor, last_spend)
        dropped = rng.random() < 0.15 and len(planned_numbers) > 1
        for index, (n, due) in enumerate(planned_numbers):
            owner = self.owners[n]
            if dropped and index == 0:
                when = cursor + timedelta(days=rng.randrange(5, 20))
                self.at(when, lead, self._call("drop_response", n,
                                               "Not needed after the first responses worked."),
                        f"drop R{n}")
                finished = max(finished, when)
                continue
            start_work = self.office(cursor + timedelta(days=rng.randrange(2, 15)))
            done = max(start_work + timedelta(days=5),
                       min(due, cursor + timedelta(days=90)) - timedelta(days=rng.randrange(0, 10))
                       + timedelta(days=rng.randrange(0, 25)))
            done = self.office(max(done, start_work + timedelta(days=3)))
            self.at(start_work, owner, self._call("action_response", n), f"action R{n}")
            self.at(done, owner, self._call("complete_response", n, None,
                                            "Delivered as planned."), f"complete R{n}")
            finished = max(finished, done)
        # Reviews while the responses are delivered.
        review = t_resp + timedelta(days=28)
        while review < finished:
            self.at(self.office(review), lead, self._review, "review")
            review += timedelta(days=rng.randrange(26, 35))
        self.at(finished + timedelta(hours=2), lead, self._do(lambda p: p.achieve_milestone(1)),
                "milestone achieved")
        t_ass = self.office(finished + timedelta(days=rng.randrange(3, 11)))
        self.stage_times["response"] = (t_resp, t_ass)
        self.at(t_ass, lead, self._advance, "advance to assessment")
        # Assessment.
        d_ass = rng.randrange(14, 40)
        result = rng.choices(list(AssessmentResult), (12, 45, 20, 8, 10, 5))[0]
        factor = Decimal(str(round(rng.uniform(*RESULT_FACTORS[result]), 2)))
        after = (self.baseline * factor).quantize(Decimal("1"))
        measured = self.office(t_ass + timedelta(days=d_ass // 2 - 1))
        self.at(measured, lead, self._do(lambda p: p.record_after_measure(
            self.text(self.theme.baseline), after,
            max(self.baseline_end + timedelta(days=1), london_day(measured) - timedelta(days=90)),
            london_day(measured) - timedelta(days=1))), "after measure")
        delivery = Delivery.IN_FULL if not dropped else Delivery.IN_PART
        handed = self.world.rules.agencies.get(self.area.roster.agency_of_kind(
            "county_council"), "Hertfordshire County Council") \
            if result is AssessmentResult.HANDED_TO_ANOTHER_AGENCY else None
        self.at(measured + timedelta(days=2), lead, self._do(lambda p: p.record_assessment(
            delivery, result, _ASSESSMENT_NOTES[result], handed)), "assessment")
        if rng.random() < 0.4:
            self._community(measured + timedelta(days=3), PlanStage.ASSESSMENT)
        t_closed = self.office(t_ass + timedelta(days=d_ass))
        self.stage_times["assessment"] = (t_ass, t_closed)
        self.stage_times["closed"] = (t_closed, far)
        self.at(t_closed, lead, self._do(lambda p: p.close(
            "Assessment agreed at the JAG; plan closed.")), "close")
        if rng.random() < 0.04:
            reopened = self.office(t_closed + timedelta(days=rng.randrange(20, 60)))
            self.at(reopened, lead, self._do(lambda p: p.reopen(
                "The problem returned in the summer; reassessing before deciding on a new "
                "plan.")), "reopen")
            self.at(reopened + timedelta(days=10), lead, self._do(lambda p: p.close(
                "Reassessed: handled through a new plan.")), "close again")

    def _plan_analysis(self, t: datetime, span: int, *, revised: bool) -> None:
        rng, lead = self.rng, self.lead
        sides = (TriangleSide.OFFENDER,) if revised else SIDES
        for n, side in enumerate(sides):
            moment = t + timedelta(days=rng.randrange(1, max(2, span - 2)), minutes=n)
            why = self.theme.analysis[SIDES.index(side)]
            if revised:
                why += " New intelligence links the group to a second site nearby."
            self.at(moment, lead, self._call("record_analysis", side, why),
                    f"analysis {side.value}")
        if not revised:
            self.at(t + timedelta(days=2), lead, self._do(lambda p: p.record_triggers(
                self.theme.triggers)), "triggers")
        hypothesis = self.theme.hypothesis + (" Revised to cover the second site."
                                              if revised else "")
        self.at(t + timedelta(days=span - 1), lead, self._do(lambda p: p.set_hypothesis(
            hypothesis)), "hypothesis")
        if not revised:
            target = (self.baseline * Decimal("0.6")).quantize(Decimal("1"))
            self.at(t + timedelta(days=span - 1, minutes=5), lead, self._do(
                lambda p: p.add_specific_objective(
                    f"Reduce {self.text(self.theme.baseline).lower()} by 40% over the next "
                    "quarter.", self.text(self.theme.baseline), target)), "objective")

    def _community(self, moment: datetime, stage: PlanStage) -> None:
        self.at(moment, self.lead, self._do(lambda p: p.record_community_involvement(
            stage, COMMUNITY[stage])), f"community at {stage.value}")

    def _owner(self, kind: str) -> Officer:
        roster = self.area.roster
        agency = roster.agency_of_kind(kind, roster.agency_of_kind("district_council"))
        if agency == self.lead.agency:
            return self.lead
        return self.rng.choice(roster.caseworkers(agency))

    # -- commands -------------------------------------------------------------------

    def _open(self) -> None:
        partnership = self.area.partnership
        access.require_partnership(partnership.id)
        assert self.priority is not None
        counter, reference = self.world.next_reference("PSP")
        self.plan = ProblemSolvingPlan.open(
            partnership_id=partnership.id, reference=reference, title=self.text(
                self.theme.title), ward=self.ward.name, priority=self.priority,
            allowed_priorities=partnership.priorities, lead_agency=self.lead.agency,
            lead_officer=self.lead.user_id, neighbourhood=self.ward.neighbourhood)
        self.world.writer.record(self.plan, counter)

    def _do(self, command: Callable[[ProblemSolvingPlan], object]) -> Callable[[], None]:
        def run() -> None:
            plan = self._plan_()
            command(plan)
            self.world.writer.record(plan)
        return run

    def _call(self, method: str, *args: object) -> Callable[[], None]:
        """A plan command by name, with its arguments bound now."""
        return self._do(lambda plan: getattr(plan, method)(*args))

    def _advance(self) -> None:
        plan = self._plan_()
        plan.advance()
        self.world.writer.record(plan)

    def _scan(self, side: TriangleSide, n: int) -> Callable[[], None]:
        frequency = ("Several times a week", "Most weekends", "Daily")[n % 3]
        sources = ["Police incident logs", "Council ASB reports", "Resident survey"]
        return self._do(lambda p: p.record_scanning(
            side, self.text(self.theme.scanning[n]), frequency, "Over the last six months",
            sources[: 2 + n % 2]))

    def _link_cases(self) -> None:
        plan = self._plan_()
        wards = [w.name for w in self.area.wards_in(self.ward.neighbourhood)]
        since = clock.now() - timedelta(days=240)
        found = self.world.recent_cases(self.area.id, wards, since, self.theme.case_types)
        for ref in found[-self.rng.randrange(1, 4):]:
            plan.link_case(ref.case_id)
        self.world.writer.record(plan)

    def _respond(self, number: int, kind: str, what: str, owner: Officer, due: date,
                 needs_money: bool) -> Callable[[], None]:
        self.owners[number] = owner

        def run() -> None:
            plan = self._plan_()
            plan.plan_response(what, owner.agency, owner.user_id, due, needs_money)
            self.world.writer.record(plan)
        return run

    def _sign_off(self) -> None:
        plan = self._plan_()
        supervisor = access.require_role(*access.CASEWORK_WRITERS,
                                         doing="signing off a plan").user_id
        plan.record_sign_off(supervisor, "Proportionate and evidence-based; fit for the JAG.")
        self.world.writer.record(plan)

    def _agree(self, meeting: date) -> Callable[[], None]:
        def run() -> None:
            access.require_role(*access.COORDINATORS, doing="recording the JAG's agreement")
            plan = self._plan_()
            plan.agree_at_jag(meeting, "Agreed; partners to report progress monthly.")
            self.world.writer.record(plan)
        return run

    def _award(self, amount: Decimal, awarded: date, spend_by: date) -> Callable[[], None]:
        def run() -> None:
            access.require_role(*access.COORDINATORS, doing="recording a funding award")
            plan = self._plan_()
            funder = next((name for agency, name in self.world.rules.agencies.items()
                           if "pcc" in agency), "Police and Crime Commissioner")
            plan.record_funding_award(f"{funder}: Local Partnership Fund", amount, awarded,
                                      spend_by)
            self.world.writer.record(plan)
        return run

    def _review(self) -> None:
        plan = self._plan_()
        plan.record_review(london_day(clock.now()), "Progress reviewed: responses on track; "
                                               "incident figures falling.")
        self.world.writer.record(plan)

    def _plan_(self) -> ProblemSolvingPlan:
        assert self.plan is not None
        return self.plan


def _spend_by(awarded: date) -> date:
    """Money must be spent by 1 February of the financial year (the next one if that is
    less than two months away)."""
    end_year = awarded.year + 1 if awarded.month >= 4 else awarded.year
    deadline = date(end_year, 2, 1)
    if deadline < awarded + timedelta(days=60):
        deadline = date(end_year + 1, 2, 1)
    return deadline


_ASSESSMENT_NOTES = {
    AssessmentResult.ELIMINATED: "No reports at all in the quarter after the responses.",
    AssessmentResult.REDUCED: "Reports well down on the baseline; residents notice the change.",
    AssessmentResult.MANAGED_BETTER: "Reports a little down and dealt with faster by partners.",
    AssessmentResult.DISPLACED: "Down at the site but up at the next street: displacement.",
    AssessmentResult.NO_DIFFERENCE: "No real change against the baseline.",
    AssessmentResult.HANDED_TO_ANOTHER_AGENCY: "Handed to the county council's team to "
                                               "continue.",
}
