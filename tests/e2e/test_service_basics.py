"""Health, authentication and problem+json at the HTTP edge."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.conftest import TokenFactory


def test_healthz_answers_without_a_token(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_the_store(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["store"]["ok"] is True


def test_openapi_document_is_served(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "casework"


def test_api_without_token_is_401_problem(client: TestClient) -> None:
    response = client.get("/api/people/00000000-0000-0000-0000-000000000001")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_api_with_forged_token_is_401(client: TestClient, auth: TokenFactory) -> None:
    headers = auth("officer")
    forged = headers["Authorization"][:-4] + "AAAA"
    response = client.get("/api/people/00000000-0000-0000-0000-000000000001",
                          headers={"Authorization": forged})
    assert response.status_code == 401
