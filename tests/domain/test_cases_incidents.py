"""Incidents: logging reports, counting an incident once, repeat victims, case review prompt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID, uuid4

import pytest

from domain.cases import (
    AsbCase,
    CaseReviewPromptRule,
    ClosureOutcome,
    ContactMethod,
    IncidentMatching,
    PartyRole,
    RepeatVictimRule,
    distinct_incidents,
    same_incident,
)
from domain.cases.periods import add_months, has_cluster
from domain.cases.records import IncidentReport
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from domain.shared.personal import personal_fields_of

pytestmark = pytest.mark.usefixtures("frozen_clock")

Rejects = Callable[..., DomainError]

T0 = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
ALICE = UUID("00000000-0000-4000-8000-00000000000a")
BOB = UUID("00000000-0000-4000-8000-00000000000b")


class CaseWithParties(Protocol):
    case: AsbCase
    victim: UUID
    perpetrator: UUID
    witness: UUID


def report(
    *,
    occurred: timedelta = timedelta(0),
    agency: str = "herts-police",
    reference: str | None = None,
    reporter: UUID | None = None,
) -> IncidentReport:
    occurred_at = T0 + occurred
    return IncidentReport(
        incident_id=uuid4(),
        occurred_at=occurred_at,
        reported_at=occurred_at + timedelta(minutes=30),
        reported_to_agency=agency,
        agency_reference=reference,
        description="Shouting and banging on the door",
        reported_by=reporter,
        logged_at=occurred_at + timedelta(hours=1),
    )


H = timedelta(hours=1)
M = timedelta(minutes=1)

SAME_INCIDENT_TABLE = [
    # (first, second, same?) with the default 2-hour tolerance
    (report(reference="CAD-123"), report(reference="CAD-123", agency="council"), True),
    (report(reference="cad 123"), report(reference="CAD123", occurred=30 * H), True),
    (report(reference="CAD-123"), report(reference="CAD-124"), False),
    (report(reference="CAD-123"), report(), False),
    (report(), report(), False),  # no reference and no reporter: cannot tell
    (report(reference=" "), report(reference=""), False),  # blank references never match
    (report(reporter=ALICE), report(reporter=ALICE, occurred=2 * H), True),
    (report(reporter=ALICE), report(reporter=ALICE, occurred=-2 * H), True),
    (report(reporter=ALICE), report(reporter=ALICE, occurred=2 * H + M), False),
    (report(reporter=ALICE), report(reporter=BOB, occurred=M), False),
    (report(reporter=ALICE), report(occurred=M), False),
    (report(reporter=ALICE, reference="A1"), report(reporter=ALICE, reference="B2"), True),
]


@pytest.mark.parametrize(("first", "second", "expected"), SAME_INCIDENT_TABLE)
def test_same_incident(first: IncidentReport, second: IncidentReport, expected: bool) -> None:
    matching = IncidentMatching()
    assert same_incident(first, second, matching) is expected
    assert same_incident(second, first, matching) is expected


@pytest.mark.parametrize(
    ("tolerance_minutes", "gap", "expected"),
    [(0, timedelta(0), True), (0, M, False), (30, 30 * M, True), (30, 31 * M, False)],
)
def test_same_incident_tolerance_is_configurable(
    tolerance_minutes: int, gap: timedelta, expected: bool
) -> None:
    matching = IncidentMatching(tolerance_minutes=tolerance_minutes)
    first, second = report(reporter=ALICE), report(reporter=ALICE, occurred=gap)
    assert same_incident(first, second, matching) is expected


def test_incident_matching_rejects_negative_tolerance() -> None:
    with pytest.raises(ValueError, match="negative"):
        IncidentMatching(tolerance_minutes=-1)


def test_distinct_incidents_groups_chains_of_matches() -> None:
    a = report(reporter=ALICE)
    b = report(reporter=ALICE, occurred=90 * M, reference="CAD-9")
    c = report(agency="council", reference="cad-9", occurred=3 * H)  # matches b only
    d = report(reporter=ALICE, occurred=10 * H)
    e = report(reporter=BOB, occurred=-H)

    groups = distinct_incidents([d, c, b, a, e], IncidentMatching())

    assert [set(g.incident_ids) for g in groups] == [
        {e.incident_id},
        {a.incident_id, b.incident_id, c.incident_id},
        {d.incident_id},
    ]
    joined = groups[1]
    assert joined.occurred_at == a.occurred_at
    assert joined.first_reported_at == a.reported_at
    assert joined.agencies == ("council", "herts-police")
    assert joined.reporters == (ALICE,)
    assert joined.first_reported_by(ALICE) == a.reported_at
    assert joined.first_reported_by(BOB) is None


def test_distinct_incidents_of_nothing() -> None:
    assert distinct_incidents([], IncidentMatching()) == []


@pytest.mark.parametrize(
    ("offsets_in_days", "count", "months", "expected"),
    [
        ([0, 30, 60], 3, 3, True),
        ([0, 30, 95], 3, 3, False),
        ([0, 100, 130, 160], 3, 3, True),
        ([0, 10], 3, 3, False),
        ([0], 1, 1, True),
        ([], 1, 1, False),
    ],
)
def test_has_cluster(offsets_in_days: list[int], count: int, months: int, expected: bool) -> None:
    moments = [T0 + timedelta(days=d) for d in offsets_in_days]
    assert has_cluster(moments, count, months) is expected


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2024, 1, 31, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2025, 11, 15, tzinfo=UTC), 3, datetime(2026, 2, 15, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), -1, datetime(2026, 2, 28, tzinfo=UTC)),
    ],
)
def test_add_months(moment: datetime, months: int, expected: datetime) -> None:
    assert add_months(moment, months) == expected


# ------------------------------------------------------------------ on the case


def test_log_incident(with_parties: CaseWithParties, frozen_clock: datetime) -> None:
    case = with_parties.case
    incident_id = case.log_incident(
        occurred_at=frozen_clock - timedelta(days=2),
        reported_at=frozen_clock - timedelta(days=1),
        reported_to_agency="herts-police",
        agency_reference=" CAD-2211 ",
        description="Music until 3am",
        reported_by=with_parties.victim,
    )
    logged = case.find_incident(incident_id)
    assert logged is not None
    assert logged.agency_reference == "CAD-2211"
    assert logged.reported_by == with_parties.victim
    assert logged.logged_at == frozen_clock
    assert personal_fields_of(type(case.pending_events[-1])) == frozenset({"description"})


def test_same_incident_reported_to_two_agencies_counts_once(
    with_parties: CaseWithParties, frozen_clock: datetime
) -> None:
    case = with_parties.case
    occurred = frozen_clock - timedelta(days=2)
    for agency, delay in (("herts-police", 1), ("north-herts-council", 20)):
        case.log_incident(
            occurred_at=occurred,
            reported_at=occurred + timedelta(hours=delay),
            reported_to_agency=agency,
            description="Music until 3am",
            reported_by=with_parties.victim,
        )
    case.log_incident(
        occurred_at=occurred - timedelta(days=7),
        reported_at=occurred - timedelta(days=7),
        reported_to_agency="herts-police",
        description="Shouting in the stairwell",
    )
    assert len(case.incidents) == 3
    assert case.distinct_incident_count() == 2
    assert case.distinct_incident_count(IncidentMatching(tolerance_minutes=0)) == 2
    assert [g.agencies for g in case.distinct_incidents()] == [
        ("herts-police",),
        ("herts-police", "north-herts-council"),
    ]


@pytest.mark.parametrize(
    ("occurred", "reported", "field", "rule"),
    [
        (timedelta(hours=-1), timedelta(hours=-2), "reported_at", "reported_before_occurred"),
        (timedelta(hours=1), timedelta(hours=2), "occurred_at", "in_future"),
        (timedelta(hours=-1), timedelta(minutes=1), "reported_at", "in_future"),
    ],
)
def test_log_incident_rejects_impossible_times(
    with_parties: CaseWithParties,
    rejects: Rejects,
    frozen_clock: datetime,
    occurred: timedelta,
    reported: timedelta,
    field: str,
    rule: str,
) -> None:
    case = with_parties.case
    error = rejects(
        case,
        InvalidValue,
        rule,
        lambda: case.log_incident(
            occurred_at=frozen_clock + occurred,
            reported_at=frozen_clock + reported,
            reported_to_agency="herts-police",
            description="x",
        ),
    )
    assert error.field == field


def test_log_incident_other_rejections(
    with_parties: CaseWithParties, rejects: Rejects, frozen_clock: datetime
) -> None:
    case = with_parties.case
    earlier = frozen_clock - timedelta(hours=1)

    def log(**overrides: object) -> Callable[[], object]:
        arguments: dict[str, object] = {
            "occurred_at": earlier,
            "reported_at": earlier,
            "reported_to_agency": "herts-police",
            "description": "Shouting",
        }
        arguments.update(overrides)
        return lambda: case.log_incident(**arguments)  # type: ignore[arg-type]

    rejects(case, RuleViolation, "unknown_party", log(reported_by=uuid4()))
    rejects(case, InvalidValue, "required", log(description=" "))
    rejects(case, InvalidValue, "required", log(reported_to_agency=""))
    rejects(case, InvalidValue, "naive_datetime", log(occurred_at=earlier.replace(tzinfo=None)))


# ------------------------------------------------------------- repeat victims


def _log_days_ago(case: AsbCase, now: datetime, days: float, reporter: UUID | None) -> None:
    moment = now - timedelta(days=days)
    case.log_incident(
        occurred_at=moment,
        reported_at=moment,
        reported_to_agency="herts-police",
        description="Another night of noise",
        reported_by=reporter,
    )


def test_repeat_victim_case_after_three_incidents_in_three_months(
    with_parties: CaseWithParties, frozen_clock: datetime
) -> None:
    case = with_parties.case
    _log_days_ago(case, frozen_clock, 100, None)
    _log_days_ago(case, frozen_clock, 50, None)
    assert not case.is_repeat_victim_case()
    _log_days_ago(case, frozen_clock, 1, None)  # 100 days after the first: not in 3 months
    assert not case.is_repeat_victim_case()
    _log_days_ago(case, frozen_clock, 30, None)  # 50, 30, 1 days ago: within 3 months
    assert case.is_repeat_victim_case()
    assert not case.is_repeat_victim_case(RepeatVictimRule(incidents=4, within_months=3))
    assert case.is_repeat_victim_case(RepeatVictimRule(incidents=4, within_months=4))


def test_duplicate_reports_do_not_make_a_repeat_victim(
    with_parties: CaseWithParties, frozen_clock: datetime
) -> None:
    case = with_parties.case
    for _ in range(3):
        _log_days_ago(case, frozen_clock, 5, with_parties.victim)
    assert len(case.incidents) == 3
    assert not case.is_repeat_victim_case()


def test_no_repeat_victim_without_a_victim(new_case: AsbCase, frozen_clock: datetime) -> None:
    for days in (1, 2, 3):
        _log_days_ago(new_case, frozen_clock, days, None)
    assert not new_case.is_repeat_victim_case()
    new_case.add_party(person_id=uuid4(), role=PartyRole.VICTIM)
    assert new_case.is_repeat_victim_case()


# -------------------------------------------------------- case review prompt


def test_case_review_prompt_after_two_reports_in_six_months(
    with_parties: CaseWithParties, frozen_clock: datetime
) -> None:
    case = with_parties.case
    _log_days_ago(case, frozen_clock, 200, with_parties.victim)
    _log_days_ago(case, frozen_clock, 10, with_parties.witness)  # a witness's report
    _log_days_ago(case, frozen_clock, 5, None)  # nobody named
    assert not case.case_review_prompt_due()

    _log_days_ago(case, frozen_clock, 3, with_parties.victim)  # 197 days after the first
    assert not case.case_review_prompt_due()
    assert case.case_review_prompt_due(CaseReviewPromptRule(reports=2, within_months=7))

    _log_days_ago(case, frozen_clock, 2, with_parties.victim)
    assert case.people_due_case_review_prompt() == [with_parties.victim]
    assert case.case_review_prompt_due()

    case.record_case_review_right_explained(
        person_id=with_parties.victim,
        explained_at=frozen_clock - timedelta(hours=1),
        method=ContactMethod.PHONE,
    )
    assert case.people_due_case_review_prompt() == []
    assert not case.case_review_prompt_due()
    assert type(case.pending_events[-1]).__name__ == "CaseReviewRightExplained"


def test_the_same_incident_twice_is_one_report_for_the_prompt(
    with_parties: CaseWithParties, frozen_clock: datetime
) -> None:
    case = with_parties.case
    _log_days_ago(case, frozen_clock, 3, with_parties.victim)
    _log_days_ago(case, frozen_clock, 3 - 1 / 24, with_parties.victim)  # an hour later
    assert not case.case_review_prompt_due()


def test_case_review_prompt_is_not_due_on_a_closed_case(
    with_parties: CaseWithParties, frozen_clock: datetime
) -> None:
    case = with_parties.case
    _log_days_ago(case, frozen_clock, 30, with_parties.victim)
    _log_days_ago(case, frozen_clock, 3, with_parties.victim)
    assert case.case_review_prompt_due()
    case.close(outcome=ClosureOutcome.RESOLVED, reason="Moved away")
    assert not case.case_review_prompt_due()
    assert case.people_due_case_review_prompt() == [with_parties.victim]


def test_case_review_right_explained_rejections(
    with_parties: CaseWithParties, rejects: Rejects, frozen_clock: datetime
) -> None:
    case = with_parties.case

    def explain(person: UUID, at: datetime) -> Callable[[], None]:
        return lambda: case.record_case_review_right_explained(
            person_id=person, explained_at=at, method=ContactMethod.LETTER
        )

    earlier = frozen_clock - timedelta(hours=1)
    rejects(case, RuleViolation, "not_a_victim", explain(with_parties.perpetrator, earlier))
    rejects(case, RuleViolation, "unknown_party", explain(uuid4(), earlier))
    rejects(case, InvalidValue, "in_future", explain(with_parties.victim, frozen_clock + M))
    rejects(
        case,
        InvalidValue,
        "before_report",
        explain(with_parties.victim, frozen_clock - timedelta(days=30)),
    )
