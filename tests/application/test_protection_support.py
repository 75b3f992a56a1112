"""Shared scenario for the data-protection tests (no tests here).

:func:`build_closed_case` records, through the real services and at a frozen clock, a
victim and an alleged perpetrator, and a case that touches nearly every event type with a
personal field, each holding a distinctive marker, then closes it. The erasure tests look
for the markers in raw database dumps; the subject access tests look for them in exports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from domain.cases import (
    AsbCase,
    AsbType,
    ClosureOutcome,
    ContactMethod,
    InterventionType,
    NsirCategory,
    PartyRole,
    ReportingChannel,
    VulnerabilityFlag,
)
from domain.shared import clock

CASE_TIME = datetime(2019, 5, 1, 10, 0, tzinfo=UTC)


def actor(role: str, user: str | None = None, partnerships: tuple[str, ...] = ("north-herts",)
          ) -> Actor:
    name = user or f"{role}.user"
    return Actor(user_id=name, display_name=name.title(), agency="north-herts-council",
                 roles=(role,), partnerships=partnerships)


@contextmanager
def as_role(role: str, user: str | None = None) -> Iterator[None]:
    with acting_as(RequestContext(actor=actor(role, user), request_id=f"req-{role}")):
        yield


@dataclass
class Scenario:
    case_id: UUID
    victim_id: UUID
    perpetrator_id: UUID
    reference: str
    personal: dict[str, str] = field(default_factory=dict)
    """Marker name -> distinctive plaintext that must never reach the database in clear."""


def _marker(scenario: Scenario, name: str, text: str) -> str:
    scenario.personal[name] = text
    return text


def register(container: Container, name: str, **details: Any) -> UUID:
    with as_role("officer"):
        outcome = container.services["people"].register(
            partnership_id="north-herts", name=name, **details)
    return outcome.aggregate_id


def build_closed_case(container: Container, *, at: datetime = CASE_TIME, tag: str = "A",
                      ward: str = "Hitchin Oughton",
                      lead_agency: str = "north-herts-council") -> Scenario:
    """Open, work and close a case at ``at`` (the clock is frozen there)."""
    cases = container.services["cases"]
    people = container.services["people"]
    scenario = Scenario(case_id=UUID(int=0), victim_id=UUID(int=0), perpetrator_id=UUID(int=0),
                        reference="")
    with clock.frozen_at(at), as_role("officer"):
        scenario.victim_id = register(
            container, _marker(scenario, "victim name", f"Margaret Quillfeather{tag}"),
            date_of_birth=date(1948, 6, 14),
            address=_marker(scenario, "victim address", f"Flat 2, 12 Bancroftia Lane {tag}"),
            phone="01462 000111",
            email=f"quillfeather{tag.lower()}@example.org",
            vulnerability_notes=_marker(scenario, "vulnerability", f"Hearing impaired {tag}"))
        scenario.personal["date of birth"] = "1948-06-14"
        scenario.perpetrator_id = register(
            container, _marker(scenario, "perpetrator name", f"Dorian Vexley{tag}"))
        opened = cases.open_case(
            partnership_id="north-herts", nsir_category=NsirCategory.PERSONAL,
            asb_type=AsbType.NOISE,
            summary=_marker(scenario, "summary", f"Loud music every night summary-{tag}"),
            address=_marker(scenario, "case address", f"Flat 3, 12 Bancroftia Lane {tag}"),
            ward=ward, reporting_channel=ReportingChannel.PHONE, lead_agency=lead_agency,
            lead_officer="asb.officer.patel", reported_at=at - timedelta(days=1))
        case_id = scenario.case_id = opened.aggregate_id
        cases.add_party(case_id, person_id=scenario.victim_id, role=PartyRole.VICTIM,
                        consent_to_share=True)
        cases.add_party(case_id, person_id=scenario.perpetrator_id,
                        role=PartyRole.ALLEGED_PERPETRATOR)
        cases.log_incident(
            case_id, occurred_at=at - timedelta(hours=30), reported_at=at - timedelta(hours=20),
            reported_to_agency="herts-police",
            description=_marker(scenario, "incident", f"Music until 2am incident-{tag}"),
            reported_by=scenario.victim_id)
        questionnaire = container.rules.cases.risk_questionnaire
        answers = dict.fromkeys(questionnaire.codes, False) | {"health_affected": True}
        cases.assess_risk(
            case_id, victim_id=scenario.victim_id, answers=answers, assessed_by="pc.jones",
            vulnerability_flags=[VulnerabilityFlag.OLDER_PERSON],
            notes=_marker(scenario, "risk notes", f"Cannot sleep risknote-{tag}"))
        cases.record_intervention(
            case_id, intervention_type=InterventionType.WARNING, agency="herts-police",
            officer="pc.jones", started_on=at.date(), subject_id=scenario.perpetrator_id,
            details=_marker(scenario, "intervention", f"Warned at the door warning-{tag}"))
        cases.record_victim_contact(
            case_id, person_id=scenario.victim_id, contacted_at=at - timedelta(hours=1),
            method=ContactMethod.PHONE, contacted_by="asb.officer.patel",
            note=_marker(scenario, "contact", f"Called back contactnote-{tag}"))
        _, action_id = cases.set_action(
            case_id, agency="north-herts-council", owner="asb.officer.patel",
            description=_marker(scenario, "action", f"Fit noise monitor action-{tag}"),
            due_on=at.date() + timedelta(days=7))
        cases.complete_action(case_id, action_id=action_id,
                              note=_marker(scenario, "action note", f"Monitor fitted done-{tag}"))
        cases.close(case_id, outcome=ClosureOutcome.RESOLVED,
                    reason=_marker(scenario, "closure", f"Tenant moved out closure-{tag}"))
        people.update(scenario.victim_id, expected_version=None, idempotency=None,
                      correction=False, name=f"Margaret Quillfeather{tag}",
                      date_of_birth=date(1948, 6, 14),
                      address=_marker(scenario, "new address", f"9 Elsewhere Close {tag}"),
                      reason=_marker(scenario, "update reason", f"Moved house move-{tag}"))
        case: AsbCase = container.store.repository.get(case_id)
        scenario.reference = case.reference
    return scenario


def statistics(container: Container) -> Counter[tuple[str, str, str]]:
    """Case counts by category, ward and outcome, from replayed aggregates (stand-in for
    the RAG figures until the RAG read model exists)."""
    from application.protection_service import CASE, index_log

    counts: Counter[tuple[str, str, str]] = Counter()
    index = index_log(container.store)
    for case_id in index.ids_of(CASE):
        case: AsbCase = container.store.repository.get(case_id)
        outcome = case.closure.outcome.value if case.closure else "open"
        counts[(case.classification.nsir_category.value, case.location.ward, outcome)] += 1
    return counts
