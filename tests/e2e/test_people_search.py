"""Finding someone already recorded: ``GET /api/people?q=`` and the search on the
add-a-person form, on both stores."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from tests.e2e.conftest import TokenFactory
from tests.e2e.test_pages_cases import error_summary, form_values, open_case, sign_in


@pytest.fixture
def running(container: Container) -> Container:
    """The projections follow the log in the background, as in the service."""
    assert container.projections is not None
    container.projections.start()
    return container


def _person(client: TestClient, headers: dict[str, str], name: str, **details: Any
            ) -> tuple[str, str]:
    body = {"partnership_id": "north-herts", "name": name, **details}
    response = client.post("/api/people", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.headers["X-Casework-Position"]


def test_people_search_api(client: TestClient, auth: TokenFactory,
                           running: Container) -> None:
    officer = auth("officer", user="pc.finder")
    margaret, _ = _person(client, officer, "Margaret Quennell", date_of_birth="1948-06-14",
                          address="Flat 2, 12 Bancroft")
    _person(client, officer, "Quentin Shop Ltd", kind="organisation")
    _person(client, auth(partnerships=("st-albans",)), "Quennie Elsewhere",
            partnership_id="st-albans")
    _, position = _person(client, officer, "Bob Unrelated")
    wait = {"X-Casework-Min-Position": position}

    response = client.get("/api/people", params={"q": "QUEN"}, headers={**officer, **wait})
    assert response.status_code == 200, response.text
    assert int(response.headers["X-Casework-View-Position"]) >= int(position)
    body = response.json()
    assert (body["total"], body["offset"], body["limit"]) == (2, 0, 50)
    assert body["items"] == [
        {"person_id": margaret, "partnership_id": "north-herts", "kind": "individual",
         "name": "Margaret Quennell", "birth_year": 1948},
        {"person_id": body["items"][1]["person_id"], "partnership_id": "north-herts",
         "kind": "organisation", "name": "Quentin Shop Ltd", "birth_year": None},
    ]
    assert "Bancroft" not in response.text  # only what search needs
    paged = client.get("/api/people", params={"q": "quen", "limit": 1, "offset": 1},
                       headers=officer).json()
    assert [i["name"] for i in paged["items"]] == ["Quentin Shop Ltd"]
    assert paged["total"] == 2

    # Every search is in the access log with the people shown, never with its words.
    log = client.get("/api/audit/access-log", params={"user_id": "pc.finder"},
                     headers=auth("auditor"))
    assert log.status_code == 200
    searches = [(e["action"], e["record_kind"], e["record_id"], e["person_ids"])
                for e in log.json()["entries"] if e["action"] == "search"]
    shop = body["items"][1]["person_id"]
    assert sorted(searches, key=lambda entry: len(entry[3])) == [
        ("search", "person", None, [shop]), ("search", "person", None, [margaret, shop])]
    assert "quen" not in log.text.lower()


def test_people_search_roles_partnerships_and_bad_input(
        client: TestClient, auth: TokenFactory, running: Container) -> None:
    assert client.get("/api/people", params={"q": "sam"}).status_code == 401
    refused = client.get("/api/people", params={"q": "sam"}, headers=auth("rag"))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    for role in ("officer", "coordinator", "auditor", "admin"):
        assert client.get("/api/people", params={"q": "sam"},
                          headers=auth(role)).status_code == 200
    assert client.get("/api/people", params={"q": "sam", "partnership_id": "st-albans"},
                      headers=auth()).status_code == 403
    officer = auth()
    for params in ({"q": "sam", "limit": 0}, {"q": "sam", "limit": 201},
                   {"q": "sam", "offset": -1}, {"q": "sam", "limit": "many"}, {},
                   {"q": " s "}, {"q": "sam", "partnership_id": "nowhere"}):
        bad = client.get("/api/people", params=params, headers=officer)
        assert bad.status_code == 422, (params, bad.text)
        assert bad.headers["content-type"].startswith("application/problem+json")


def test_a_restricted_person_is_found_only_by_the_restriction_readers(
        client: TestClient, auth: TokenFactory, running: Container) -> None:
    officer = auth()
    person, _ = _person(client, officer, "Rowena Private")
    restricted = client.post("/api/restrictions", json={
        "record_id": person, "kind": "person", "reason": "Accuracy contested"},
        headers=auth("coordinator"))
    assert restricted.status_code == 201, restricted.text
    wait = {"X-Casework-Min-Position": restricted.headers["X-Casework-Position"]}
    assert client.get("/api/people", params={"q": "rowena"},
                      headers={**officer, **wait}).json()["total"] == 0
    assert client.get("/api/people", params={"q": "rowena"},
                      headers=auth("auditor")).json()["total"] == 1


def test_finding_and_choosing_someone_on_the_add_a_person_form(
        client: TestClient, container: Container, auth: TokenFactory) -> None:
    host = container.projections
    assert host is not None
    sign_in(client, container, user="asb.officer.finder")
    case = open_case(client)
    person, _ = _person(client, auth(), "Harriet Repeatvictim", date_of_birth="1960-02-03")
    _person(client, auth(), "Harriet Other")
    _person(client, auth(partnerships=("st-albans",)), "Harriet Elsewhere",
            partnership_id="st-albans")
    host.catch_up()
    path = f"{case}/parties/new"

    blank = client.get(path).text
    assert 'form="person-search"' in blank
    assert "Search people by name" in blank
    assert "I have their record id" in blank  # the fallback stays

    page = client.get(path, params={"q": "repeatV"})
    assert page.status_code == 200
    assert f'name="person_id" value="{person}"' in page.text
    assert "Harriet Repeatvictim" in page.text
    assert "born 1960" in page.text
    assert "Harriet Other" not in page.text
    assert form_values(page.text)["person_choice"] == "existing"
    everyone = client.get(path, params={"q": "harriet"}).text
    assert "Harriet Other" in everyone
    assert "Elsewhere" not in everyone  # only the case's partnership
    nobody = client.get(path, params={"q": "zzyzx"}).text
    assert "No one recorded in this partnership" in nobody
    short = client.get(path, params={"q": "h"}).text
    assert 'id="f-q-error"' in short

    # Forgetting the role keeps the search and the choice.
    data = {**form_values(page.text), "person_choice": "existing",
            "person_id": [person, ""]}  # the chosen radio, then the empty record-id box
    data.pop("role", None)
    missing = client.post(f"{path}?q=repeatV", data=data, follow_redirects=False)
    assert missing.status_code == 422
    assert [message for _, message in error_summary(missing.text)] == [
        "Choose the person's role on the case"]
    assert f'value="{person}" checked' in missing.text

    chosen = client.post(f"{path}?q=repeatV", data={**data, "role": "victim"},
                         follow_redirects=False)
    assert chosen.status_code == 303, chosen.text
    case_id = UUID(case.rsplit("/", 1)[1])
    parties = container.store.repository.get(case_id).parties
    assert [(str(p.person_id), p.role.value) for p in parties] == [(person, "victim")]
    assert "Harriet Repeatvictim" in client.get(case).text
    host.catch_up()
    marked = client.get(path, params={"q": "repeatvictim"}).text
    assert "already on this case" in marked

    nothing = client.post(path, data={**form_values(blank), "person_choice": "existing",
                                      "role": "witness"}, follow_redirects=False)
    assert nothing.status_code == 422
    assert ("#f-person-id", "Search for the person and choose them, or enter their "
                            "record id") in error_summary(nothing.text)

    log = client.get("/api/audit/access-log", params={"user_id": "asb.officer.finder"},
                     headers=auth("auditor")).json()["entries"]
    searches = [e for e in log if e["action"] == "search"]
    assert searches
    assert all(e["record_kind"] == "person" for e in searches)
    assert [person] in [e["person_ids"] for e in searches]
    assert not any("repeat" in str(e).lower() for e in log)
