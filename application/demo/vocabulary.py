"""Built-in word lists for the demo data: fictional people, streets, places and texts.

Everything here is invented. Names are common given names and surnames put together at
random; telephone numbers are in the range Ofcom keeps for drama (07700 900000 to
900999); e-mail addresses are at ``example.org``; addresses are made-up house numbers on
generic street names with the outward part of the postcode only. The texts read the
way case notes read, without naming anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from domain.cases import AsbType, NsirCategory

GIVEN_NAMES: tuple[str, ...] = (
    "Aaliyah", "Adam", "Aisha", "Alfie", "Amelia", "Amir", "Ben", "Bethany", "Callum",
    "Charlotte", "Chloe", "Connor", "Daniel", "Deborah", "Dylan", "Eleanor", "Elif", "Ellie",
    "Emma", "Ethan", "Fatima", "Freya", "Gary", "Grace", "Hannah", "Harry", "Imogen", "Isaac",
    "Jack", "Jade", "James", "Jasmine", "Joanne", "Josh", "Julie", "Karen", "Kieran", "Layla",
    "Leah", "Liam", "Lily", "Lucy", "Mark", "Maryam", "Mason", "Megan", "Michael", "Mohammed",
    "Nathan", "Niamh", "Noah", "Olivia", "Oscar", "Paul", "Priya", "Rachel", "Reece", "Rosie",
    "Ryan", "Samuel", "Sarah", "Sean", "Sophie", "Stephen", "Susan", "Tariq", "Theo", "Tom",
    "Tyler", "Wendy", "Yusuf", "Zara", "Zofia", "Kwabena", "Mei", "Dariusz", "Siobhan", "Raj",
)

SURNAMES: tuple[str, ...] = (
    "Abbott", "Akhtar", "Allen", "Atkins", "Bailey", "Barker", "Bennett", "Bishop", "Blake",
    "Bradley", "Brennan", "Briggs", "Burton", "Chambers", "Chapman", "Coleman", "Collins",
    "Cooper", "Dale", "Dawson", "Dixon", "Doherty", "Ellis", "Farrell", "Fisher", "Fleming",
    "Foster", "Gallagher", "Gibson", "Gill", "Goddard", "Gordon", "Grant", "Hale", "Hammond",
    "Harding", "Hayes", "Hewitt", "Holland", "Hopkins", "Hussain", "Jennings", "Kaur", "Kemp",
    "Knight", "Kowalski", "Lambert", "Lawson", "Lloyd", "Lynch", "Malik", "Marsh", "McCarthy",
    "Mills", "Moss", "Nash", "Norris", "O'Connor", "Owen", "Palmer", "Parsons", "Pearce",
    "Quinn", "Rahman", "Reeves", "Rowe", "Sharma", "Sheridan", "Slater", "Stone", "Sutton",
    "Thornton", "Turner", "Vaughan", "Walsh", "Warren", "Watts", "Webster", "Wilde", "Yates",
)

GENERIC_STREETS: tuple[str, ...] = (
    "Station Road", "Church Lane", "Park Avenue", "Mill Lane", "Queen Street", "Victoria Road",
    "The Crescent", "Orchard Close", "Meadow Way", "Chestnut Drive", "Highfield Road",
    "Windsor Close", "Grange Road", "Beech Walk", "Willow Court", "Manor Road",
)

STREETS_BY_TOWN: dict[str, tuple[str, ...]] = {
    "Hitchin": ("Larkspur Close", "Tannery Yard", "Priory Mews", "Brook View", "Ickleford Walk",
                "Oughton Rise", "Bearton Green Court", "Walsworth Crescent", "Fishponds Way",
                "Market Row"),
    "Letchworth Garden City": ("Garden Walk", "Pixmore Rise", "Norton Way Close", "Spring Lane",
                               "Icknield Court", "Wilbury Mews", "Grange Parade",
                               "Howard Drive", "Arena Row", "Common View"),
    "Baldock": ("Hartsfield Close", "Clothall Walk", "Weston Way Court", "Bygrave Mews",
                "Ashwell Row", "Tapps Lane"),
    "Royston": ("Heath Rise", "Kneesworth Walk", "Meridian Close", "Palace Mews",
                "Melbourn Court", "Barkway Lane"),
    "St Albans City": ("Abbey Mill Walk", "Verulam Close", "Cunningham Rise", "Batchwood Court",
                       "Fleetville Mews", "Camp Road Parade", "Marshalswick Lane",
                       "Holywell Row", "Clarence Walk", "Hatfield Road Court"),
    "London Colney": ("Colney Fields Walk", "Napsbury Close", "Broad Colney Mews",
                      "Riverside Court", "Kings Road Parade"),
    "Harpenden": ("Common Lane Close", "Southdown Rise", "Batford Mews", "Lea Walk",
                  "Station Approach Court", "Westfield Row"),
    "Redbourn": ("Cumberland Close", "Lamb Lane", "Flowton Walk", "Common Edge",
                 "High Street Mews"),
}

# Public places used in case summaries and problem-solving plans, by kind.
PLACE_KINDS: tuple[str, ...] = (
    "town centre car park", "recreation ground", "skate park", "railway station forecourt",
    "shopping parade", "play area", "footpath by the river", "leisure centre car park",
    "churchyard", "garage block", "underpass", "bus station",
)

ORGANISATION_PATTERNS: tuple[str, ...] = (
    "{town} Community Centre", "{street} Stores", "{town} Residents' Association",
    "{town} Allotment Society", "The Old Forge Café ({town})", "{town} Youth Club",
)

COURTS: tuple[str, ...] = ("Stevenage Magistrates' Court", "St Albans Magistrates' Court",
                           "Luton Crown Court")

OFFENCES: tuple[str, ...] = (
    "Failing to comply with a Community Protection Notice (s.48 ASBCPA 2014)",
    "Criminal damage", "Public order offence (s.4A)", "Possession of a controlled drug",
    "Harassment without violence", "Drunk and disorderly",
)


@dataclass(frozen=True)
class AsbProfile:
    """How one type of behaviour shows up: its NSIR class, mix and wording."""

    asb_type: AsbType
    category: NsirCategory
    weight: float
    summer: float
    """Extra weight in June to August (1.0 = no change)."""
    bonfire: float
    """Extra weight from late October to mid November."""
    has_victim: bool
    """Aimed at a person (a victim is assessed) rather than the community or a place."""
    perpetrator_known: float
    """Chance the person causing it is identified."""
    summaries: tuple[str, ...]
    incidents: tuple[str, ...]
    evenings: bool = True


PROFILES: tuple[AsbProfile, ...] = (
    AsbProfile(
        AsbType.ROWDY_BEHAVIOUR, NsirCategory.NUISANCE, 20, 1.35, 1.1, False, 0.55,
        ("Groups of young people gathering at the {place} most evenings, shouting, swearing "
         "and kicking footballs at parked cars.",
         "Rowdy behaviour outside the {street} late-night takeaway after closing time; "
         "residents woken most weekends.",
         "Large groups congregating by the {place}; litter, noise and residents feeling "
         "intimidated walking past."),
        ("Group of 8-10 youths shouting and banging on the bus shelter until around midnight.",
         "Group gathered again by the {place}; bottles thrown, one car window chipped.",
         "Noise and swearing from a group on bikes circling the {place}.",
         "Caller reports a group climbing on garage roofs and shouting at passers-by."),
    ),
    AsbProfile(
        AsbType.NOISE, NsirCategory.NUISANCE, 15, 1.15, 1.0, True, 0.95,
        ("Persistent loud music and shouting from a neighbouring flat on {street}, often "
         "after midnight; complainant works early shifts.",
         "Repeated parties at a house on {street} with amplified music into the early hours.",
         "Banging, slamming doors and dogs barking from the flat above, daily for two months."),
        ("Loud bass music from the neighbouring flat from 23:00 to about 03:00.",
         "Party at the neighbouring address; music and shouting in the garden past 01:00.",
         "Repeated banging on the shared wall; complainant recorded it on the noise app.",
         "Music played loudly again; complainant knocked and was sworn at."),
    ),
    AsbProfile(
        AsbType.NEIGHBOUR_DISPUTE, NsirCategory.PERSONAL, 10, 1.0, 1.0, True, 1.0,
        ("Long-running dispute between neighbours on {street} over parking and a shared "
         "boundary; now includes verbal abuse and filming.",
         "Complainant reports being targeted by a neighbour: rubbish left on the doorstep, "
         "comments about their family."),
        ("Neighbour shouted abuse over the fence and filmed the complainant's children.",
         "Rubbish bags left on the complainant's doorstep again overnight.",
         "Neighbour parked across the complainant's drive and refused to move.",
         "Argument on the shared path; complainant says they were pushed."),
        evenings=False,
    ),
    AsbProfile(
        AsbType.INTIMIDATION, NsirCategory.PERSONAL, 10, 1.1, 1.0, True, 0.75,
        ("Complainant is being intimidated by a group who wait outside their home on {street} "
         "and follow them to the shops.",
         "Older resident harassed by young people knocking on the door and running away; "
         "eggs thrown at windows.",
         "Complainant and their partner verbally abused and threatened by a neighbour's "
         "visitors whenever they pass on {street}."),
        ("Group waited outside the address and shouted threats when the complainant left.",
         "Door knocked repeatedly after dark; eggs thrown at the front window.",
         "Complainant followed from the bus stop and called names.",
         "Threatening note pushed through the letterbox."),
    ),
    AsbProfile(
        AsbType.VEHICLE_NUISANCE, NsirCategory.NUISANCE, 8, 1.25, 1.0, False, 0.45,
        ("Off-road motorbikes and e-scooters ridden at speed across the {place} and along "
         "the footpaths.",
         "Car meets in the {place} at night: revving engines, handbrake turns, residents "
         "kept awake."),
        ("Two off-road bikes ridden across the playing field while families were there.",
         "Car meet of around 20 vehicles; engines revved and tyres screeched until 01:30.",
         "E-scooter ridden at speed along the footpath, nearly hitting a pedestrian.",
         "Vehicles doing doughnuts in the car park after dark."),
    ),
    AsbProfile(
        AsbType.DRUG_USE, NsirCategory.NUISANCE, 8, 1.1, 1.0, False, 0.6,
        ("Suspected drug dealing and use at an address on {street}: frequent short visits, "
         "cannabis smell, needles found in the communal area.",
         "Drug use and discarded paraphernalia in the {place}; residents concerned for "
         "children using it."),
        ("Several short visits to the address within an hour; strong smell of cannabis.",
         "Needles and foil found in the stairwell by the caretaker.",
         "Two people seen exchanging packages by the {place}.",
         "Visitors arriving late at night and shouting outside the flat."),
    ),
    AsbProfile(
        AsbType.FLY_TIPPING, NsirCategory.ENVIRONMENTAL, 7, 1.05, 1.0, False, 0.3,
        ("Repeated fly-tipping of household and building waste at the {place}.",
         "Mattresses, sofas and rubble dumped in the lay-by off {street}."),
        ("Pile of building rubble and plasterboard dumped overnight.",
         "Mattress and bags of household waste left by the garages.",
         "Van seen unloading garden waste at the edge of the {place}.",
         "Fridge and broken furniture dumped on the verge."),
        evenings=False,
    ),
    AsbProfile(
        AsbType.VANDALISM, NsirCategory.ENVIRONMENTAL, 5, 1.15, 1.2, False, 0.35,
        ("Repeated damage to the bus shelter and benches at the {place}.",
         "Criminal damage to fences and cars on {street}; windows broken."),
        ("Bus shelter panel smashed overnight.",
         "Fence panels kicked in and a wing mirror broken.",
         "Bench set alight at the {place}.",
         "Planters overturned and a street light damaged."),
    ),
    AsbProfile(
        AsbType.STREET_DRINKING, NsirCategory.NUISANCE, 5, 1.4, 1.0, False, 0.7,
        ("Street drinking by a group at the {place} through the day, with urinating and "
         "aggressive begging.",
         "Regular drinkers gathering outside the {street} off-licence, leaving cans and "
         "shouting at passers-by."),
        ("Group of four drinking on the benches from mid-morning; shouting at shoppers.",
         "Drinker urinating in the doorway of a shop.",
         "Cans and bottles left across the {place}; group aggressive when asked to move.",
         "Argument between drinkers spilled onto the road."),
        evenings=False,
    ),
    AsbProfile(
        AsbType.GRAFFITI, NsirCategory.ENVIRONMENTAL, 3, 1.1, 1.0, False, 0.3,
        ("Tags sprayed repeatedly on walls and shutters around the {place}.",),
        ("New tags sprayed on the underpass walls.",
         "Offensive graffiti on a garage door.",
         "Shop shutters tagged overnight."),
    ),
    AsbProfile(
        AsbType.FIREWORKS, NsirCategory.NUISANCE, 3, 0.5, 9.0, False, 0.4,
        ("Fireworks let off in the street and thrown at people and cars around {street}.",
         "Fireworks set off late at night at the {place}, frightening residents and pets."),
        ("Rockets fired along the street towards parked cars.",
         "Bangers thrown at a group of children by older youths.",
         "Fireworks let off in the {place} after 23:00."),
    ),
    AsbProfile(
        AsbType.LITTERING, NsirCategory.ENVIRONMENTAL, 2, 1.2, 1.0, False, 0.3,
        ("Takeaway litter and bags left daily in the {place}.",),
        ("Takeaway packaging and cans left across the grass.",
         "Bags of litter left by the bins after the weekend."),
        evenings=False,
    ),
    AsbProfile(
        AsbType.ANIMAL_NUISANCE, NsirCategory.NUISANCE, 2, 1.0, 1.0, True, 0.9,
        ("Dogs left barking for hours at a house on {street}; dog fouling on the shared path.",
         "Out-of-control dog on {street} rushing at passers-by."),
        ("Dogs barked from 07:00 to 15:00 while the owner was out.",
         "Dog ran at a child on the path; owner laughed.",
         "Dog fouling left on the shared path again."),
        evenings=False,
    ),
    AsbProfile(
        AsbType.BEGGING, NsirCategory.NUISANCE, 1, 1.1, 1.0, False, 0.8,
        ("Aggressive begging at cash machines near the {place}.",),
        ("Person begging at the cash machine followed a shopper asking for money.",
         "Aggressive begging outside the supermarket."),
        evenings=False,
    ),
    AsbProfile(
        AsbType.OTHER, NsirCategory.NUISANCE, 1, 1.2, 1.0, False, 0.5,
        ("Balls and stones thrown into gardens from the {place} behind {street}.",),
        ("Stones thrown into gardens from the footpath.",
         "Ball games against a house wall late at night."),
    ),
)

OTHER_TYPE = "Objects thrown into gardens"

SUPPORT_DETAILS = (
    "Referred to the victim support service for emotional support.",
    "Referral to the council's tenancy sustainment team.",
    "Referral to the mental health liaison team with consent.",
)

ACTION_TEXTS: dict[str, tuple[str, ...]] = {
    "police": ("Increase high-visibility patrols at the location on Friday and Saturday evenings",
               "Check CCTV for the last incident and identify the group",
               "Visit the alleged perpetrator's parents with a warning letter",
               "Carry out a dispersal review and brief the late shift"),
    "district_council": ("Deliver an advisory letter to the address",
                         "Install a noise-monitoring device for two weeks",
                         "Arrange removal of the waste and check for evidence",
                         "Review the case for a Community Protection Warning"),
    "county_council": ("Youth outreach workers to engage the group on two evenings",
                       "Check school attendance and offer diversionary activities"),
    "fire": ("Home fire safety visit for the victim",
             "Fire-setting intervention session with the young person"),
    "probation": ("Check whether the alleged perpetrator is under supervision and share "
                  "licence conditions",),
    "health": ("Mental health liaison to contact the victim with consent",
               "Discuss the alleged perpetrator's support needs with the GP practice"),
    "housing": ("Tenancy visit to the alleged perpetrator about the tenancy conditions",
                "Check the block's communal areas and repair the door entry system",
                "Offer the victim a management move assessment"),
    "other": ("Share information at the next meeting",),
}

CONTACT_NOTES: tuple[str, ...] = (
    "Update given on the work so far; victim asked to keep a diary of incidents.",
    "Called to check on the victim; no new incidents since the last contact.",
    "Explained the next steps and the timescale for the warning letter.",
    "Victim reports things are a little better; will call if it starts again.",
    "Home visit: victim anxious, reassurance given, safety advice and crime prevention.",
    "Left a voicemail and sent a text with the officer's contact details.",
)

SUPERVISOR_NOTES: dict[str, tuple[str, ...]] = {
    "continue": ("Proportionate work in place; continue and review at the next due date.",
                 "Diary sheets returned; keep the current plan."),
    "escalate": ("Breach reported: move to the next step of the escalation ladder.",
                 "Behaviour continuing despite the warning; escalate."),
    "refer_to_jag": ("Multi-agency problem: refer to the JAG for tasking.",),
    "recommend_closure": ("No incidents for some weeks; agree closure with the victim.",
                          "Nothing further proportionate to do; recommend closure."),
}

CLOSURE_REASONS: dict[str, tuple[str, ...]] = {
    "resolved": ("No further incidents since the intervention; victim content to close.",
                 "Behaviour has stopped after the warning and the tenancy visit."),
    "reduced": ("Incidents much reduced; victim happy to close and report any repeat.",),
    "referred_elsewhere": ("Matter is a civil boundary dispute; advice given and signposted.",
                           "Referred to the environmental health noise team."),
    "no_further_action": ("No evidence of behaviour amounting to ASB after monitoring.",),
    "insufficient_evidence": ("Perpetrator could not be identified despite CCTV checks.",),
    "victim_disengaged": ("Victim no longer responding to contact after three attempts.",),
    "duplicate": ("Same matter is being worked on another case.",),
}

REOPEN_REASONS: tuple[str, ...] = (
    "New incidents reported by the same victim within weeks of closure.",
    "Behaviour has started again since the warning expired.",
)

JAG_REASONS: tuple[str, ...] = (
    "Repeat, high-risk victim: single-agency work is not enough.",
    "Escalating behaviour involving several agencies; needs JAG tasking.",
    "Vulnerable victim and a perpetrator known to several agencies.",
)


def person_name(rng: Random) -> str:
    return f"{rng.choice(GIVEN_NAMES)} {rng.choice(SURNAMES)}"


def phone_number(rng: Random) -> str:
    """In Ofcom's range for drama: never a real line."""
    return f"07700 900{rng.randrange(1000):03d}"


def email_for(name: str, rng: Random) -> str:
    local = name.lower().replace(" ", ".").replace("'", "")
    return f"{local}{rng.randrange(10, 99)}@example.org"


def streets_for(town: str) -> tuple[str, ...]:
    return STREETS_BY_TOWN.get(town, ()) + GENERIC_STREETS


def place_in(town: str, rng: Random) -> str:
    return f"{rng.choice(PLACE_KINDS)} in {town}"


def fill(template: str, *, street: str, place: str) -> str:
    return template.replace("{street}", street).replace("{place}", place)
