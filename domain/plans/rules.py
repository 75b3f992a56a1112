"""Local rules for problem-solving plans (filled from the settings file)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanRules:
    review_interval_days: int = 28
    """When a review does not set the next one, it falls due this many days later."""

    def __post_init__(self) -> None:
        if self.review_interval_days < 1:
            raise ValueError("review_interval_days must be at least 1")
