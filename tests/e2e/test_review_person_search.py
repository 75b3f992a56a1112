"""Finding the victim already recorded on the case review application form: the people
search of the add-a-person form, on the partnership chosen on the form."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from tests.e2e.conftest import TokenFactory
from tests.e2e.test_pages_cases import error_summary, form_values, sign_in
from tests.e2e.test_pages_reviews import THREE_COMPLAINTS, application

NEW = "/case-reviews/new"


def _person(client: TestClient, headers: dict[str, str], name: str, partnership: str,
            **details: Any) -> str:
    body = {"partnership_id": partnership, "name": name, **details}
    response = client.post("/api/people", json=body, headers=headers)
    assert response.status_code == 201, response.text
    person_id: str = response.json()["id"]
    return person_id


def search(client: TestClient, typed: dict[str, Any], words: str,
           **more: str) -> Any:
    """The Search button: the whole form posted back with the words."""
    response = client.post(NEW, data={**typed, "q": words, "action": "search-people", **more},
                           follow_redirects=False)
    assert response.status_code == 200, response.text
    return response


def test_finding_and_choosing_the_victim_on_the_application_form(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    host = container.projections
    assert host is not None
    sign_in(client, container, user="asb.officer.reviewer",
            partnerships=("north-herts", "st-albans"))
    both = auth(partnerships=("north-herts", "st-albans"))
    victim = _person(client, both, "Harriet Repeatvictim", "north-herts",
                     date_of_birth="1960-02-03")
    _person(client, both, "Harriet Other", "north-herts")
    elsewhere = _person(client, both, "Harriet Elsewhere", "st-albans")
    host.catch_up()

    blank = client.get(NEW).text
    assert "Search people by name" in blank
    # The search posts the form back: nothing typed goes in an address.
    assert 'name="action" value="search-people"' in blank
    assert 'formmethod="get"' not in blank
    assert "I have their record id" in blank  # the fallback stays

    # What was typed comes back with the people found.
    typed = {**form_values(blank), **application(victim_kind="person"), **THREE_COMPLAINTS,
             "partnership_id": "north-herts", "victim_choice": "existing"}
    page = search(client, typed, "repeatV")
    assert page.status_code == 200
    assert f'name="victim_person_id" value="{victim}"' in page.text
    assert "Harriet Repeatvictim" in page.text
    assert "born 1960" in page.text
    assert "Harriet Other" not in page.text
    kept = form_values(page.text)
    for name in ("partnership_id", "applicant_description", "received_via", "received_on",
                 "complaints.2.description", "complaints.1.agency"):
        assert kept[name] == typed[name], name
    assert kept["victim_choice"] == "existing"

    # Only the partnership chosen on the form.
    north = search(client, typed, "harriet").text
    assert "Harriet Other" in north
    assert "Elsewhere" not in north
    st_albans = search(client, {**typed, "partnership_id": "st-albans"}, "harriet").text
    assert elsewhere in st_albans
    assert victim not in st_albans
    unchosen = search(client, {**typed, "partnership_id": ""}, "harriet").text
    assert 'id="f-q-error"' in unchosen
    assert "Choose the partnership above, then search" in unchosen
    assert "Choose the person" not in unchosen
    short = search(client, typed, "h").text
    assert 'id="f-q-error"' in short
    assert "Choose the person" not in short
    nobody = search(client, typed, "zzyzx").text
    assert "No one recorded in this partnership" in nobody

    # Forgetting something keeps the search and the choice.
    data = {**form_values(page.text), "victim_person_id": [victim, ""]}  # radio, empty box
    assert re.search(r'<form method="post" action="/case-reviews/new" novalidate>', page.text)
    action = NEW
    missing = client.post(action, data={**data, "received_via": ""}, follow_redirects=False)
    assert missing.status_code == 422
    assert [target for target, _ in error_summary(missing.text)] == ["#f-received-via"]
    assert f'value="{victim}" checked' in missing.text

    created = client.post(action, data={**data, "received_via": "email"},
                          follow_redirects=False)
    assert created.status_code == 303, error_summary(created.text)
    review_id = UUID(created.headers["location"].rsplit("/", 1)[1])
    review = client.get(f"/api/case-reviews/{review_id}", headers=both)
    assert review.status_code == 200, review.text
    assert review.json()["applicant"]["victim_person_id"] == victim
    assert review.json()["partnership_id"] == "north-herts"

    # Choosing no one says how.
    nothing = client.post(NEW, data={**typed}, follow_redirects=False)
    assert nothing.status_code == 422
    assert ("#f-victim-person-id", "Search for the victim and choose them, enter their "
            "record id, or record them as a new person") in error_summary(nothing.text)

    # Every search is logged with the people shown, never with its words.
    log = client.get("/api/audit/access-log", params={"user_id": "asb.officer.reviewer"},
                     headers=auth("auditor", partnerships=("north-herts", "st-albans")))
    assert log.status_code == 200, log.text
    entries = log.json()["entries"]
    searches = [e for e in entries if e["action"] == "search"]
    assert searches
    assert all((e["record_kind"], e["record_id"]) == ("person", None) for e in searches)
    assert [victim] in [e["person_ids"] for e in searches]
    assert [elsewhere] in [e["person_ids"] for e in searches]
    assert not any(re.search("repeat|harriet|zzyzx", str(e), re.I) for e in entries)


def test_the_only_partnership_is_searched_and_the_typed_id_still_works(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    host = container.projections
    assert host is not None
    sign_in(client, container)
    victim = _person(client, auth(), "Ottoline Single", "north-herts")
    host.catch_up()

    found = client.get(NEW, params={"q": "ottoline"})
    assert found.status_code == 200
    assert f'name="victim_person_id" value="{victim}"' in found.text
    assert re.search(r"Only people recorded in [^.<]*Hert", found.text)
    assert form_values(found.text)["victim_choice"] == "existing"

    # The record id typed in the fallback box, without searching.
    blank = client.get(NEW).text
    created = client.post(NEW, data={
        **form_values(blank), **application(victim_kind="person"), **THREE_COMPLAINTS,
        "victim_choice": "existing", "victim_person_id": victim}, follow_redirects=False)
    assert created.status_code == 303, error_summary(created.text)
    review_id = created.headers["location"].rsplit("/", 1)[1]
    review = client.get(f"/api/case-reviews/{review_id}", headers=auth()).json()
    assert review["applicant"]["victim_person_id"] == victim


def test_more_results_come_back_with_the_form_as_typed(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    host = container.projections
    assert host is not None
    sign_in(client, container)
    for number in range(22):
        _person(client, auth(), f"Ottoline Many {number:02d}", "north-herts")
    host.catch_up()
    blank = client.get(NEW).text
    typed = {**form_values(blank), **application(victim_kind="person"), **THREE_COMPLAINTS,
             "victim_choice": "existing"}
    first = search(client, typed, "ottoline many").text
    assert "22 found, showing 1 to 20" in first
    assert 'name="search_offset" value="20"' in first
    more = client.post(NEW, data={**form_values(first), "search_offset": "20"},
                       follow_redirects=False)
    assert more.status_code == 200, more.text
    assert "22 found, showing 21 to 22" in more.text
    assert "Ottoline Many 21" in more.text
    kept = form_values(more.text)
    assert kept["applicant_description"] == typed["applicant_description"]
    assert kept["complaints.2.description"] == typed["complaints.2.description"]

