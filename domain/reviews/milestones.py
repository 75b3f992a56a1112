"""Case review milestones and how they stand on a given day.

Due dates come from the local :class:`~domain.reviews.rules.ServiceLevels` and the
:class:`~domain.shared.calendar.WorkingCalendar`. Whether a milestone is at risk or
missed depends on the day you ask, so it is worked out here and never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.reviews.rules import ServiceLevels
from domain.shared.calendar import WorkingCalendar


class Milestone(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    THRESHOLD_DECISION = "threshold_decision"
    REVIEW_MEETING = "review_meeting"
    OUTCOME = "outcome"


class MilestoneStatus(StrEnum):
    DONE = "done"
    DONE_LATE = "done_late"
    DUE = "due"
    AT_RISK = "at_risk"
    """Not done, and due within ``ServiceLevels.at_risk_within_working_days``."""
    MISSED = "missed"
    """Not done, and the due date has passed."""


@dataclass(frozen=True)
class MilestoneClock:
    """A milestone that applies to a review: the day its clock starts, and when it was done."""

    milestone: Milestone
    starts_on: date
    done_on: date | None


@dataclass(frozen=True)
class MilestoneProgress:
    milestone: Milestone
    due_on: date
    done_on: date | None
    status: MilestoneStatus

    @property
    def is_late(self) -> bool:
        return self.status in (MilestoneStatus.DONE_LATE, MilestoneStatus.MISSED)


def working_days_allowed(milestone: Milestone, levels: ServiceLevels) -> int:
    return {
        Milestone.ACKNOWLEDGEMENT: levels.acknowledge_within_working_days,
        Milestone.THRESHOLD_DECISION: levels.decide_threshold_within_working_days,
        Milestone.REVIEW_MEETING: levels.hold_review_within_working_days,
        Milestone.OUTCOME: levels.send_outcome_within_working_days,
    }[milestone]


def progress(
    clock: MilestoneClock, *, today: date, calendar: WorkingCalendar, levels: ServiceLevels
) -> MilestoneProgress:
    allowed = working_days_allowed(clock.milestone, levels)
    due_on = calendar.add_working_days(clock.starts_on, allowed)
    if clock.done_on is not None:
        status = MilestoneStatus.DONE if clock.done_on <= due_on else MilestoneStatus.DONE_LATE
    elif today > due_on:
        status = MilestoneStatus.MISSED
    elif calendar.working_days_between(today, due_on) <= levels.at_risk_within_working_days:
        status = MilestoneStatus.AT_RISK
    else:
        status = MilestoneStatus.DUE
    return MilestoneProgress(clock.milestone, due_on, clock.done_on, status)
