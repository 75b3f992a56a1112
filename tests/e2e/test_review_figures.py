"""``GET /api/reports/case-reviews``: the statutory yearly figures as JSON and CSV.

Reviews are recorded through the API across two financial years and two partnerships;
the figures for 2025-26 are worked out by hand below (working days exclude the 2025
early May and spring bank holidays).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from application.reviews_service import ReviewService
from domain.shared import clock
from tests.e2e.conftest import TokenFactory

REVIEWS = "/api/case-reviews"
FIGURES = "/api/reports/case-reviews"
SHOP = "Owner of the corner shop on Bancroft."


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with clock.frozen_at(datetime(2026, 6, 30, 11, 0, tzinfo=UTC)):
        yield


def post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
         status: int = 200) -> dict[str, Any]:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


class Recorder:
    """Records reviews through the API, one step a call."""

    def __init__(self, client: TestClient, headers: dict[str, str],
                 coordinator: dict[str, str]) -> None:
        self.client, self.headers, self.coordinator = client, headers, coordinator

    def receive(self, received_on: str, complaints: int, partnership_id: str = "north-herts"
                ) -> str:
        day = date.fromisoformat(received_on)
        reports = [{
            "behaviour_at": datetime.combine(day - timedelta(days=5 + n), time(22),
                                             tzinfo=UTC).isoformat(),
            "reported_on": (day - timedelta(days=5 + n)).isoformat(),
            "agency": "herts-police", "complainant": "victim",
            "description": "Threats shouted through the letterbox.",
        } for n in range(complaints)]
        return post(self.client, REVIEWS, {
            "partnership_id": partnership_id,
            "applicant": {"role": "victim", "victim_kind": "business"},
            "applicant_description": SHOP, "received_via": "phone",
            "received_on": received_on, "complaints": reports,
        }, self.headers, 201)["id"]

    def step(self, review_id: str, action: str, body: dict[str, Any],
             coordinator: bool = False, status: int = 200) -> None:
        headers = self.coordinator if coordinator else self.headers
        post(self.client, f"{REVIEWS}/{review_id}/{action}", body, headers, status)

    def meeting(self, review_id: str, held_on: str) -> None:
        self.step(review_id, "meetings", {
            "held_on": held_on, "agencies_attending": ["herts-police"],
            "victim_participation": "attended", "findings": "Agencies did not share reports."},
            status=201)


@pytest.fixture
def recorded(client: TestClient, auth: TokenFactory) -> None:
    coordinator = auth("coordinator", user="csp.coordinator")
    county = auth("coordinator", user="county.coordinator", partnerships=("*",))
    r = Recorder(client, coordinator, coordinator)

    a = r.receive("2025-05-01", 3)  # met; review with a recommendation; outcome sent
    r.step(a, "acknowledgement", {"acknowledged_on": "2025-05-02"})
    r.step(a, "threshold-decision", {"decided_on": "2025-05-09"})
    r.meeting(a, "2025-05-29")
    r.step(a, "recommendations", {"to_agency": "herts-police", "recommendation": "Patrols.",
                                  "deadline": "2025-07-01", "made_on": "2025-05-29"}, status=201)
    r.step(a, "outcome", {"sent_on": "2025-06-03", "via": "letter"})

    b = r.receive("2025-06-02", 1)  # not met; closed
    r.step(b, "acknowledgement", {"acknowledged_on": "2025-06-04"})
    r.step(b, "threshold-decision", {"decided_on": "2025-06-10"})
    r.step(b, "closure", {"closed_on": "2025-06-11"})

    c = r.receive("2025-07-01", 1)  # not met, but a review on discretion; no recommendations
    r.step(c, "acknowledgement", {"acknowledged_on": "2025-07-01"})
    r.step(c, "threshold-decision", {"decided_on": "2025-07-08"})
    r.step(c, "discretionary-review", {"agreed_on": "2025-07-09", "reason": "Repeat victim."})
    r.meeting(c, "2025-07-22")
    r.step(c, "outcome", {"sent_on": "2025-07-24", "via": "email"})

    d = r.receive("2026-04-10", 3)  # the next financial year
    r.step(d, "acknowledgement", {"acknowledged_on": "2026-04-13"})

    e = r.receive("2025-03-20", 1)  # received in 2024-25; decided (not met) in 2025-26
    r.step(e, "acknowledgement", {"acknowledged_on": "2025-03-21"})
    r.step(e, "threshold-decision", {"decided_on": "2025-04-03"})

    f = Recorder(client, county, county).receive("2025-08-01", 1, "st-albans")
    Recorder(client, county, county).step(f, "acknowledgement", {"acknowledged_on": "2025-08-04"})


NORTH_HERTS_2025_26 = {
    "financial_year": "2025-26", "first_day": "2025-04-01", "last_day": "2026-03-31",
    "partnership_id": "north-herts",
    "partnership_name": "North Hertfordshire Community Safety Partnership",
    "partnerships": ["north-herts"],
    "applications_received": 3,  # a, b, c
    "threshold_not_met": 3,  # b, c, and e (decided in this year)
    "reviews_carried_out": 2,  # a, c
    "reviews_with_recommendations": 1,  # a
    "median_working_days_to_acknowledgement": 1.0,  # a 1, b 2, c 0
    "median_working_days_to_threshold_decision": 5.0,  # a 5, b 6, c 5
    "median_working_days_to_review_meeting": 16.5,  # a 18, c 15
    "median_working_days_to_outcome": 19.0,  # a 21, c 17
}


@pytest.mark.usefixtures("recorded")
def test_figures_as_json(client: TestClient, auth: TokenFactory, container: Container) -> None:
    rag = auth("rag", user="rag.member")
    response = client.get(FIGURES, params={"year": "2025-26", "partnership_id": "north-herts"},
                          headers=rag)
    assert response.status_code == 200, response.text
    assert response.json() == NORTH_HERTS_2025_26
    assert SHOP not in response.text
    assert "letterbox" not in response.text

    service: ReviewService = container.services["reviews"]
    with acting_as(RequestContext(actor=Actor(user_id="rag.member", display_name="RAG",
                                              agency="herts-police", roles=("rag",),
                                              partnerships=("north-herts",)))):
        figures = service.yearly_figures("2025-26", "north-herts").figures
    assert figures.reviews_carried_out == response.json()["reviews_carried_out"]

    county = auth("rag", user="county.rag", partnerships=("*",))
    everything = client.get(FIGURES, params={"year": "2025-26"}, headers=county).json()
    assert everything["partnership_id"] is None
    assert everything["partnerships"] == ["north-herts", "st-albans"]
    assert everything["applications_received"] == 4
    assert everything["median_working_days_to_acknowledgement"] == 1.0  # 0, 1, 1, 2
    next_year = client.get(FIGURES, params={"year": "2026-27", "partnership_id": "north-herts"},
                           headers=rag).json()
    assert (next_year["applications_received"], next_year["threshold_not_met"]) == (1, 0)
    assert next_year["median_working_days_to_outcome"] is None


@pytest.mark.usefixtures("recorded")
def test_figures_as_csv(client: TestClient, auth: TokenFactory) -> None:
    rag = auth("rag", user="rag.member")
    params = {"year": "2025-26", "partnership_id": "north-herts"}
    by_accept = client.get(FIGURES, params=params, headers={**rag, "Accept": "text/csv"})
    by_format = client.get(FIGURES, params={**params, "format": "csv"}, headers=rag)
    assert by_accept.status_code == by_format.status_code == 200
    assert by_accept.text == by_format.text
    assert by_accept.headers["content-type"].startswith("text/csv")
    assert by_accept.headers["content-disposition"] == (
        'attachment; filename="case-review-figures-2025-26-north-herts.csv"')

    rows = list(csv.DictReader(io.StringIO(by_accept.text)))
    assert list(rows[0]) == ["financial_year", "partnership_id", "partnership_name", "figure",
                             "description", "value"]
    values = {row["figure"]: row["value"] for row in rows}
    assert values == {
        "applications_received": "3", "threshold_not_met": "3", "reviews_carried_out": "2",
        "reviews_with_recommendations": "1", "median_working_days_to_acknowledgement": "1",
        "median_working_days_to_threshold_decision": "5",
        "median_working_days_to_review_meeting": "16.5", "median_working_days_to_outcome": "19",
    }
    assert {row["financial_year"] for row in rows} == {"2025-26"}
    assert SHOP not in by_accept.text

    json_anyway = client.get(FIGURES, params={**params, "format": "json"},
                             headers={**rag, "Accept": "text/csv"})
    assert json_anyway.json()["applications_received"] == 3


def test_who_may_see_which_figures(client: TestClient, auth: TokenFactory) -> None:
    rag = auth("rag", user="rag.member")
    year = {"year": "2025-26"}
    for role in ("rag", "coordinator", "auditor", "admin"):
        allowed = client.get(FIGURES, params={**year, "partnership_id": "north-herts"},
                             headers=auth(role, user=f"{role}.user"))
        assert allowed.status_code == 200, role
        assert allowed.json()["applications_received"] == 0
    officer = client.get(FIGURES, params={**year, "partnership_id": "north-herts"},
                         headers=auth("officer"))
    assert officer.status_code == 403
    elsewhere = client.get(FIGURES, params={**year, "partnership_id": "st-albans"}, headers=rag)
    assert elsewhere.status_code == 403
    missing = client.get(FIGURES, params=year, headers=rag)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "partnership_id"
    bad_year = client.get(FIGURES, params={"year": "2025-27", "partnership_id": "north-herts"},
                          headers=rag)
    assert bad_year.status_code == 422
    assert bad_year.headers["content-type"].startswith("application/problem+json")
    assert bad_year.json()["errors"][0]["field"] == "year"
    assert client.get(FIGURES, params=year).status_code == 401
