"""``GET /api/cases``, ``/api/plans``, ``/api/case-reviews``: filters, search, paging,
access and read-your-writes, through the HTTP API on both stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from domain.cases import RiskQuestionnaire
from domain.plans import ProblemSolvingPlan
from domain.reviews.aggregate import CaseReview
from domain.reviews.values import Applicant, ApplicantRole, ApplicationChannel, VictimKind
from domain.shared import clock
from tests.e2e.conftest import TokenFactory

NOW = datetime.now(tz=UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
          status: int = 201) -> Any:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    return response


def _case(client: TestClient, headers: dict[str, str], *, summary: str, ward: str,
          category: str = "nuisance", agency: str = "herts-police",
          partnership: str = "north-herts", days_ago: int = 5) -> Any:
    return _post(client, "/api/cases", {
        "partnership_id": partnership, "nsir_category": category, "asb_type": "noise",
        "summary": summary, "address": "1 High Street", "ward": ward,
        "reporting_channel": "phone", "lead_agency": agency, "lead_officer": "pc.jones",
        "reported_at": _iso(NOW - timedelta(days=days_ago))}, headers)


@pytest.fixture
def running(container: Container) -> Container:
    """The projections follow the log in the background, as in the service."""
    assert container.projections is not None
    container.projections.start()
    return container


def _list(client: TestClient, path: str, headers: dict[str, str], **params: Any
          ) -> dict[str, Any]:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_case_list_filters_search_sort_and_paging(client: TestClient, auth: TokenFactory,
                                                  running: Container) -> None:
    officer = auth("officer")
    st_albans = auth("officer", user="pc.smith", partnerships=("st-albans",))
    _case(client, officer, summary="Loud music from the flat above", ward="Hitchin Bearton",
          category="personal", days_ago=9)
    _case(client, officer, summary="Motorbikes racing on the playing field",
          ward="Baldock Town", agency="north-herts-council", days_ago=7)
    risky = _case(client, officer, summary="Threats and loud music from a neighbour",
                  ward="Baldock Town", category="personal", days_ago=3).json()
    victim = _post(client, "/api/people", {"partnership_id": "north-herts",
                                            "name": "Vic Tim"}, officer).json()
    path = f"/api/cases/{risky['id']}"
    _post(client, f"{path}/parties", {"person_id": victim["id"], "role": "victim"}, officer)
    _post(client, f"{path}/risk-assessments", {
        "victim_id": victim["id"], "answers": dict.fromkeys(RiskQuestionnaire().codes, True),
        "assessed_by": "pc.jones"}, officer)
    last = _post(client, f"{path}/actions", {
        "agency": "herts-police", "owner": "pc.jones", "description": "Visit",
        "due_on": (NOW + timedelta(days=1)).date().isoformat()}, officer)
    _case(client, st_albans, summary="Loud music in St Albans", ward="Verulam",
          partnership="st-albans")
    wait = {"X-Casework-Min-Position": last.headers["X-Casework-Position"]}

    fresh = client.get("/api/cases", headers={**officer, **wait})
    assert int(fresh.headers["X-Casework-View-Position"]) >= int(
        last.headers["X-Casework-Position"])  # read-your-writes: the list waited
    everything = fresh.json()
    assert everything["total"] == 3  # not the St Albans case
    assert [i["reported_at"][:10] for i in everything["items"]] == sorted(
        (i["reported_at"][:10] for i in everything["items"]), reverse=True)
    assert _list(client, "/api/cases", officer, ward="Baldock Town")["total"] == 2
    assert _list(client, "/api/cases", officer, agency="north-herts-council")["total"] == 1
    assert _list(client, "/api/cases", officer, category="personal")["total"] == 2
    high = _list(client, "/api/cases", officer, risk="high")["items"]
    assert [(i["case_id"], i["risk_level"], i["open_actions"]) for i in high] == [
        (risky["id"], "high", 1)]
    assert _list(client, "/api/cases", officer, risk="none")["total"] == 2
    assert _list(client, "/api/cases", officer, overdue="true")["total"] == 0
    music = _list(client, "/api/cases", officer, q="music")
    assert {i["summary"] for i in music["items"]} == {
        "Loud music from the flat above", "Threats and loud music from a neighbour"}
    reference = everything["items"][0]["reference"]
    assert [i["reference"] for i in _list(client, "/api/cases", officer,
                                           q=reference)["items"]] == [reference]
    first = _list(client, "/api/cases", officer, sort="reference", limit=2)
    second = _list(client, "/api/cases", officer, sort="reference", limit=2, offset=2)
    assert (first["total"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    assert [i["reference"] for i in first["items"] + second["items"]] == sorted(
        i["reference"] for i in everything["items"])
    bad = client.get("/api/cases", params={"sort": "address"}, headers=officer)
    assert bad.status_code == 422
    assert "sort" in bad.text


def test_lists_are_for_casework_readers_in_their_partnerships(
        client: TestClient, auth: TokenFactory, running: Container) -> None:
    officer = auth("officer")
    _case(client, officer, summary="Graffiti on the underpass", ward="Hitchin Bearton")
    for path in ("/api/cases", "/api/plans", "/api/case-reviews"):
        assert client.get(path, headers=auth("rag")).status_code == 403
        assert client.get(path, params={"partnership_id": "st-albans"},
                          headers=officer).status_code == 403
        assert client.get(path).status_code == 401
    assert client.get("/api/cases", params={"partnership_id": "nowhere"},
                      headers=officer).status_code == 422


def test_a_search_is_access_logged_without_terms_or_people(
        client: TestClient, auth: TokenFactory, running: Container) -> None:
    officer = auth("officer", user="pc.searcher")
    _list(client, "/api/cases", officer, q="fireworks")
    _list(client, "/api/cases", officer)  # a plain list is not a search
    log = _list(client, "/api/audit/access-log", auth("auditor"), user_id="pc.searcher")
    assert [(e["action"], e["record_kind"], e["record_id"], e["person_ids"])
            for e in log["entries"]] == [("search", "case", None, [])]


def test_restricted_cases_are_left_out_for_most_roles(
        client: TestClient, auth: TokenFactory, running: Container) -> None:
    officer = auth("officer")
    opened = _case(client, officer, summary="Dispute over a boundary fence",
                   ward="Royston Palace").json()
    restricted = _post(client, "/api/restrictions", {
        "record_id": opened["id"], "kind": "case",
        "reason": "The subject contests the accuracy of the record."}, auth("coordinator"))
    wait = {"X-Casework-Min-Position": restricted.headers["X-Casework-Position"]}
    assert _list(client, "/api/cases", {**officer, **wait})["total"] == 0
    assert _list(client, "/api/cases", auth("auditor"))["total"] == 1


def test_plan_and_case_review_lists(client: TestClient, auth: TokenFactory,
                                    running: Container) -> None:
    store = running.store
    today = NOW.date()
    with clock.frozen_at(NOW - timedelta(days=40)):
        plan = ProblemSolvingPlan.open(
            partnership_id="north-herts", reference="PSP-2026-0001",
            title="Underpass graffiti", ward="Hitchin Bearton",
            priority="Anti-social behaviour in town centres",
            allowed_priorities=["Anti-social behaviour in town centres"],
            lead_agency="north-herts-council", lead_officer="asb.officer.lee")
        plan.set_objective("Stop the graffiti")
        plan.schedule_review((NOW - timedelta(days=30)).date())
        review = CaseReview.receive(
            partnership_id="north-herts", reference="CR-2026-0001",
            applicant=Applicant(ApplicantRole.VICTIM, VictimKind.BUSINESS),
            applicant_description="The shop on the parade",
            received_via=ApplicationChannel.EMAIL, received_on=today - timedelta(days=40))
        store.save(plan, review)
    officer = auth("officer")
    position = str(running.projections.log.head())  # type: ignore[union-attr]
    wait = {"X-Casework-Min-Position": position}
    plans = _list(client, "/api/plans", {**officer, **wait})
    assert [(p["reference"], p["stage"], p["status"], p["overdue"]) for p in plans["items"]] == [
        ("PSP-2026-0001", "objective", "in_preparation", True)]
    assert _list(client, "/api/plans", officer, overdue="false")["total"] == 0
    assert _list(client, "/api/plans", officer, q="graffiti")["total"] == 1
    assert _list(client, "/api/plans", officer, status="agreed")["total"] == 0
    reviews = _list(client, "/api/case-reviews", {**officer, **wait})
    [item] = reviews["items"]
    assert (item["reference"], item["status"], item["overdue"]) == (
        "CR-2026-0001", "received", True)
    assert {m["milestone"]: m["status"] for m in item["milestones"]} == {
        "acknowledgement": "missed", "threshold_decision": "missed"}
    assert date.fromisoformat(item["received_on"]) == today - timedelta(days=40)
    assert _list(client, "/api/case-reviews", officer, status="closed")["total"] == 0
