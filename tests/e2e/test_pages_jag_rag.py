"""Pages: the JAG tasking list (``/jag``), the RAG overview (``/rag``) and My work (``/``).

The data is the API tests' (``tests/e2e/test_jag_rag_api.py``): a high-risk case with a
red, an amber and a green action, a plan awaiting the JAG, case reviews, a case awaiting
closure. The pages show what the API gives, with links to each record, in words as well as
colours, and refuse the roles the API refuses."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from application.access_log import AccessQuery
from domain.shared import clock
from tests.e2e.test_jag_rag_api import MEETING, at, tasking_data  # noqa: F401 - fixture
from tests.e2e.test_pages_cases import sign_in

sqlite_only = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
QUARTER = "2026-27-Q1"


def section(page: str, section_id: str) -> str:
    found = re.search(rf'<section class="[^"]*" id="{section_id}".*?</section>', page, re.S)
    assert found is not None, section_id
    return found.group(0)


@pytest.mark.usefixtures("tasking_data")
def test_the_tasking_page_shows_the_api_sections_with_links_and_statuses(
        client: TestClient, container: Container) -> None:
    sign_in(client, container, "coordinator", user="csp.coordinator")
    response = client.get("/jag", params={"partnership_id": "north-herts",
                                          "meeting_date": MEETING.isoformat()})
    assert response.status_code == 200, response.text
    page = response.text
    assert "meeting on 12 May 2026" in page
    for section_id in ("referrals", "priority", "plans", "case-reviews", "tasks", "closing"):
        section(page, section_id)
    referrals = section(page, "referrals")
    assert re.search(r'<a href="/cases/[0-9a-f-]{36}">ASB-2026-00001</a>', referrals)
    assert "High risk" in section(page, "priority")
    assert re.search(r'<a href="/plans/[0-9a-f-]{36}">PSP-2026-0001</a>', section(page, "plans"))
    assert re.search(r'<a href="/case-reviews/[0-9a-f-]{36}">CR-2026-000\d</a>',
                     section(page, "case-reviews"))
    police = section(page, "agency-herts-police")
    # Status in words on colour, worst first: the red one overdue by 7 days at the meeting.
    assert police.index("Visit the victim") < police.index("Patrols")
    assert '<span class="rag rag--red">Red</span>' in police
    assert "overdue by 7 days" in police
    council = section(page, "agency-north-herts-council")
    assert '<span class="rag rag--amber">Amber</span>' in council
    assert "Noise monitoring" in council
    assert "due in 3 days" in council
    assert "ASB-2026-00002" in section(page, "closing")
    assert ('href="/api/jag/tasking?partnership_id=north-herts&amp;meeting_date=2026-05-12'
            '&amp;format=csv"') in page
    assert 'href="/jag" aria-current="page"' in page or 'aria-current="page">JAG' in page
    logged = container.access_log.query(AccessQuery(user_id="csp.coordinator"))
    assert any(entry.action == "view-jag-tasking" for entry in logged)


@pytest.mark.usefixtures("tasking_data")
@sqlite_only
def test_the_tasking_page_roles_partnerships_and_a_bad_date(
        client: TestClient, container: Container) -> None:
    sign_in(client, container, "rag", user="rag.member")
    assert client.get("/jag").status_code == 403
    sign_in(client, container, "officer", user="pc.jones")
    assert client.get("/jag", params={"partnership_id": "st-albans"}).status_code == 404
    bad = client.get("/jag", params={"meeting_date": "12/05/2026"})
    assert bad.status_code == 422
    assert "Enter the meeting date as a date" in bad.text
    today = client.get("/jag")
    assert today.status_code == 200
    assert 'name="meeting_date" type="date" value="' in today.text


@pytest.mark.usefixtures("tasking_data")
@sqlite_only
def test_the_rag_page_has_figures_charts_and_downloads(
        client: TestClient, container: Container) -> None:
    sign_in(client, container, "rag", user="rag.member")
    # A rag user's landing page (My work) is the overview.
    landing = client.get("/")
    assert landing.status_code == 200
    assert "Quarterly overview" in landing.text
    assert landing.text.count('role="img"') == 3
    with at(date(2026, 6, 1)):
        response = client.get("/rag", params={"quarter": QUARTER,
                                              "partnership_id": "north-herts"})
    assert response.status_code == 200, response.text
    page = response.text
    assert "2026-27-Q1" in page
    assert "2025-26-Q4" in page
    assert "2025-26-Q1" in page
    svgs = re.findall(r"<svg [^>]*role=\"img\"[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert re.search(r"<title id=\"[^\"]+\">[^<]+</title>", svg)
    assert "Cases opened by quarter, 2024-25-Q2 to 2026-27-Q1" in page
    # Small counts are shown as the API gives them, in the tables and the charts.
    assert "fewer than 5" in section(page, "figures")
    assert "fewer than 5" in svgs[1]
    assert "<script" not in page.split("</main>")[0].split("<main")[1]
    assert ('href="/api/rag/overview?quarter=2026-27-Q1&amp;partnership_id=north-herts'
            '&amp;format=csv"') in page
    assert 'href="/api/rag/data-return?quarter=2026-27-Q1&amp;partnership_id=north-herts"' \
        in page
    # No names or references on the page.
    assert "ASB-2026-00001" not in page
    assert "pc.jones" not in page
    # The CSV links work with the session cookie.
    csv_response = client.get("/api/rag/overview", params={
        "quarter": QUARTER, "partnership_id": "north-herts", "format": "csv"})
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")


@sqlite_only
def test_the_rag_page_roles_and_a_bad_quarter(
        client: TestClient, container: Container) -> None:
    sign_in(client, container, "officer", user="pc.jones")
    assert client.get("/rag").status_code == 403
    sign_in(client, container, "coordinator", user="csp.coordinator")
    page = client.get("/rag")
    assert page.status_code == 200
    assert '<option value="' in page.text
    assert client.get("/rag", params={"quarter": "2026-Q5"}).status_code == 422
    assert client.get("/rag", params={"partnership_id": "st-albans"}).status_code == 404


@pytest.mark.usefixtures("tasking_data")
@sqlite_only
def test_my_work_lists_my_cases_actions_and_reviews_due(
        client: TestClient, container: Container) -> None:
    sign_in(client, container, "officer", user="pc.jones", agency="herts-police")
    with clock.frozen_at(clock.now().replace(year=2026, month=5, day=12)):
        response = client.get("/")
    assert response.status_code == 200, response.text
    page = response.text
    assert 'id="f-q"' in page  # the find box stays
    mine = section(page, "my-cases")
    assert "ASB-2026-00001" in mine
    assert "ASB-2026-00002" in mine
    actions = section(page, "my-actions")
    assert "Visit the victim" in actions  # overdue, the police's
    assert "Patrols" not in actions  # green: not due soon
    assert "Noise monitoring" not in actions  # another agency's, someone else's
    section(page, "reviews-due")
    section(page, "my-plans")
    section(page, "my-case-reviews")
