"""Subject access: everything casework holds about one person, as one JSON document.

Used by ``casework people export PERSON_ID`` for a subject access request (UK GDPR
Art. 15). The document holds the person record with its full history, and for every
case, plan and case review whose events mention the person: their role(s) and role
history, incidents they reported, contacts with them, interventions on them, risk
assessments of them, convictions, and (flagged for review before disclosure, since it may
describe other people) the case-level free text.

Cost: finding the records that mention the person scans the whole notification log once
(:func:`application.protection_service.index_log`), about as long as an audit verify; fine
for a command run a few times a month. Every record is loaded through ``RecordLoader``, so
partnership visibility and restriction rules apply, and the export itself is written to
the access log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from application import access
from application.access_log import AccessAction, AccessEntry, AccessLog
from application.context import Role, current_context
from application.history import HistoryEntry, HistoryService
from application.protection_service import (
    CASE,
    CASE_REVIEW,
    RecordIndex,
    index_log,
    load_restriction,
)
from application.records import RecordLoader
from application.store import CaseworkStore
from domain.cases import AsbCase
from domain.people.aggregate import Person
from domain.reviews.aggregate import CaseReview
from domain.shared import clock

FORMAT = "casework-subject-access/1"
THIRD_PARTY_NOTE = (
    "Case-level free text: it may describe other people. Review it, and redact third-party "
    "data, before disclosing it to the data subject."
)


def plain(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (dates as ISO text, ids as text, enums by value)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return plain(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    return str(value)


class SubjectAccess:
    """Gathers a subject access report; see the module docstring for what and at what cost."""

    def __init__(self, store: CaseworkStore, access_log: AccessLog | None = None) -> None:
        self.store = store
        self.loader = RecordLoader(store)
        self.access_log = access_log

    def export(self, person_id: UUID, *, index: RecordIndex | None = None) -> dict[str, Any]:
        actor = access.require_role(Role.ADMIN, doing="exporting everything held about a person")
        person = self.loader.load(Person, "person", person_id)
        index = index or index_log(self.store)
        mentioning = sorted(index.records_mentioning(person_id), key=str)
        cases = [self._case(case_id, person_id) for case_id in mentioning
                 if index.kinds.get(case_id) == CASE]
        reviews = [self._review(review_id, person_id) for review_id in mentioning
                   if index.kinds.get(review_id) == CASE_REVIEW]
        others = [{"kind": index.kinds.get(record_id), "record_id": str(record_id)}
                  for record_id in mentioning
                  if index.kinds.get(record_id) not in (CASE, CASE_REVIEW)]
        document = {
            "format": FORMAT,
            "person_id": str(person_id),
            "generated_at": plain(clock.now()),
            "generated_by": actor.user_id,
            "events_scanned": index.events_scanned,
            "person": self._person(person),
            "person_history": [_history_entry(entry) for entry in
                               HistoryService(self.store).full_history(person_id,
                                                                       kind="person")],
            "restriction": self._restriction(person_id),
            "cases": cases,
            "case_reviews": reviews,
            "other_records": others,
            "notes": [
                "Personal fields read as \"[erased]\" where the data has been erased at the "
                "end of its retention period.",
                THIRD_PARTY_NOTE,
            ],
        }
        if self.access_log is not None:
            self.access_log.record(AccessEntry.for_context(
                current_context(), AccessAction.EXPORT, "person", person_id,
                [person_id]))
        return document

    # -- parts -------------------------------------------------------------------------

    @staticmethod
    def _person(person: Person) -> dict[str, Any]:
        details = plain(person.details)
        return {
            "id": str(person.id),
            "version": person.version,
            "partnership_id": person.partnership_id,
            **details,
            "registered_at": plain(person.registered_at),
            "details_changed_at": plain(person.details_changed_at),
            "erased": person.is_erased,
        }

    def _restriction(self, record_id: UUID) -> dict[str, Any] | None:
        restriction = load_restriction(self.store, record_id)
        if restriction is None:
            return None
        return {"restricted": restriction.is_restricted, "periods": plain(restriction.periods)}

    def _case(self, case_id: UUID, person_id: UUID) -> dict[str, Any]:
        case = self.loader.load(AsbCase, "case", case_id)
        closure = case.closure
        return {
            "case_id": str(case.id),
            "reference": case.reference,
            "partnership_id": case.partnership_id,
            "status": plain(case.status),
            "nsir_category": plain(case.classification.nsir_category),
            "asb_type": plain(case.classification.asb_type),
            "ward": case.location.ward,
            "opened_at": plain(case.opened_at),
            "closed_at": None if closure is None else plain(closure.closed_at),
            "outcome": None if closure is None else plain(closure.outcome),
            "current_roles": plain(case.roles_of(person_id)),
            "role_history": self._role_history(case_id, person_id),
            "incidents_reported": _matching(case.incidents, "reported_by", person_id),
            "contacts": _matching(case.victim_contacts, "person_id", person_id),
            "case_review_right_explained": _matching(case.case_review_rights_explained,
                                                     "person_id", person_id),
            "interventions": _matching(case.interventions, "subject_id", person_id),
            "risk_assessments": _matching(case.risk_assessments, "victim_id", person_id),
            "convictions": _matching(case.convictions, "person_id", person_id),
            "case_context": {
                "summary": case.summary,
                "address": case.location.address,
                "note": THIRD_PARTY_NOTE,
            },
        }

    def _role_history(self, case_id: UUID, person_id: UUID) -> list[dict[str, Any]]:
        changes: dict[type[Any], str] = {
            AsbCase.PartyAdded: "added", AsbCase.PartyUpdated: "updated",
            AsbCase.PartyRemoved: "removed"}
        history = []
        events: Iterable[Any] = self.store.events.get(case_id)
        for domain_event in events:
            change = changes.get(type(domain_event))
            if change is None or getattr(domain_event, "person_id", None) != person_id:
                continue
            fields = {k: v for k, v in vars(domain_event).items()
                      if k not in ("originator_id", "originator_version", "audit",
                                   "person_id", "timestamp")}
            history.append({"change": change, "at": plain(domain_event.timestamp),
                            **plain(fields)})
        return history

    def _review(self, review_id: UUID, person_id: UUID) -> dict[str, Any]:
        review = self.loader.load(CaseReview, "case review", review_id)
        applicant = review.applicant
        roles = [role for role, pid in (("victim", applicant.victim_person_id),
                                        ("applicant", applicant.applicant_person_id))
                 if pid == person_id]
        return {
            "review_id": str(review.id),
            "reference": review.reference,
            "partnership_id": review.partnership_id,
            "status": plain(review.status),
            "received_on": plain(review.received_on),
            "as": roles,
            "applicant": plain(applicant),
            "applicant_description": review.applicant_description,
            "complaints": [plain(c) for c in review.complaints
                           if c.complainant == str(person_id)],
            "note": THIRD_PARTY_NOTE,
        }


def _matching(records: Iterable[Any], field: str, person_id: UUID) -> list[Any]:
    return [plain(record) for record in records if getattr(record, field, None) == person_id]


def _history_entry(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "version": entry.version,
        "event_type": entry.event_type,
        "recorded_at": plain(entry.recorded_at),
        "by": None if entry.actor is None else {
            "user_id": entry.actor.user_id, "display_name": entry.actor.display_name,
            "agency": entry.actor.agency},
        "reason": entry.reason,
        "changes": [{"field": c.field, "before": plain(c.before), "after": plain(c.after)}
                    for c in entry.changes],
    }
