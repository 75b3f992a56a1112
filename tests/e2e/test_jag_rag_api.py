"""``GET /api/jag/tasking``, ``/api/rag/overview`` and ``/api/rag/data-return`` through the
HTTP API on both stores: contents, red/amber/green from the meeting date, CSV, roles."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from domain.cases import AsbCase, RiskQuestionnaire
from domain.plans import ProblemSolvingPlan, TriangleSide
from domain.reviews.aggregate import CaseReview
from domain.reviews.rules import TriggerRules
from domain.reviews.values import (
    Applicant,
    ApplicantRole,
    ApplicationChannel,
    VictimKind,
    VictimParticipation,
)
from domain.shared import clock
from tests.e2e.conftest import TokenFactory

MEETING = date(2026, 5, 12)
PRIORITY = "Anti-social behaviour in town centres"


def at(day: date, hour: int = 10) -> Any:
    return clock.frozen_at(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


def open_case(reference: str, reported: date, **extra: Any) -> AsbCase:
    with at(reported):
        return AsbCase.open(
            partnership_id="north-herts", reference=reference,
            nsir_category=extra.pop("category", "personal"), asb_type="noise",
            summary="Loud music", address="1 High Street",
            ward=extra.pop("ward", "Hitchin Bearton"), reporting_channel="phone",
            lead_agency="herts-police", lead_officer="pc.jones",
            reported_at=datetime(reported.year, reported.month, reported.day, 9, tzinfo=UTC),
            outward_postcode="SG5", **extra)


@pytest.fixture
def tasking_data(container: Container) -> dict[str, Any]:
    store = container.store
    victim = ProblemSolvingPlan.create_id("north-herts", "PSP-2026-0099")  # any uuid
    high = open_case("ASB-2026-00001", date(2026, 4, 20))
    with at(date(2026, 4, 21)):
        high.add_party(person_id=victim, role="victim")
        high.assess_risk(victim_id=victim, answers=dict.fromkeys(RiskQuestionnaire().codes, True),
                         assessed_by="pc.jones")
        red = high.set_action(agency="herts-police", owner="pc.jones",
                              description="Visit the victim", due_on=date(2026, 5, 5))
        amber = high.set_action(agency="north-herts-council", owner="asb.officer.lee",
                                description="Noise monitoring", due_on=date(2026, 5, 15))
        green = high.set_action(agency="herts-police", owner="pcso.khan",
                                description="Patrols", due_on=date(2026, 6, 30))
    with at(date(2026, 5, 1)):
        high.refer_to_jag(reason="High risk victim")
    old = open_case("ASB-2026-00002", date(2026, 2, 1), category="nuisance")
    with at(date(2026, 3, 1)):
        old.refer_to_jag(reason="Long running")
        old.accept_jag_referral(accepted_on=date(2026, 3, 1))
        old.conclude_jag_referral(outcome="discharged")
        old.record_supervisor_review(reviewed_by="sgt.patel", decision="recommend_closure")

    with at(date(2026, 4, 1)):
        plan = ProblemSolvingPlan.open(
            partnership_id="north-herts", reference="PSP-2026-0001", title="Underpass",
            ward="Hitchin Bearton", priority=PRIORITY, allowed_priorities=[PRIORITY],
            lead_agency="north-herts-council", lead_officer="asb.officer.lee")
        plan.set_objective("Fewer calls")
        plan.advance()
        for side in TriangleSide:
            plan.record_scanning(side, "What happens", "weekly", "6 months", ["police"])
        plan.record_baseline("Calls", 20, date(2026, 1, 1), date(2026, 3, 1))
        plan.advance()
        for side in TriangleSide:
            plan.record_analysis(side, "Why")
        plan.record_triggers("Dark evenings")
        plan.set_hypothesis("Poor lighting")
        plan.add_specific_objective("Fewer calls", "Calls", 5)
        plan.advance()
        plan.plan_response("Better lighting", "settle-housing", "housing.officer.ray",
                           date(2026, 5, 10))
        plan.record_sign_off("sgt.patel")

    with at(date(2026, 4, 20)):
        review = CaseReview.receive(
            partnership_id="north-herts", reference="CR-2026-0001",
            applicant=Applicant(ApplicantRole.VICTIM, VictimKind.BUSINESS),
            applicant_description="The shop", received_via=ApplicationChannel.EMAIL,
            received_on=date(2026, 4, 20))
    with at(date(2026, 4, 27)):
        review.acknowledge(date(2026, 4, 21))
        review.decide_threshold(TriggerRules(), date(2026, 4, 22))
        review.agree_discretionary_review(date(2026, 4, 23), "Vulnerable")
        review.hold_review(date(2026, 4, 27), agencies_attending=["herts-police"],
                           victim_participation=VictimParticipation.ATTENDED,
                           findings="More patrols")
        review.make_recommendation("north-herts-council", "Share reports weekly",
                                   date(2026, 5, 14), date(2026, 4, 27))
    with at(date(2026, 5, 1)):
        late = CaseReview.receive(
            partnership_id="north-herts", reference="CR-2026-0002",
            applicant=Applicant(ApplicantRole.VICTIM, VictimKind.COMMUNITY_GROUP),
            applicant_description="A residents' group", received_via=ApplicationChannel.PHONE,
            received_on=date(2026, 5, 1))
        store.save(high, old, plan, review, late)
    assert container.projections is not None
    container.projections.catch_up()
    return {"actions": {str(red): "red", str(amber): "amber", str(green): "green"}}


def get(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_the_jag_tasking_list(client: TestClient, auth: TokenFactory,
                              tasking_data: dict[str, Any]) -> None:
    coordinator = auth("coordinator")
    body = get(client, "/api/jag/tasking", coordinator, partnership_id="north-herts",
               meeting_date=MEETING.isoformat()).json()
    assert (body["since"], body["amber_within_days"]) == ("2026-04-14", 7)
    assert [(r["reference"], r["status"]) for r in body["new_referrals"]] == [
        ("ASB-2026-00001", "open")]
    [priority] = body["priority_cases"]
    assert (priority["reference"], priority["high_risk"], priority["vulnerable_victim"]) == (
        "ASB-2026-00001", True, True)
    assert [(p["reference"], p["awaiting"]) for p in body["plans"]] == [
        ("PSP-2026-0001", ["jag_agreement"])]
    milestones = {r["reference"]: [(m["milestone"], m["rag"]) for m in r["milestones"]]
                  for r in body["case_reviews"]}
    # Received Friday 1 May; Monday 4 May was a bank holiday: acknowledgement due 6 May.
    assert milestones["CR-2026-0002"] == [("acknowledgement", "red"),
                                          ("threshold_decision", "amber")]
    assert milestones["CR-2026-0001"] == [("outcome", "red")]
    agencies = {a["agency"]: a for a in body["agencies"]}
    assert set(agencies) >= {"herts-police", "north-herts-council", "settle-housing",
                             "herts-fire"}
    assert agencies["herts-fire"]["tasks"] == []
    tasks = {(t["kind"], t["item"]): (a["agency"], t["rag"]) for a in body["agencies"]
             for t in a["tasks"]}
    for action_id, colour in tasking_data["actions"].items():
        assert tasks[("action", action_id)][1] == colour
    assert tasks[("recommendation", "R1")] == ("north-herts-council", "amber")
    assert tasks[("response", "R1")] == ("settle-housing", "red")
    police = agencies["herts-police"]
    assert (police["red"], police["amber"], police["green"]) == (1, 0, 1)
    assert [t["rag"] for t in police["tasks"]] == ["red", "green"]  # red first
    assert {(c["reference"], c["reason"]) for c in body["awaiting_closure"]} == {
        ("ASB-2026-00002", "supervisor recommended closure")}

    # The same day a week later: the amber tasks are now overdue.
    later = get(client, "/api/jag/tasking", coordinator, partnership_id="north-herts",
                meeting_date=(MEETING + timedelta(days=7)).isoformat()).json()
    assert {t["rag"] for a in later["agencies"] for t in a["tasks"]
            if t["item"] == "R1"} == {"red"}


def test_the_jag_tasking_list_as_csv_and_who_may_read_it(
        client: TestClient, auth: TokenFactory, tasking_data: dict[str, Any]) -> None:
    response = get(client, "/api/jag/tasking", {**auth("officer"), "Accept": "text/csv"},
                   partnership_id="north-herts", meeting_date=MEETING.isoformat())
    assert response.headers["content-type"].startswith("text/csv")
    assert "jag-tasking-north-herts-2026-05-12.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["section"] for r in rows} == {
        "new_referral", "priority_case", "plan", "case_review_milestone", "task",
        "awaiting_closure"}
    red = [r for r in rows if r["section"] == "task" and r["status"] == "red"]
    assert {(r["agency"], r["description"], r["detail"]) for r in red} >= {
        ("herts-police", "Visit the victim", "overdue by 7 days")}
    params = {"partnership_id": "north-herts", "meeting_date": MEETING.isoformat()}
    assert client.get("/api/jag/tasking", params=params,
                      headers=auth("rag")).status_code == 403
    assert client.get("/api/jag/tasking", params={**params, "partnership_id": "st-albans"},
                      headers=auth("officer")).status_code == 403
    assert client.get("/api/jag/tasking", params={**params, "meeting_date": "12/05/2026"},
                      headers=auth("officer")).status_code == 422


@pytest.fixture
def quarter_data(container: Container) -> None:
    cases = [open_case(f"ASB-2026-{n:05d}", day, ward=ward)
             for n, (day, ward) in enumerate([
                 (date(2026, 4, 2), "Hitchin Bearton"), (date(2026, 4, 3), "Hitchin Bearton"),
                 (date(2026, 4, 4), "Hitchin Bearton"), (date(2026, 4, 5), "Hitchin Bearton"),
                 (date(2026, 4, 6), "Hitchin Bearton"), (date(2026, 4, 7), "Hitchin Bearton"),
                 (date(2026, 5, 1), "Baldock Town"), (date(2026, 2, 1), "Baldock Town")],
                 start=1)]
    with at(date(2026, 5, 2)):
        for number, case in enumerate(cases[:3]):
            case.log_incident(
                occurred_at=datetime(2026, 5, 1, 20 + number, tzinfo=UTC),
                reported_at=datetime(2026, 5, 1, 23, 30, tzinfo=UTC),
                reported_to_agency="herts-police", description="Shouting")
    container.store.save(*cases)
    assert container.projections is not None
    container.projections.catch_up()


def test_the_rag_overview(client: TestClient, auth: TokenFactory, quarter_data: None) -> None:
    body = get(client, "/api/rag/overview", auth("rag"), quarter="2026-27-Q1",
               partnership_id="north-herts").json()
    assert (body["first_day"], body["last_day"], body["previous_quarter"],
            body["same_quarter_last_year"]) == ("2026-04-01", "2026-06-30", "2025-26-Q4",
                                                "2025-26-Q1")
    sections = {s["name"]: s for s in body["sections"]}
    wards = {r["label"]: (r["this_quarter"], r["previous_quarter"])
             for r in sections["cases_opened_by_ward"]["rows"]}
    assert wards["Hitchin Bearton"] == ("suppressed", 0)  # else 7 - 6 gives Baldock away
    assert wards["Baldock Town"] == ("fewer than 5", "fewer than 5")
    assert wards["Royston Palace"] == (0, 0)
    total = sections["cases_opened_by_ward"]["total"]
    assert (total["this_quarter"], total["previous_quarter"]) == (7, "fewer than 5")
    assert sections["open_cases_by_risk"]["total"]["this_quarter"] == 8
    assert "fewer than 5" in body["suppression"]
    text = str(body)
    for personal in ("Loud music", "1 High Street", "ASB-2026-0"):
        assert personal not in text

    response = get(client, "/api/rag/overview", auth("coordinator"), quarter="2026-27 Q1",
                   partnership_id="north-herts", format="csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["partnership_id", "section", "title", "label", "2026-27-Q1",
                       "2025-26-Q4", "2025-26-Q1"]
    assert ["north-herts", "cases_opened_by_ward", "Cases opened, by ward", "total", "7",
            "fewer than 5", "0"] in rows


def test_the_rag_reports_are_for_report_readers_only(
        client: TestClient, auth: TokenFactory, quarter_data: None) -> None:
    params = {"quarter": "2026-27-Q1", "partnership_id": "north-herts"}
    for path in ("/api/rag/overview", "/api/rag/data-return"):
        assert client.get(path, params=params, headers=auth("officer")).status_code == 403
        assert client.get(path, params={**params, "partnership_id": "st-albans"},
                          headers=auth("rag")).status_code == 403
        bad = client.get(path, params={**params, "quarter": "Q1 2026"}, headers=auth("rag"))
        assert bad.status_code == 422
        assert "quarter" in bad.text


def test_the_quarterly_data_return(client: TestClient, auth: TokenFactory,
                                   quarter_data: None) -> None:
    response = get(client, "/api/rag/data-return", auth("rag"), quarter="2026-27-Q1",
                   partnership_id="north-herts")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    # 20:00, 21:00 and 22:00 UTC on 1 May are 21:00, 22:00 and 23:00 in London (BST).
    assert [(r["date"], r["time"], r["ward"], r["outward_postcode"]) for r in rows] == [
        ("2026-05-01", "21:00", "Hitchin Bearton", "SG5"),
        ("2026-05-01", "22:00", "Hitchin Bearton", "SG5"),
        ("2026-05-01", "23:00", "Hitchin Bearton", "SG5")]
    assert set(rows[0]) == {"partnership_id", "quarter", "nsir_category", "asb_type", "date",
                            "time", "ward", "outward_postcode", "reports", "agencies"}
    as_json = get(client, "/api/rag/data-return", auth("auditor"), quarter="2026-27-Q1",
                  partnership_id="north-herts", format="json").json()
    assert len(as_json) == 3
    log = get(client, "/api/audit/access-log", auth("auditor"), user_id="pc.jones").json()
    assert [e["action"] for e in log["entries"]] == ["export", "export"]
