"""The case review threshold, table-driven from s.104 of the 2014 Act and the domain brief.

s.104: the relevant bodies must decide the threshold is met when at least three (or a
lower local number of) qualifying complaints have been made. A complaint qualifies when
it is made "within the period of one month beginning with the date on which the
behaviour ... is alleged to have occurred" and the application is made "within the
period of six months beginning with the date on which the complaint is made". A period
beginning with a day includes that day, so it ends the day before the corresponding
date. One incident reported to several agencies counts once. Local routes may be added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from domain.reviews.rules import TriggerRules
from domain.reviews.threshold import assess_threshold, last_day_of_months_beginning_with
from domain.reviews.values import Complaint, NotCountedReason, ThresholdRoute
from domain.shared.errors import InvalidValue

R = NotCountedReason
APPLICATION = date(2026, 9, 10)


def complaint(
    number: int,
    behaviour: str = "2026-08-01T10:00",
    reported: str | None = None,
    *,
    complainant: str = "victim",
    agency: str = "police",
    reference: str | None = None,
) -> Complaint:
    """A complaint; the behaviour time is UTC and ``reported`` defaults to that day."""
    behaviour_at = datetime.fromisoformat(behaviour).replace(tzinfo=UTC)
    reported_on = date.fromisoformat(reported) if reported else behaviour_at.date()
    return Complaint(
        number, behaviour_at, reported_on, agency, reference, complainant, "description"
    )


def in_time(number: int, reference: str | None = None) -> Complaint:
    """A complaint well inside every window of the default application, about its own incident."""
    return complaint(number, f"2026-08-{number:02d}T10:00", reference=reference)


def early(number: int) -> Complaint:
    """A complaint in time for an application received on 1 July 2026."""
    return complaint(number, f"2026-02-{10 + number:02d}T10:00")


JULY = date(2026, 7, 1)


@dataclass(frozen=True)
class Case:
    name: str
    complaints: list[Complaint]
    met: bool
    route: ThresholdRoute | None = None
    counted: list[int] = field(default_factory=list)
    not_counted: dict[int, NotCountedReason] = field(default_factory=dict)
    duplicates: dict[int, int] = field(default_factory=dict)
    rules: TriggerRules = field(default_factory=TriggerRules)
    received_on: date = APPLICATION
    hate_incident: bool = False
    vulnerable: bool = False
    discretion: bool = False


QC = ThresholdRoute.QUALIFYING_COMPLAINTS

CASES = [
    # --- the statutory count
    Case("three qualifying complaints", [in_time(1), in_time(2), in_time(3)], True, QC, [1, 2, 3]),
    Case("two qualifying complaints", [in_time(1), in_time(2)], False, None, [1, 2]),
    Case("no complaints", [], False),
    # --- made within one month beginning with the day of the behaviour
    Case(
        "reported on the last day of the month beginning with the behaviour",
        [in_time(1), in_time(2), complaint(3, "2026-03-15T10:00", "2026-04-14")],
        True,
        QC,
        [1, 2, 3],
    ),
    Case(
        "reported exactly one month after the behaviour (the corresponding date)",
        [in_time(1), in_time(2), complaint(3, "2026-03-15T10:00", "2026-04-15")],
        False,
        None,
        [1, 2],
        {3: R.REPORTED_TOO_LATE},
    ),
    Case(
        "reported one month and a day after the behaviour",
        [in_time(1), in_time(2), complaint(3, "2026-03-15T10:00", "2026-04-16")],
        False,
        None,
        [1, 2],
        {3: R.REPORTED_TOO_LATE},
    ),
    Case(
        "behaviour on 31 January: the month ends on 28 February",
        [early(1), early(2), complaint(3, "2026-01-31T10:00", "2026-02-28")],
        True,
        QC,
        [1, 2, 3],
        received_on=JULY,
    ),
    Case(
        "behaviour on 31 January, reported on 1 March",
        [early(1), early(2), complaint(3, "2026-01-31T10:00", "2026-03-01")],
        False,
        None,
        [1, 2],
        {3: R.REPORTED_TOO_LATE},
        received_on=JULY,
    ),
    Case(
        "behaviour at 23:30 UTC in summer time is the next day in London",
        # 2026-05-14T23:30Z is 00:30 on 15 May in London: the month runs to 14 June.
        [in_time(1), in_time(2), complaint(3, "2026-05-14T23:30", "2026-06-14")],
        True,
        QC,
        [1, 2, 3],
    ),
    Case(
        "behaviour at 23:30 UTC in winter is the same day in London",
        [early(1), early(2), complaint(3, "2026-01-14T23:30", "2026-02-14")],
        False,
        None,
        [1, 2],
        {3: R.REPORTED_TOO_LATE},
        received_on=JULY,
    ),
    # --- application within six months beginning with the day of the complaint
    Case(
        "complaint made on the first day of the six months before the application",
        [in_time(1), in_time(2), complaint(3, "2026-03-11T10:00")],
        True,
        QC,
        [1, 2, 3],
    ),
    Case(
        "complaint made exactly six months before the application",
        [in_time(1), in_time(2), complaint(3, "2026-03-10T10:00")],
        False,
        None,
        [1, 2],
        {3: R.OUTSIDE_WINDOW},
    ),
    Case(
        "complaint made on the day of the application",
        [in_time(1), in_time(2), complaint(3, "2026-09-10T08:00")],
        True,
        QC,
        [1, 2, 3],
    ),
    Case(
        "complaint made after the application",
        [in_time(1), in_time(2), complaint(3, "2026-09-11T08:00")],
        False,
        None,
        [1, 2],
        {3: R.MADE_AFTER_APPLICATION},
    ),
    # --- one incident reported to several agencies counts once
    Case(
        "the same incident reported to the police and the council under one reference",
        [
            in_time(1),
            in_time(2, reference="HC-20260802-0101"),
            complaint(
                3,
                "2026-08-02T10:00",
                "2026-08-03",
                agency="council",
                reference=" hc-20260802-0101 ",
            ),
        ],
        False,
        None,
        [1, 2],
        {3: R.DUPLICATE},
        {3: 2},
    ),
    Case(
        "the same behaviour and complainant reported to two agencies without references",
        [
            in_time(1),
            in_time(2),
            complaint(3, "2026-08-02T10:00", "2026-08-02", agency="housing"),
        ],
        False,
        None,
        [1, 2],
        {3: R.DUPLICATE},
        {3: 2},
    ),
    Case(
        "the same behaviour reported by two different complainants counts twice",
        [in_time(1), in_time(2), complaint(3, "2026-08-02T10:00", complainant="neighbour-1")],
        True,
        QC,
        [1, 2, 3],
    ),
    Case(
        "of two reports of one incident, the first made counts",
        [
            in_time(1),
            in_time(2),
            complaint(3, "2026-08-20T10:00", "2026-08-25", reference="REF-9"),
            complaint(4, "2026-08-20T10:00", "2026-08-21", agency="council", reference="REF-9"),
        ],
        True,
        QC,
        [1, 2, 4],
        {3: R.DUPLICATE},
        {3: 4},
    ),
    Case(
        "duplicates link through a shared reference and a shared moment",
        [
            complaint(1, "2026-08-20T10:00", reference="A-1"),
            complaint(2, "2026-08-20T11:00", agency="council", reference="A-1"),
            complaint(3, "2026-08-20T11:00", agency="housing"),
            in_time(4),
        ],
        False,
        None,
        [1, 4],
        {2: R.DUPLICATE, 3: R.DUPLICATE},
        {2: 1, 3: 1},
    ),
    Case(
        "a late report of an incident does not hide an in-time report of it",
        [
            in_time(1),
            in_time(2),
            complaint(3, "2026-07-01T10:00", "2026-08-05", agency="council", reference="X-7"),
            complaint(4, "2026-07-01T10:00", "2026-07-02", reference="X-7"),
        ],
        True,
        QC,
        [1, 2, 4],
        {3: R.REPORTED_TOO_LATE},
    ),
    # --- a lower local number
    Case(
        "two complaints meet a local threshold of two",
        [in_time(1), in_time(2)],
        True,
        QC,
        [1, 2],
        rules=TriggerRules(local_qualifying_complaints=2),
    ),
    Case(
        "one complaint does not meet a local threshold of two",
        [in_time(1)],
        False,
        None,
        [1],
        rules=TriggerRules(local_qualifying_complaints=2),
    ),
    # --- local route: complaints from different people about the same problem
    Case(
        "five neighbours report one incident: one qualifying complaint, five complainants",
        [
            complaint(n, "2026-08-20T21:00", complainant=f"neighbour-{n}", reference="CAD-55")
            for n in range(1, 6)
        ],
        True,
        ThresholdRoute.DIFFERENT_COMPLAINANTS,
        [1],
        {n: R.DUPLICATE for n in range(2, 6)},
        {n: 1 for n in range(2, 6)},
        rules=TriggerRules(different_complainants=5),
    ),
    Case(
        "four neighbours are not enough for a five-complainant route",
        [
            complaint(n, "2026-08-20T21:00", complainant=f"neighbour-{n}", reference="CAD-55")
            for n in range(1, 5)
        ],
        False,
        None,
        [1],
        {n: R.DUPLICATE for n in range(2, 5)},
        {n: 1 for n in range(2, 5)},
        rules=TriggerRules(different_complainants=5),
    ),
    Case(
        "a neighbour who reported too late is not counted among the complainants",
        [
            complaint(n, "2026-08-20T21:00", complainant=f"neighbour-{n}", reference="CAD-55")
            for n in range(1, 5)
        ]
        + [complaint(5, "2026-07-01T21:00", "2026-08-21", complainant="neighbour-5")],
        False,
        None,
        [1],
        {2: R.DUPLICATE, 3: R.DUPLICATE, 4: R.DUPLICATE, 5: R.REPORTED_TOO_LATE},
        {2: 1, 3: 1, 4: 1},
        rules=TriggerRules(different_complainants=5),
    ),
    Case(
        "the different-complainants route is off unless set",
        [
            complaint(n, "2026-08-20T21:00", complainant=f"neighbour-{n}", reference="CAD-55")
            for n in range(1, 6)
        ],
        False,
        None,
        [1],
        {n: R.DUPLICATE for n in range(2, 6)},
        {n: 1 for n in range(2, 6)},
    ),
    # --- local route: one hate incident
    Case(
        "one qualifying complaint of a hate incident",
        [in_time(1)],
        True,
        ThresholdRoute.HATE_INCIDENT,
        [1],
        rules=TriggerRules(hate_incident_route=True),
        hate_incident=True,
    ),
    Case(
        "hate incident route without a hate incident",
        [in_time(1)],
        False,
        None,
        [1],
        rules=TriggerRules(hate_incident_route=True),
    ),
    Case(
        "hate incident where the local rules have no such route",
        [in_time(1)],
        False,
        None,
        [1],
        hate_incident=True,
    ),
    Case(
        "hate incident whose only complaint was reported too late",
        [complaint(1, "2026-06-01T10:00", "2026-07-15")],
        False,
        None,
        [],
        {1: R.REPORTED_TOO_LATE},
        rules=TriggerRules(hate_incident_route=True),
        hate_incident=True,
    ),
    # --- local route: discretion for a vulnerable victim
    Case(
        "discretion used for a vulnerable victim",
        [in_time(1)],
        True,
        ThresholdRoute.VULNERABLE_VICTIM_DISCRETION,
        [1],
        rules=TriggerRules(vulnerable_victim_discretion=True),
        vulnerable=True,
        discretion=True,
    ),
    Case(
        "discretion for a vulnerable victim, with no complaint counted",
        [],
        True,
        ThresholdRoute.VULNERABLE_VICTIM_DISCRETION,
        rules=TriggerRules(vulnerable_victim_discretion=True),
        vulnerable=True,
        discretion=True,
    ),
    Case(
        "discretion allowed and victim vulnerable, but not used",
        [in_time(1)],
        False,
        None,
        [1],
        rules=TriggerRules(vulnerable_victim_discretion=True),
        vulnerable=True,
    ),
    Case(
        "discretion used but the local rules do not provide for it",
        [in_time(1)],
        False,
        None,
        [1],
        vulnerable=True,
        discretion=True,
    ),
    Case(
        "discretion used but the victim is not recorded as vulnerable",
        [in_time(1)],
        False,
        None,
        [1],
        rules=TriggerRules(vulnerable_victim_discretion=True),
        discretion=True,
    ),
    Case(
        "the statutory route comes first even when discretion is used",
        [in_time(1), in_time(2), in_time(3)],
        True,
        QC,
        [1, 2, 3],
        rules=TriggerRules(vulnerable_victim_discretion=True),
        vulnerable=True,
        discretion=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_threshold(case: Case) -> None:
    assessment = assess_threshold(
        case.complaints,
        received_on=case.received_on,
        rules=case.rules,
        hate_incident_involved=case.hate_incident,
        victim_vulnerable=case.vulnerable,
        vulnerable_victim_discretion_used=case.discretion,
    )

    assert assessment.met is case.met
    assert assessment.route == case.route
    assert assessment.counted == case.counted
    reasons = {f.complaint_number: f.reason for f in assessment.findings if not f.counted}
    assert reasons == case.not_counted
    duplicates = {f.complaint_number: f.duplicate_of for f in assessment.findings if f.duplicate_of}
    assert duplicates == case.duplicates
    assert [f.complaint_number for f in assessment.findings] == [c.number for c in case.complaints]
    assert all(f.counted == (f.reason is None) for f in assessment.findings)
    assert assessment.rules == case.rules
    assert assessment.complaints_required == case.rules.complaints_required
    assert assessment.application_received_on == case.received_on


@pytest.mark.parametrize(
    ("first_day", "months", "last_day"),
    [
        (date(2026, 3, 15), 1, date(2026, 4, 14)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 28), 1, date(2026, 2, 27)),
        (date(2026, 2, 1), 1, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 14)),
        (date(2026, 3, 10), 6, date(2026, 9, 9)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 9, 30), 6, date(2027, 3, 29)),
    ],
)
def test_period_of_months_beginning_with_a_day(
    first_day: date, months: int, last_day: date
) -> None:
    assert last_day_of_months_beginning_with(first_day, months) == last_day


def test_the_rules_record_the_values_used_and_default_to_the_statute() -> None:
    rules = TriggerRules()
    assert (rules.qualifying_complaints, rules.window_months, rules.report_within_months) == (
        3,
        6,
        1,
    )
    assert rules.complaints_required == 3
    assert TriggerRules(local_qualifying_complaints=1).complaints_required == 1
    assert (rules.different_complainants, rules.hate_incident_route) == (None, False)
    assert rules.vulnerable_victim_discretion is False


@pytest.mark.parametrize(
    ("overrides", "field_name"),
    [
        ({"qualifying_complaints": 4}, "qualifying_complaints"),
        ({"qualifying_complaints": 0}, "qualifying_complaints"),
        ({"local_qualifying_complaints": 4}, "local_qualifying_complaints"),
        ({"local_qualifying_complaints": 0}, "local_qualifying_complaints"),
        ({"window_months": 0}, "window_months"),
        ({"report_within_months": 0}, "report_within_months"),
        ({"different_complainants": 1}, "different_complainants"),
    ],
)
def test_rules_that_break_the_statute_or_make_no_sense_are_refused(
    overrides: dict[str, int], field_name: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        TriggerRules(**overrides)  # type: ignore[arg-type]
    assert raised.value.rule == "invalid-local-rule"
    assert raised.value.field == field_name
