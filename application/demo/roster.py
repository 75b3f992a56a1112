"""The staff who act in the demo data: officers, supervisors and JAG coordinators.

Every event the loader writes is stamped with one of these (docs/decisions.md D3), so
a case's history reads like real work: the PCSO who took the call, the ASB officer who
sent the warning, the coordinator who set actions at the JAG. The user ids of the demo
sign-in users (``pc.jones``, ``asb.officer.patel``, ``housing.officer.lee``,
``pc.green``, ``csp.coordinator``) are among them, so signing in as one of them shows
"their" cases. Partnerships or agencies the built-in roster does not know (a custom
rules file) get generated staff with fictional names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from application.context import Actor, RequestContext, Role
from application.demo.seeding import seeded
from application.demo.vocabulary import SURNAMES
from domain.shared.partnerships import Partnership


@dataclass(frozen=True)
class Officer:
    user_id: str
    name: str
    agency: str
    partnership_id: str
    role: str = Role.OFFICER
    supervisor: bool = False

    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, display_name=self.name, agency=self.agency,
                     roles=(self.role,), partnerships=(self.partnership_id,))

    def context(self, request_id: str) -> RequestContext:
        return RequestContext(actor=self.actor(), request_id=request_id)


def agency_kind(agency_id: str, agency_name: str = "") -> str:
    """What sort of body an agency is, from its id and name (police, housing...)."""
    text = f"{agency_id} {agency_name}".lower()
    for kind, words in (
        ("pcc", ("pcc", "commissioner")),
        ("police", ("police", "constabulary")),
        ("fire", ("fire",)),
        ("probation", ("probation",)),
        ("health", ("icb", "health", "nhs", "care board")),
        ("housing", ("housing", "homes", "clarion", "settle")),
        ("county_council", ("county",)),
        ("district_council", ("council", "borough", "district", "city")),
    ):
        if any(word in text for word in words):
            return kind
    return "other"


# (user id, display name, role, supervisor) by partnership and agency.
_KNOWN: dict[tuple[str, str], tuple[tuple[str, str, str, bool], ...]] = {
    ("north-herts", "herts-police"): (
        ("pc.jones", "PC Jones", Role.OFFICER, False),
        ("pcso.begum", "PCSO Begum", Role.OFFICER, False),
        ("pc.hartley", "PC Hartley", Role.OFFICER, False),
        ("ps.morgan", "PS Morgan", Role.OFFICER, True),
        ("insp.clarke", "Inspector Clarke", Role.OFFICER, True),
    ),
    ("north-herts", "north-herts-council"): (
        ("asb.officer.patel", "Asha Patel", Role.OFFICER, False),
        ("asb.officer.wright", "Tom Wright", Role.OFFICER, False),
        ("env.officer.khan", "Imran Khan", Role.OFFICER, False),
        ("csp.manager.evans", "Rhian Evans", Role.OFFICER, True),
        ("csp.coordinator", "CSP coordinator", Role.COORDINATOR, False),
    ),
    ("north-herts", "settle-housing"): (
        ("housing.officer.lee", "Jordan Lee", Role.OFFICER, False),
        ("housing.officer.shah", "Priya Shah", Role.OFFICER, False),
    ),
    ("north-herts", "herts-county-council"): (
        ("youth.worker.adams", "Kelly Adams", Role.OFFICER, False),
    ),
    ("north-herts", "herts-fire"): (("fire.officer.doyle", "Watch Manager Doyle",
                                     Role.OFFICER, False),),
    ("north-herts", "probation"): (("probation.officer.reid", "Callum Reid", Role.OFFICER,
                                    False),),
    ("north-herts", "herts-icb"): (("mh.nurse.nolan", "Sinead Nolan", Role.OFFICER, False),),
    ("st-albans", "herts-police"): (
        ("pc.green", "PC Green", Role.OFFICER, False),
        ("pcso.hughes", "PCSO Hughes", Role.OFFICER, False),
        ("pc.adeyemi", "PC Adeyemi", Role.OFFICER, False),
        ("ps.fraser", "PS Fraser", Role.OFFICER, True),
        ("insp.bailey", "Inspector Bailey", Role.OFFICER, True),
    ),
    ("st-albans", "st-albans-council"): (
        ("asb.officer.taylor", "Sam Taylor", Role.OFFICER, False),
        ("asb.officer.nowak", "Ewa Nowak", Role.OFFICER, False),
        ("env.officer.price", "Gareth Price", Role.OFFICER, False),
        ("csp.manager.ali", "Farah Ali", Role.OFFICER, True),
        ("sa.csp.coordinator", "St Albans CSP coordinator", Role.COORDINATOR, False),
    ),
    ("st-albans", "clarion-housing"): (
        ("housing.officer.osei", "Kwame Osei", Role.OFFICER, False),
        ("housing.officer.murphy", "Aoife Murphy", Role.OFFICER, False),
    ),
    ("st-albans", "herts-county-council"): (
        ("youth.worker.brooks", "Dan Brooks", Role.OFFICER, False),
    ),
    ("st-albans", "herts-fire"): (("fire.officer.singh", "Crew Manager Singh", Role.OFFICER,
                                   False),),
    ("st-albans", "probation"): (("probation.officer.webb", "Laura Webb", Role.OFFICER,
                                  False),),
    ("st-albans", "herts-icb"): (("mh.nurse.carter", "Jo Carter", Role.OFFICER, False),),
}

_TITLES = {"police": ("pc", "PC"), "district_council": ("asb.officer", ""),
           "housing": ("housing.officer", ""), "county_council": ("youth.worker", ""),
           "fire": ("fire.officer", "Firefighter"), "probation": ("probation.officer", ""),
           "health": ("health.officer", ""), "pcc": ("pcc.officer", ""),
           "other": ("officer", "")}


@dataclass
class Roster:
    """The staff of one partnership, by agency."""

    partnership: Partnership
    by_agency: dict[str, list[Officer]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def officers(self, agency: str) -> list[Officer]:
        return self.by_agency[agency]

    def caseworkers(self, agency: str) -> list[Officer]:
        """Officers who carry cases (not supervisors or coordinators)."""
        staff = self.by_agency[agency]
        return [o for o in staff if not o.supervisor and o.role == Role.OFFICER] or staff

    def agencies_of_kind(self, kind: str) -> list[str]:
        return [a for a in self.partnership.agencies if self.kinds[a] == kind]

    def agency_of_kind(self, kind: str, fallback: str | None = None) -> str:
        found = self.agencies_of_kind(kind)
        if found:
            return found[0]
        return fallback if fallback is not None else self.partnership.agencies[0]

    @property
    def coordinator(self) -> Officer:
        for staff in self.by_agency.values():
            for officer in staff:
                if officer.role == Role.COORDINATOR:
                    return officer
        raise LookupError("no coordinator")  # pragma: no cover - build() always adds one

    @property
    def supervisors(self) -> list[Officer]:
        return [o for staff in self.by_agency.values() for o in staff if o.supervisor]

    def everyone(self) -> list[Officer]:
        return [o for staff in self.by_agency.values() for o in staff]


def build_rosters(partnerships: tuple[Partnership, ...], agency_names: dict[str, str], *,
                  extra_per_agency: int, seed: int) -> dict[str, Roster]:
    """Every partnership's staff; user ids are unique across partnerships."""
    used = {user_id for staff in _KNOWN.values() for user_id, *_ in staff}
    return {p.id: build_roster(p, agency_names, extra_per_agency=extra_per_agency, seed=seed,
                               used=used)
            for p in partnerships}


def build_roster(partnership: Partnership, agency_names: dict[str, str], *,
                 extra_per_agency: int, seed: int, used: set[str]) -> Roster:
    """The partnership's staff: the built-in roster, generated staff for unknown agencies,
    and ``extra_per_agency`` more caseworkers per agency for the larger scales."""
    rng = seeded(seed, "roster", partnership.id)
    roster = Roster(partnership)
    for agency in partnership.agencies:
        kind = agency_kind(agency, agency_names.get(agency, ""))
        roster.kinds[agency] = kind
        known = _KNOWN.get((partnership.id, agency), ())
        staff = [Officer(user_id, name, agency, partnership.id, role, supervisor)
                 for user_id, name, role, supervisor in known]
        wanted = extra_per_agency + (0 if known else 2)
        for _ in range(wanted):
            staff.append(_generated(agency, kind, partnership.id, rng, used))
        roster.by_agency[agency] = staff
    if not any(o.role == Role.COORDINATOR for o in roster.everyone()):
        lead = roster.agency_of_kind("district_council")
        roster.by_agency[lead].append(Officer(f"{partnership.id}.coordinator",
                                              "CSP coordinator", lead, partnership.id,
                                              Role.COORDINATOR))
    if not roster.supervisors:
        police = roster.agency_of_kind("police")
        roster.by_agency[police].append(Officer(f"{partnership.id}.sergeant", "Sergeant",
                                                police, partnership.id, Role.OFFICER, True))
    return roster


def _generated(agency: str, kind: str, partnership_id: str, rng: Random,
               used: set[str]) -> Officer:
    prefix, title = _TITLES.get(kind, _TITLES["other"])
    while True:
        surname = rng.choice(SURNAMES)
        user_id = f"{prefix}.{surname.lower().replace(chr(39), '')}"
        if user_id not in used:
            used.add(user_id)
            break
        user_id = f"{user_id}{rng.randrange(2, 99)}"
        if user_id not in used:
            used.add(user_id)
            break
    name = f"{title} {surname}".strip() if title else f"{rng.choice('ACDJKLMRST')}. {surname}"
    return Officer(user_id, name, agency, partnership_id)
