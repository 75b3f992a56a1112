"""A problem-solving plan from opening to closure through the HTTP API, on both stores.

Checks at every stage what the plan says is missing and whether a funding bid would be
considered; includes one trip back to analysis, the roles (officers work the plan,
coordinators record the JAG's agreement and funding awards, the RAG reads summaries
only), time travel, the printable document and the history.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from pydantic import BaseModel

from adapters.http.schemas import plans as plan_schemas
from adapters.http.schemas import views as view_schemas
from tests.e2e.conftest import TokenFactory

PRIORITY = "Anti-social behaviour in town centres"
BASELINE = "Calls to police about Market Place"


def _today() -> date:
    return datetime.now(tz=ZoneInfo("Europe/London")).date()


def _send(client: TestClient, method: str, path: str, body: dict[str, Any] | None,
          headers: dict[str, str], status: int = 200) -> dict[str, Any]:
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def _post(client: TestClient, path: str, body: dict[str, Any] | None,
          headers: dict[str, str], status: int = 200) -> dict[str, Any]:
    return _send(client, "POST", path, body, headers, status)


def _put(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
         status: int = 200) -> dict[str, Any]:
    return _send(client, "PUT", path, body, headers, status)


def _problem(client: TestClient, path: str, body: dict[str, Any] | None,
             headers: dict[str, str], status: int) -> dict[str, Any]:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    return problem


def _open_plan(client: TestClient, headers: dict[str, str], **overrides: Any) -> str:
    body = {
        "partnership_id": "north-herts",
        "title": "Street drinking and intimidation in Market Place, Hitchin",
        "ward": "Hitchin Priory", "priority": PRIORITY,
        "lead_agency": "north-herts-council", "lead_officer": "asb.officer.patel",
        **overrides,
    }
    opened = _post(client, "/api/plans", body, headers, 201)
    plan_id: str = opened["id"]
    return plan_id


def _open_case(client: TestClient, headers: dict[str, str],
               partnership_id: str = "north-herts", ward: str = "Hitchin Priory") -> str:
    opened = _post(client, "/api/cases", {
        "partnership_id": partnership_id, "nsir_category": "nuisance",
        "asb_type": "street_drinking", "summary": "Group drinking by the benches.",
        "address": "Market Place", "ward": ward, "reporting_channel": "phone",
        "lead_agency": "herts-police", "lead_officer": "pc.jones",
        "reported_at": "2026-01-05T10:00:00Z",
    }, headers, 201)
    case_id: str = opened["id"]
    return case_id


def _codes(plan: dict[str, Any]) -> list[str]:
    return [item["code"] for item in plan["missing"]]


def _criteria(plan: dict[str, Any]) -> dict[str, bool]:
    return {c["code"]: c["met"] for c in plan["funding_eligibility"]["criteria"]}


def test_plan_from_opening_to_closure_with_a_trip_back_to_analysis(
    client: TestClient, auth: TokenFactory
) -> None:
    lead = auth("officer", user="asb.officer.patel", agency="north-herts-council")
    sergeant = auth("officer", user="sgt.khan", agency="herts-police")
    coordinator = auth("coordinator", user="csp.coordinator", agency="north-herts-council")
    today = _today()

    plan_id = _open_plan(client, lead)
    path = f"/api/plans/{plan_id}"

    def plan() -> dict[str, Any]:
        response = client.get(path, headers=lead)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert response.headers["etag"] == f'"{body["version"]}"'
        return body

    opened = plan()
    assert re.fullmatch(rf"PSP-{today.year}-\d{{4}}", opened["reference"])
    assert (opened["stage"], opened["status"]) == ("objective", "in_preparation")
    assert (opened["ward"], opened["neighbourhood"]) == ("Hitchin Priory", "Hitchin")
    assert _codes(opened) == ["objective.aim"]
    assert opened["funding_eligibility"]["eligible"] is False
    assert _criteria(opened)["priority"] is True
    assert _criteria(opened)["osara"] is False

    case_id = _open_case(client, lead)
    _post(client, f"{path}/linked-cases", {"case_id": case_id}, lead, 201)
    assert plan()["linked_case_ids"] == [case_id]

    # -- objective
    blocked = _problem(client, f"{path}/advance", None, lead, 409)
    assert blocked["rule"] == "stage-incomplete"
    _put(client, f"{path}/objective",
         {"aim": "Residents, traders and visitors can use Market Place without intimidation."},
         lead)
    assert _codes(plan()) == []
    _post(client, f"{path}/advance", None, lead)

    # -- scanning
    scanning = plan()
    assert scanning["stage"] == "scanning"
    assert _codes(scanning) == ["scanning.victim", "scanning.location", "scanning.offender",
                                "scanning.baseline"]
    for side in ("victim", "location"):
        _put(client, f"{path}/scanning/{side}", {
            "description": f"What is happening, seen from the {side}.",
            "frequency": "Daily, worst Thursday to Saturday", "duration": "Since summer 2025",
            "data_sources": ["Police calls for service", "Council ASB reports"],
        }, lead)
    assert _codes(plan()) == ["scanning.offender", "scanning.baseline"]
    _put(client, f"{path}/scanning/offender", {
        "description": "A group of about eight regular drinkers, most known to services.",
        "frequency": "Daily", "duration": "Since summer 2025",
        "data_sources": ["Police intelligence"],
    }, lead)
    _post(client, f"{path}/baseline-measures", {
        "name": BASELINE, "value": 42,
        "period_start": (today - timedelta(days=150)).isoformat(),
        "period_end": (today - timedelta(days=60)).isoformat()}, lead)
    _post(client, f"{path}/community-involvement", {
        "stage": "scanning", "description": "Street survey of 40 traders and shoppers."},
        lead, 201)
    scanned = plan()
    assert _codes(scanned) == []
    assert _criteria(scanned)["community-identify"] is True
    _post(client, f"{path}/advance", None, lead)

    # -- analysis
    assert _codes(plan()) == ["analysis.victim", "analysis.location", "analysis.offender",
                              "analysis.triggers", "analysis.hypothesis",
                              "analysis.objectives"]
    for side in ("victim", "location", "offender"):
        _put(client, f"{path}/analysis/{side}", {"why": f"Why, from the {side}'s side."}, lead)
    _put(client, f"{path}/triggers", {"triggers": "Benefit payday; warm weather."}, lead)
    _put(client, f"{path}/hypothesis",
         {"hypothesis": "Cheap cider sold from 8am draws drinkers to the benches."}, lead)
    assert _codes(plan()) == ["analysis.objectives"]
    unknown = _problem(client, f"{path}/specific-objectives", {
        "description": "Fewer calls", "measure": "Not a baseline", "target": 10}, lead, 422)
    assert unknown["errors"][0]["field"] == "measure"
    objective = _post(client, f"{path}/specific-objectives", {
        "description": "Halve calls to police about Market Place", "measure": BASELINE,
        "target": 21}, lead, 201)
    assert objective["created_number"] == 1
    assert _codes(plan()) == []
    _post(client, f"{path}/advance", None, lead)

    # -- response, sign-off and the JAG
    assert _codes(plan()) == ["response.planned", "governance.sign-off", "governance.jag"]
    due = (today + timedelta(days=28)).isoformat()
    r1 = _post(client, f"{path}/responses", {
        "description": "Licensing visit to the off-licence", "agency": "north-herts-council",
        "owner": "licensing.officer.reid", "due_on": due}, lead, 201)
    assert r1["created_number"] == 1
    outsider = _problem(client, f"{path}/responses", {
        "description": "Clean-up", "agency": "clarion-housing", "owner": "x",
        "due_on": due}, lead, 422)
    assert outsider["rule"] == "unknown_agency"
    r2 = _post(client, f"{path}/responses", {
        "description": "Move the benches away from the shop", "agency": "north-herts-council",
        "owner": "streetscene.manager", "due_on": due, "depends_on_funding": True}, lead, 201)
    assert r2["created_number"] == 2
    assert _codes(plan()) == ["response.open", "governance.sign-off", "governance.jag"]
    assert plan()["status"] == "awaiting_sign_off"

    own = _problem(client, f"{path}/sign-off", {}, lead, 409)
    assert own["rule"] == "sign-off-by-lead"
    _post(client, f"{path}/sign-off", {"notes": "Proportionate."}, sergeant, 201)
    signed = plan()
    assert signed["governance"]["sign_off"]["supervisor"] == "sgt.khan"
    assert signed["status"] == "awaiting_jag_agreement"
    officer_jag = client.post(f"{path}/jag-agreement", json={"meeting_on": today.isoformat()},
                              headers=lead)
    assert officer_jag.status_code == 403
    _post(client, f"{path}/jag-agreement", {"meeting_on": today.isoformat()}, coordinator, 201)
    assert plan()["status"] == "agreed"

    # -- new information: back to analysis, revised, signed off and agreed again
    _post(client, f"{path}/send-back", {
        "to_stage": "analysis",
        "reason": "Licensing data: the shop sells high-strength cider from 8am."}, lead)
    sent_back = plan()
    assert sent_back["stage"] == "analysis"
    assert sent_back["governance"]["sign_off"] is None
    assert sent_back["governance"]["jag_agreement"] is None
    assert _codes(sent_back) == []
    _put(client, f"{path}/hypothesis", {
        "hypothesis": "High-strength cider sold from 8am draws drinkers to the benches."},
        lead)
    _post(client, f"{path}/advance", None, lead)
    assert _codes(plan()) == ["response.open", "governance.sign-off", "governance.jag"]

    # budget, community, risks and timescale for the funding bid
    not_yet = plan()
    assert not_yet["funding_eligibility"]["eligible"] is False
    assert _criteria(not_yet)["community-responses"] is False
    assert _criteria(not_yet)["matched-funding"] is False
    _put(client, f"{path}/funding-request", {"amount": "4500.00"}, lead)
    _post(client, f"{path}/matched-funding",
          {"partner": "north-herts-council", "amount": "1500.00"}, lead)
    _post(client, f"{path}/community-involvement", {
        "stage": "response", "description": "Residents chose where the benches go."},
        lead, 201)
    risk = _post(client, f"{path}/risks", {
        "description": "Drinking moves to the churchyard",
        "mitigation": "PCSO patrols of the churchyard", "level": "medium"}, lead, 201)
    assert risk["created_number"] == 1
    _put(client, f"{path}/timescale", {
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=180)).isoformat()}, lead)
    milestone = _post(client, f"{path}/milestones", {
        "title": "Licence review hearing", "due_on": due}, lead, 201)
    ready = plan()
    assert ready["funding_eligibility"]["eligible"] is True, ready["funding_eligibility"]
    assert ready["funding_eligibility"]["unmet"] == []
    assert ready["budget"]["total_matched_funding"] == "1500.00"

    _post(client, f"{path}/sign-off", {}, sergeant, 201)
    _post(client, f"{path}/jag-agreement", {"meeting_on": today.isoformat(),
                                            "notes": "Agreed as revised."}, coordinator, 201)
    officer_award = client.post(f"{path}/funding-awards", json={
        "funder": "PCC Community Fund", "amount": "4500.00",
        "awarded_on": today.isoformat(), "spend_by": (today + timedelta(days=200)).isoformat()},
        headers=lead)
    assert officer_award.status_code == 403
    _post(client, f"{path}/funding-awards", {
        "funder": "PCC Community Fund", "amount": "4500.00",
        "awarded_on": today.isoformat(),
        "spend_by": (today + timedelta(days=200)).isoformat()}, coordinator, 201)
    _post(client, f"{path}/responses/1/actioning", {}, lead)
    _post(client, f"{path}/responses/1/completion", {"notes": "Conditions varied."}, lead)
    assert _codes(plan()) == ["response.open"]
    _post(client, f"{path}/responses/2/completion", {}, lead)
    _post(client, f"{path}/milestones/{milestone['created_number']}/achievement", {}, lead)
    spend = _post(client, f"{path}/spend", {
        "amount": "1200.00", "spent_on": today.isoformat(),
        "description": "Two replacement benches"}, lead, 201)
    assert spend["created_number"] == 1
    responded = plan()
    assert _codes(responded) == []
    assert responded["budget"]["under_rag_oversight"] is True
    _post(client, f"{path}/advance", None, lead)

    # -- assessment and closure
    assessing = plan()
    assert assessing["stage"] == "assessment"
    assert _codes(assessing) == ["assessment.measure", "assessment.result"]
    not_assessed = _problem(client, f"{path}/closure", {}, lead, 409)
    assert not_assessed["rule"] == "assessment-incomplete"
    _post(client, f"{path}/after-measures", {
        "name": BASELINE, "value": 14,
        "period_start": (today - timedelta(days=59)).isoformat(),
        "period_end": today.isoformat()}, lead)
    assert _codes(plan()) == ["assessment.result"]
    _put(client, f"{path}/assessment", {
        "delivery": "in_full", "result": "reduced",
        "notes": "Calls fell by two thirds; the benches are used by shoppers again."}, lead)
    assert _codes(plan()) == []
    closed_result = _post(client, f"{path}/closure", {"notes": "Objective met."}, lead)

    closed = plan()
    assert closed["version"] == closed_result["version"]
    assert (closed["stage"], closed["status"], closed["result"]) == (
        "closed", "closed", "reduced")
    assert closed["closed_on"] == today.isoformat()
    assert closed["missing"] == []
    assert [r["status"] for r in closed["responses"]] == ["completed", "completed"]

    # -- the past: by version, and as at a moment before the plan existed
    at_version = client.get(path, params={"version": 3}, headers=lead).json()
    assert (at_version["version"], at_version["stage"]) == (3, "objective")
    before = client.get(path, params={"as_at": "2000-01-01T00:00:00Z"}, headers=lead)
    assert before.status_code == 404

    # -- the history shows the trip back to analysis, with its reason
    history = client.get(f"{path}/history", params={"limit": 500}, headers=lead)
    assert history.status_code == 200
    types = [entry["type"] for entry in history.json()["entries"]]
    assert types.count("SentBack") == 1
    assert types[0] == "Created"
    assert types[-1] == "Closed"

    # -- the RAG: the summary, nothing else
    rag = auth("rag", user="rag.member", agency="north-herts-council")
    assert client.get(path, headers=rag).status_code == 403
    assert client.get(f"{path}/document", headers=rag).status_code == 403
    assert client.get(f"{path}/history", headers=rag).status_code == 403
    summary_response = client.get(f"{path}/summary", headers=rag)
    assert summary_response.status_code == 200
    summary = summary_response.json()
    assert summary == {
        "id": plan_id, "partnership_id": "north-herts", "ward": "Hitchin Priory",
        "neighbourhood": "Hitchin", "priority": PRIORITY, "serves_current_priority": True,
        "stage": "closed", "status": "closed", "result": "reduced",
        "started_on": today.isoformat(), "agreed_at_jag_on": today.isoformat(),
        "closed_on": today.isoformat(), "funded": True, "amount_requested": "4500.00",
        "total_matched_funding": "1500.00", "total_awarded": "4500.00",
        "total_spent": "1200.00",
        "spend_deadline": (today + timedelta(days=200)).isoformat(),
        "responses_planned": 2, "responses_open": 0, "responses_completed": 2,
        "linked_case_count": 1, "funding_eligible": True, "missing_count": 0,
    }
    text = summary_response.text
    for private in (closed["reference"], "Market Place", "asb.officer.patel", "sgt.khan",
                    "cider", "benches", case_id):
        assert private not in text


def test_printable_document(client: TestClient, auth: TokenFactory) -> None:
    officer = auth("officer", user="asb.officer.patel", agency="north-herts-council")
    plan_id = _open_plan(client, officer, title="Fly-tipping <behind> the parade & garages")
    path = f"/api/plans/{plan_id}"
    _put(client, f"{path}/objective", {"aim": "The service road stays clear of waste."},
         officer)
    _post(client, f"{path}/community-involvement", {
        "stage": "objective", "description": "Residents' association asked for this plan."},
        officer, 201)

    response = client.get(f"{path}/document", headers=officer)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["etag"] == '"3"'
    html = response.text
    reference = client.get(path, headers=officer).json()["reference"]
    assert f"<title>{reference}: Fly-tipping &lt;behind&gt; the parade &amp; garages</title>" \
        in html
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == ["Objective", "Scanning: what is happening",
                        "Analysis: why it is happening", "Response", "Assessment", "Budget",
                        "Risks", "Governance", "What is missing"]
    for side in ("Victim", "Location", "Offender"):
        assert html.count(f"<h3>{side}</h3>") == 2  # under scanning and under analysis
    assert "The service road stays clear of waste." in html
    assert "Residents&#39; association asked for this plan." in html
    assert "North Hertfordshire District Council, asb.officer.patel" in html
    assert "@media print" in html
    assert "Nothing: the objective stage is complete." in html
    assert "Matched funding from partners" in html  # an unmet funding criterion
    # self-contained: no external stylesheets, scripts, fonts or images
    assert not re.search(r"<link|<script|<img|@import|url\(|https?://", html)

    earlier = client.get(f"{path}/document", params={"version": 1}, headers=officer)
    assert earlier.status_code == 200
    assert "as it stood at version 1" in earlier.text
    assert "Set the overall aim of the plan" in earlier.text
    assert "The service road stays clear of waste." not in earlier.text


def test_if_match_idempotency_and_numbered_replays(client: TestClient,
                                                     auth: TokenFactory) -> None:
    officer = auth("officer", user="asb.officer.patel", agency="north-herts-council")
    body = {"partnership_id": "north-herts", "title": "Youths on the recreation ground",
            "ward": "Royston Palace", "priority": PRIORITY, "lead_agency": "herts-police",
            "lead_officer": "pc.jones"}
    first = client.post("/api/plans", json=body, headers={**officer, "Idempotency-Key": "p1"})
    again = client.post("/api/plans", json=body, headers={**officer, "Idempotency-Key": "p1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    path = f"/api/plans/{first.json()['id']}"

    stale = client.put(f"{path}/objective", json={"aim": "Quiet evenings."},
                       headers={**officer, "If-Match": '"0"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    fresh = client.put(f"{path}/objective", json={"aim": "Quiet evenings."},
                       headers={**officer, "If-Match": '"1"'})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == '"2"'

    risk = {"description": "Displacement to the station", "mitigation": "Patrols",
            "level": "low"}
    r1 = client.post(f"{path}/risks", json=risk, headers={**officer, "Idempotency-Key": "r1"})
    r2 = client.post(f"{path}/risks", json={**risk, "level": "high"}, headers=officer)
    r1_again = client.post(f"{path}/risks", json=risk,
                           headers={**officer, "Idempotency-Key": "r1"})
    assert [r.json()["created_number"] for r in (r1, r2, r1_again)] == [1, 2, 1]
    assert r1_again.headers["idempotent-replayed"] == "true"
    assert len(client.get(path, headers=officer).json()["risks"]) == 2
    reused = client.post(f"{path}/risks", json={**risk, "level": "medium"},
                         headers={**officer, "Idempotency-Key": "r1"})
    assert reused.status_code == 422


def test_bad_input_and_partnership_rules(client: TestClient, auth: TokenFactory) -> None:
    officer = auth("officer", user="asb.officer.patel", agency="north-herts-council")
    response = client.post("/api/plans", json={
        "partnership_id": "north-herts", "title": "x", "ward": "Hitchin Priory",
        "priority": "Burglary", "lead_agency": "north-herts-council", "lead_officer": "a",
    }, headers=officer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "priority"
    assert "Anti-social behaviour in town centres" in response.json()["detail"]
    for field, value in (("ward", "Nowhere"), ("lead_agency", "clarion-housing")):
        response = client.post("/api/plans", json={
            "partnership_id": "north-herts", "title": "x", "ward": "Hitchin Priory",
            "priority": PRIORITY, "lead_agency": "north-herts-council", "lead_officer": "a",
            field: value}, headers=officer)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
    extra = client.post("/api/plans", json={
        "partnership_id": "north-herts", "title": "x", "ward": "Hitchin Priory",
        "priority": PRIORITY, "lead_agency": "north-herts-council", "lead_officer": "a",
        "reference": "PSP-2026-9999"}, headers=officer)
    assert extra.status_code == 422

    plan_id = _open_plan(client, officer)
    both = auth("officer", user="pc.both", partnerships=("north-herts", "st-albans"))
    st_albans_case = _open_case(client, both, "st-albans", "Verulam")
    elsewhere = _problem(client, f"/api/plans/{plan_id}/linked-cases",
                         {"case_id": st_albans_case}, officer, 422)
    assert elsewhere["errors"][0]["field"] == "case_id"
    missing = _problem(client, f"/api/plans/{plan_id}/linked-cases",
                       {"case_id": "00000000-0000-4000-8000-000000000001"}, officer, 422)
    assert missing["rule"] == "unknown_case"

    for params in ({"version": 2**63}, {"as_at": "9999-12-31T23:59:59-23:59"}):
        out_of_range = client.get(f"/api/plans/{plan_id}", params=params, headers=officer)
        assert out_of_range.status_code == 422, out_of_range.text

    st_albans = auth("officer", user="pc.smith", partnerships=("st-albans",))
    assert client.get(f"/api/plans/{plan_id}", headers=st_albans).status_code == 404
    assert client.get(f"/api/plans/{plan_id}/summary",
                      headers=auth("rag", partnerships=("st-albans",))).status_code == 404
    assert client.put(f"/api/plans/{plan_id}/objective", json={"aim": "x"},
                      headers=st_albans).status_code == 404
    assert client.get(f"/api/plans/{plan_id}", headers=auth("auditor")).status_code == 200
    rag_write = client.put(f"/api/plans/{plan_id}/objective", json={"aim": "x"},
                           headers=auth("rag"))
    assert rag_write.status_code == 403


def test_every_plan_model_has_a_valid_openapi_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    used: set[str] = set()
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/plans") or "/history" in path:
            continue
        for operation in operations.values():
            bodies = [operation.get("requestBody", {}).get("content", {})]
            bodies += [response.get("content", {})
                       for status, response in operation["responses"].items()
                       if status.startswith("2")]
            for media in (media for body in bodies for media in body.values()):
                reference = media.get("schema", {}).get("$ref")
                if reference:
                    used.add(reference.rsplit("/", 1)[-1])
                else:
                    assert media.get("example"), (path, media)
    models = {name: model
              for module in (plan_schemas, view_schemas)
              for name, model in vars(module).items()
              if isinstance(model, type) and issubclass(model, BaseModel)
              and model.__module__ == module.__name__}
    assert used <= set(models)
    assert {"OpenPlan", "PlanOut", "PlanSummaryOut", "PlanCommandResult"} <= used
    for name in used:
        assert spec["components"]["schemas"][name].get("examples"), f"{name} has no example"
        # FastAPI drops nulls from the published examples, so validate the model's own.
        example = models[name].model_json_schema()["examples"][0]
        models[name].model_validate(example)
