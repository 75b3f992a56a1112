"""``load_demo_data``: a plausible partnership's casework, generated through the domain.

See docs/demo-data.md. The same seed, scale, rules file and day give the same data:
the same references, people, categories, wards, dates, texts and outcomes. What is not
reproduced are the random identifiers the domain gives records and sub-records (person
ids, incident, action and intervention ids are ``uuid4``); case, plan and review ids
derive from their references, so they repeat too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from random import Random

from application.demo.cases import SHOWCASES, CaseScript, CaseSpec
from application.demo.people import resident, young_person
from application.demo.plans import TARGETS, PlanScript
from application.demo.roster import build_rosters
from application.demo.scales import DemoScale, scale_named
from application.demo.seeding import seeded
from application.demo.timeline import (
    DaySampler,
    Meetings,
    incident_time,
    is_bonfire_season,
    is_summer,
    local,
    london_day,
    meeting_days,
)
from application.demo.vocabulary import PROFILES, AsbProfile
from application.demo.world import (
    Area,
    EventWriter,
    ProgressCallback,
    Script,
    Simulation,
    World,
)
from application.rules import LocalRules
from application.store import CaseworkStore
from domain.cases import AsbType, NsirCategory
from domain.shared import clock
from domain.shared.periods import FinancialYear, london_midnight

YEARS_BACK = 3
"""Data starts on 1 April this many financial years before the current one."""


class StoreNotEmpty(Exception):
    """The store already holds records: demo data is only loaded into an empty store
    unless forced."""


@dataclass(frozen=True)
class DemoLoadResult:
    scale: str
    seed: int
    first_day: date
    last_day: date
    events: int
    seconds: float
    events_by_kind: dict[str, int] = field(default_factory=dict)
    snapshots: int = 0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def store_is_empty(store: CaseworkStore) -> bool:
    return not store.audited_recorder.max_notification_id()


def demo_period(today: date) -> tuple[date, datetime]:
    """The first day of the demo data and the cut-off (the start of ``today`` in London)."""
    current = FinancialYear.containing(today)
    return date(current.first_day.year - YEARS_BACK, 4, 1), london_midnight(today)


def load_demo_data(
    store: CaseworkStore,
    rules: LocalRules,
    *,
    scale: str | DemoScale = "small",
    seed: int = 2026,
    today: date | None = None,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> DemoLoadResult:
    """Generate and save the demo data; refuses a store that is not empty unless ``force``."""
    chosen = scale if isinstance(scale, DemoScale) else scale_named(scale)
    if not force and not store_is_empty(store):
        raise StoreNotEmpty("the store already holds records: demo data is only loaded into "
                            "an empty store (use --force to add it anyway)")
    if not rules.partnerships.partnerships:
        raise ValueError("the rules file defines no partnerships to make demo data for")
    today = today or london_day(clock.now())
    first_day, until = demo_period(today)
    started = time.perf_counter()
    writer = EventWriter(store, chosen.batch_events)
    world = World(store, rules, writer, seed=seed, start=first_day, until=until)
    sim = Simulation(world, progress=progress)
    rosters = build_rosters(rules.partnerships.partnerships, rules.agencies,
                            extra_per_agency=chosen.extra_officers_per_agency, seed=seed)
    total_wards = sum(len(p.wards) for p in rules.partnerships.partnerships) or 1
    last_day = today - timedelta(days=1)
    for partnership in rules.partnerships.partnerships:
        if not partnership.wards or not partnership.agencies:
            continue
        area = Area(
            partnership, rosters[partnership.id],
            Meetings(meeting_days(partnership.jag_meeting_day, first_day,
                                  last_day + timedelta(days=400))),
            DaySampler(first_day, last_day),
        )
        world.areas[partnership.id] = area
        cases = round(chosen.cases * len(partnership.wards) / total_wards)
        _make_pools(area, cases, seed, first_day)
        _schedule_cases(world, sim, area, cases, chosen, seed)
        _schedule_plans(world, sim, area, chosen, seed)
    sim.run()
    return DemoLoadResult(
        scale=chosen.name, seed=seed, first_day=first_day, last_day=last_day,
        events=writer.written, seconds=time.perf_counter() - started,
        events_by_kind=dict(sorted(writer.counts.items())), snapshots=writer.snapshots_taken,
    )


def _make_pools(area: Area, cases: int, seed: int, first_day: date) -> None:
    """Repeat victims and repeat alleged perpetrators, by neighbourhood."""
    rng = seeded(seed, area.id, "pools")
    neighbourhoods = list(dict.fromkeys(w.neighbourhood for w in area.partnership.wards))
    victims = max(2, cases // (35 * len(neighbourhoods)))
    prolific = max(2, cases // (50 * len(neighbourhoods)))
    for neighbourhood in neighbourhoods:
        wards = area.wards_in(neighbourhood)
        area.repeat_victims[neighbourhood] = [
            resident(f"{area.id}/repeat-victim/{neighbourhood}/{n}", area.id, rng.choice(wards),
                     first_day, rng, vulnerable=rng.random() < 0.3)
            for n in range(victims)
        ]
        area.prolific[neighbourhood] = [
            young_person(f"{area.id}/prolific/{neighbourhood}/{n}", area.id, rng.choice(wards),
                         first_day, rng)
            for n in range(prolific)
        ]


def _profile_for(day: date, rng: Random) -> AsbProfile:
    weights = []
    for profile in PROFILES:
        weight = profile.weight
        if is_summer(day):
            weight *= profile.summer
        if is_bonfire_season(day):
            weight *= profile.bonfire
        weights.append(weight)
    return rng.choices(PROFILES, weights)[0]


def _track(profile: AsbProfile, rng: Random) -> str:
    light, moderate = (0.8, 0.98) if profile.category is NsirCategory.ENVIRONMENTAL \
        else (0.55, 0.88)
    roll = rng.random()
    return "light" if roll < light else "moderate" if roll < moderate else "serious"


def _schedule_cases(world: World, sim: Simulation, area: Area, count: int, scale: DemoScale,
                    seed: int) -> None:
    rng = seeded(seed, area.id, "cases")
    wards = list(area.partnership.wards)
    seen: set[str] = set()
    ward_weights = []
    for ward in wards:
        busy = 1.4 if ward.neighbourhood not in seen else 1.0  # the first ward: the centre
        seen.add(ward.neighbourhood)
        ward_weights.append(busy * rng.uniform(0.6, 1.5))
    specs: list[CaseSpec] = []
    for _ in range(count):
        day = area.days.draw(rng)
        profile = _profile_for(day, rng)
        occurred = incident_time(day, rng, evenings=profile.evenings)
        reported = occurred + timedelta(minutes=rng.randrange(10, 30 * 60))
        ward = rng.choices(wards, ward_weights)[0]
        specs.append(CaseSpec(area, 0, ward, profile, occurred, reported, _track(profile, rng)))
    specs.extend(_showcase_specs(area, world.until))
    specs.sort(key=lambda spec: spec.reported_at)
    for number, spec in enumerate(specs, start=1):
        spec.number = number
        sim.schedule(spec.reported_at, _case_factory(world, spec, seed, scale.review_rate))


def _case_factory(world: World, spec: CaseSpec, seed: int,
                  review_rate: float) -> Callable[[], Script]:
    def build() -> Script:
        rng = seeded(seed, spec.area.id, "case", spec.number)
        return CaseScript(world, spec, rng, review_rate).beats()
    return build


def _showcase_specs(area: Area, until: datetime) -> list[CaseSpec]:
    by_type = {profile.asb_type: profile for profile in PROFILES}
    kinds = {"review-met": (AsbType.INTIMIDATION, 420), "review-not-met":
             (AsbType.NEIGHBOUR_DISPUTE, 330), "review-referred-back": (AsbType.INTIMIDATION, 260),
             "review-in-progress": (AsbType.NOISE, 80)}
    ward = area.partnership.wards[0]
    specs = []
    for showcase in SHOWCASES:
        asb_type, days_ago = kinds[showcase]
        day = london_day(until) - timedelta(days=days_ago)
        occurred = local(day, 20, 15)
        specs.append(CaseSpec(area, 0, ward, by_type[asb_type], occurred,
                              occurred + timedelta(hours=1, minutes=40), "moderate",
                              showcase=showcase))
    return specs


def _schedule_plans(world: World, sim: Simulation, area: Area, scale: DemoScale,
                    seed: int) -> None:
    if not area.partnership.priorities:
        return
    rng = seeded(seed, area.id, "plans")
    until = world.until
    first = datetime.combine(world.start, datetime.min.time(), tzinfo=UTC) + timedelta(days=5)
    guesses = {"closed": 450, "assessment": 200, "response": 110, "analysis": 45,
               "scanning": 20, "objective": 4}
    span = (until - first).days - 10
    for number in range(1, scale.plans_per_partnership + 1):
        if number <= len(TARGETS):
            target: str | None = TARGETS[number - 1]
            start = until - timedelta(days=guesses[target or "closed"])
            sent_back = number == 1
            funded = number in (1, 2, 3)
        else:
            target = None
            start = first + timedelta(days=rng.randrange(0, span))
            sent_back = number == len(TARGETS) + 1 or rng.random() < 0.15
            funded = rng.random() < 0.3
        start = start.replace(hour=9) + timedelta(minutes=rng.randrange(0, 480))
        script = PlanScript(world, area, number, start, target, sent_back=sent_back,
                            funded=funded, seed=f"{seed}/{area.id}/plan/{number}")
        sim.add(script.beats())
