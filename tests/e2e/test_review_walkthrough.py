"""ASB Case Reviews through the HTTP API, on both stores.

From application to closure, escalation upheld and referred back, withdrawal, and
milestone statuses for a review whose deadlines fall across the Easter and early May
bank holidays. The domain clock is frozen (it reaches the app through the context), so
every date and status is fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from adapters.http.schemas import reviews as schemas
from domain.shared import clock
from tests.e2e.conftest import TokenFactory

REVIEWS = "/api/case-reviews"


@pytest.fixture
def now() -> Iterator[datetime]:
    moment = datetime(2026, 6, 30, 11, 0, tzinfo=UTC)
    with clock.frozen_at(moment):
        yield moment


def post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
         status: int = 200) -> dict[str, Any]:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def get(client: TestClient, path: str, headers: dict[str, str], **params: Any
        ) -> dict[str, Any]:
    response = client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def complaint(behaviour_on: str, reported_on: str, agency: str = "herts-police",
              reference: str | None = None, complainant: str = "victim") -> dict[str, Any]:
    behaviour = datetime.combine(date.fromisoformat(behaviour_on), time(21, 30), tzinfo=UTC)
    return {"behaviour_at": behaviour.isoformat(), "reported_on": reported_on,
            "agency": agency, "agency_reference": reference, "complainant": complainant,
            "description": "Shouting and banging on the door late at night."}


def application(received_on: str, complaints: list[dict[str, Any]],
                **extra: Any) -> dict[str, Any]:
    return {"partnership_id": "north-herts",
            "applicant": {"role": "victim", "victim_kind": "business"},
            "applicant_description": "Owner of the corner shop on Bancroft.",
            "received_via": "email", "received_on": received_on, "complaints": complaints,
            **extra}


def three_complaints() -> list[dict[str, Any]]:
    return [complaint("2026-03-01", "2026-03-02"), complaint("2026-03-08", "2026-03-08"),
            complaint("2026-03-15", "2026-03-16", "north-herts-council")]


def test_application_to_closure(client: TestClient, auth: TokenFactory, now: datetime) -> None:
    officer = auth("officer", user="asb.officer.patel", agency="north-herts-council")
    coordinator = auth("coordinator", user="csp.coordinator", agency="north-herts-council")

    victim = post(client, "/api/people", {"partnership_id": "north-herts",
                                          "name": "Margaret Example"}, officer, 201)
    case = post(client, "/api/cases", {
        "partnership_id": "north-herts", "nsir_category": "personal", "asb_type": "intimidation",
        "summary": "Group intimidating the resident.", "address": "Flat 2, 12 Bancroft",
        "ward": "Hitchin Bearton", "reporting_channel": "phone",
        "lead_agency": "north-herts-council", "lead_officer": "asb.officer.patel",
        "reported_at": "2026-03-02T09:00:00Z"}, officer, 201)

    body = application("2026-04-01", [
        complaint("2026-03-01", "2026-03-02", reference="CAD-1187"),
        # The same incident, reported to the council with the police reference: counts once.
        complaint("2026-03-01", "2026-03-03", "north-herts-council", reference="cad-1187"),
        # Reported more than a month after the behaviour.
        complaint("2026-01-10", "2026-03-10"),
        complaint("2026-03-08", "2026-03-08", "north-herts-council"),
        complaint("2026-03-20", "2026-03-21", "settle-housing", complainant="neighbour-1"),
    ], asb_case_ids=[case["id"]], victim_vulnerable=True)
    body["applicant"] = {"role": "victim", "victim_kind": "person",
                         "victim_person_id": victim["id"]}
    created = client.post(REVIEWS, json=body, headers=officer)
    assert created.status_code == 201, created.text
    review_id = created.json()["id"]
    path = f"{REVIEWS}/{review_id}"
    assert created.headers["location"] == path
    assert created.headers["etag"] == '"6"'  # received, then five complaints

    post(client, f"{path}/acknowledgement", {"acknowledged_on": "2026-04-02"}, officer)

    refused = client.post(f"{path}/threshold-decision", json={"decided_on": "2026-04-10"},
                          headers=officer)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")

    preview = get(client, f"{path}/threshold-assessment", coordinator)
    assert (preview["met"], preview["counted"]) == (True, [1, 4, 5])

    post(client, f"{path}/threshold-decision",
         {"decided_on": "2026-04-10", "applicant_informed_on": "2026-04-10"}, coordinator)
    decided = get(client, path, officer)
    decision = decided["threshold_decision"]
    assert decided["status"] == "threshold_met"
    assert decision["met"] is True
    assert decision["route"] == "qualifying_complaints"
    assert decision["counted"] == [1, 4, 5]
    assert decision["explanation"] == "Threshold met: 3 qualifying complaints (C1, C4, C5); " \
                                      "3 needed."
    findings = {f["label"]: f for f in decision["findings"]}
    assert findings["C2"]["reason"] == "duplicate"
    assert findings["C2"]["duplicate_of"] == 1
    assert "same incident as C1" in findings["C2"]["explanation"]
    assert findings["C3"]["reason"] == "reported_too_late"
    assert "more than 1 month after" in findings["C3"]["explanation"]
    assert all(findings[label]["counted"] for label in ("C1", "C4", "C5"))
    assert decision["rules"]["qualifying_complaints"] == 3
    assert decided["asb_case_ids"] == [case["id"]]

    post(client, f"{path}/meetings", {
        "held_on": "2026-04-29", "agencies_attending": ["herts-police", "north-herts-council",
                                                       "settle-housing"],
        "victim_participation": "attended", "independent_chair": "Independent chair",
        "findings": "Each agency dealt with the reports alone."}, officer, 201)
    post(client, f"{path}/victim-consultations",
         {"consulted_on": "2026-04-30", "response": "Agrees with the plan."}, officer, 201)
    r1 = post(client, f"{path}/recommendations", {
        "to_agency": "settle-housing", "recommendation": "Offer a management move.",
        "deadline": "2026-06-30", "made_on": "2026-04-30"}, officer, 201)
    r2 = post(client, f"{path}/recommendations", {
        "to_agency": "herts-police", "recommendation": "Flag the address for patrols.",
        "deadline": "2026-05-31", "made_on": "2026-04-30"}, officer, 201)
    assert (r1["number"], r2["number"]) == (1, 2)
    post(client, f"{path}/outcome", {"sent_on": "2026-05-05", "via": "letter"}, officer)

    blocked = client.post(f"{path}/closure", json={"closed_on": "2026-05-06"}, headers=officer)
    assert blocked.status_code == 409
    assert blocked.json()["rule"] == "recommendations-outstanding"

    post(client, f"{path}/recommendations/1/completion", {"completed_on": "2026-05-20"}, officer)
    post(client, f"{path}/recommendations/2/non-acceptance",
         {"recorded_on": "2026-05-21", "reason": "Patrols already at capacity."}, officer)
    closed = post(client, f"{path}/closure", {"closed_on": "2026-05-22"}, officer)

    response = client.get(path, headers=officer)
    assert response.headers["etag"] == f'"{closed["version"]}"'
    review = response.json()
    assert review["status"] == "closed"
    assert review["reference"].startswith("CR-2026-")
    assert [r["status"] for r in review["recommendations"]] == ["done", "not_accepted"]
    assert review["milestones_as_of"] == "2026-06-30"
    assert {m["milestone"]: m["status"] for m in review["milestones"]} == {
        "acknowledgement": "done", "threshold_decision": "done", "review_meeting": "done",
        "outcome": "done"}
    assert review["late_milestones"] == []

    before_meeting = get(client, path, officer, version=decided["version"])
    assert before_meeting["status"] == "threshold_met"
    assert before_meeting["meetings"] == []
    history = get(client, f"{path}/history", officer)
    assert history["total"] == closed["version"]
    assert history["entries"][0]["type"] == "Received"

    log = get(client, "/api/audit/access-log", auth("auditor", user="ig.auditor"),
              record_id=review_id)
    assert {"view-case-review", "history"} <= {e["action"] for e in log["entries"]}
    assert any(victim["id"] in e["person_ids"] for e in log["entries"])


def test_escalation_upheld_and_referred_back_reopens_the_review(
        client: TestClient, auth: TokenFactory, now: datetime) -> None:
    officer = auth("officer")
    coordinator = auth("coordinator", user="csp.coordinator")
    review_id = post(client, REVIEWS, application("2026-04-01", three_complaints()),
                     officer, 201)["id"]
    path = f"{REVIEWS}/{review_id}"
    post(client, f"{path}/acknowledgement", {"acknowledged_on": "2026-04-01"}, officer)
    post(client, f"{path}/threshold-decision", {"decided_on": "2026-04-08"}, coordinator)
    post(client, f"{path}/meetings", {
        "held_on": "2026-04-20", "agencies_attending": ["herts-police"],
        "victim_participation": "not_present", "findings": "No action needed."}, officer, 201)
    post(client, f"{path}/outcome", {"sent_on": "2026-04-22", "via": "email"}, officer)

    post(client, f"{path}/escalation", {"requested_on": "2026-04-28", "reviewer": "herts-pcc",
                                        "grounds": "The victim was not invited."}, officer, 201)
    escalated = get(client, path, officer)
    assert escalated["status"] == "escalated"
    stuck = client.post(f"{path}/closure", json={"closed_on": "2026-04-29"}, headers=officer)
    assert stuck.status_code == 409
    post(client, f"{path}/escalation/resolution", {
        "result": "upheld_referred_back", "decided_on": "2026-05-12",
        "notes": "Hold the review again with the victim."}, officer)

    reopened = get(client, path, officer)
    assert reopened["status"] == "reopened"
    assert reopened["escalations"][0]["escalated_from"] == "outcome_sent"
    assert reopened["escalations"][0]["result"] == "upheld_referred_back"
    meeting = next(m for m in reopened["milestones"] if m["milestone"] == "review_meeting")
    # A new clock from the referral back: 20 working days after 12 May, over the spring
    # bank holiday (25 May 2026).
    assert (meeting["due_on"], meeting["done_on"]) == ("2026-06-10", None)
    assert meeting["status"] == "missed"

    post(client, f"{path}/meetings", {
        "held_on": "2026-05-26", "agencies_attending": ["herts-police", "settle-housing"],
        "victim_participation": "presented", "findings": "Joint plan agreed."}, officer, 201)
    post(client, f"{path}/outcome", {"sent_on": "2026-05-28", "via": "letter"}, officer)
    post(client, f"{path}/closure", {"closed_on": "2026-05-29"}, officer)
    final = get(client, path, officer)
    assert final["status"] == "closed"
    assert [m["held_on"] for m in final["meetings"]] == ["2026-04-20", "2026-05-26"]
    assert {m["milestone"]: m["status"] for m in final["milestones"]}["review_meeting"] == "done"


def test_withdrawal(client: TestClient, auth: TokenFactory, now: datetime) -> None:
    officer = auth("officer")
    review_id = post(client, REVIEWS, application("2026-06-01", three_complaints()[:1]),
                     officer, 201)["id"]
    path = f"{REVIEWS}/{review_id}"
    post(client, f"{path}/acknowledgement", {"acknowledged_on": "2026-06-02"}, officer)
    post(client, f"{path}/withdrawal", {"withdrawn_on": "2026-06-03",
                                        "reason": "The applicant has moved away."}, officer)
    review = get(client, path, officer)
    assert review["status"] == "withdrawn"
    assert review["withdrawal"]["withdrawn_on"] == "2026-06-03"
    # Only milestones already done are shown once a review is withdrawn.
    assert [m["milestone"] for m in review["milestones"]] == ["acknowledgement"]
    again = client.post(f"{path}/withdrawal", json={"withdrawn_on": "2026-06-04"},
                        headers=officer)
    assert again.status_code == 409
    assert again.json()["rule"] == "cannot-withdraw"


def test_milestone_statuses_across_bank_holidays(client: TestClient,
                                                  auth: TokenFactory) -> None:
    officer = auth("officer")
    coordinator = auth("coordinator", user="csp.coordinator")
    # Received Monday 30 March 2026; Good Friday is 3 April and Easter Monday 6 April.
    with clock.frozen_at(datetime(2026, 4, 14, 11, 0, tzinfo=UTC)):
        review_id = post(client, REVIEWS, application("2026-03-30", three_complaints()),
                         officer, 201)["id"]
        path = f"{REVIEWS}/{review_id}"
        post(client, f"{path}/acknowledgement", {"acknowledged_on": "2026-04-02"}, officer)
        on_14th = get(client, path, officer)
    milestones = {m["milestone"]: m for m in on_14th["milestones"]}
    assert on_14th["milestones_as_of"] == "2026-04-14"
    assert milestones["acknowledgement"] == {
        "milestone": "acknowledgement", "due_on": "2026-04-01", "done_on": "2026-04-02",
        "status": "done_late", "working_days_allowed": 2}
    # Ten working days: 15 April, not 13 April, because of the two bank holidays.
    assert milestones["threshold_decision"]["due_on"] == "2026-04-15"
    assert milestones["threshold_decision"]["status"] == "at_risk"
    assert on_14th["late_milestones"] == ["acknowledgement"]

    with clock.frozen_at(datetime(2026, 4, 16, 11, 0, tzinfo=UTC)):
        on_16th = get(client, path, officer)
        threshold = next(m for m in on_16th["milestones"]
                         if m["milestone"] == "threshold_decision")
        assert threshold["status"] == "missed"
        post(client, f"{path}/threshold-decision", {"decided_on": "2026-04-16"}, coordinator)
        decided = get(client, path, officer)
        # Asking about an earlier moment works the statuses out for that day.
        as_at = get(client, path, officer, as_at="2026-04-14T12:00:00+01:00")
    statuses = {m["milestone"]: (m["due_on"], m["status"]) for m in decided["milestones"]}
    assert statuses["threshold_decision"] == ("2026-04-15", "done_late")
    # Twenty working days from 16 April, over the early May bank holiday (4 May).
    assert statuses["review_meeting"] == ("2026-05-15", "due")
    assert as_at["milestones_as_of"] == "2026-04-14"
    assert as_at["status"] == "acknowledged"
    assert {m["milestone"]: m["status"] for m in as_at["milestones"]}["threshold_decision"] \
        == "at_risk"


def test_roles_partnerships_and_conventions(client: TestClient, auth: TokenFactory,
                                            now: datetime) -> None:
    officer = auth("officer")
    body = application("2026-06-01", three_complaints())
    first = client.post(REVIEWS, json=body, headers={**officer, "Idempotency-Key": "cr-1"})
    again = client.post(REVIEWS, json=body, headers={**officer, "Idempotency-Key": "cr-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    path = f"{REVIEWS}/{first.json()['id']}"

    assert client.get(path, headers=auth("rag")).status_code == 403
    st_albans = auth("officer", user="pc.smith", partnerships=("st-albans",))
    assert client.get(path, headers=st_albans).status_code == 404
    assert client.get(f"{path}/history", headers=st_albans).status_code == 404

    stale = client.post(f"{path}/acknowledgement", json={"acknowledged_on": "2026-06-02"},
                        headers={**officer, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 4
    post(client, f"{path}/acknowledgement", {"acknowledged_on": "2026-06-02"},
         {**officer, "If-Match": '"4"'})

    extra = complaint("2026-05-20", "2026-05-21")
    key = {**officer, "Idempotency-Key": "c4"}
    added = post(client, f"{path}/complaints", extra, key, 201)
    replayed = post(client, f"{path}/complaints", extra, key, 201)
    assert added["number"] == replayed["number"] == 4

    bad = client.post(REVIEWS, json={**body, "received_via": "pigeon",
                                     "complaints": [{**extra, "agency": ""}]}, headers=officer)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"received_via",
                                                          "complaints.0.agency"}
    unknown = client.post(REVIEWS, json={**body, "complaints": [{**extra, "agency": "mi5"}]},
                          headers=officer)
    assert unknown.status_code == 422
    assert unknown.json()["rule"] == "unknown_agency"
    future = client.post(REVIEWS, json={**body, "received_on": "2026-07-01"}, headers=officer)
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "received_on"


def test_every_openapi_example_is_valid() -> None:
    models = [value for value in vars(schemas).values()
              if isinstance(value, type) and issubclass(value, BaseModel)
              and value.__module__ == schemas.__name__]
    assert len(models) > 30
    for model in models:
        examples = model.model_json_schema().get("examples")
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)
