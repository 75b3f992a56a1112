"""Pages: ASB Case Reviews. The application form with several complaints (and a button
that adds a row without JavaScript), the threshold decision with its reasoning, milestone
status, the meeting, recommendations, outcome, escalation, withdrawal, roles, the list.

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
from tests.e2e.test_pages_cases import (
    error_summary,
    form_values,
    hidden_fields,
    open_case,
    sign_in,
    submit,
)

sqlite_only = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
LONDON = ZoneInfo("Europe/London")


def today() -> date:
    return datetime.now(tz=LONDON).date()


def days_ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


def complaint_row(row: int, behaviour_days_ago: int, reported_days_ago: int,
                  agency: str = "herts-police", reference: str = "",
                  description: str = "Shouting and banging at night.") -> dict[str, str]:
    behaviour = f"{days_ago(behaviour_days_ago)}T21:30"
    return {f"complaints.{row}.behaviour_at": behaviour,
            f"complaints.{row}.reported_on": days_ago(reported_days_ago),
            f"complaints.{row}.agency": agency,
            f"complaints.{row}.agency_reference": reference,
            f"complaints.{row}.complainant": "victim",
            f"complaints.{row}.description": description}


def application(**extra: str) -> dict[str, str]:
    return {"applicant_role": "victim", "victim_kind": "business",
            "applicant_description": "The shop owner, about a group outside the shop.",
            "received_via": "email", "received_on": days_ago(2), **extra}


THREE_COMPLAINTS = {
    **complaint_row(0, 40, 39), **complaint_row(1, 25, 24, "north-herts-council"),
    **complaint_row(2, 10, 9, "settle-housing", description="Threats in the stairwell."),
}


def receive(client: TestClient, fields: dict[str, str]) -> str:
    response = submit(client, "/case-reviews/new", fields)
    assert response.status_code == 303, (error_summary(response.text), response.text)
    location: str = response.headers["location"]
    assert re.fullmatch(r"/case-reviews/[0-9a-f-]{36}", location)
    return location


def step(client: TestClient, path: str, fields: dict[str, Any] | None = None) -> None:
    response = submit(client, path, fields or {})
    assert response.status_code == 303, (path, error_summary(response.text), response.text)


def section(page: str, section_id: str) -> str:
    found = re.search(rf'<section class="section[^"]*" id="{section_id}".*?</section>', page,
                      re.S)
    assert found is not None, section_id
    return found.group(0)


def milestone(page: str, name: str) -> str:
    row = re.search(rf"<tr[^>]*>\s*<td>{name}<br>.*?</tr>", section(page, "milestones"), re.S)
    assert row is not None, name
    return row.group(0)


def test_an_application_with_three_complaints_meets_the_threshold(
        client: TestClient, container: Container) -> None:
    sign_in(client, container, "coordinator", user="csp.coordinator")
    form = client.get("/case-reviews/new")
    assert form.status_code == 200
    assert form.text.count('<fieldset class="fieldset complaint-row"') == 3
    # "Add another complaint" sends the form back with one more row and nothing lost.
    typed = {**form_values(form.text), **application(), **THREE_COMPLAINTS}
    more = client.post("/case-reviews/new", data={**typed, "action": "add-complaint"})
    assert more.status_code == 200
    assert more.text.count('<fieldset class="fieldset complaint-row"') == 4
    assert hidden_fields(more.text)["complaint_rows"] == "4"
    assert 'id="f-complaints-3-behaviour-at"' in more.text
    assert re.search(r'id="f-complaints-3-behaviour-at"[^>]*autofocus', more.text)
    assert ">Threats in the stairwell.</textarea>" in more.text
    assert "There is a problem" not in more.text

    review = receive(client, {**form_values(more.text), **application(), **THREE_COMPLAINTS})
    page = client.get(review).text
    assert "Application recorded." in page
    assert re.search(r"CR-\d{4}-\d{4}", page)
    complaints = section(page, "complaints")
    assert complaints.count("<tr>") == 4  # the header and three complaints; the empty row
    assert "Threats in the stairwell." in complaints
    # Before the decision the page says what the rules would decide today.
    assert "If it were decided today with the local rules: Threshold met" in page
    assert "Not yet" in milestone(page, "Acknowledge the application")

    step(client, f"{review}/acknowledge")
    decide = client.get(f"{review}/threshold-decision").text
    assert "What the local rules say of the complaints now" in decide
    assert "Threshold met: 3 qualifying complaints (C1, C2, C3); 3 needed." in decide
    step(client, f"{review}/threshold-decision")
    page = client.get(review).text
    assert "Threshold decided." in page
    threshold = section(page, "threshold")
    assert "Threshold met: 3 qualifying complaints (C1, C2, C3); 3 needed." in threshold
    assert "Qualifying complaints needed" in threshold
    assert "C1 counts." in threshold
    assert "Qualifying complaints" in threshold.replace("Route</dt><dd>", "")
    for name in ("Acknowledge the application", "Decide the threshold"):
        assert 'milestone-status--done">Done</span>' in milestone(page, name)
    meeting = milestone(page, "Hold the review meeting")
    assert "milestone-status--due" in meeting
    assert ">Due</span>" in meeting
    assert "Within 20 working days" in meeting
    assert f'href="{review}/meetings/new"' in page


@sqlite_only
def test_errors_are_shown_on_the_complaint_row_and_the_input_kept(
        client: TestClient, container: Container) -> None:
    sign_in(client, container)
    fields = {**application(applicant_description=""), **complaint_row(0, 20, 19),
              **complaint_row(1, 10, 12)}
    response = submit(client, "/case-reviews/new", fields)
    assert response.status_code == 422
    assert error_summary(response.text) == [
        ("#f-applicant-description", "Enter who applied and why"),
        ("#f-complaints-1-reported-on",
         "A complaint cannot be reported before the behaviour it is about."),
    ]
    assert 'id="f-complaints-1-reported-on-error"' in response.text
    assert f'value="{days_ago(12)}"' in response.text
    missing = submit(client, "/case-reviews/new", {
        **application(), **complaint_row(0, 20, 19), "complaints.0.agency": "",
        "complaints.0.behaviour_at": "yesterday"})
    assert error_summary(missing.text) == [
        ("#f-complaints-0-behaviour-at",
         "Enter when the behaviour in complaint 1 happened as a date and time, "
         "like 2026-03-02 09:15"),
        ("#f-complaints-0-agency", "Choose the agency complaint 1 was reported to"),
    ]
    on_behalf = submit(client, "/case-reviews/new", {
        **application(applicant_role="councillor"), **complaint_row(0, 20, 19)})
    assert error_summary(on_behalf.text) == [
        ("#f-consent-given-on", "Enter the day the victim gave consent"),
        ("#f-consent-method", "Choose how the victim gave consent"),
    ]


@sqlite_only
def test_a_victim_recorded_with_the_application_is_registered_once(
        client: TestClient, container: Container) -> None:
    sign_in(client, container)
    fields = {**application(applicant_role="councillor", victim_kind="person",
                            victim_choice="new", victim_name="Margaret Example",
                            consent_given_on=days_ago(1), consent_method="written",
                            received_on=days_ago(2)),
              **THREE_COMPLAINTS}
    late_consent = submit(client, "/case-reviews/new", fields)
    assert late_consent.status_code == 422
    assert error_summary(late_consent.text) == [
        ("#f-consent-given-on", "Consent must have been given by the day the application "
                                "was received.")]
    # The person was registered before the application failed: the form now offers them.
    kept = hidden_fields(late_consent.text)
    assert 'value="existing" checked' in late_consent.text
    person_id = re.search(r'id="f-victim-person-id"[^>]*value="([0-9a-f-]{36})"',
                          late_consent.text)
    assert person_id is not None, kept
    review = receive(client, {**form_values(late_consent.text),
                              "consent_given_on": days_ago(3)})
    page = client.get(review).text
    assert "Margaret Example" in page
    review_id = UUID(review.rsplit("/", 1)[1])
    stored = container.store.repository.get(review_id)
    assert str(stored.applicant.victim_person_id) == person_id.group(1)
    entries = container.access_log.query(AccessQuery(person_id=UUID(person_id.group(1))))
    assert "view-case-review" in [e.action for e in entries]


@sqlite_only
def test_a_threshold_not_met_says_why_for_each_complaint(client: TestClient,
                                                        container: Container) -> None:
    sign_in(client, container, "coordinator", user="csp.coordinator")
    review = receive(client, {
        **application(),
        **complaint_row(0, 60, 20),  # made more than a month after the behaviour
        **complaint_row(1, 15, 14, reference="CAD-1"),
        **complaint_row(2, 15, 13, "north-herts-council", reference="CAD-1")})
    step(client, f"{review}/acknowledge")
    step(client, f"{review}/threshold-decision")
    page = client.get(review).text
    threshold = section(page, "threshold")
    assert "Threshold not met: 1 qualifying complaint (C2); 3 needed." in threshold
    assert ("C1 did not count: it was made more than 1 month after the behaviour it is "
            "about.") in threshold
    assert "C3 did not count: it is about the same incident as C2, which counts instead." \
        in threshold
    complaints = section(page, "complaints")
    assert complaints.count('finding--not-counted">No</span>') == 2
    assert f'href="{review}/discretionary-review"' in page
    step(client, f"{review}/discretionary-review", {"reason": "Repeat victim."})
    assert "Review agreed on discretion" in client.get(review).text


@sqlite_only
def test_late_milestones_are_marked_in_colour_and_words(client: TestClient,
                                                       container: Container) -> None:
    sign_in(client, container)
    review = receive(client, {**application(received_on=days_ago(40)),
                              **complaint_row(0, 60, 50)})
    page = client.get(review).text
    acknowledgement = milestone(page, "Acknowledge the application")
    assert 'class="table__row--overdue"' in acknowledgement
    assert 'milestone-status--missed">Missed</span>' in acknowledgement
    assert "2 milestones late" in page
    step(client, f"{review}/acknowledge")
    assert 'milestone-status--done_late">Done late</span>' in milestone(
        client.get(review).text, "Acknowledge the application")


@sqlite_only
def test_from_the_meeting_to_closure_and_escalation(client: TestClient,
                                                   container: Container) -> None:
    sign_in(client, container, "coordinator", user="csp.coordinator")
    review = receive(client, {**application(), **THREE_COMPLAINTS})
    step(client, f"{review}/acknowledge")
    step(client, f"{review}/threshold-decision")
    no_agency = submit(client, f"{review}/meetings/new", {"agencies_attending": [],
                                                          "findings": "x"})
    assert error_summary(no_agency.text) == [
        ("#f-agencies-attending", "Choose the agencies attending"),
        ("#f-victim-participation", "Choose how the victim took part")]
    step(client, f"{review}/meetings/new", {
        "agencies_attending": ["herts-police", "settle-housing"],
        "victim_participation": "attended", "findings": "No joint plan between agencies."})
    step(client, f"{review}/victim-consultations/new", {"response": "Agrees with the plan."})
    deadline = (today() + timedelta(days=30)).isoformat()
    for text in ("Offer a management move.", "Install a camera."):
        step(client, f"{review}/recommendations/new", {
            "to_agency": "settle-housing", "recommendation": text, "deadline": deadline})
    page = client.get(review).text
    assert "Hertfordshire Constabulary, Settle (housing association)" in section(page,
                                                                               "meeting")
    assert "Agrees with the plan." in page
    step(client, f"{review}/recommendations/1/complete")
    step(client, f"{review}/recommendations/2/not-accepted", {"reason": "No budget."})
    assert client.get(f"{review}/recommendations/7/complete").status_code == 404
    step(client, f"{review}/outcome", {"via": "letter"})
    step(client, f"{review}/close")
    page = client.get(review).text
    recommendations = section(page, "recommendations")
    assert "Done " in recommendations
    assert "No budget." in recommendations
    assert "Closed " in section(page, "outcome")
    assert 'milestone-status--done">Done</span>' in milestone(
        page, "Send the outcome to the applicant")
    step(client, f"{review}/escalation", {"reviewer": "PCC's office",
                                          "grounds": "Police reports were missed."})
    step(client, f"{review}/escalation/resolution", {"result": "upheld_referred_back",
                                                     "notes": "Look again."})
    page = client.get(review).text
    assert "Upheld referred back" in section(page, "escalation")
    assert "Reopened" in page
    assert f'href="{review}/meetings/new"' in page


@sqlite_only
def test_withdrawal_and_adding_a_complaint_later(client: TestClient,
                                                 container: Container) -> None:
    sign_in(client, container)
    review = receive(client, {**application(), **complaint_row(0, 20, 19)})
    step(client, f"{review}/complaints/new", {
        "behaviour_at": f"{days_ago(8)}T20:00", "reported_on": days_ago(7),
        "agency": "herts-police", "complainant": "neighbour-2",
        "description": "Music until 3am."})
    page = client.get(review).text
    assert "Music until 3am." in page
    assert "neighbour-2" in page
    step(client, f"{review}/withdraw", {"reason": "Moved away."})
    page = client.get(review).text
    assert "Withdrawn " in page
    assert "Moved away." in page
    assert f'href="{review}/acknowledge"' not in page


@sqlite_only
def test_roles_and_partnerships_apply_as_in_the_api(client: TestClient,
                                                   container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    reference = re.search(r"ASB-\d{4}-\d{5}", client.get(case).text)
    assert reference is not None
    unknown = submit(client, "/case-reviews/new", {
        **application(asb_case_ids="ASB-2001-99999"), **complaint_row(0, 20, 19)})
    assert error_summary(unknown.text)[0][0] == "#f-asb-case-ids"
    review = receive(client, {**application(asb_case_ids=reference.group(0)),
                              **complaint_row(0, 20, 19)})
    assert f'href="{case}">{reference.group(0)}</a>' in client.get(review).text
    step(client, f"{review}/acknowledge")
    # Officers record the steps; only coordinators decide the threshold.
    assert client.get(f"{review}/threshold-decision").status_code == 403
    assert "Decide the threshold</a>" not in client.get(review).text
    sign_in(client, container, "rag", user="rag.member")
    for path in ("/case-reviews", "/case-reviews/new", review, f"{review}/acknowledge"):
        assert client.get(path).status_code == 403, path
    sign_in(client, container, "officer", user="pc.green", agency="herts-police",
            partnerships=("st-albans",))
    assert client.get(review).status_code == 404
    sign_in(client, container, "auditor", user="ig.auditor", partnerships=("*",))
    page = client.get(review)
    assert page.status_code == 200
    assert "Add a complaint" not in page.text
    assert client.get(f"{review}/withdraw").status_code == 403


@sqlite_only
def test_the_case_review_list(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    first = receive(client, {**application(received_on=days_ago(40)),
                             **complaint_row(0, 60, 50)})
    receive(client, {**application(), **complaint_row(0, 20, 19)})
    assert container.projections is not None
    container.projections.catch_up()
    page = client.get("/case-reviews").text
    assert "2 case reviews" in page
    assert 'class="table__row--overdue"' in page
    assert "milestone-status--missed" in page
    reference = re.search(r"CR-\d{4}-\d{4}", client.get(first).text)
    assert reference is not None
    found = client.get("/case-reviews", params={"q": reference.group(0)},
                       follow_redirects=False)
    assert (found.status_code, found.headers["location"]) == (303, first)
    assert "No case reviews match" in client.get("/case-reviews",
                                                 params={"status": "closed"}).text


@sqlite_only
def test_a_form_about_a_recommendation_never_made_is_not_found_even_when_stale(
        client: TestClient, container: Container) -> None:
    """Recommendations are never taken away, so a stale form about one is the ordinary
    conflict; a made-up number stays a 404 even on a form older than the review."""
    sign_in(client, container, "coordinator", user="csp.coordinator")
    review = receive(client, {**application(), **THREE_COMPLAINTS})
    step(client, f"{review}/acknowledge")
    step(client, f"{review}/threshold-decision")
    step(client, f"{review}/meetings/new", {
        "agencies_attending": ["herts-police"], "victim_participation": "attended",
        "findings": "No joint plan between agencies."})
    made = {"to_agency": "settle-housing", "recommendation": "Offer a management move.",
            "deadline": (today() + timedelta(days=30)).isoformat()}
    step(client, f"{review}/recommendations/new", made)
    form = client.get(f"{review}/recommendations/1/complete").text
    step(client, f"{review}/recommendations/new", {**made, "recommendation": "A camera."})
    current = hidden_fields(client.get(f"{review}/recommendations/new").text)["version"]

    made_up = submit(client, f"{review}/recommendations/7/complete", {}, form)
    assert made_up.status_code == 404
    assert "Page not found" in made_up.text
    stale = submit(client, f"{review}/recommendations/1/complete", {}, form)
    assert stale.status_code == 409
    assert "Someone else changed this case review while you were editing" in stale.text
    assert "A camera." in stale.text
    assert hidden_fields(stale.text)["version"] == current  # the form, moved on
    assert hidden_fields(client.get(f"{review}/recommendations/new").text)[
        "version"] == current
