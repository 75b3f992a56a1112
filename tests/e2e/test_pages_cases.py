"""Pages: opening a case, the case page, each step's form, conflicts, roles, as-at."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from adapters.http.pages.case_view import Describer, timeline
from adapters.http.security import SESSION_COOKIE
from application.access_log import AccessQuery
from application.context import Actor, RequestContext, acting_as
from domain.cases import RiskQuestionnaire
from domain.shared import clock
from tests.e2e.conftest import TokenFactory

LONDON = ZoneInfo("Europe/London")


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def error_summary(page: str) -> list[tuple[str, str]]:
    box = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    if box is None:
        return []
    return [(target, html.unescape(text)) for target, text in
            re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', box.group(0))]


def sign_in(client: TestClient, container: Container, role: str = "officer", *,
            user: str = "asb.officer.patel", agency: str = "north-herts-council",
            partnerships: tuple[str, ...] = ("north-herts",)) -> None:
    assert container.token_issuer is not None
    token = container.token_issuer.issue(
        user_id=user, display_name=user.replace(".", " ").title(), agency=agency,
        roles=[role], partnerships=list(partnerships))
    client.cookies.set(SESSION_COOKIE, token)


def local(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


class FormReader(HTMLParser):
    """What a browser would send from the page's main form (not the sign-out button)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, Any] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        if name in self.values:
            existing = self.values[name]
            self.values[name] = [*existing, value] if isinstance(existing, list) else [
                existing, value]
        else:
            self.values[name] = value

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_form = a.get("method") == "post" and a.get("action") != "/sign-out"
        if not self._in_form:
            return
        if tag == "input" and "name" in a:
            if a.get("type") in {"radio", "checkbox"}:
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
            else:
                self._add(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_values(page: str) -> dict[str, Any]:
    reader = FormReader()
    reader.feed(page)
    return reader.values


def submit(client: TestClient, path: str, fields: dict[str, Any],
           page: str | None = None) -> Any:
    """GET the form (unless given), then POST what a browser would: its values (hidden,
    defaults, as typed before) with ``fields`` typed over them."""
    form_page = page if page is not None else client.get(path).text
    data = {**form_values(form_page), **fields}
    return client.post(path, data=data, follow_redirects=False)


OPEN_FORM = {
    "partnership_id": "north-herts", "nsir_category": "personal", "asb_type": "noise",
    "summary": "Loud music from the flat above.", "address": "Flat 3, 12 Bancroft, Hitchin",
    "ward": "Hitchin Bearton", "outward_postcode": "SG5", "reporting_channel": "phone",
    "lead_agency": "north-herts-council", "lead_officer": "asb.officer.patel",
}


def open_case(client: TestClient, **changes: str) -> str:
    reported = local(datetime.now(tz=UTC) - timedelta(days=3))
    response = submit(client, "/cases/new", {**OPEN_FORM, "reported_at": reported, **changes})
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert re.fullmatch(r"/cases/[0-9a-f-]{36}", location)
    return location


def add_victim(client: TestClient, case: str, name: str = "Margaret Example") -> None:
    response = submit(client, f"{case}/parties/new", {
        "role": "victim", "person_choice": "new", "kind": "individual", "name": name,
        "consent_to_share": "yes"})
    assert response.status_code == 303, response.text


def test_new_case_form_keeps_input_and_marks_each_field_in_error(
        client: TestClient, container: Container) -> None:
    sign_in(client, container)
    form = client.get("/cases/new")
    assert form.status_code == 200
    assert 'value="asb.officer.patel"' in form.text  # lead officer defaults to me
    response = submit(client, "/cases/new", {
        **OPEN_FORM, "summary": "", "ward": "", "reported_at": "yesterday"}, form.text)
    assert response.status_code == 422
    page = response.text
    assert error_summary(page) == [
        ("#f-summary", "Enter a summary of the report"),
        ("#f-ward", "Choose the ward"),
        ("#f-reported-at", "Enter when it was reported as a date and time, "
                           "like 2026-03-02 09:15"),
    ]
    assert re.search(r'<textarea[^>]*id="f-summary"[^>]*aria-describedby="f-summary-hint '
                     r'f-summary-error" aria-invalid="true"', page)
    assert 'id="f-summary-error"' in page
    assert 'value="Flat 3, 12 Bancroft, Hitchin"' in page  # what was typed is kept
    assert 'value="yesterday"' in page
    assert re.search(r'value="personal" checked', page)
    # Every input on the page has a label.
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page):
        assert f'for="{input_id}"' in page, input_id


def test_a_domain_rule_is_shown_against_its_field(client: TestClient,
                                                  container: Container) -> None:
    sign_in(client, container)
    response = submit(client, "/cases/new", {
        **OPEN_FORM, "asb_type": "other", "reported_at": local(datetime.now(tz=UTC))})
    assert response.status_code == 422
    assert error_summary(response.text) == [
        ("#f-other-type", 'Say what the behaviour is when the ASB type is "other".')]
    future = submit(client, "/cases/new", {
        **OPEN_FORM, "reported_at": local(datetime.now(tz=UTC) + timedelta(days=2))})
    assert error_summary(future.text)[0][0] == "#f-reported-at"


def test_open_a_case_and_see_it_with_its_timeline(client: TestClient,
                                                  container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    page = client.get(case)
    assert page.status_code == 200
    assert "Case opened." in page.text
    assert re.search(r"<h1[^>]*>ASB-\d{4}-\d{5}", page.text)
    assert "Loud music from the flat above." in page.text
    assert "North Hertfordshire District Council" in page.text
    assert 'class="timeline__title">Case opened' in page.text
    assert "Asb Patel" not in page.text
    # The flash is shown once.
    assert "Case opened." not in client.get(case).text


def test_a_double_submitted_form_writes_once(client: TestClient,
                                             container: Container) -> None:
    sign_in(client, container)
    reported = local(datetime.now(tz=UTC) - timedelta(days=1))
    form = client.get("/cases/new").text
    first = submit(client, "/cases/new", {**OPEN_FORM, "reported_at": reported}, form)
    second = submit(client, "/cases/new", {**OPEN_FORM, "reported_at": reported}, form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]


def test_a_double_submitted_new_person_is_registered_and_added_once(
        client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    form = client.get(f"{case}/parties/new").text
    typed = {"role": "victim", "person_choice": "new", "kind": "individual",
             "name": "Margaret Example"}
    first = submit(client, f"{case}/parties/new", typed, form)
    second = submit(client, f"{case}/parties/new", typed, form)
    assert first.status_code == second.status_code == 303
    parties = container.store.repository.get(UUID(case.rsplit("/", 1)[1])).parties
    assert len(parties) == 1


def test_posts_without_the_session_csrf_token_are_refused(
        client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    form = client.get(f"{case}/jag-referral/new").text
    data = {**hidden_fields(form), "reason": "Needs partners."}
    forged = client.post(f"{case}/jag-referral/new", data={**data, "csrf_token": "f" * 64},
                         follow_redirects=False)
    assert forged.status_code == 403
    missing = client.post(f"{case}/jag-referral/new",
                          data={k: v for k, v in data.items() if k != "csrf_token"},
                          follow_redirects=False)
    assert missing.status_code == 403
    # Another user's token does not fit this session either.
    sign_in(client, container, user="pc.jones", agency="herts-police")
    other = client.post(f"{case}/jag-referral/new", data=data, follow_redirects=False)
    assert other.status_code == 403
    assert "Not referred to the JAG." in client.get(case).text


def test_a_conflicting_edit_is_explained_and_the_input_kept(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    sign_in(client, container)
    case = open_case(client)
    case_id = case.rsplit("/", 1)[1]
    form = client.get(f"{case}/incidents/new").text
    assert hidden_fields(form)["version"] == "1"
    # Meanwhile someone else sets an action through the API.
    due = (datetime.now(tz=UTC) + timedelta(days=7)).date().isoformat()
    other = client.post(f"/api/cases/{case_id}/actions", json={
        "agency": "settle-housing", "owner": "housing.officer.lee",
        "description": "Tenancy visit.", "due_on": due},
        headers=auth("officer", user="housing.officer.lee", agency="settle-housing"))
    assert other.status_code == 201
    now = datetime.now(tz=UTC)
    typed = {"occurred_at": local(now - timedelta(hours=5)),
             "reported_at": local(now - timedelta(hours=4)),
             "reported_to_agency": "herts-police", "description": "Shouting at 1am."}
    conflict = submit(client, f"{case}/incidents/new", typed, form)
    assert conflict.status_code == 409
    page = conflict.text
    assert "Someone else changed this case while you were editing" in page
    assert "since version 1" in page
    assert "Action set" in page
    assert "Tenancy visit." in page
    assert "Housing Officer Lee" in page
    assert "Shouting at 1am." in page  # nothing typed was lost
    assert hidden_fields(page)["version"] == "2"
    resent = submit(client, f"{case}/incidents/new", typed, page)
    assert resent.status_code == 303
    case_page = client.get(case).text
    assert "Shouting at 1am." in case_page
    assert "Incident logged." in case_page


def test_every_step_through_its_form(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    add_victim(client, case)
    page = client.get(case).text
    assert "Margaret Example" in page
    assert "Person added to the case." in page

    questionnaire = RiskQuestionnaire()
    unanswered = submit(client, f"{case}/risk-assessments/new", {})
    assert unanswered.status_code == 422
    assert [target for target, _ in error_summary(unanswered.text)] == [
        f"#f-answer-{code.replace('_', '-')}" for code in questionnaire.codes]
    answers = {f"answer_{code}": "yes" for code in questionnaire.codes}
    risk = submit(client, f"{case}/risk-assessments/new", {
        **answers, "vulnerability_flags": ["older_person", "lives_alone_or_isolated"]})
    assert risk.status_code == 303, risk.text
    page = client.get(case).text
    assert "tag--risk-high" in page
    assert "Older person, Lives alone or isolated" in page

    warning = submit(client, f"{case}/interventions/new", {
        "intervention_type": "warning", "details": "Verbal warning at the door."})
    assert error_summary(warning.text) == [
        ("#f-subject-id", "A warning must be aimed at a person on the case.")]
    victim = re.search(r'<option value="([0-9a-f-]{36})">Margaret Example', warning.text)
    assert victim is not None
    intervention = submit(client, f"{case}/interventions/new", {
        "intervention_type": "support_referral", "subject_id": victim.group(1),
        "details": "Referred to victim support."}, warning.text)
    assert intervention.status_code == 303, intervention.text

    due = (datetime.now(tz=UTC) + timedelta(days=5)).date().isoformat()
    action = submit(client, f"{case}/actions/new", {
        "agency": "settle-housing", "owner": "housing.officer.lee",
        "description": "Tenancy visit.", "due_on": due})
    assert action.status_code == 303, action.text
    page = client.get(case).text
    action_id = re.search(r"/actions/([0-9a-f-]{36})/complete", page)
    assert action_id is not None

    refer = submit(client, f"{case}/jag-referral/new", {"reason": "Needs police and housing."})
    assert refer.status_code == 303
    assert "Awaiting the JAG" in client.get(case).text

    blocked = submit(client, f"{case}/close", {"outcome": "resolved", "reason": "Quiet."})
    assert blocked.status_code == 409
    assert "open action" in blocked.text
    assert 'value="resolved" checked' in blocked.text

    complete = submit(client, f"{case}/actions/{action_id.group(1)}/complete",
                      {"note": "Visited."})
    assert complete.status_code == 303
    page = client.get(case).text
    assert "Completed" in page
    assert "Visited." in page
    assert "Intervention recorded." not in page
    assert "Support referral" in page
    assert "Referred to victim support." in page


def test_cancel_close_and_reopen(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    due = (datetime.now(tz=UTC) + timedelta(days=5)).date().isoformat()
    submit(client, f"{case}/actions/new", {"agency": "herts-police", "owner": "pc.jones",
                                           "description": "Patrol.", "due_on": due})
    action_id = re.search(r"/actions/([0-9a-f-]{36})/cancel", client.get(case).text)
    assert action_id is not None
    no_reason = submit(client, f"{case}/actions/{action_id.group(1)}/cancel", {})
    assert error_summary(no_reason.text) == [("#f-reason", "Enter why it is cancelled")]
    cancelled = submit(client, f"{case}/actions/{action_id.group(1)}/cancel",
                       {"reason": "Not needed."})
    assert cancelled.status_code == 303
    closed = submit(client, f"{case}/close", {"outcome": "resolved", "reason": "Quiet.",
                                              "victim_satisfaction": "satisfied"})
    assert closed.status_code == 303
    page = client.get(case).text
    assert "Case closed." in page
    assert "Reopen the case" in page
    assert "Log an incident" not in page
    reopened = submit(client, f"{case}/reopen", {"reason": "Started again."})
    assert reopened.status_code == 303
    assert "Started again." in client.get(case).text


def test_overdue_actions_are_highlighted(client: TestClient, container: Container) -> None:
    actor = Actor(user_id="asb.officer.patel", display_name="Asha Patel",
                  agency="north-herts-council", roles=("officer",),
                  partnerships=("north-herts",))
    past = datetime.now(tz=UTC) - timedelta(days=30)
    service = container.services["cases"]
    with acting_as(RequestContext(actor=actor)), clock.frozen_at(past):
        opened = service.open_case(
            partnership_id="north-herts", nsir_category="nuisance", asb_type="graffiti",
            summary="Tags on the underpass.", address="Underpass, Hitchin",
            ward="Hitchin Oughton", reporting_channel="online",
            lead_agency="north-herts-council", lead_officer="asb.officer.patel",
            reported_at=past - timedelta(hours=1))
        service.set_action(opened.aggregate_id, agency="north-herts-council",
                           owner="street.scene", description="Clean the underpass.",
                           due_on=(past + timedelta(days=10)).date())
    sign_in(client, container)
    page = client.get(f"/cases/{opened.aggregate_id}").text
    row = re.search(r'<tr class="table__row--overdue">.*?</tr>', page, re.S)
    assert row is not None
    assert "Clean the underpass." in row.group(0)
    assert "Overdue" in row.group(0)


def test_roles_and_partnerships_apply_as_in_the_api(client: TestClient,
                                                   container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    sign_in(client, container, "rag", user="rag.member")
    assert client.get(case).status_code == 403
    sign_in(client, container, "officer", user="pc.green", agency="herts-police",
            partnerships=("st-albans",))
    hidden = client.get(case)
    assert hidden.status_code == 404
    assert "Loud music" not in hidden.text
    sign_in(client, container, "auditor", user="ig.auditor", partnerships=("*",))
    page = client.get(case)
    assert page.status_code == 200
    assert "Loud music from the flat above." in page.text
    assert "Log an incident" not in page.text
    assert client.get(f"{case}/incidents/new").status_code == 403
    assert client.get("/cases/new").status_code == 403
    assert client.get("/cases/not-a-case-id").status_code == 404
    assert client.get(f"{case}/actions/{UUID(int=1)}/complete").status_code == 403
    sign_in(client, container)
    missing_action = client.get(f"{case}/actions/{UUID(int=1)}/complete")
    assert missing_action.status_code == 404
    assert "Page not found" in missing_action.text


def test_case_page_reads_are_access_logged(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    add_victim(client, case)
    case_id = UUID(case.rsplit("/", 1)[1])
    sign_in(client, container, "auditor", user="ig.auditor", partnerships=("*",))
    client.get(case)
    entries = container.access_log.query(AccessQuery(record_id=case_id, user_id="ig.auditor"))
    assert [e.action for e in entries] == ["view-case"]
    assert len(entries[0].person_ids) == 1


def test_case_as_at_an_earlier_moment(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    case_id = UUID(case.rsplit("/", 1)[1])
    opened: datetime = container.store.repository.get(case_id).created_on
    submit(client, f"{case}/jag-referral/new", {"reason": "Needs partners."})
    then = opened + timedelta(microseconds=1)
    page = client.get(case, params={"as_at": then.isoformat()})
    assert page.status_code == 200
    assert "You are looking at this case as it was at" in page.text
    assert "Not referred to the JAG." in page.text
    assert "Refer to the JAG" not in page.text  # nothing can be changed in the past
    assert page.text.count('class="timeline__entry"') == 1
    now = client.get(case).text
    assert "Awaiting the JAG" in now
    assert now.count('class="timeline__entry"') == 2

    before = client.get(case, params={"as_at": (opened - timedelta(days=1)).isoformat()})
    assert "The case was not recorded yet at" in before.text
    nonsense = client.get(case, params={"as_at": "last Tuesday"})
    assert 'id="f-as-at-error"' in nonsense.text
    future = client.get(case, params={"as_at": local(datetime.now(tz=UTC) + timedelta(days=1))})
    assert "Choose a moment in the past" in future.text


def test_people_show_by_name_or_as_erased(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    add_victim(client, case, "Dan Sample")
    case_id = UUID(case.rsplit("/", 1)[1])
    person_id: UUID = container.store.repository.get(case_id).parties[0].person_id
    assert "Dan Sample" in client.get(case).text
    keyring = container.store.mapper.keyring  # type: ignore[attr-defined]
    assert keyring.destroy(person_id)
    page = client.get(case).text
    assert "Dan Sample" not in page
    assert "Details erased" in page


def test_adding_someone_already_recorded_by_id(client: TestClient, container: Container,
                                                auth: TokenFactory) -> None:
    sign_in(client, container)
    case = open_case(client)
    person = client.post("/api/people", json={"partnership_id": "north-herts",
                                               "name": "Sam Witness"}, headers=auth())
    assert person.status_code == 201
    bad = submit(client, f"{case}/parties/new", {"role": "witness",
                                                 "person_choice": "existing",
                                                 "person_id": "not-an-id"})
    assert error_summary(bad.text) == [
        ("#f-person-id", "Enter the record id in full, "
                         "like 6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f")]
    added = submit(client, f"{case}/parties/new", {"role": "witness",
                                                   "person_choice": "existing",
                                                   "person_id": person.json()["id"]})
    assert added.status_code == 303
    assert "Sam Witness" in client.get(case).text
    again = submit(client, f"{case}/parties/new", {"role": "witness",
                                                   "person_choice": "existing",
                                                   "person_id": person.json()["id"]})
    assert again.status_code == 409
    assert error_summary(again.text) == [
        ("#f-person-id", "That person is already a witness on this case.")]


def test_find_a_case_by_reference(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    reference = re.search(r"ASB-\d{4}-\d{5}", client.get(case).text)
    assert reference is not None
    found = client.get("/cases", params={"q": reference.group(0).lower()},
                       follow_redirects=False)
    assert found.status_code == 303
    assert found.headers["location"] == case
    missing = client.get("/cases", params={"q": "ASB-1999-00001"})
    assert missing.status_code == 404
    assert "No case with that reference" in missing.text
    sign_in(client, container, "officer", user="pc.green", partnerships=("st-albans",))
    assert client.get("/cases", params={"q": reference.group(0)}).status_code == 404


def test_the_timeline_pages_back_through_older_changes(client: TestClient,
                                                       container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    submit(client, f"{case}/jag-referral/new", {"reason": "First referral."})
    case_id = UUID(case.rsplit("/", 1)[1])
    aggregate = container.store.repository.get(case_id)
    describer = Describer({}, container.rules.agencies)
    newest, earlier = timeline(container.store, aggregate, describer, size=1)
    assert [entry.title for entry in newest] == ["Referred to the JAG"]
    assert earlier == 2
    older, none_left = timeline(container.store, aggregate, describer, before=earlier, size=1)
    assert [entry.title for entry in older] == ["Case opened"]
    assert none_left is None
    page = client.get(case, params={"before": 2}).text
    assert page.count('class="timeline__entry"') == 1
    assert 'class="timeline__title">Case opened' in page
