"""All the local rules the use cases need, assembled from the rules file."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.shared.partnerships import PartnershipDirectory


@dataclass(frozen=True)
class TaskingRules:
    amber_within_days: int = 7
    """An open action or recommendation due within this many days is amber."""


@dataclass(frozen=True)
class LocalRules:
    partnerships: PartnershipDirectory
    agencies: dict[str, str] = field(default_factory=dict)
    tasking: TaskingRules = field(default_factory=TaskingRules)
