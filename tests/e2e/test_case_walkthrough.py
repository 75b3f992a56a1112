"""A realistic ASB case from report to closure, through the HTTP API, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from domain.cases import RiskQuestionnaire
from tests.e2e.conftest import TokenFactory


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
          status: int = 200) -> dict[str, Any]:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def test_report_to_closure(client: TestClient, auth: TokenFactory) -> None:
    officer = auth("officer", user="asb.officer.patel", agency="north-herts-council")
    coordinator = auth("coordinator", user="csp.coordinator", agency="north-herts-council")
    now = datetime.now(tz=UTC).replace(microsecond=0)

    victim = _post(client, "/api/people", {
        "partnership_id": "north-herts", "name": "Margaret Example",
        "date_of_birth": "1948-06-14", "address": "Flat 2, 12 Bancroft, Hitchin",
    }, officer, 201)
    neighbour = _post(client, "/api/people", {
        "partnership_id": "north-herts", "name": "Dan Sample"}, officer, 201)

    opened = _post(client, "/api/cases", {
        "partnership_id": "north-herts", "nsir_category": "personal", "asb_type": "noise",
        "summary": "Loud music and shouting from the flat above most nights.",
        "address": "Flat 3, 12 Bancroft, Hitchin", "ward": "Hitchin Bearton",
        "outward_postcode": "SG5", "reporting_channel": "phone",
        "lead_agency": "north-herts-council", "lead_officer": "asb.officer.patel",
        "reported_at": _iso(now - timedelta(days=20)),
    }, officer, 201)
    case_id = opened["id"]
    case_path = f"/api/cases/{case_id}"

    _post(client, f"{case_path}/parties",
          {"person_id": victim["id"], "role": "victim", "consent_to_share": True},
          officer, 201)
    _post(client, f"{case_path}/parties",
          {"person_id": neighbour["id"], "role": "alleged_perpetrator"}, officer, 201)
    for days_ago in (19, 12):
        incident = _post(client, f"{case_path}/incidents", {
            "occurred_at": _iso(now - timedelta(days=days_ago, hours=3)),
            "reported_at": _iso(now - timedelta(days=days_ago)),
            "reported_to_agency": "herts-police", "description": "Music until 2am.",
            "reported_by": victim["id"],
        }, officer, 201)
        assert incident["created_id"]
    _post(client, f"{case_path}/risk-assessments", {
        "victim_id": victim["id"], "answers": dict.fromkeys(RiskQuestionnaire().codes, True),
        "assessed_by": "asb.officer.patel",
        "vulnerability_flags": ["older_person"]}, officer, 201)
    cpw = _post(client, f"{case_path}/interventions", {
        "intervention_type": "community_protection_warning", "agency": "north-herts-council",
        "officer": "asb.officer.patel", "started_on": (now - timedelta(days=10)).date().isoformat(),
        "subject_id": neighbour["id"]}, officer, 201)
    action = _post(client, f"{case_path}/actions", {
        "agency": "settle-housing", "owner": "housing.officer.lee",
        "description": "Tenancy visit.", "due_on": (now + timedelta(days=7)).date().isoformat(),
    }, officer, 201)
    referral = _post(client, f"{case_path}/jag-referral",
                     {"reason": "Needs housing and police together."}, officer, 201)
    assert referral["created_id"]

    blocked = client.post(f"{case_path}/closure", json={
        "outcome": "resolved", "reason": "Quiet for weeks."}, headers=officer)
    assert blocked.status_code == 409
    assert blocked.headers["content-type"].startswith("application/problem+json")

    _post(client, f"{case_path}/actions/{action['created_id']}/completion",
          {"note": "Visit done."}, officer)
    _post(client, f"{case_path}/interventions/{cpw['created_id']}/result",
          {"result": "complied", "result_on": now.date().isoformat()}, officer)
    _post(client, f"{case_path}/jag-referral/acceptance",
          {"accepted_on": now.date().isoformat()}, coordinator)
    _post(client, f"{case_path}/jag-referral/conclusion", {"outcome": "discharged"},
          coordinator)
    closed = _post(client, f"{case_path}/closure", {
        "outcome": "resolved", "reason": "No incidents for weeks.",
        "victim_satisfaction": "satisfied"}, officer)

    response = client.get(case_path, headers=officer)
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{closed["version"]}"'
    case = response.json()
    assert case["reference"].startswith(f"ASB-{datetime.now(tz=UTC).year}-")
    assert case["status"] == "closed"
    assert case["closure"]["outcome"] == "resolved"
    assert case["indicators"]["distinct_incident_count"] == 2
    assert [p["role"] for p in case["parties"]] == ["victim", "alleged_perpetrator"]
    assert case["interventions"][0]["result"] == "complied"

    history = client.get(f"{case_path}/history", params={"limit": 500}, headers=officer).json()
    assert history["total"] == case["version"]
    types = [entry["type"] for entry in history["entries"]]
    assert types[0] == "Opened"
    assert types.count("IncidentLogged") == 2
    assert types[-1] == "Closed"
    assert history["entries"][0]["actor"]["user_id"] == "asb.officer.patel"
    assert client.get(f"{case_path}/history", headers=auth("rag")).status_code == 403

    earlier = client.get(case_path, params={"version": 3}, headers=officer).json()
    assert earlier["version"] == 3
    assert earlier["status"] == "open"


def test_rag_cannot_read_case_details(client: TestClient, auth: TokenFactory) -> None:
    officer = auth("officer")
    opened = _post(client, "/api/cases", {
        "partnership_id": "north-herts", "nsir_category": "environmental",
        "asb_type": "fly_tipping", "summary": "Mattresses dumped in the alley.",
        "address": "Rear of 5 High Street", "ward": "Baldock Town",
        "reporting_channel": "online", "lead_agency": "north-herts-council",
        "lead_officer": "env.officer", "reported_at": "2026-01-05T10:00:00Z",
    }, officer, 201)
    response = client.get(f"/api/cases/{opened['id']}", headers=auth("rag"))
    assert response.status_code == 403


def test_other_partnership_sees_not_found(client: TestClient, auth: TokenFactory) -> None:
    opened = _post(client, "/api/cases", {
        "partnership_id": "north-herts", "nsir_category": "nuisance",
        "asb_type": "street_drinking", "summary": "Group drinking by the war memorial.",
        "address": "Market Place", "ward": "Hitchin Priory", "reporting_channel": "phone",
        "lead_agency": "herts-police", "lead_officer": "pc.jones",
        "reported_at": "2026-01-05T10:00:00Z",
    }, auth("officer"), 201)
    st_albans = auth("officer", user="pc.smith", partnerships=("st-albans",))
    response = client.get(f"/api/cases/{opened['id']}", headers=st_albans)
    assert response.status_code == 404
    county = auth("auditor", user="county.auditor", partnerships=("*",))
    assert client.get(f"/api/cases/{opened['id']}", headers=county).status_code == 200


def test_bad_input_is_422_naming_the_field(client: TestClient, auth: TokenFactory) -> None:
    response = client.post("/api/cases", json={
        "partnership_id": "north-herts", "nsir_category": "loud", "asb_type": "noise",
        "summary": "x", "address": "y", "ward": "Hitchin Bearton",
        "reporting_channel": "phone", "lead_agency": "herts-police",
        "lead_officer": "pc.jones", "reported_at": "not a date",
    }, headers=auth("officer"))
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"nsir_category", "reported_at"}

    response = client.post("/api/cases", json={
        "partnership_id": "north-herts", "nsir_category": "nuisance", "asb_type": "noise",
        "summary": "x", "address": "y", "ward": "Nowhere", "reporting_channel": "phone",
        "lead_agency": "herts-police", "lead_officer": "pc.jones",
        "reported_at": "2026-01-05T10:00:00Z",
    }, headers=auth("officer"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "ward"


def test_if_match_and_idempotency(client: TestClient, auth: TokenFactory) -> None:
    officer = auth("officer")
    body = {
        "partnership_id": "north-herts", "nsir_category": "nuisance", "asb_type": "rowdy_behaviour",
        "summary": "Youths shouting.", "address": "Park", "ward": "Royston Palace",
        "reporting_channel": "phone", "lead_agency": "herts-police",
        "lead_officer": "pc.jones", "reported_at": "2026-01-05T10:00:00Z",
    }
    first = client.post("/api/cases", json=body, headers={**officer, "Idempotency-Key": "k1"})
    again = client.post("/api/cases", json=body, headers={**officer, "Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    case_path = f"/api/cases/{first.json()['id']}"

    stale = client.post(f"{case_path}/lead", json={
        "lead_agency": "herts-police", "lead_officer": "pc.other"},
        headers={**officer, "If-Match": '"0"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    fresh = client.post(f"{case_path}/lead", json={
        "lead_agency": "herts-police", "lead_officer": "pc.other"},
        headers={**officer, "If-Match": '"1"'})
    assert fresh.status_code == 200
    assert client.get(case_path, headers=officer).json()["lead"]["officer"] == "pc.other"
