"""A canonical summary of everything in a store, for comparing two demo loads.

Every aggregate is replayed from its events (so a summary is also a check that each one
replays) and described without its random identifiers: people by name, cases, plans and
reviews by reference, each with its events (kind, time, who acted) and the state that
matters (categories, wards, outcomes, dates, counts). Two loads with the same seed, scale,
rules and day give equal summaries.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from application.store import CaseworkStore
from domain.cases import AsbCase
from domain.people.aggregate import Person
from domain.plans import ProblemSolvingPlan
from domain.reviews.aggregate import CaseReview
from domain.shared.references import ReferenceCounter

PAGE = 1000


def events_by_record(store: CaseworkStore) -> dict[UUID, list[tuple[str, str, str]]]:
    """Each record's events in order: (event class, ISO timestamp, acting user id)."""
    found: dict[UUID, list[tuple[str, str, str]]] = {}
    start = 1
    while True:
        page = store.recorder.select_notifications(start, PAGE)
        for notification in page:
            event: Any = store.mapper.to_domain_event(notification)
            audit = getattr(event, "audit", None) or {}
            record_id = UUID(str(notification.originator_id))
            found.setdefault(record_id, []).append(
                (type(event).__qualname__, event.timestamp.isoformat(),
                 str(audit.get("user_id", "?"))))
        if len(page) < PAGE:
            return found
        start = page[-1].id + 1


def canonical_summary(store: CaseworkStore) -> dict[str, Any]:
    """Every record, replayed and described without random ids (see the module doc)."""
    events = events_by_record(store)
    records: dict[UUID, Any] = {record_id: store.repository.get(record_id)
                                for record_id in events}
    names = {record_id: _person_key(r) for record_id, r in records.items()
             if isinstance(r, Person)}
    references = {record_id: r.reference for record_id, r in records.items()
                  if isinstance(r, AsbCase)}
    described: dict[str, Any] = {}
    for record_id, record in records.items():
        key, state = _describe(record, names, references)
        history = [(kind, moment, _name_ids(actor, names)) for kind, moment, actor
                   in events[record_id]]
        described[key] = {"state": state, "events": history, "version": record.version}
    kinds = Counter(key.split(":", 1)[0] for key in described)
    topics = Counter(kind for history in events.values() for kind, _, _ in history)
    return {"records": dict(sorted(described.items())), "kinds": dict(sorted(kinds.items())),
            "events": sum(topics.values()), "event_kinds": dict(sorted(topics.items()))}


def _person_key(person: Person) -> str:
    details = person.details
    born = details.date_of_birth.isoformat() if details.date_of_birth else "-"
    return f"{person.partnership_id}/{details.name}/{born}/{details.address}"


def _name_ids(value: Any, names: dict[UUID, str]) -> Any:
    if isinstance(value, UUID):
        return names.get(value, "?")
    if isinstance(value, str):
        try:
            return names.get(UUID(value), value)
        except ValueError:
            return value
    return value


def _describe(record: Any, names: dict[UUID, str],
              references: dict[UUID, str]) -> tuple[str, dict[str, Any]]:
    if isinstance(record, Person):
        return f"person:{_person_key(record)}", {"kind": record.kind.value,
                                                 "phone": record.details.phone}
    if isinstance(record, AsbCase):
        return f"case:{record.reference}", _case(record, names)
    if isinstance(record, ProblemSolvingPlan):
        return f"plan:{record.reference}", {
            "title": record.title, "ward": record.ward, "priority": record.priority,
            "stage": record.stage.value, "status": record.status.value,
            "started_on": record.started_on.isoformat(), "funded": record.is_funded,
            "matched": str(record.total_matched_funding),
            "result": record.result.value if record.result else None,
            "linked": sorted(references.get(c, "?") for c in record.linked_case_ids),
            "responses": [(r.number, r.agency, r.owner, r.status.value, r.due_on.isoformat())
                          for r in record.responses],
        }
    if isinstance(record, CaseReview):
        decision = record.threshold_decision
        return f"review:{record.reference}", {
            "status": record.status.value, "received_on": record.received_on.isoformat(),
            "threshold_met": record.threshold_met,
            "route": decision.assessment.route.value if decision and decision.assessment.route
            else None,
            "counted": decision.assessment.counted if decision else None,
            "complaints": len(record.complaints),
            "discretionary": record.discretionary_review is not None,
            "recommendations": [(r.to_agency, r.status.value, r.deadline.isoformat())
                                for r in record.recommendations],
            "escalations": [e.result.value if e.result else "open" for e in record.escalations],
            "cases": sorted(references.get(c, "?") for c in record.asb_case_ids),
            "applicant": record.applicant.role.value,
        }
    if isinstance(record, ReferenceCounter):
        return f"counter:{record.prefix}-{record.year}", {"last": record.last_number}
    return f"other:{type(record).__name__}:{record.id}", {}


def _case(case: AsbCase, names: dict[UUID, str]) -> dict[str, Any]:
    closure = case.closure
    return {
        "type": case.classification.asb_type.value,
        "category": case.classification.nsir_category.value,
        "ward": case.location.ward, "neighbourhood": case.location.neighbourhood,
        "postcode": case.location.outward_postcode, "address": case.location.address,
        "summary": case.summary, "lead": (case.lead.agency, case.lead.officer),
        "channel": case.first_report.channel.value,
        "reported_at": case.first_report.reported_at.isoformat(),
        "opened_at": case.opened_at.isoformat(), "status": case.status.value,
        "parties": sorted((names.get(p.person_id, "?"), p.role.value) for p in case.parties),
        "incidents": [(i.occurred_at.isoformat(), i.reported_at.isoformat(),
                       i.reported_to_agency, i.agency_reference, i.description,
                       names.get(i.reported_by) if i.reported_by else None)
                      for i in case.incidents],
        "distinct_incidents": case.distinct_incident_count(),
        "risk": case.current_risk_level.value if case.current_risk_level else None,
        "interventions": [(i.intervention_type.value, i.started_on.isoformat(),
                           i.result.value if i.result else None) for i in case.interventions],
        "actions": [(a.agency, a.owner, a.due_on.isoformat(), a.status.value)
                    for a in case.actions],
        "jag": [r.outcome.value if r.outcome else "open" for r in case.jag_referrals],
        "closures": [(c.outcome.value, c.closed_at.isoformat(),
                      c.victim_satisfaction.value if c.victim_satisfaction else None)
                     for c in case.closures],
        "reopened": len(case.reopenings),
        "open": closure is None,
    }
