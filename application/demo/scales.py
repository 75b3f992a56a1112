"""How much demo data each scale makes.

Counts are totals over the whole period (from April three financial years back to
yesterday), shared between the partnerships in the rules file by their number of wards.
Every scale also gets the same handful of *showcase* records per partnership (case
reviews that meet and miss the threshold, a discretionary review, escalations, plans
at every O'SARA stage), so each feature can be seen even in the tiniest data set.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoScale:
    name: str
    cases: int
    """ASB cases opened over the period, all partnerships together (showcase cases extra)."""
    plans_per_partnership: int
    """Problem-solving plans per partnership (at least six: one per stage and one more)."""
    review_rate: float
    """Chance that a case with a repeat victim leads to an ASB Case Review application."""
    extra_officers_per_agency: int
    """Generated caseworkers per agency on top of the built-in roster."""
    batch_events: int
    """Events saved per transaction."""
    description: str

    def __post_init__(self) -> None:
        if self.cases < 0 or self.plans_per_partnership < 6:
            raise ValueError("a scale needs cases >= 0 and at least six plans per partnership")


SCALES: dict[str, DemoScale] = {
    scale.name: scale
    for scale in (
        DemoScale("tiny", cases=24, plans_per_partnership=6, review_rate=0.0,
                  extra_officers_per_agency=0, batch_events=500,
                  description="for tests: the showcase records and a few cases"),
        DemoScale("small", cases=700, plans_per_partnership=12, review_rate=0.09,
                  extra_officers_per_agency=0, batch_events=1000,
                  description="make run: a few hundred cases a partnership, loads in seconds"),
        DemoScale("county", cases=22_000, plans_per_partnership=150, review_rate=0.03,
                  extra_officers_per_agency=6, batch_events=2000,
                  description="a county's volume: over 20,000 cases and 500,000 events"),
        DemoScale("national", cases=200_000, plans_per_partnership=1_000, review_rate=0.02,
                  extra_officers_per_agency=40, batch_events=5000,
                  description="for benchmarks: millions of events"),
    )
}


def scale_named(name: str) -> DemoScale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(
            f"unknown demo scale {name!r}; choose one of: {', '.join(SCALES)}"
        ) from None
