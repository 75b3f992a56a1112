"""Recognising one incident reported more than once (to one agency or to several).

Two reports are of the same incident when

* both carry an agency reference and the references are the same (ignoring case and
  spaces): agencies pass references on when they refer an incident to each other; or
* both name the same reporter and the incidents occurred within the tolerance of
  each other (``IncidentMatching.tolerance``, 2 hours by default).

"Same incident" is then made transitive: reports are grouped so that a chain of
matches (A matches B, B matches C) is one incident, even when A and C alone would
not match. A case keeps every report; counts use the groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.cases.records import IncidentReport
from domain.cases.rules import IncidentMatching


def normalised_reference(reference: str | None) -> str | None:
    if reference is None:
        return None
    cleaned = "".join(reference.split()).upper()
    return cleaned or None


def same_incident(
    first: IncidentReport, second: IncidentReport, matching: IncidentMatching
) -> bool:
    first_reference = normalised_reference(first.agency_reference)
    if first_reference is not None and first_reference == normalised_reference(
        second.agency_reference
    ):
        return True
    return (
        first.reported_by is not None
        and first.reported_by == second.reported_by
        and abs(first.occurred_at - second.occurred_at) <= matching.tolerance
    )


@dataclass(frozen=True)
class DistinctIncident:
    """One incident and every report of it, earliest occurrence first."""

    reports: tuple[IncidentReport, ...]

    @property
    def incident_ids(self) -> tuple[UUID, ...]:
        return tuple(report.incident_id for report in self.reports)

    @property
    def occurred_at(self) -> datetime:
        return min(report.occurred_at for report in self.reports)

    @property
    def first_reported_at(self) -> datetime:
        return min(report.reported_at for report in self.reports)

    @property
    def agencies(self) -> tuple[str, ...]:
        return tuple(sorted({report.reported_to_agency for report in self.reports}))

    @property
    def reporters(self) -> tuple[UUID, ...]:
        return tuple(sorted({report.reported_by for report in self.reports if report.reported_by}))

    def first_reported_by(self, person_id: UUID) -> datetime | None:
        """When ``person_id`` first reported this incident, if they did."""
        times = [r.reported_at for r in self.reports if r.reported_by == person_id]
        return min(times) if times else None


def distinct_incidents(
    reports: Sequence[IncidentReport], matching: IncidentMatching
) -> list[DistinctIncident]:
    """Group ``reports`` into incidents, ordered by when each incident occurred."""
    parent = list(range(len(reports)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i in range(len(reports)):
        for j in range(i + 1, len(reports)):
            if same_incident(reports[i], reports[j], matching):
                parent[root(j)] = root(i)

    groups: dict[int, list[IncidentReport]] = {}
    for index, report in enumerate(reports):
        groups.setdefault(root(index), []).append(report)
    incidents = [
        DistinctIncident(tuple(sorted(group, key=lambda r: (r.occurred_at, r.reported_at))))
        for group in groups.values()
    ]
    return sorted(
        incidents, key=lambda incident: (incident.occurred_at, incident.first_reported_at)
    )
