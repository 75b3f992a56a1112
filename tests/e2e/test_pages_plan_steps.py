"""Pages: the plan steps beyond O'SARA itself (``pages/plan_steps.py``): the lead, the
priority, linked cases, a response's progress, removing a specific objective, the budget,
risks, timescale, milestones and periodic reviews.

Every form is checked the same way: GET shows it with labelled fields; an invalid POST is
a 422 with the error summary naming the field and writes nothing; a form read before
someone else's change is a 409 conflict page that writes nothing, and sent again from
there it changes the plan (checked through the API) and redirects with the flash; a role
the API refuses gets a 403 page (and the API's 403). Then: which links the plan page shows
to whom, and at which stage. SQLite only (the API tests cover both stores for every
command these forms send)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from adapters.http.pages.plan_steps import PLAN_MORE_STEPS
from adapters.http.pages.rendering import field_id
from tests.e2e.conftest import TokenFactory
from tests.e2e.test_pages_cases import (
    error_summary,
    hidden_fields,
    open_case,
    sign_in,
    submit,
)
from tests.e2e.test_pages_plans import (
    BASELINE,
    analyse_everything,
    open_plan,
    scan_everything,
    section,
    sqlite_only,
    step,
    to_scanning,
    today,
)

COUNCIL = "north-herts-council"
OTHER_PRIORITY = "Serious violence and knife crime"


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def plan_id_of(plan: str) -> str:
    return plan.rsplit("/", 1)[1]


def api_plan(client: TestClient, auth: TokenFactory, plan: str) -> dict[str, Any]:
    response = client.get(f"/api/plans/{plan_id_of(plan)}", headers=auth("officer"))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def version_of(container: Container, plan: str) -> int:
    version: int = container.store.repository.get(UUID(plan_id_of(plan))).version
    return version


def money(value: Any) -> Decimal:
    return Decimal(str(value))


# -- bringing a plan to where a form can be used ------------------------------------------------

@dataclass
class Setup:
    client: TestClient
    container: Container
    auth: TokenFactory
    plan: str
    values: dict[str, str] = field(default_factory=dict)
    """What a setup made that the form needs (``{case_id}`` in a path, a case reference)."""

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.request(
            method, f"/api/plans/{plan_id_of(self.plan)}{path}", json=body,
            headers=self.auth("officer", user="asb.officer.patel", agency=COUNCIL))
        assert response.status_code in {200, 201}, response.text
        return response.json()


def to_analysis(setup: Setup) -> None:
    to_scanning(setup.client, setup.plan)
    scan_everything(setup.client, setup.plan)
    step(setup.client, f"{setup.plan}/advance")
    analyse_everything(setup.client, setup.plan)


def to_response_with_a_response(setup: Setup) -> None:
    to_analysis(setup)
    step(setup.client, f"{setup.plan}/advance")
    step(setup.client, f"{setup.plan}/responses/new", {
        "description": "Licensing visit.", "agency": COUNCIL, "owner": "licensing.reid",
        "due_on": days(30)})


def a_case(setup: Setup) -> None:
    case = open_case(setup.client)
    setup.values["case_id"] = case.rsplit("/", 1)[1]
    reference = re.search(r"ASB-\d{4}-\d{5}", setup.client.get(case).text)
    assert reference is not None
    setup.values["reference"] = reference.group(0)


def a_linked_case(setup: Setup) -> None:
    a_case(setup)
    setup.api("POST", "/linked-cases", {"case_id": setup.values["case_id"]})


def matched_funding(setup: Setup) -> None:
    setup.api("POST", "/matched-funding", {"partner": COUNCIL, "amount": "1500"})


def a_risk(setup: Setup) -> None:
    setup.api("POST", "/risks", {"description": "Drinking moves to the churchyard",
                                 "mitigation": "Patrols", "level": "medium"})


def a_milestone(setup: Setup) -> None:
    setup.api("POST", "/milestones", {"title": "Licence review hearing", "due_on": days(20)})


def nothing(setup: Setup) -> None:
    return None


# -- the forms ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanForm:
    name: str
    """The step's name (``RecordStep.name``)."""
    path: str
    """After ``/plans/{id}/``; ``{case_id}`` is filled from the setup."""
    heading: str
    fields: tuple[str, ...]
    valid: Callable[[Setup], dict[str, str]]
    check: Callable[[dict[str, Any], Setup], None]
    """Asserts on the plan as the API gives it after the valid POST."""
    invalid: dict[str, str] | None
    """None: a form with no fields, sent without the version it was read at."""
    error: tuple[str, str]
    """(the error summary's link, the start of its message)."""
    flash: str
    anchor: str
    api: tuple[str, str, dict[str, Any]]
    """The same command through the API: method, path after the plan's, body."""
    setup: Callable[[Setup], None] = nothing
    writer: tuple[str, str, str] = ("officer", "asb.officer.patel", COUNCIL)
    refused: tuple[str, str, str] = ("auditor", "ig.auditor", "herts-police")


def check_lead(plan: dict[str, Any], _: Setup) -> None:
    assert plan["lead"] == {"agency": "herts-police", "officer": "sgt.khan"}


def check_priority(plan: dict[str, Any], _: Setup) -> None:
    assert plan["priority"] == OTHER_PRIORITY


def check_linked(plan: dict[str, Any], setup: Setup) -> None:
    assert plan["linked_case_ids"] == [setup.values["case_id"]]


def check_unlinked(plan: dict[str, Any], _: Setup) -> None:
    assert plan["linked_case_ids"] == []


def check_objective_removed(plan: dict[str, Any], _: Setup) -> None:
    assert plan["specific_objectives"] == []


def check_actioned(plan: dict[str, Any], _: Setup) -> None:
    response = plan["responses"][0]
    assert (response["status"], response["actioned_on"]) == ("actioned", today().isoformat())


def check_rescheduled(plan: dict[str, Any], _: Setup) -> None:
    assert plan["responses"][0]["due_on"] == days(45)


def check_requested(plan: dict[str, Any], _: Setup) -> None:
    assert money(plan["budget"]["amount_requested"]) == Decimal("4500.50")


def check_matched(plan: dict[str, Any], _: Setup) -> None:
    [matched] = plan["budget"]["matched_funding"]
    assert (matched["partner"], money(matched["amount"])) == (COUNCIL, Decimal(1500))


def check_withdrawn(plan: dict[str, Any], _: Setup) -> None:
    assert plan["budget"]["matched_funding"] == []


def check_awarded(plan: dict[str, Any], _: Setup) -> None:
    [award] = plan["budget"]["funding_awards"]
    assert award["funder"] == "PCC Community Fund"
    assert money(award["amount"]) == Decimal(4500)
    assert award["spend_by"] == days(200)
    assert plan["budget"]["under_rag_oversight"] is True


def check_spend(plan: dict[str, Any], _: Setup) -> None:
    [spend] = plan["budget"]["spend"]
    assert (money(spend["amount"]), spend["description"]) == (Decimal(1200), "Two benches")


def check_risk(plan: dict[str, Any], _: Setup) -> None:
    [risk] = plan["risks"]
    assert (risk["description"], risk["mitigation"], risk["level"]) == (
        "Drinking moves to the churchyard", "PCSO patrols of the churchyard", "high")


def check_risk_removed(plan: dict[str, Any], _: Setup) -> None:
    assert plan["risks"] == []


def check_timescale(plan: dict[str, Any], _: Setup) -> None:
    assert (plan["timescale"]["starts_on"], plan["timescale"]["ends_on"]) == (
        days(0), days(180))


def check_milestone(plan: dict[str, Any], _: Setup) -> None:
    titles = {m["title"]: m["due_on"] for m in plan["timescale"]["milestones"]}
    assert titles["Licence review hearing"] == days(30)


def check_achieved(plan: dict[str, Any], _: Setup) -> None:
    first = plan["timescale"]["milestones"][0]
    assert (first["number"], first["achieved_on"]) == (1, today().isoformat())


def check_next_review(plan: dict[str, Any], _: Setup) -> None:
    assert plan["governance"]["next_review_due"] == days(14)


def check_review(plan: dict[str, Any], _: Setup) -> None:
    [review] = plan["governance"]["reviews"]
    assert (review["held_on"], review["notes"]) == (today().isoformat(), "Calls are down.")
    assert plan["governance"]["next_review_due"] == days(28)  # the local interval


FORMS = (
    PlanForm("lead", "lead", "Change the lead", ("lead_agency", "lead_officer"),
             lambda s: {"lead_agency": "herts-police", "lead_officer": "sgt.khan"},
             check_lead, {"lead_officer": ""}, ("#f-lead-officer", "Enter the lead officer"),
             "Lead changed.", "about",
             ("POST", "/lead", {"lead_agency": "herts-police", "lead_officer": "sgt.khan"})),
    PlanForm("priority", "priority", "Change the partnership priority", ("priority",),
             lambda s: {"priority": OTHER_PRIORITY}, check_priority, {"priority": ""},
             ("#f-priority", "Choose the partnership priority"),
             "Partnership priority changed.", "about",
             ("POST", "/priority", {"priority": OTHER_PRIORITY})),
    PlanForm("link-case", "linked-cases/new", "Link an ASB case", ("case_id",),
             lambda s: {"case_id": s.values["reference"].lower()}, check_linked,
             {"case_id": "the noisy flat"},
             ("#f-case-id", "Enter a case reference, like ASB-2026-00042, or a case id"),
             "Case linked.", "about",
             ("POST", "/linked-cases", {"case_id": "5b0d2c7e-4f7e-5a59-9a32-0f1f3c0c8a11"}),
             setup=a_case),
    PlanForm("unlink-case", "linked-cases/{case_id}/unlink", "Unlink ASB-", (),
             lambda s: {}, check_unlinked, None, ("", "The form did not say which version"),
             "Case unlinked.", "about",
             ("POST", "/linked-cases/{case_id}/removal", {}), setup=a_linked_case),
    PlanForm("remove-objective", "specific-objectives/1/remove",
             "Remove specific objective 1", (), lambda s: {}, check_objective_removed, None,
             ("", "The form did not say which version"), "Specific objective removed.",
             "analysis", ("POST", "/specific-objectives/1/removal", {}), setup=to_analysis),
    PlanForm("action-response", "responses/1/action", "Record that work on R1 started",
             ("actioned_on",), lambda s: {"actioned_on": today().isoformat()},
             check_actioned, {"actioned_on": "soon"},
             ("#f-actioned-on", "Enter the day work started as a real date"),
             "Response actioned.", "response",
             ("POST", "/responses/1/actioning", {}), setup=to_response_with_a_response),
    PlanForm("reschedule-response", "responses/1/reschedule", "Change when R1 is due",
             ("due_on",), lambda s: {"due_on": days(45)}, check_rescheduled,
             {"due_on": days(-1)}, ("#f-due-on", "Due on ("),
             "Response rescheduled.", "response",
             ("POST", "/responses/1/rescheduling", {"due_on": days(45)}),
             setup=to_response_with_a_response),
    PlanForm("funding-request", "funding-request", "Set the amount requested", ("amount",),
             lambda s: {"amount": "£4,500.50"}, check_requested, {"amount": "lots"},
             ("#f-amount", "Enter the amount requested as a number, like 42"),
             "Amount requested set.", "budget",
             ("PUT", "/funding-request", {"amount": "4500"})),
    PlanForm("matched-funding", "matched-funding/new", "Record matched funding",
             ("partner", "amount"), lambda s: {"partner": COUNCIL, "amount": "1500"},
             check_matched, {"partner": "", "amount": "1500"},
             ("#f-partner", "Choose the partner"), "Matched funding recorded.", "budget",
             ("POST", "/matched-funding", {"partner": COUNCIL, "amount": "1500"})),
    PlanForm("withdraw-matched-funding", "matched-funding/withdraw",
             "Withdraw matched funding", ("partner",), lambda s: {"partner": COUNCIL},
             check_withdrawn, {"partner": ""}, ("#f-partner", "Choose the partner"),
             "Matched funding withdrawn.", "budget",
             ("POST", "/matched-funding/withdrawal", {"partner": COUNCIL}),
             setup=matched_funding),
    PlanForm("funding-award", "funding-awards/new", "Record a funding award",
             ("funder", "amount", "awarded_on", "spend_by"),
             lambda s: {"funder": "PCC Community Fund", "amount": "4500",
                        "awarded_on": today().isoformat(), "spend_by": days(200)},
             check_awarded,
             {"funder": "PCC Community Fund", "amount": "4500", "spend_by": days(-1)},
             ("#f-spend-by", "Spend by ("),
             "Funding award recorded: the plan is now overseen by the RAG.", "budget",
             ("POST", "/funding-awards", {"funder": "PCC", "amount": "4500",
                                          "awarded_on": days(0), "spend_by": days(200)}),
             writer=("coordinator", "csp.coordinator", COUNCIL),
             refused=("officer", "asb.officer.patel", COUNCIL)),
    PlanForm("spend", "spend/new", "Record money spent",
             ("amount", "spent_on", "description"),
             lambda s: {"amount": "1200", "spent_on": today().isoformat(),
                        "description": "Two benches"},
             check_spend, {"amount": "1200", "description": ""},
             ("#f-description", "Enter what it was spent on"), "Spend recorded.", "budget",
             ("POST", "/spend", {"amount": "1200", "spent_on": days(0),
                                 "description": "Benches"})),
    PlanForm("risk", "risks/new", "Add a risk", ("description", "mitigation", "level"),
             lambda s: {"description": "Drinking moves to the churchyard",
                        "mitigation": "PCSO patrols of the churchyard", "level": "high"},
             check_risk, {"description": "Drinking moves", "mitigation": "Patrols"},
             ("#f-level", "Choose the level"), "Risk added.", "risks",
             ("POST", "/risks", {"description": "Risk", "mitigation": "Patrols",
                                 "level": "low"})),
    PlanForm("remove-risk", "risks/1/remove", "Remove risk 1", (), lambda s: {},
             check_risk_removed, None, ("", "The form did not say which version"),
             "Risk removed.", "risks", ("POST", "/risks/1/removal", {}), setup=a_risk),
    PlanForm("timescale", "timescale", "Set the timescale", ("starts_on", "ends_on"),
             lambda s: {"starts_on": days(0), "ends_on": days(180)}, check_timescale,
             {"starts_on": days(10), "ends_on": days(5)}, ("#f-ends-on", "Ends on ("),
             "Timescale set.", "timescale",
             ("PUT", "/timescale", {"starts_on": days(0), "ends_on": days(9)})),
    PlanForm("milestone", "milestones/new", "Add a milestone", ("title", "due_on"),
             lambda s: {"title": "Licence review hearing", "due_on": days(30)},
             check_milestone, {"title": "", "due_on": days(30)},
             ("#f-title", "Enter the milestone"), "Milestone added.", "timescale",
             ("POST", "/milestones", {"title": "Hearing", "due_on": days(30)})),
    PlanForm("achieve-milestone", "milestones/1/achieve", "Record milestone 1 as achieved",
             ("achieved_on",), lambda s: {"achieved_on": today().isoformat()},
             check_achieved, {"achieved_on": days(1)}, ("#f-achieved-on", "Achieved on ("),
             "Milestone achieved.", "timescale",
             ("POST", "/milestones/1/achievement", {}), setup=a_milestone),
    PlanForm("next-review", "next-review", "Schedule the next review", ("due_on",),
             lambda s: {"due_on": days(14)}, check_next_review, {"due_on": days(-1)},
             ("#f-due-on", "Due on ("), "Next review scheduled.", "governance",
             ("PUT", "/next-review", {"due_on": days(14)})),
    PlanForm("review", "reviews/new", "Record a review",
             ("held_on", "notes", "next_review_due"),
             lambda s: {"held_on": today().isoformat(), "notes": "Calls are down.",
                        "next_review_due": ""},
             check_review, {"held_on": today().isoformat(), "notes": ""},
             ("#f-notes", "Enter what the review found"), "Review recorded.", "governance",
             ("POST", "/reviews", {"held_on": days(0), "notes": "Fine."})),
)


def test_every_new_step_has_a_form_here() -> None:
    assert {form.name for form in FORMS} == {s.name for s in PLAN_MORE_STEPS}


def interfere(setup: Setup) -> None:
    """Someone else changes the plan (a change none of the forms' checks looks at)."""
    setup.api("POST", "/milestones", {"title": "Someone else's milestone", "due_on": days(60)})


@sqlite_only
@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_the_form(form: PlanForm, client: TestClient, container: Container,
                  auth: TokenFactory) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    setup = Setup(client, container, auth, plan)
    form.setup(setup)
    path = f"{plan}/{form.path.format(**setup.values)}"
    role, user, agency = form.writer
    sign_in(client, container, role, user=user, agency=agency)

    # GET: the form, every field with its label.
    shown = client.get(path)
    assert shown.status_code == 200, shown.text
    assert f'<h1 class="heading-l">{form.heading}' in shown.text
    for name in form.fields:
        assert f'for="{field_id(name)}"' in shown.text, name
        assert f'id="{field_id(name)}"' in shown.text, name
    assert hidden_fields(shown.text)["version"] == str(version_of(container, plan))

    # Invalid: 422, the error summary names the field, nothing written.
    before = version_of(container, plan)
    if form.invalid is None:
        data = {k: v for k, v in hidden_fields(shown.text).items() if k != "version"}
        invalid = client.post(path, data=data, follow_redirects=False)
        assert invalid.status_code == 422
        assert form.error[1] in invalid.text
        assert "There is a problem" in invalid.text
    else:
        invalid = submit(client, path, form.invalid, shown.text)
        assert invalid.status_code == 422, error_summary(invalid.text)
        summary = error_summary(invalid.text)
        assert any(target == form.error[0] and text.startswith(form.error[1])
                   for target, text in summary), summary
        assert 'aria-invalid="true"' in invalid.text
    assert version_of(container, plan) == before

    # Stale: someone else changed the plan after the form was read.
    stale_form = client.get(path).text
    interfere(setup)
    changed = version_of(container, plan)
    conflict = submit(client, path, form.valid(setup), stale_form)
    assert conflict.status_code == 409, conflict.text
    assert "Someone else changed this plan while you were editing" in conflict.text
    assert "Someone else&#39;s milestone" in conflict.text
    assert version_of(container, plan) == changed
    assert hidden_fields(conflict.text)["version"] == str(changed)

    # Valid (sent again from the conflict page): the plan changes, back to it with the flash.
    done = submit(client, path, form.valid(setup), conflict.text)
    assert done.status_code == 303, error_summary(done.text)
    assert done.headers["location"] == f"{plan}#{form.anchor}"
    assert f"plan:{form.name}" in done.headers["set-cookie"]
    assert version_of(container, plan) == changed + 1
    form.check(api_plan(client, auth, plan), setup)
    page = client.get(plan).text
    assert form.flash in page

    # A role the API refuses: a 403 page for the form and its POST, as the API's 403.
    role, user, agency = form.refused
    sign_in(client, container, role, user=user, agency=agency,
            partnerships=("*",) if role == "auditor" else ("north-herts",))
    refused = client.get(path)
    assert refused.status_code == 403
    assert "You cannot use this page" in refused.text
    token = hidden_fields(client.get(plan).text)["csrf_token"]
    posted = client.post(path, data={"csrf_token": token, "version": str(changed + 1),
                                     **form.valid(setup)}, follow_redirects=False)
    assert posted.status_code == 403
    assert "You cannot use this page" in posted.text  # the role, not the CSRF check
    method, api_path, body = form.api
    through_api = client.request(
        method, f"/api/plans/{plan_id_of(plan)}{api_path.format(**setup.values)}",
        json=body, headers=auth(role, user=user, agency=agency))
    assert through_api.status_code == 403, through_api.text
    assert version_of(container, plan) == changed + 1


@sqlite_only
def test_a_case_reference_that_is_not_recorded_is_shown_on_the_field(
        client: TestClient, container: Container) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    unknown = submit(client, f"{plan}/linked-cases/new", {"case_id": "ASB-2026-99999"})
    assert unknown.status_code == 422
    assert error_summary(unknown.text) == [
        ("#f-case-id", "No ASB case ASB-2026-99999 is recorded in this plan's partnership")]


@sqlite_only
def test_a_missing_item_is_a_404_page(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    for path in ("risks/3/remove", "milestones/2/achieve", "responses/1/action",
                 "responses/1/reschedule", "specific-objectives/1/remove",
                 "linked-cases/5b0d2c7e-4f7e-5a59-9a32-0f1f3c0c8a11/unlink",
                 "linked-cases/not-an-id/unlink", "risks/x/remove"):
        assert client.get(f"{plan}/{path}").status_code == 404, path


@sqlite_only
def test_the_withdraw_form_offers_the_partners_with_matched_funding(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    setup = Setup(client, container, auth, plan)
    matched_funding(setup)
    page = client.get(plan).text
    link = f'href="{plan}/matched-funding/withdraw?partner={COUNCIL}"'
    assert link in section(page, "budget")
    form = client.get(f"{plan}/matched-funding/withdraw", params={"partner": COUNCIL}).text
    assert re.search(rf'value="{COUNCIL}" checked', form)
    assert f"{container.rules.agencies[COUNCIL]}: £1,500.00" in form


# -- links on the plan page ------------------------------------------------------------------

CONTEXT_LINKS = ("lead", "priority", "linked-cases/new")
ANY_STAGE_LINKS = ("funding-request", "matched-funding/new", "spend/new", "risks/new",
                   "timescale", "milestones/new", "reviews/new", "next-review")


def hrefs(page: str, plan: str) -> set[str]:
    return {href[len(plan) + 1:] for href in re.findall(rf'href="({re.escape(plan)}/[^"#]+)"',
                                                        page)}


@sqlite_only
def test_the_plan_page_links_each_form_when_it_can_be_used(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    setup = Setup(client, container, auth, plan)
    links = hrefs(client.get(plan).text, plan)
    assert set(CONTEXT_LINKS + ANY_STAGE_LINKS) <= links
    assert "funding-awards/new" not in links  # coordinators only
    assert not any(link.startswith("matched-funding/withdraw") for link in links)

    a_linked_case(setup)
    matched_funding(setup)
    a_risk(setup)
    a_milestone(setup)
    page = client.get(plan).text
    links = hrefs(page, plan)
    assert f"linked-cases/{setup.values['case_id']}/unlink" in links
    assert f"matched-funding/withdraw?partner={COUNCIL}" in links
    assert {"risks/1/remove", "milestones/1/achieve"} <= links
    assert setup.values["reference"] in page
    assert "£1,500.00" in section(page, "budget")
    assert "Drinking moves to the churchyard" in section(page, "risks")
    assert "Licence review hearing" in section(page, "timescale")
    step(client, f"{plan}/milestones/1/achieve", {})
    assert "milestones/1/achieve" not in hrefs(client.get(plan).text, plan)

    sign_in(client, container, "coordinator", user="csp.coordinator")
    assert "funding-awards/new" in hrefs(client.get(plan).text, plan)
    sign_in(client, container, "auditor", user="ig.auditor", partnerships=("*",))
    page = client.get(plan).text
    assert not hrefs(page, plan) & {*CONTEXT_LINKS, *ANY_STAGE_LINKS, "risks/1/remove",
                                    f"linked-cases/{setup.values['case_id']}/unlink"}
    assert "Drinking moves to the churchyard" in section(page, "risks")  # still shown

    # Removing a specific objective: only at analysis. Starting a response: only a
    # planned one; changing its due date: an open one.
    sign_in(client, container)
    to_analysis(setup)
    assert "specific-objectives/1/remove" in hrefs(client.get(plan).text, plan)
    step(client, f"{plan}/advance")
    step(client, f"{plan}/responses/new", {"description": "Licensing visit.", "agency": COUNCIL,
                                           "owner": "licensing.reid", "due_on": days(30)})
    links = hrefs(client.get(plan).text, plan)
    assert "specific-objectives/1/remove" not in links
    assert {"responses/1/action", "responses/1/reschedule"} <= links
    step(client, f"{plan}/responses/1/action", {})
    links = hrefs(client.get(plan).text, plan)
    assert "responses/1/action" not in links
    assert "responses/1/reschedule" in links

    # A closed plan links none of them.
    step(client, f"{plan}/community-involvement/new",
         {"stage": "response", "description": "Residents chose the responses."})
    sign_in(client, container, user="sgt.khan", agency="herts-police")
    step(client, f"{plan}/sign-off", {})
    sign_in(client, container, "coordinator", user="csp.coordinator")
    step(client, f"{plan}/jag-agreement", {})
    step(client, f"{plan}/responses/1/complete", {})
    step(client, f"{plan}/advance")
    step(client, f"{plan}/after-measures/new", {
        "name": BASELINE, "value": "14", "period_start": days(-5), "period_end": days(0)})
    step(client, f"{plan}/assessment", {"delivery": "in_full", "result": "reduced",
                                        "notes": "Calls fell."})
    step(client, f"{plan}/close", {})
    links = hrefs(client.get(plan).text, plan)
    assert links == {"reopen"}, links
    # The domain still decides: a form opened directly says why it cannot be used.
    closed = submit(client, f"{plan}/risks/new", {"description": "Late risk",
                                                  "mitigation": "None", "level": "low"})
    assert closed.status_code == 409
    assert "The plan is closed: reopen it to change anything." in closed.text


@sqlite_only
def test_a_date_is_checked_as_the_api_checks_it(client: TestClient, container: Container,
                                               auth: TokenFactory) -> None:
    """The review form's optional next date, left empty, takes the local interval; given,
    it must fall after the review."""
    sign_in(client, container)
    plan = open_plan(client)
    early = submit(client, f"{plan}/reviews/new", {"notes": "Fine.",
                                                   "next_review_due": days(0)})
    assert early.status_code == 422
    assert error_summary(early.text) == [("#f-next-review-due",
                                          "The next review must fall after this one.")]
    assert "28 days after this one" in early.text


# -- a form about an item someone else took away meanwhile --------------------------------

def conflict_box(page: str) -> str:
    found = re.search(r'<div class="conflict" role="alert".*?</ol>\s*</div>', page, re.S)
    assert found is not None, page
    return found.group(0)


@sqlite_only
def test_a_form_about_a_risk_removed_meanwhile_is_a_conflict_that_writes_nothing(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    setup = Setup(client, container, auth, plan)
    a_risk(setup)
    path = f"{plan}/risks/1/remove"
    form = client.get(path).text
    read_at = version_of(container, plan)
    setup.api("POST", "/risks/1/removal", {})
    removed = version_of(container, plan)

    conflict = submit(client, path, {}, form)
    assert conflict.status_code == 409, conflict.text
    box = conflict_box(conflict.text)
    assert 'aria-labelledby="conflict-title"' in box
    assert "data-focus" in box
    assert "Someone else changed this plan while you were editing" in box
    assert f"since version {read_at} (the plan is now at version {removed})" in box
    assert "The risk this form was about is no longer on the plan" in box
    assert "Drinking moves to the churchyard" in box  # the change: the risk removed
    assert '<h1 class="heading-l">Remove risk 1</h1>' in conflict.text
    assert f'href="{plan}#risks"' in conflict.text  # the way back to the plan
    assert "<form method=\"post\" novalidate>" not in conflict.text  # no form to send
    assert version_of(container, plan) == removed
    assert api_plan(client, auth, plan)["risks"] == []


@sqlite_only
def test_a_form_about_a_risk_never_on_the_plan_is_still_not_found(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    setup = Setup(client, container, auth, plan)
    a_risk(setup)
    form = client.get(f"{plan}/risks/1/remove").text
    setup.api("POST", "/risks/1/removal", {})
    removed = version_of(container, plan)
    made_up = submit(client, f"{plan}/risks/2/remove", {}, form)  # read at an older version
    assert made_up.status_code == 404
    assert "Page not found" in made_up.text
    current = submit(client, f"{plan}/risks/1/remove", {"version": str(removed)}, form)
    assert current.status_code == 404  # the form is not older than the plan
    assert version_of(container, plan) == removed


@sqlite_only
def test_matched_funding_can_come_from_a_partner_that_is_not_an_agency(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    path = f"{plan}/matched-funding/new"
    before = version_of(container, plan)
    unnamed = submit(client, path, {"partner": "another-partner", "amount": "900"})
    assert unnamed.status_code == 422
    assert error_summary(unnamed.text) == [("#f-other-partner",
                                            "Enter the other partner's name")]
    both = submit(client, path, {"partner": COUNCIL, "other_partner": "Hightown Housing",
                                 "amount": "900"})
    assert both.status_code == 422
    assert [target for target, _ in error_summary(both.text)] == ["#f-other-partner"]
    assert version_of(container, plan) == before

    done = submit(client, path, {"partner": "another-partner",
                                 "other_partner": "Hightown Housing", "amount": "900"})
    assert done.status_code == 303, error_summary(done.text)
    [matched] = api_plan(client, auth, plan)["budget"]["matched_funding"]
    assert (matched["partner"], money(matched["amount"])) == ("Hightown Housing",
                                                               Decimal(900))
    assert "Hightown Housing: £900.00" in client.get(
        f"{plan}/matched-funding/withdraw").text
