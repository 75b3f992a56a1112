"""Fictional people for the demo: victims, complainants, alleged perpetrators, witnesses.

Most people appear in one case. A pool of repeat victims and one of repeat alleged
perpetrators per neighbourhood make the same names turn up across cases, as they do in
real casework (the repeat-victim and case-review rules then have something to find).
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from application.demo.vocabulary import (
    ORGANISATION_PATTERNS,
    email_for,
    person_name,
    phone_number,
    streets_for,
)
from application.demo.world import PersonSpec
from domain.people.values import PersonKind
from domain.shared.partnerships import Ward

VULNERABILITY_NOTES = (
    "Lives alone; hard of hearing. Prefers contact by letter or a home visit.",
    "Anxiety and depression, made worse by the ASB. Consent to contact the GP.",
    "Uses a wheelchair; ground-floor flat.",
    "Carer for an adult son with a learning disability.",
)


def town_of(ward: Ward) -> str:
    return ward.name if "rural" in ward.neighbourhood.lower() else ward.neighbourhood


def street_in(ward: Ward, rng: Random) -> str:
    return rng.choice(streets_for(town_of(ward)))


def address_in(ward: Ward, rng: Random, street: str | None = None) -> str:
    chosen = street or street_in(ward, rng)
    outward = rng.choice(ward.outward_postcodes) if ward.outward_postcodes else ""
    flat = f"Flat {rng.randrange(1, 24)}, " if rng.random() < 0.25 else ""
    return f"{flat}{rng.randrange(1, 140)} {chosen}, {town_of(ward)} {outward}".strip()


def birth_date(on: date, age_from: int, age_to: int, rng: Random) -> date:
    age_days = rng.randrange(age_from * 365 + 30, age_to * 365 + 300)
    return on - timedelta(days=age_days)


def resident(key: str, partnership_id: str, ward: Ward, on: date, rng: Random, *,
             age_from: int = 18, age_to: int = 88, street: str | None = None,
             vulnerable: bool = False) -> PersonSpec:
    name = person_name(rng)
    return PersonSpec(
        key=key, partnership_id=partnership_id, name=name, kind=PersonKind.INDIVIDUAL,
        date_of_birth=birth_date(on, age_from, age_to, rng),
        phone=phone_number(rng) if rng.random() < 0.9 else None,
        email=email_for(name, rng) if rng.random() < 0.5 else None,
        address=address_in(ward, rng, street), ward=ward.name,
        vulnerability_notes=rng.choice(VULNERABILITY_NOTES) if vulnerable else None,
    )


def young_person(key: str, partnership_id: str, ward: Ward, on: date, rng: Random) -> PersonSpec:
    """An alleged perpetrator: mostly teenagers and young adults."""
    band = rng.random()
    age_from, age_to = (13, 17) if band < 0.4 else (18, 25) if band < 0.75 else (26, 55)
    spec = resident(key, partnership_id, ward, on, rng, age_from=age_from, age_to=age_to)
    spec.email = None
    return spec


def organisation(key: str, partnership_id: str, ward: Ward, rng: Random) -> PersonSpec:
    town = town_of(ward)
    street = street_in(ward, rng)
    name = rng.choice(ORGANISATION_PATTERNS).format(town=town, street=street.split(" ")[0])
    return PersonSpec(
        key=key, partnership_id=partnership_id, name=name, kind=PersonKind.ORGANISATION,
        date_of_birth=None, phone=phone_number(rng), email=None,
        address=address_in(ward, rng, street), ward=ward.name,
    )
