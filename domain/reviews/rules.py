"""Local rules for ASB Case Reviews (filled from the settings file).

:class:`TriggerRules` is the threshold (Anti-social Behaviour, Crime and Policing Act
2014, s.104): the statutory route and the local routes a partnership may add. A copy
is kept with every threshold decision, so a decision can be explained later even after
the local rules change. :class:`ServiceLevels` are the partnership's own timescales.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from domain.shared.errors import InvalidValue
from domain.shared.values import value_type

STATUTORY_QUALIFYING_COMPLAINTS = 3


def _invalid(message: str, name: str) -> InvalidValue:
    return InvalidValue(message, rule="invalid-local-rule", field=name)


@value_type
@dataclass(frozen=True)
class TriggerRules:
    """When the threshold for a case review is met.

    A complaint *qualifies* when it was made within ``report_within_months`` (the
    period beginning with the day of the behaviour) and the application was made within
    ``window_months`` (the period beginning with the day of the complaint). The
    threshold is met by the first of these routes that applies:

    1. at least ``qualifying_complaints`` qualifying complaints, one per incident
       (``local_qualifying_complaints`` replaces the statutory three when set; it may
       only be lower);
    2. ``different_complainants``: qualifying complaints from at least that many
       different complainants, counting people rather than incidents (so neighbours who
       all reported the same incident count separately here); off when ``None``;
    3. ``hate_incident_route``: one qualifying complaint when the application involves
       a hate incident;
    4. ``vulnerable_victim_discretion``: a coordinator may decide the threshold is met
       for a victim recorded as vulnerable, giving a reason.
    """

    qualifying_complaints: int = STATUTORY_QUALIFYING_COMPLAINTS
    window_months: int = 6
    report_within_months: int = 1
    local_qualifying_complaints: int | None = None
    different_complainants: int | None = None
    hate_incident_route: bool = False
    vulnerable_victim_discretion: bool = False

    def __post_init__(self) -> None:
        for name in ("qualifying_complaints", "window_months", "report_within_months"):
            if getattr(self, name) < 1:
                raise _invalid(f"{name} must be at least 1.", name)
        if self.qualifying_complaints > STATUTORY_QUALIFYING_COMPLAINTS:
            raise _invalid(
                "The threshold cannot ask for more than three qualifying complaints (s.104(4)).",
                "qualifying_complaints",
            )
        local = self.local_qualifying_complaints
        if local is not None and not 1 <= local <= self.qualifying_complaints:
            raise _invalid(
                f"A local number of qualifying complaints must be between 1 and "
                f"{self.qualifying_complaints}.",
                "local_qualifying_complaints",
            )
        if self.different_complainants is not None and self.different_complainants < 2:
            raise _invalid(
                "The different-complainants route needs at least 2 complainants.",
                "different_complainants",
            )

    @property
    def complaints_required(self) -> int:
        """How many qualifying complaints the first route needs."""
        return self.local_qualifying_complaints or self.qualifying_complaints


@dataclass(frozen=True)
class ServiceLevels:
    """Local timescales for a case review, in working days."""

    acknowledge_within_working_days: int = 2
    """From the day the application is received."""
    decide_threshold_within_working_days: int = 10
    """From the day the application is received (or referred back after escalation)."""
    hold_review_within_working_days: int = 20
    """From the day the review was agreed (threshold met, discretion, or referral back)."""
    send_outcome_within_working_days: int = 5
    """From the day of the review meeting."""
    at_risk_within_working_days: int = 2
    """A milestone not yet done and due within this many working days is at risk."""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            minimum = 0 if item.name == "at_risk_within_working_days" else 1
            if not isinstance(value, int) or value < minimum:
                raise _invalid(f"{item.name} must be a whole number >= {minimum}.", item.name)
