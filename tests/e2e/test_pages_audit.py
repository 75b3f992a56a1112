"""Pages: audit. The chain check (inline for a small log, on request for a big one), a
record's history with the record as it was at any version or moment, the history export
links, and the access log with its filters. Roles as in the API: the check for auditors
and admins, the access log for auditors only, a history for whoever may read the record.

The first test of each area runs on both stores; the others on SQLite."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from adapters.http.pages import audit
from application.access_log import AccessQuery
from tests.e2e.test_pages_cases import add_victim, error_summary, open_case, sign_in, submit
from tests.e2e.test_pages_plans import open_plan, section, step, to_scanning

sqlite_only = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
LONDON = ZoneInfo("Europe/London")


def as_auditor(client: TestClient, container: Container) -> None:
    sign_in(client, container, "auditor", user="ig.auditor",
            agency="herts-county-council", partnerships=("*",))


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


def break_the_chain(container: Container, record_id: UUID) -> int:
    recorder: Any = container.store.recorder
    position = container.store.audited_recorder.audit_entries(record_id)[1].notification_id
    column = "notification_id" if container.settings.is_postgres else "rowid"
    placeholder = "%s" if container.settings.is_postgres else "?"
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(f"DELETE FROM {recorder.events_table_name} "
                       f"WHERE {column} = {placeholder}", (position,))
    return int(position)


def test_the_audit_page_checks_the_chains(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    add_victim(client, case)
    for role in ("officer", "coordinator", "rag"):
        sign_in(client, container, role, user=f"someone.{role}")
        refused = client.get("/audit")
        assert refused.status_code == 403, role
        assert "You cannot use this page" in refused.text
        assert 'href="/audit"' not in client.get("/").text
    as_auditor(client, container)
    page = client.get("/audit").text
    assert 'href="/audit" class="site-nav__link" aria-current="page"' in page
    assert "OK: nothing has been altered." in page
    assert re.search(r"Events checked</dt><dd>\d+ in \d+ records", page)
    assert 'href="/audit/access-log"' in page
    ran = client.post("/audit/verify", data={"csrf_token": csrf(page)},
                      follow_redirects=False)
    assert ran.status_code == 303
    page = client.get(ran.headers["location"]).text
    assert "The check has run." in page
    assert "by Ig Auditor" in page
    assert client.post("/audit/verify", data={}).status_code == 403  # no CSRF token

    break_the_chain(container, UUID(case.rsplit("/", 1)[1]))
    page = client.get("/audit").text
    assert "Broken: the records do not match their chain." in page
    assert "First break:" in page
    # An admin may check too (as the API), but only auditors read the access log.
    sign_in(client, container, "admin", user="casework.admin", partnerships=("*",))
    page = client.get("/audit").text
    assert "Broken" in page
    assert 'href="/audit/access-log"' not in page
    assert client.get("/audit/access-log").status_code == 403


@sqlite_only
def test_a_big_log_is_checked_on_request(client: TestClient, container: Container,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(client, container)
    open_case(client)
    monkeypatch.setattr(audit, "INLINE_VERIFY_EVENTS", 1)
    as_auditor(client, container)
    page = client.get("/audit").text
    assert "too many to check on every view" in page
    assert "OK: nothing" not in page
    assert ">Run the check</button>" in page
    client.post("/audit/verify", data={"csrf_token": csrf(page)})
    page = client.get("/audit").text
    assert "OK: nothing has been altered." in page  # the last result, kept
    assert ">Run the check now</button>" in page


def test_a_plan_as_it_was_at_an_earlier_version(client: TestClient,
                                                container: Container) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    plan_id = plan.rsplit("/", 1)[1]
    to_scanning(client, plan)
    history = f"/audit/records/plan/{plan_id}"
    # Anyone who may read the plan may read its history: here the officer, from the plan.
    assert f'href="{history}"' in client.get(plan).text
    now = client.get(history)
    assert now.status_code == 200
    assert "This is the plan as it is now" in now.text
    assert 'type="range" min="1" max="3" step="1" value="3"' in now.text
    assert "Stage</dt><dd>Scanning" in now.text
    assert now.text.count('class="timeline__entry') == 3
    assert "Moved on to the next stage" in now.text
    assert "Plan opened" in now.text

    then = client.get(history, params={"version": 2})
    assert "You are looking at this plan as it was at version 2 of 3" in then.text
    assert "Stage</dt><dd>Objective" in then.text
    assert "People can use Market Place without fear." in then.text
    assert then.text.count('class="timeline__entry') == 2
    assert "Move on to" not in then.text  # nothing can be changed in the past
    assert f'href="{plan}/objective"' not in then.text
    assert f'href="{history}?version=1"' in then.text

    opened = client.get(history, params={"version": 1}).text
    assert "The overall aim is not set yet." in opened

    # The export links use the API's routes, which accept the session.
    json_export = client.get(f"/api/plans/{plan_id}/history/export", params={"format": "json"})
    assert json_export.status_code == 200
    assert f'href="/api/plans/{plan_id}/history/export?format=json"' in now.text
    assert f'href="/api/plans/{plan_id}/history/export?format=html"' in now.text
    entries = container.access_log.query(AccessQuery(record_id=UUID(plan_id),
                                                     user_id="asb.officer.patel"))
    assert "history" in [e.action for e in entries]


@sqlite_only
def test_a_record_as_at_a_moment_and_who_may_see_it(client: TestClient,
                                                    container: Container) -> None:
    sign_in(client, container)
    plan = open_plan(client)
    plan_id = UUID(plan.rsplit("/", 1)[1])
    created: datetime = container.store.repository.get(plan_id).created_on
    step(client, f"{plan}/objective", {"aim": "Later aim."})
    history = f"/audit/records/plan/{plan_id}"
    at = client.get(history, params={"as_at": (created + timedelta(microseconds=1))
                                     .isoformat()}).text
    assert "as it was at version 1 of 2" in at
    assert "Later aim." not in section(at, "objective")
    early = client.get(history, params={"as_at": (created - timedelta(days=1)).isoformat()})
    assert early.status_code == 422
    assert "The plan was not recorded yet then" in early.text
    assert 'id="f-as-at-error"' in early.text
    future = client.get(history, params={"as_at": (datetime.now(tz=UTC) + timedelta(days=1))
                                         .astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")})
    assert "Choose a moment in the past" in future.text
    assert client.get(f"/audit/records/thing/{plan_id}").status_code == 404
    sign_in(client, container, "rag", user="rag.member")
    assert client.get(history).status_code == 403
    sign_in(client, container, "officer", user="pc.green", agency="herts-police",
            partnerships=("st-albans",))
    assert client.get(history).status_code == 404


@sqlite_only
def test_a_case_and_a_case_review_history(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    add_victim(client, case)
    case_id = case.rsplit("/", 1)[1]
    as_auditor(client, container)
    page = client.get(f"/audit/records/case/{case_id}", params={"version": 1}).text
    assert "as it was at version 1 of 2" in page
    assert "People</dt><dd>None" in page
    link = re.search(r'href="/cases/[0-9a-f-]{36}\?as_at=([^"]+)"', page)
    assert link is not None
    case_then = client.get(f"/cases/{case_id}?as_at={link.group(1)}").text
    assert "You are looking at this case as it was at" in case_then
    now = client.get(f"/audit/records/case/{case_id}").text
    assert "Margaret Example" in now  # the party, by name, in the state and the timeline
    # Finding a record's history by its reference.
    reference = re.search(r"ASB-\d{4}-\d{5}", now)
    assert reference is not None
    found = client.get("/audit/records", params={"q": reference.group(0)},
                       follow_redirects=False)
    assert found.headers["location"] == f"/audit/records/case/{case_id}"
    missing = client.get("/audit/records", params={"q": "CR-2001-0001"})
    assert missing.status_code == 404
    assert "No record with that reference or id" in missing.text

    sign_in(client, container, "coordinator", user="csp.coordinator")
    review = submit(client, "/case-reviews/new", {
        "applicant_role": "victim", "victim_kind": "business",
        "applicant_description": "Shop owner.", "received_via": "email",
        "received_on": (datetime.now(tz=LONDON).date() - timedelta(days=1)).isoformat()})
    assert review.status_code == 303, error_summary(review.text)
    review_path = review.headers["location"]
    step(client, f"{review_path}/acknowledge")
    review_id = review_path.rsplit("/", 1)[1]
    page = client.get(f"/audit/records/case-review/{review_id}", params={"version": 1}).text
    assert "as it was at version 1 of 2" in page
    assert "Status</dt><dd>Received" in page
    latest = client.get(f"/audit/records/case-review/{review_id}").text
    assert re.search(r'<p class="timeline__change-heading">Status</p>\s*<dl class="timeline__'
                     r'details">\s*<dd class="timeline__plain">Received → Acknowledged</dd>',
                     latest)


def test_the_access_log_and_its_filters(client: TestClient, container: Container) -> None:
    sign_in(client, container)
    case = open_case(client)
    add_victim(client, case)
    case_id = UUID(case.rsplit("/", 1)[1])
    person_id = container.store.repository.get(case_id).parties[0].person_id
    sign_in(client, container, "officer", user="pc.jones", agency="herts-police")
    client.get(case)
    reference = re.search(r"ASB-\d{4}-\d{5}", client.get(case).text)
    assert reference is not None
    for role in ("officer", "rag", "coordinator"):
        sign_in(client, container, role, user=f"someone.{role}")
        assert client.get("/audit/access-log").status_code == 403
    as_auditor(client, container)
    page = client.get("/audit/access-log").text
    assert re.search(r"\d+ entries\.", page)
    assert "Pc Jones" in page
    by_user = client.get("/audit/access-log", params={"user_id": "pc.jones"}).text
    assert "2 entries match." in by_user
    assert "Asb Officer Patel" not in by_user
    by_record = client.get("/audit/access-log", params={"record": reference.group(0)}).text
    assert f'href="/audit/records/case/{case_id}"' in by_record
    assert "View case" in by_record
    by_person = client.get("/audit/access-log", params={"person_id": str(person_id)}).text
    assert "Pc Jones" in by_person
    today = datetime.now(tz=LONDON).date()
    none_yet = client.get("/audit/access-log", params={
        "until": (today - timedelta(days=1)).isoformat()}).text
    assert "0 entries match." in none_yet
    bad = client.get("/audit/access-log", params={"person_id": "someone", "since": "2026-05-02",
                                                   "until": "2026-05-01"})
    assert bad.status_code == 422
    assert error_summary(bad.text) == [
        ("#f-person-id", "Enter the person's record id in full, like "
                         "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f"),
        ("#f-until", "The last day must be the same as or after the first day")]
    # Reading the log is itself logged, with the record and person asked about.
    reads = container.access_log.query(AccessQuery(user_id="ig.auditor",
                                                   record_id=case_id))
    assert "view-access-log" in [e.action for e in reads]
