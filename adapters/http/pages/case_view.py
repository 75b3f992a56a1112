"""What the case page shows: people's names, derived flags, and a readable timeline.

The timeline comes from :class:`application.history.HistoryService` (who acted, when,
and each changed field before -> after); here each change is turned into sentences a
caseworker reads: items added to or changed in a list, a value that changed, with
people's names in place of their ids.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from adapters.http.pages.rendering import day, label, when
from application.cases_service import PeopleService
from application.errors import Forbidden, NotFound
from application.history import FieldChange, HistoryEntry, HistoryService
from application.store import CaseworkStore
from domain.cases import AsbCase
from domain.shared.personal import ERASED

TIMELINE_PAGE = 50
_EVENT_TITLES = {
    "Opened": "Case opened",
    "Closed": "Case closed",
    "Reopened": "Case reopened",
    "ReferredToJag": "Referred to the JAG",
    "JagReferralAccepted": "JAG referral accepted",
    "JagReferralConcluded": "JAG referral concluded",
}
_HIDDEN_FIELDS = frozenset({"incident_id", "action_id", "intervention_id", "referral_id",
                            "partnership_id"})
_SHOWN_CHARS = 240


# -- people ------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonName:
    person_id: UUID
    name: str
    state: str
    """``known``, ``erased`` (details destroyed) or ``restricted`` (not readable by you)."""

    @property
    def short_id(self) -> str:
        return str(self.person_id)[:8]


def people_names(people: PeopleService, person_ids: Iterable[UUID]) -> dict[UUID, PersonName]:
    names: dict[UUID, PersonName] = {}
    for person_id in dict.fromkeys(person_ids):
        try:
            person = people.get(person_id)
        except (NotFound, Forbidden):
            names[person_id] = PersonName(person_id, "Restricted record", "restricted")
            continue
        if person.is_erased:
            names[person_id] = PersonName(person_id, "Details erased", "erased")
        else:
            names[person_id] = PersonName(person_id, person.name, "known")
    return names


def people_on(case: AsbCase) -> list[UUID]:
    """Everyone the case refers to: parties, reporters, intervention subjects."""
    ids: list[UUID] = list(case.person_ids)
    ids += [i.reported_by for i in case.incidents if i.reported_by is not None]
    ids += [i.subject_id for i in case.interventions if i.subject_id is not None]
    ids += [a.victim_id for a in case.risk_assessments]
    return list(dict.fromkeys(ids))


# -- the timeline ------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineChange:
    heading: str
    lines: tuple[tuple[str, str], ...]
    """(label, value) pairs describing the item or the value."""


@dataclass(frozen=True)
class TimelineEntry:
    version: int
    title: str
    recorded_at: datetime
    who: str
    agency: str
    reason: str | None
    changes: tuple[TimelineChange, ...]


def event_title(event_type: str) -> str:
    if event_type in _EVENT_TITLES:
        return _EVENT_TITLES[event_type]
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", event_type).lower()
    return words[:1].upper() + words[1:]


class Describer:
    """Renders state values for people: names for person ids, London times, labels."""

    def __init__(self, names: Mapping[UUID, PersonName], agencies: Mapping[str, str]) -> None:
        self.names = names
        self.agencies = agencies

    def value(self, value: Any, field: str = "") -> str:
        if value is None:
            return "(none)"
        if value == ERASED:
            return "[erased]"
        if isinstance(value, UUID):
            person = self.names.get(value)
            return person.name if person else str(value)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, Enum):
            return label(value)
        if isinstance(value, datetime):
            return when(value)
        if isinstance(value, date):
            return day(value)
        if isinstance(value, str):
            if field in {"agency", "lead_agency", "reported_to_agency"} or field.endswith(
                    "_agency"):
                return self.agencies.get(value, value)
            return value if len(value) <= _SHOWN_CHARS else value[: _SHOWN_CHARS - 1] + "…"
        if isinstance(value, Mapping):
            if value and all(isinstance(v, bool) for v in value.values()):
                yes = sum(1 for v in value.values() if v)
                return f"{yes} yes, {len(value) - yes} no"
            return "; ".join(f"{label(k)}: {self.value(v, str(k))}" for k, v in value.items())
        if isinstance(value, list | tuple):
            return ", ".join(self.value(v, field) for v in value) or "(none)"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return "; ".join(f"{k}: {v}" for k, v in self.record(value))
        return str(value)

    def record(self, value: Any, only: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """A record's fields as (label, value), leaving out internal ids and empty values."""
        wanted = None if only is None else set(only)
        lines = []
        for item in dataclasses.fields(value):
            if item.name in _HIDDEN_FIELDS or (wanted is not None and item.name not in wanted):
                continue
            field_value = getattr(value, item.name)
            if field_value is None or field_value == [] or field_value == {}:
                continue
            lines.append((label(item.name), self.value(field_value, item.name)))
        return lines


def _identity(item: Any) -> Any:
    """What identifies an item of a state list across versions (its id, else itself)."""
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        for name in ("incident_id", "action_id", "intervention_id", "referral_id"):
            if hasattr(item, name):
                return getattr(item, name)
        if hasattr(item, "person_id") and hasattr(item, "role"):
            return (item.person_id, item.role)
    return None


def _changed_fields(before: Any, after: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(after)
            if getattr(before, f.name) != getattr(after, f.name)]


def describe_change(change: FieldChange, describer: Describer,
                    creating: bool) -> list[TimelineChange]:
    name = label(change.field)
    before, after = change.before, change.after
    if isinstance(after, list) and isinstance(before, list | type(None)):
        old = before or []
        added = [item for item in after if item not in old]
        removed = [item for item in old if item not in after]
        described = []
        by_identity = {_identity(item): item for item in removed if _identity(item) is not None}
        for item in added:
            previous = by_identity.pop(_identity(item), None) if _identity(item) else None
            if previous is not None and dataclasses.is_dataclass(item):
                fields = _changed_fields(previous, item)
                described.append(TimelineChange(
                    f"{name}: changed",
                    tuple((label(f), f"{describer.value(getattr(previous, f), f)} → "
                                     f"{describer.value(getattr(item, f), f)}")
                          for f in fields if f not in _HIDDEN_FIELDS)))
            elif dataclasses.is_dataclass(item):
                described.append(TimelineChange(f"{name}: added",
                                                tuple(describer.record(item))))
            else:
                described.append(TimelineChange(f"{name}: added",
                                                (("", describer.value(item, change.field)),)))
        for item in removed:
            if _identity(item) in by_identity or _identity(item) is None:
                described.append(TimelineChange(f"{name}: removed", tuple(
                    describer.record(item) if dataclasses.is_dataclass(item)
                    else [("", describer.value(item, change.field))])))
        return described
    if creating:
        if after is None or after == [] or after == {}:
            return []
        if dataclasses.is_dataclass(after):
            return [TimelineChange(name, tuple(describer.record(after)))]
        return [TimelineChange(name, (("", describer.value(after, change.field)),))]
    if (dataclasses.is_dataclass(before) and dataclasses.is_dataclass(after)
            and type(before) is type(after)):
        return [TimelineChange(name, tuple(
            (label(f), f"{describer.value(getattr(before, f), f)} → "
                       f"{describer.value(getattr(after, f), f)}")
            for f in _changed_fields(before, after)))]
    if after is None and dataclasses.is_dataclass(before):
        return [TimelineChange(f"{name}: cleared", tuple(describer.record(before)))]
    return [TimelineChange(name, (("", f"{describer.value(before, change.field)} → "
                                       f"{describer.value(after, change.field)}"),))]


def timeline_entry(entry: HistoryEntry, describer: Describer) -> TimelineEntry:
    creating = entry.version == 1
    changes: list[TimelineChange] = []
    for change in entry.changes:
        if (creating and change.field == "reference") or change.field in _HIDDEN_FIELDS:
            continue
        changes.extend(describe_change(change, describer, creating))
    actor = entry.actor
    return TimelineEntry(
        version=entry.version,
        title=event_title(entry.event_type),
        recorded_at=entry.recorded_at,
        who=actor.display_name or actor.user_id if actor else "casework system",
        agency=describer.agencies.get(actor.agency, actor.agency) if actor else "",
        reason=entry.reason,
        changes=tuple(changes),
    )


def history_entries(store: CaseworkStore, case_id: UUID, *, after_version: int,
                    up_to_version: int) -> Sequence[HistoryEntry]:
    """Events after ``after_version`` up to ``up_to_version``, oldest first."""
    if up_to_version <= after_version:
        return ()
    page = HistoryService(store).history(case_id, after_version,
                                         up_to_version - after_version, kind="case")
    return page.entries


def timeline(store: CaseworkStore, case: AsbCase, describer: Describer, *,
             before: int | None = None, size: int = TIMELINE_PAGE
             ) -> tuple[list[TimelineEntry], int | None]:
    """The newest ``size`` entries up to the case's version (or below ``before``), newest
    first, and the version to pass as ``before`` for the earlier ones (None at the start)."""
    top = case.version if before is None else max(0, min(before - 1, case.version))
    start = max(0, top - size)
    entries = history_entries(store, case.id, after_version=start, up_to_version=top)
    shown = [timeline_entry(entry, describer) for entry in reversed(entries)]
    return shown, (start + 1 if start > 0 else None)
