"""Pages: signing in and out, the session cookie, CSRF, navigation by role, error pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container, bootstrap
from adapters.http.app import create_app
from adapters.http.pages.demo_users import DEMO_USERS
from adapters.http.security import SESSION_COOKIE
from tests.conftest import make_settings


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def sign_in_form(client: TestClient, user: str, next_path: str = "/") -> dict[str, str]:
    page = client.get(f"/sign-in?next={next_path}")
    assert page.status_code == 200
    return {**hidden_fields(page.text), "user": user}


def test_a_page_without_a_session_redirects_to_sign_in(client: TestClient) -> None:
    response = client.get("/cases/new?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fcases%2Fnew%3Fx%3D1"
    # The API keeps answering problem+json 401.
    api = client.get("/api/cases/6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")


def test_demo_sign_in_sets_an_http_only_lax_cookie_and_returns_to_the_page(
        client: TestClient) -> None:
    page = client.get("/sign-in?next=/cases/new")
    for user in DEMO_USERS:
        assert user.display_name in page.text
    response = client.post("/sign-in", data=sign_in_form(client, "asha-patel", "/cases/new"),
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/cases/new"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert "Asha Patel" in home.text
    assert "Officer" in home.text


def test_sign_in_only_returns_to_local_pages(client: TestClient) -> None:
    form = sign_in_form(client, "pc-jones")
    form["next"] = "//evil.example/steal"
    response = client.post("/sign-in", data=form, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_sign_in_needs_the_form_nonce_and_a_known_user(client: TestClient) -> None:
    form = sign_in_form(client, "pc-jones")
    refused = client.post("/sign-in", data={**form, "nonce": "forged"},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    unknown = client.post("/sign-in", data={**sign_in_form(client, "x"), "user": "nobody"},
                          follow_redirects=False)
    assert unknown.status_code == 422
    assert "Choose who to sign in as" in unknown.text


def test_sign_out_needs_the_csrf_token_and_clears_the_cookie(client: TestClient) -> None:
    client.post("/sign-in", data=sign_in_form(client, "pc-jones"))
    home = client.get("/")
    token = hidden_fields(home.text)["csrf_token"]
    assert len(token) == 64
    forged = client.post("/sign-out", data={"csrf_token": "0" * 64}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
    response = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_expired_session_is_sent_to_sign_in_again(client: TestClient,
                                                     container: Container) -> None:
    assert container.token_issuer is not None
    old = container.token_issuer.issue(
        user_id="pc.jones", display_name="PC Jones", agency="herts-police",
        roles=["officer"], partnerships=["north-herts"],
        now=datetime.now(tz=UTC) - timedelta(days=2))
    client.cookies.set(SESSION_COOKIE, old)
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert "expired=1" in response.headers["location"]
    assert "Your session has ended" in client.get(response.headers["location"]).text


def test_navigation_shows_only_pages_that_exist_for_the_role(client: TestClient) -> None:
    client.post("/sign-in", data=sign_in_form(client, "asha-patel"))
    home = client.get("/")
    links = re.findall(r'<a href="([^"]+)" class="site-nav__link"', home.text)
    assert links[:2] == ["/", "/cases"]
    for link in links:
        assert client.get(link, follow_redirects=False).status_code in {200, 303}
    client.post("/sign-in", data=sign_in_form(client, "rag-member"))
    rag_home = client.get("/")
    assert 'href="/cases" class="site-nav__link"' not in rag_home.text
    assert "does not work on individual cases" in rag_home.text
    assert client.get("/cases").status_code == 403


def test_pages_send_security_headers_and_the_stylesheet_prints_on_a4(
        client: TestClient) -> None:
    page = client.get("/sign-in")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert 'class="skip-link"' in page.text
    assert 'lang="en-GB"' in page.text
    css = client.get("/static/casework.css")
    assert css.status_code == 200
    assert "@media print" in css.text
    assert "size: A4" in css.text
    assert "url(" not in css.text  # no external fonts or images
    assert client.get("/static/casework.js").status_code == 200


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_oidc_mode_says_to_use_the_identity_provider(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = make_settings(store_kind, tmp_path, request, auth_mode="oidc",
                             auth_public_key="unused-in-this-test")
    container = bootstrap(settings)
    try:
        with TestClient(create_app(container)) as client:
            page = client.get("/sign-in")
            assert "identity provider" in page.text
            assert 'name="user"' not in page.text
            refused = client.post("/sign-in", data={"user": "admin", "nonce": "x"},
                                  follow_redirects=False)
            assert refused.status_code == 403
            assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    finally:
        container.close()


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_demo_sign_in_can_be_switched_off(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    container = bootstrap(make_settings(store_kind, tmp_path, request, demo_sign_in=False))
    try:
        with TestClient(create_app(container)) as client:
            page = client.get("/sign-in")
            assert "Demo sign-in is switched off" in page.text
            form = hidden_fields(page.text)
            refused = client.post("/sign-in", data={**form, "user": "admin"},
                                  follow_redirects=False)
            assert refused.status_code == 403
    finally:
        container.close()
