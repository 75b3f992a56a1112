"""Pages: problem-solving plans. Opening a plan, the O'SARA layout with what is complete
and what is missing, every step's form, conflicts, roles, the list, the printable plan.

The first test runs on both stores; the others on SQLite (the API tests cover both stores
for every command these forms send)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from application.access_log import AccessQuery
from tests.e2e.conftest import TokenFactory
from tests.e2e.test_pages_cases import error_summary, hidden_fields, sign_in, submit

PRIORITY = "Anti-social behaviour in town centres"
BASELINE = "Calls to police about Market Place"
sqlite_only = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)


def today() -> date:
    return datetime.now(tz=ZoneInfo("Europe/London")).date()


def open_plan(client: TestClient, **changes: str) -> str:
    response = submit(client, "/plans/new", {
        "title": "Street drinking in Market Place, Hitchin", "ward": "Hitchin Priory",
        "priority": PRIORITY, **changes})
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert re.fullmatch(r"/plans/[0-9a-f-]{36}", location)
    return location


def step(client: TestClient, path: str, fields: dict[str, Any] | None = None) -> None:
    response = submit(client, path, fields or {})
    assert response.status_code == 303, (path, error_summary(response.text), response.text)


def section(page: str, section_id: str) -> str:
    found = re.search(rf'<section class="section[^"]*" id="{section_id}".*?</section>', page,
                      re.S)
    assert found is not None, section_id
    return found.group(0)


def to_scanning(client: TestClient, plan: str) -> None:
    step(client, f"{plan}/objective", {"aim": "People can use Market Place without fear."})
    step(client, f"{plan}/advance")


def scan_everything(client: TestClient, plan: str) -> None:
    for side in ("victim", "location", "offender"):
        step(client, f"{plan}/scanning/{side}", {
            "description": f"What the {side} side shows.", "frequency": "Daily",
            "duration": "Since summer", "data_sources": "Police calls\nCouncil reports"})
    step(client, f"{plan}/baseline-measures/new", {
        "name": BASELINE, "value": "42",
        "period_start": (today() - timedelta(days=120)).isoformat(),
        "period_end": (today() - timedelta(days=30)).isoformat()})


def analyse_everything(client: TestClient, plan: str) -> None:
    for side in ("victim", "location", "offender"):
        step(client, f"{plan}/analysis/{side}", {"why": f"Why, from the {side} side."})
    step(client, f"{plan}/triggers", {"triggers": "Paydays and warm weather."})
    step(client, f"{plan}/hypothesis", {"hypothesis": "Cheap cider sold from 8am."})
    step(client, f"{plan}/specific-objectives/new", {
        "description": "Halve the calls in six months", "measure": BASELINE, "target": "21"})


def test_open_a_plan_and_see_what_is_missing_at_each_stage(client: TestClient,
                                                           container: Container) -> None:
    sign_in(client, container)
    form = client.get("/plans/new")
    assert form.status_code == 200
    fields = hidden_fields(form.text)
    assert fields["partnership_id"] == "north-herts"
    untitled = submit(client, "/plans/new", {"ward": "Hitchin Priory", "priority": PRIORITY})
    assert untitled.status_code == 422
    assert error_summary(untitled.text) == [("#f-title", "Enter a title for the plan")]
    assert 'aria-invalid="true"' in untitled.text
    assert "Hitchin Priory" in re.search(r'<option value="Hitchin Priory" selected',
                                         untitled.text).group(0)  # type: ignore[union-attr]

    plan = open_plan(client)
    page = client.get(plan).text
    assert "Plan opened. Set its overall aim first." in page
    assert re.search(r"PSP-\d{4}-\d{4}", page)
    # O'SARA in order, with the objective stage current and its one missing item linked.
    headings = re.findall(r'<h2 class="heading-m" id="(\w+)-heading"><span class="osara-letter"',
                          page)
    assert headings == ["objective", "scanning", "analysis", "response", "assessment"]
    progress = section(page, "progress")
    assert "In progress: 1 thing to do" in progress
    assert f'<a href="{plan}/objective">Set the overall aim of the plan</a>' in progress
    assert progress.count("Not started") == 4

    refused = submit(client, f"{plan}/advance", {})
    assert refused.status_code == 409
    assert "The objective stage is not complete" in refused.text

    to_scanning(client, plan)
    page = client.get(plan).text
    assert "The plan moved on to its next stage." in page
    progress = section(page, "progress")
    assert "What is missing before the plan can move on from scanning" in progress
    for side in ("victim", "location", "offender"):
        assert f'href="{plan}/scanning/{side}"' in progress
    assert f'href="{plan}/baseline-measures/new"' in progress
    assert "In progress: 4 things to do" in section(page, "scanning")
    assert 'stage-status--complete">Complete</span>' in section(page, "objective")
    assert "People can use Market Place without fear." in section(page, "objective")
    assert 'aria-current="step"' in progress

    scan_everything(client, plan)
    page = client.get(plan).text
    assert "Complete: ready to move on" in section(page, "scanning")
    assert "Nothing is missing at the scanning stage: the plan can move on." in page
    assert BASELINE in section(page, "scanning")
    # The history beside the plan says who did what.
    timeline = section(page, "timeline")
    assert "Baseline measure recorded" in timeline
    assert "Scanning (victim)" in timeline
    assert "Asb Officer Patel" in timeline


@sqlite_only
def test_a_plan_through_every_stage_to_closure(client: TestClient, container: Container,
                                               auth: TokenFactory) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    plan_id = plan.rsplit("/", 1)[1]
    to_scanning(client, plan)
    scan_everything(client, plan)
    step(client, f"{plan}/community-involvement/new",
         {"stage": "scanning", "description": "Street survey of 40 traders."})
    step(client, f"{plan}/advance")
    analyse_everything(client, plan)
    step(client, f"{plan}/advance")
    page = client.get(plan).text
    assert "Street survey of 40 traders." in section(page, "scanning")
    missing = section(page, "progress")
    assert "plan at least one response (not dropped)" in missing.lower()
    assert "Get supervisor sign-off" in missing

    due = (today() + timedelta(days=30)).isoformat()
    bad = submit(client, f"{plan}/responses/new", {"description": "Licensing visit.",
                                                   "agency": "north-herts-council",
                                                   "owner": "licensing.reid", "due_on": "soon"})
    assert error_summary(bad.text) == [("#f-due-on", "Enter the due date as a real date, "
                                                     "like 2026-03-20")]
    step(client, f"{plan}/responses/new", {"description": "Licensing visit.",
                                           "agency": "north-herts-council",
                                           "owner": "licensing.reid", "due_on": due,
                                           "depends_on_funding": "yes"})
    # The lead officer cannot sign off their own plan: the rule is shown on the form.
    own = submit(client, f"{plan}/sign-off", {})
    assert own.status_code == 409
    assert "The lead officer cannot sign off their own plan." in own.text
    sign_in(client, container, user="sgt.khan", agency="herts-police")
    step(client, f"{plan}/sign-off", {"notes": "Proportionate."})
    # Only coordinators record the JAG's agreement.
    assert client.get(f"{plan}/jag-agreement").status_code == 403
    assert "Record the JAG" not in client.get(plan).text
    sign_in(client, container, "coordinator", user="csp.coordinator")
    assert f'href="{plan}/jag-agreement"' in client.get(plan).text
    step(client, f"{plan}/jag-agreement", {"notes": "Agreed; housing to join."})
    sign_in(client, container)
    page = client.get(plan).text
    governance = section(page, "governance")
    assert "sgt.khan" in governance
    assert "Agreed; housing to join." in governance
    assert "Depends on funding" in section(page, "response")

    step(client, f"{plan}/responses/1/complete", {"notes": "Licence varied."})
    assert "Licence varied." in section(client.get(plan).text, "response")
    step(client, f"{plan}/advance")
    early = submit(client, f"{plan}/close", {})
    assert early.status_code == 409
    assert "The assessment is not complete" in early.text
    step(client, f"{plan}/after-measures/new", {
        "name": BASELINE, "value": "14", "period_start": (today() - timedelta(days=5)).isoformat(),
        "period_end": today().isoformat()})
    unnamed = submit(client, f"{plan}/assessment", {
        "delivery": "in_full", "result": "handed_to_another_agency", "notes": "Done."})
    assert error_summary(unnamed.text) == [("#f-handed-to",
                                            "Name the agency the problem was handed to.")]
    step(client, f"{plan}/assessment", {"delivery": "in_full", "result": "reduced",
                                        "notes": "Calls fell by two thirds."})
    page = client.get(plan).text
    assessment = section(page, "assessment")
    assert re.search(r">42</td>\s*<td[^>]*>21</td>\s*<td[^>]*>14</td>\s*<td[^>]*>-28</td>",
                     assessment)
    assert "The assessment is complete: the plan can be closed." in page
    step(client, f"{plan}/close", {"notes": "Objective met."})
    page = client.get(plan).text
    assert "The plan is closed: reduced." in page
    assert f'href="{plan}/responses/new"' not in page
    assert f"{plan}/reopen" in page
    step(client, f"{plan}/reopen", {"reason": "Drinking has returned."})
    assert "Plan reopened" in client.get(plan).text

    # Everything went through the same commands as the API.
    api = client.get(f"/api/plans/{plan_id}", headers=auth("officer")).json()
    assert (api["stage"], api["result"]) == ("assessment", "reduced")


@sqlite_only
def test_sending_a_plan_back_and_dropping_a_response(client: TestClient,
                                                     container: Container) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    to_scanning(client, plan)
    scan_everything(client, plan)
    step(client, f"{plan}/advance")
    analyse_everything(client, plan)
    step(client, f"{plan}/advance")
    step(client, f"{plan}/responses/new", {
        "description": "CCTV camera.", "agency": "north-herts-council", "owner": "cctv.lead",
        "due_on": (today() + timedelta(days=10)).isoformat()})
    no_reason = submit(client, f"{plan}/responses/1/drop", {})
    assert error_summary(no_reason.text) == [("#f-reason", "Enter why it is dropped")]
    step(client, f"{plan}/responses/1/drop", {"reason": "No funding."})
    assert client.get(f"{plan}/responses/9/drop").status_code == 404
    form = client.get(f"{plan}/send-back").text
    assert 'value="scanning"' in form
    assert 'value="analysis"' in form
    step(client, f"{plan}/send-back", {"to_stage": "analysis",
                                       "reason": "Licensing data shows late sales."})
    page = client.get(plan).text
    assert "Plan sent back." in page
    assert "Sent back to an earlier stage" in page
    assert "Licensing data shows late sales." in page
    assert "No funding." in section(page, "response")


@sqlite_only
def test_a_conflicting_change_is_explained_and_the_input_kept(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    plan_id = plan.rsplit("/", 1)[1]
    form = client.get(f"{plan}/objective").text
    assert hidden_fields(form)["version"] == "1"
    changed = client.put(f"/api/plans/{plan_id}/objective", json={"aim": "Set elsewhere."},
                         headers=auth("officer", user="pc.jones"))
    assert changed.status_code == 200
    conflict = submit(client, f"{plan}/objective", {"aim": "Mine."}, form)
    assert conflict.status_code == 409
    assert "Someone else changed this plan while you were editing" in conflict.text
    assert "Set elsewhere." in conflict.text
    assert "Pc Jones" in conflict.text
    assert ">Mine.</textarea>" in conflict.text
    assert hidden_fields(conflict.text)["version"] == "2"
    resent = submit(client, f"{plan}/objective", {"aim": "Mine."}, conflict.text)
    assert resent.status_code == 303
    assert "Mine." in section(client.get(plan).text, "objective")


@sqlite_only
def test_a_double_submitted_form_writes_once(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    form = client.get(f"{plan}/objective").text
    first = submit(client, f"{plan}/objective", {"aim": "Once."}, form)
    second = submit(client, f"{plan}/objective", {"aim": "Once."}, form)
    assert (first.status_code, second.status_code) == (303, 303)
    plan_id = UUID(plan.rsplit("/", 1)[1])
    assert container.store.repository.get(plan_id).version == 2
    no_token = client.post(f"{plan}/objective", data={"aim": "Forged.", "version": "2"})
    assert no_token.status_code == 403
    other = submit(client, f"{plan}/objective", {"aim": "Something else."}, form)
    assert other.status_code == 422
    assert "already sent once with other details" in other.text


@sqlite_only
def test_roles_and_partnerships_apply_as_in_the_api(client: TestClient,
                                                   container: Container) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    sign_in(client, container, "rag", user="rag.member")
    for path in ("/plans", "/plans/new", plan, f"{plan}/objective"):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert "You cannot use this page" in refused.text
    assert 'href="/plans"' not in client.get("/").text
    sign_in(client, container, "officer", user="pc.green", agency="herts-police",
            partnerships=("st-albans",))
    hidden = client.get(plan)
    assert hidden.status_code == 404
    assert "Street drinking" not in hidden.text
    sign_in(client, container, "auditor", user="ig.auditor", partnerships=("*",))
    page = client.get(plan)
    assert page.status_code == 200
    assert "Street drinking in Market Place" in page.text
    assert f'href="{plan}/objective"' not in page.text
    assert "Move on to" not in page.text
    assert client.get(f"{plan}/objective").status_code == 403
    assert client.get("/plans/not-a-plan").status_code == 404
    assert client.get(f"{plan}/scanning/bystander").status_code == 403
    sign_in(client, container)
    assert client.get(f"{plan}/scanning/bystander").status_code == 404


@sqlite_only
def test_plan_views_are_access_logged_and_printable(client: TestClient,
                                                    container: Container) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    plan_id = UUID(plan.rsplit("/", 1)[1])
    page = client.get(plan).text
    assert f'href="/api/plans/{plan_id}/document"' in page
    assert f'href="/audit/records/plan/{plan_id}"' in page
    document = client.get(f"/api/plans/{plan_id}/document")  # the session cookie is enough
    assert document.status_code == 200
    assert "Street drinking in Market Place" in document.text
    entries = container.access_log.query(AccessQuery(record_id=plan_id))
    assert "view-plan" in [e.action for e in entries]


@sqlite_only
def test_the_plan_list_finds_plans(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    first = open_plan(client)
    to_scanning(client, first)
    second = open_plan(client, title="Fly-tipping behind the parade")
    assert container.projections is not None
    container.projections.catch_up()
    page = client.get("/plans").text
    assert "2 plans" in page
    assert "Fly-tipping behind the parade" in page
    assert "Street drinking in Market Place" in page
    scanning = client.get("/plans", params={"stage": "scanning"}).text
    assert "1 plan." in scanning
    assert "Fly-tipping" not in scanning
    reference = re.search(r"PSP-\d{4}-\d{4}", client.get(second).text)
    assert reference is not None
    found = client.get("/plans", params={"q": reference.group(0)}, follow_redirects=False)
    assert found.status_code == 303
    assert found.headers["location"] == second
    assert "No plans match" in client.get("/plans", params={"q": "nothing like it"}).text
    searches = container.access_log.query(AccessQuery(user_id="asb.officer.patel"))
    assert [e.record_kind for e in searches if e.action == "search"] == ["plan"]
    home = client.get("/").text
    assert 'href="/plans"' in home
