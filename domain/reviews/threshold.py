"""The threshold for an ASB Case Review, as a pure function of the complaints and rules.

Periods of months are read as the statute words them: a complaint qualifies when it is
made "within the period of one month beginning with the date on which the behaviour
... is alleged to have occurred", and when the application is made "within the period
of six months beginning with the date on which the complaint is made" (s.104). A
period of months *beginning with* a day includes that day and ends on the day before
the corresponding date (the same day number) in the last month, or on the last day of
that month when it has no corresponding date. So for behaviour on 15 March a complaint
made on 14 April is in time and one made on 15 April is not; for behaviour on
31 January the month ends on 28 (or 29) February.

The date of the behaviour is its date on the calendar in London.

**Duplicates.** One incident reported to several agencies counts once. Two complaints
are about the same incident when

* they carry the same agency reference (compared ignoring case and surrounding
  spaces), as when an agency records the reference another agency gave the incident;
  or
* they are about behaviour at the same moment and come from the same complainant.

The relation is transitive. Of the complaints about one incident that would otherwise
count, the one made first counts (the lowest complaint number on a tie); each other is
recorded as a duplicate of it. A complaint that fails on time is recorded with that
reason whether or not it is also a duplicate.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import UTC, date, timedelta

from domain.reviews.rules import TriggerRules
from domain.reviews.values import (
    Complaint,
    ComplaintFinding,
    NotCountedReason,
    ThresholdAssessment,
    ThresholdRoute,
)
from domain.shared.periods import local_date


def last_day_of_months_beginning_with(first_day: date, months: int) -> date:
    """The last day of the period of ``months`` months beginning with ``first_day``."""
    month_index = first_day.month - 1 + months
    year, month = first_day.year + month_index // 12, month_index % 12 + 1
    days_in_month = monthrange(year, month)[1]
    if first_day.day > days_in_month:
        return date(year, month, days_in_month)
    return date(year, month, first_day.day) - timedelta(days=1)


def reported_in_time(complaint: Complaint, rules: TriggerRules) -> bool:
    behaviour_day = local_date(complaint.behaviour_at)
    deadline = last_day_of_months_beginning_with(behaviour_day, rules.report_within_months)
    return complaint.reported_on <= deadline


def _timing_reason(
    complaint: Complaint, received_on: date, rules: TriggerRules
) -> NotCountedReason | None:
    if complaint.reported_on > received_on:
        return NotCountedReason.MADE_AFTER_APPLICATION
    window_end = last_day_of_months_beginning_with(complaint.reported_on, rules.window_months)
    if received_on > window_end:
        return NotCountedReason.OUTSIDE_WINDOW
    if not reported_in_time(complaint, rules):
        return NotCountedReason.REPORTED_TOO_LATE
    return None


def _normalised(text: str) -> str:
    return text.strip().casefold()


def _incident_groups(complaints: Sequence[Complaint]) -> list[list[Complaint]]:
    """Complaints grouped by incident (see the module's note on duplicates)."""
    parent = {c.number: c.number for c in complaints}

    def root(number: int) -> int:
        while parent[number] != number:
            parent[number] = parent[parent[number]]
            number = parent[number]
        return number

    first_with_key: dict[tuple[str, ...], int] = {}
    for complaint in complaints:
        keys: list[tuple[str, ...]] = [
            (
                "moment",
                complaint.behaviour_at.astimezone(UTC).isoformat(),
                _normalised(complaint.complainant),
            )
        ]
        if complaint.agency_reference and complaint.agency_reference.strip():
            keys.append(("reference", _normalised(complaint.agency_reference)))
        for key in keys:
            if key in first_with_key:
                parent[root(complaint.number)] = root(first_with_key[key])
            else:
                first_with_key[key] = complaint.number
    groups: dict[int, list[Complaint]] = {}
    for complaint in complaints:
        groups.setdefault(root(complaint.number), []).append(complaint)
    return list(groups.values())


def assess_threshold(
    complaints: Sequence[Complaint],
    *,
    received_on: date,
    rules: TriggerRules,
    hate_incident_involved: bool = False,
    victim_vulnerable: bool = False,
    vulnerable_victim_discretion_used: bool = False,
) -> ThresholdAssessment:
    """Which complaints count, why each other one does not, and whether the threshold is met.

    ``vulnerable_victim_discretion_used`` says a coordinator has recorded, with a reason,
    that the threshold should be met for a vulnerable victim; it only has effect when
    the local rules allow that discretion and the victim is recorded as vulnerable.
    """
    reasons: dict[int, NotCountedReason] = {}
    duplicate_of: dict[int, int] = {}
    eligible: list[Complaint] = []
    for complaint in complaints:
        reason = _timing_reason(complaint, received_on, rules)
        if reason is None:
            eligible.append(complaint)
        else:
            reasons[complaint.number] = reason

    counted: list[int] = []
    for group in _incident_groups(eligible):
        first, *others = sorted(group, key=lambda c: (c.reported_on, c.number))
        counted.append(first.number)
        for other in others:
            reasons[other.number] = NotCountedReason.DUPLICATE
            duplicate_of[other.number] = first.number
    counted.sort()

    distinct_complainants = len({_normalised(c.complainant) for c in eligible})
    route = _route(
        counted_count=len(counted),
        distinct_complainants=distinct_complainants,
        rules=rules,
        hate_incident_involved=hate_incident_involved,
        discretion=vulnerable_victim_discretion_used
        and victim_vulnerable
        and rules.vulnerable_victim_discretion,
    )
    findings = [
        ComplaintFinding(
            complaint_number=c.number,
            counted=c.number not in reasons,
            reason=reasons.get(c.number),
            duplicate_of=duplicate_of.get(c.number),
        )
        for c in sorted(complaints, key=lambda c: c.number)
    ]
    return ThresholdAssessment(
        met=route is not None,
        route=route,
        counted=counted,
        findings=findings,
        complaints_required=rules.complaints_required,
        distinct_complainants=distinct_complainants,
        hate_incident_involved=hate_incident_involved,
        victim_vulnerable=victim_vulnerable,
        application_received_on=received_on,
        rules=rules,
    )


def _route(
    *,
    counted_count: int,
    distinct_complainants: int,
    rules: TriggerRules,
    hate_incident_involved: bool,
    discretion: bool,
) -> ThresholdRoute | None:
    if counted_count >= rules.complaints_required:
        return ThresholdRoute.QUALIFYING_COMPLAINTS
    if (
        rules.different_complainants is not None
        and distinct_complainants >= rules.different_complainants
    ):
        return ThresholdRoute.DIFFERENT_COMPLAINANTS
    if rules.hate_incident_route and hate_incident_involved and counted_count >= 1:
        return ThresholdRoute.HATE_INCIDENT
    if discretion:
        return ThresholdRoute.VULNERABLE_VICTIM_DISCRETION
    return None
