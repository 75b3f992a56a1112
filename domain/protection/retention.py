"""Retention: when a closed record, or a person, is due for erasure.

Erasure itself happens at the edge (the record's data key is destroyed, see
docs/data-protection.md); this module only decides *when*, as pure functions of the
record's facts, the local rules and a calendar date.

"N years after" means the N-th anniversary of the starting date: a case closed on
10 March 2020 is kept for six years and is due for erasure from 10 March 2026 (the
period runs to the end of 9 March 2026). A date of 29 February has no anniversary in a
common year; its anniversary is then 1 March, so a record is never erased before the
full period has run (the same rule England and Wales apply to birthdays on 29 February).
Dates are calendar dates in England and Wales (Europe/London), not UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.shared.periods import local_date

MIN_YEARS = 1
MAX_YEARS = 100


def anniversary(start: date, years: int) -> date:
    """The date ``years`` whole years after ``start`` (29 February -> 1 March if needed)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(start.year + years, 3, 1)


def _checked_years(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number of years, not {value!r}")
    if not MIN_YEARS <= value <= MAX_YEARS:
        raise ValueError(f"{name} must be between {MIN_YEARS} and {MAX_YEARS} years, not {value}")
    return value


@dataclass(frozen=True)
class RetentionRules:
    """How long records are kept. Filled from the ``[retention]`` section of the rules file."""

    years_after_closure: int = 6
    """Cases, problem-solving plans and case reviews are erased this many years after the
    date they were closed (a case review: closed or withdrawn). Open records are kept."""

    years_by_lead_agency: dict[str, int] = field(default_factory=dict)
    """Overrides of ``years_after_closure`` keyed by the lead agency id of a case or plan
    at closure, e.g. ``{"herts-police" = 7}``."""

    person_years_after_registration: int = 6
    """A person record is erased once every case, plan and case review they appear in has
    been erased *and* this many years have passed since the person was registered (so a
    person registered but not yet added to any case is not erased straight away)."""

    def __post_init__(self) -> None:
        _checked_years(self.years_after_closure, "years_after_closure")
        _checked_years(self.person_years_after_registration,
                       "person_years_after_registration")
        if not isinstance(self.years_by_lead_agency, dict):
            raise ValueError("years_by_lead_agency must be a table of agency id = years")
        for agency, years in self.years_by_lead_agency.items():
            if not isinstance(agency, str) or not agency.strip():
                raise ValueError("years_by_lead_agency keys must be agency ids")
            _checked_years(years, f"years_by_lead_agency.{agency}")

    def years_for(self, lead_agency: str | None) -> int:
        """The retention period of a closed record led by ``lead_agency``."""
        if lead_agency is not None and lead_agency in self.years_by_lead_agency:
            return self.years_by_lead_agency[lead_agency]
        return self.years_after_closure

    def erasable_from(self, closed_on: date, lead_agency: str | None = None) -> date:
        """The first day on which a record closed on ``closed_on`` is due for erasure."""
        return anniversary(closed_on, self.years_for(lead_agency))

    def person_erasable_from(self, registered_on: date) -> date:
        return anniversary(registered_on, self.person_years_after_registration)


def closure_date(closed_at: datetime | date) -> date:
    """The calendar date (in England and Wales) of a closure recorded at ``closed_at``."""
    if isinstance(closed_at, datetime):
        return local_date(closed_at)
    return closed_at


@dataclass(frozen=True)
class Verdict:
    """Whether a record is due for erasure on a date, and why (for the dry-run report)."""

    due: bool
    erasable_from: date | None
    why: str


def closed_record_verdict(
    rules: RetentionRules,
    *,
    closed_on: date | None,
    lead_agency: str | None,
    today: date,
) -> Verdict:
    """Is a case, plan or case review closed on ``closed_on`` due for erasure on ``today``?"""
    if closed_on is None:
        return Verdict(False, None, "open: kept while open")
    years = rules.years_for(lead_agency)
    source = (
        f"lead agency {lead_agency}"
        if lead_agency is not None and lead_agency in rules.years_by_lead_agency
        else "default"
    )
    erasable = rules.erasable_from(closed_on, lead_agency)
    due = today >= erasable
    return Verdict(
        due,
        erasable,
        f"closed {closed_on.isoformat()}; kept {years} years ({source}); "
        + ("due" if due else "not due") + f" from {erasable.isoformat()}",
    )


def is_due_for_erasure(
    rules: RetentionRules, *, closed_on: date | None, lead_agency: str | None, today: date
) -> bool:
    """The pure retention rule for a closed record: due on ``today``?"""
    return closed_record_verdict(
        rules, closed_on=closed_on, lead_agency=lead_agency, today=today
    ).due


def person_verdict(
    rules: RetentionRules,
    *,
    registered_on: date,
    records_kept: int,
    today: date,
) -> Verdict:
    """Is a person due for erasure? ``records_kept``: records they appear in that are not
    erased (and are not being erased in the same run)."""
    erasable = rules.person_erasable_from(registered_on)
    if records_kept:
        return Verdict(False, None, f"appears in {records_kept} record(s) that are kept")
    if today < erasable:
        return Verdict(
            False, erasable,
            f"registered {registered_on.isoformat()}; no kept records, but kept "
            f"{rules.person_years_after_registration} years after registration, "
            f"until {erasable.isoformat()}",
        )
    return Verdict(
        True, erasable,
        f"registered {registered_on.isoformat()}; every record they appear in is erased; "
        f"due from {erasable.isoformat()}",
    )
