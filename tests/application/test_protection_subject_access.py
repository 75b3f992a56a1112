"""Subject access export on both stores: everything about the person, and nobody else."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from adapters.bootstrap import Container
from application.access_log import AccessAction, AccessQuery
from application.errors import Forbidden
from application.subject_access import SubjectAccess
from domain.cases import PartyRole
from domain.shared import clock
from tests.application.test_protection_support import CASE_TIME, as_role, build_closed_case


def test_export_gathers_the_person_across_cases(container: Container) -> None:
    scenario = build_closed_case(container)
    other = build_closed_case(container, at=CASE_TIME + timedelta(days=30), tag="B")
    cases = container.services["cases"]
    with clock.frozen_at(CASE_TIME + timedelta(days=40)), as_role("officer"):
        cases.reopen(other.case_id, reason="again")
        cases.add_party(other.case_id, person_id=scenario.victim_id, role=PartyRole.WITNESS)
        cases.remove_party(other.case_id, person_id=scenario.victim_id, role=PartyRole.WITNESS,
                           reason="added in error")

    with as_role("admin", "dpo"):
        document = SubjectAccess(container.store, container.access_log).export(
            scenario.victim_id)
    json.dumps(document)  # JSON-ready throughout

    person = document["person"]
    assert person["name"] == scenario.personal["victim name"]
    assert person["address"] == scenario.personal["new address"]
    assert person["date_of_birth"] == "1948-06-14"
    assert [e["event_type"] for e in document["person_history"]] == [
        "Registered", "DetailsUpdated"]
    history_text = json.dumps(document["person_history"])
    assert scenario.personal["victim address"] in history_text  # the old address too

    by_reference = {c["reference"]: c for c in document["cases"]}
    assert set(by_reference) == {scenario.reference, other.reference}
    mine = by_reference[scenario.reference]
    assert mine["current_roles"] == ["victim"]
    assert [i["description"] for i in mine["incidents_reported"]] == [
        scenario.personal["incident"]]
    assert [c["note"] for c in mine["contacts"]] == [scenario.personal["contact"]]
    assert [r["notes"] for r in mine["risk_assessments"]] == [scenario.personal["risk notes"]]
    assert mine["risk_assessments"][0]["vulnerability_flags"] == ["older_person"]
    assert mine["interventions"] == []  # the intervention was on the perpetrator
    assert mine["case_context"]["summary"] == scenario.personal["summary"]
    assert mine["outcome"] == "resolved"

    removed = by_reference[other.reference]
    assert removed["current_roles"] == []
    assert [(h["change"], h["role"]) for h in removed["role_history"]] == [
        ("added", "witness"), ("removed", "witness")]
    assert removed["role_history"][1]["reason"] == "added in error"
    assert removed["incidents_reported"] == []

    text = json.dumps(document)
    assert scenario.personal["perpetrator name"] not in text
    assert scenario.personal["intervention"] not in text
    assert other.personal["contact"] not in text  # contact with the other case's victim

    [logged] = container.access_log.query(AccessQuery(user_id="dpo"))
    assert (logged.action, logged.record_id, logged.person_ids) == (
        AccessAction.EXPORT, scenario.victim_id, (scenario.victim_id,))


def test_the_perpetrator_export_shows_the_intervention_on_them(container: Container) -> None:
    scenario = build_closed_case(container)
    with as_role("admin"):
        document = SubjectAccess(container.store).export(scenario.perpetrator_id)
    [case] = document["cases"]
    assert case["current_roles"] == ["alleged_perpetrator"]
    assert [i["details"] for i in case["interventions"]] == [scenario.personal["intervention"]]
    assert case["contacts"] == []
    assert case["risk_assessments"] == []


def test_only_admins_export(container: Container) -> None:
    scenario = build_closed_case(container)
    for role in ("officer", "coordinator", "auditor"):
        with as_role(role), pytest.raises(Forbidden):
            SubjectAccess(container.store).export(scenario.victim_id)
