"""Pages: signing in at an OpenID Connect provider (authorisation code flow with PKCE).

A real, tiny provider runs on a free local port (FastAPI under uvicorn, in a thread): it
serves discovery, its JWKS (an RSA key made here), /authorize (answers at once with a code,
remembering the PKCE challenge), /token (checks the client and the code_verifier against the
challenge with S256) and /end_session. The casework app runs in the TestClient and talks to
the provider over HTTP; the test plays the browser between the two.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from adapters.auth.oidc import FlowSealer
from adapters.bootstrap import bootstrap
from adapters.config.settings import LogFormat, SettingsError, load_settings
from adapters.http.app import create_app
from adapters.http.pages.sign_in import OIDC_FLOW_COOKIE
from adapters.http.security import SESSION_COOKIE
from adapters.logging_setup import configure_logging
from tests.conftest import make_settings

CLIENT_ID = "casework-web"
CLIENT_SECRET = "provider-client-secret"
AUTH_SECRET = "test-secret-" + "x" * 32  # what make_settings gives the service

OFFICER = {"sub": "u-4821", "name": "Priya Shah", "agency": "herts-police",
           "roles": ["officer"], "partnerships": ["north-herts"]}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    """A minimal OpenID provider with switches for the failures the tests need."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issuer = ""
        self.reset()

    def reset(self) -> None:
        self.user: dict[str, Any] = dict(OFFICER)
        self.client_secret: str | None = CLIENT_SECRET
        self.deny = False
        self.access_token_jwt = True
        self.id_token_fault: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.discovery_hits = 0
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, Any]] = []
        self.rejections: list[str] = []
        self.logouts: list[dict[str, str]] = []

    # -- tokens -------------------------------------------------------------------------

    def _sign(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256",
                          headers={"kid": "test-key"})

    def _tokens(self, grant: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        user = {k: v for k, v in self.user.items() if v is not None}
        id_claims = {**user, "iss": self.issuer, "aud": CLIENT_ID, "iat": now,
                     "exp": now + 3600, "nonce": grant["nonce"],
                     "email": "priya.shah@police.example"}
        fault = self.id_token_fault
        if fault == "wrong_nonce":
            id_claims["nonce"] = "not-the-flow-nonce"
        elif fault == "wrong_audience":
            id_claims["aud"] = "some-other-client"
        elif fault == "expired":
            id_claims |= {"iat": now - 7200, "exp": now - 3600}
        id_token = self._sign(id_claims, self.foreign_key if fault == "foreign_key" else None)
        access_token = self._sign({**user, "iss": self.issuer, "aud": "casework", "iat": now,
                                   "exp": now + 1800, "scope": grant["scope"]}
                                  ) if self.access_token_jwt else secrets.token_urlsafe(32)
        return {"access_token": access_token, "id_token": id_token, "token_type": "Bearer",
                "expires_in": 1800}

    # -- the app -------------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            self.discovery_hits += 1
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "end_session_endpoint": f"{self.issuer}/end_session",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            key = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return {"keys": [{**key, "kid": "test-key", "use": "sig", "alg": "RS256"}]}

        @app.get("/authorize")
        def authorize(request: Request) -> Any:
            query = dict(request.query_params)
            self.authorize_requests.append(query)
            if (query.get("client_id") != CLIENT_ID or query.get("response_type") != "code"
                    or query.get("code_challenge_method") != "S256"
                    or not query.get("code_challenge")):
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            back = query["redirect_uri"]
            if self.deny:
                answer = {"error": "access_denied", "state": query["state"]}
            else:
                code = secrets.token_urlsafe(16)
                self.codes[code] = {"challenge": query["code_challenge"], "scope": query["scope"],
                                    "nonce": query["nonce"], "redirect_uri": back}
                answer = {"code": code, "state": query["state"]}
            return RedirectResponse(f"{back}?{urlencode(answer)}", status_code=302)

        @app.post("/token")
        async def token(request: Request) -> Any:
            form = dict(await request.form())
            header = request.headers.get("authorization", "")
            self.token_requests.append({"form": form, "basic": header.startswith("Basic ")})

            def refuse(error: str, why: str, status: int = 400) -> JSONResponse:
                self.rejections.append(why)
                return JSONResponse({"error": error}, status_code=status)

            if self.client_secret is not None:
                expected = base64.b64encode(f"{CLIENT_ID}:{self.client_secret}".encode())
                if header != f"Basic {expected.decode()}":
                    return refuse("invalid_client", "client", 401)
            elif form.get("client_id") != CLIENT_ID:
                return refuse("invalid_client", "client", 401)
            grant = self.codes.pop(str(form.get("code")), None)
            if form.get("grant_type") != "authorization_code" or grant is None:
                return refuse("invalid_grant", "code")
            if form.get("redirect_uri") != grant["redirect_uri"]:
                return refuse("invalid_grant", "redirect_uri")
            verifier = str(form.get("code_verifier") or "")
            if _b64(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
                return refuse("invalid_grant", "pkce")
            return self._tokens(grant)

        @app.get("/end_session")
        def end_session(request: Request) -> Any:
            query = dict(request.query_params)
            self.logouts.append(query)
            return RedirectResponse(query["post_logout_redirect_uri"], status_code=302)

        return app


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    idp = Provider()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    idp.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(idp.app(), log_level="warning", access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the provider did not start"
        time.sleep(0.02)
    try:
        yield idp
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


AppFactory = Callable[..., TestClient]


@pytest.fixture
def casework(provider: Provider, tmp_path: Path,
             request: pytest.FixtureRequest) -> Iterator[AppFactory]:
    """``casework(**settings)``: the service in OIDC mode against the provider."""
    provider.reset()
    # Tests read info-level events; another test in this worker may have left the level at
    # WARNING (structlog's filtering wrapper outlives ``capture_logs``).
    configure_logging(LogFormat.CONSOLE, "INFO")
    opened: list[Any] = []

    def build(**overrides: object) -> TestClient:
        values: dict[str, object] = {
            "auth_mode": "oidc", "auth_issuer": provider.issuer, "auth_audience": "casework",
            "auth_jwks_url": f"{provider.issuer}/jwks", "oidc_issuer_url": provider.issuer,
            "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
            "oidc_provider_name": "Herts Login",
        } | overrides
        container = bootstrap(make_settings("sqlite", tmp_path / f"s{len(opened)}", request,
                                            **values))
        client = TestClient(create_app(container), raise_server_exceptions=False)
        client.__enter__()
        opened.append((client, container))
        return client

    yield build
    for client, container in opened:
        client.__exit__(None, None, None)
        container.close()


# -- playing the browser ---------------------------------------------------------------

def start(client: TestClient, next_path: str = "/") -> httpx.Response:
    response: httpx.Response = client.get("/sign-in/oidc", params={"next": next_path},
                                          follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def at_provider(authorize_url: str) -> str:
    """The provider's answer: where it sends the browser back to."""
    response = httpx.get(authorize_url, follow_redirects=False)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def sign_in(client: TestClient, next_path: str = "/") -> httpx.Response:
    response: httpx.Response = client.get(
        at_provider(start(client, next_path).headers["location"]), follow_redirects=False)
    return response


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_params(url: str, **params: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode(query_of(url) | params)))


def session_cookies(response: httpx.Response) -> list[str]:
    return [c for c in response.headers.get_list("set-cookie")
            if c.startswith(f"{SESSION_COOKIE}=")]


def failure(logs: list[MutableMapping[str, Any]]) -> MutableMapping[str, Any]:
    [logged] = [entry for entry in logs if entry["event"] == "oidc sign-in failed"]
    return logged


def assert_refused(client: TestClient, response: httpx.Response, status: int,
                   message: str) -> None:
    assert response.status_code == status, response.text
    assert message in response.text
    assert 'class="error-summary"' in response.text
    assert "Sign in with Herts Login" in response.text  # so they can try again
    assert not session_cookies(response)
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


# -- the happy path --------------------------------------------------------------------

def test_the_sign_in_page_offers_the_provider(casework: AppFactory) -> None:
    client = casework()
    page = client.get("/sign-in?next=/cases/new")
    assert page.status_code == 200
    assert "Sign in with Herts Login" in page.text
    assert 'href="/sign-in/oidc?next=%2Fcases%2Fnew"' in page.text
    assert 'name="user"' not in page.text  # no demo users in OIDC mode


def test_signing_in_at_the_provider_sets_the_session_and_returns_to_the_page(
        casework: AppFactory, provider: Provider) -> None:
    client = casework()
    started = start(client, "/cases/new")
    authorize = started.headers["location"]
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    sent = query_of(authorize)
    assert sent["response_type"] == "code"
    assert sent["client_id"] == CLIENT_ID
    assert sent["redirect_uri"] == "http://testserver/sign-in/oidc/callback"
    assert sent["scope"] == "openid profile email"
    assert sent["code_challenge_method"] == "S256"
    assert len(sent["code_challenge"]) == 43
    assert len(sent["state"]) >= 32
    # The flow's secrets are in a sealed, short-lived cookie scoped to the flow's paths.
    [flow_cookie] = started.headers.get_list("set-cookie")
    assert flow_cookie.startswith(f"{OIDC_FLOW_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/sign-in/oidc", "Max-Age=600"):
        assert attribute in flow_cookie
    assert sent["state"] not in flow_cookie
    assert sent["nonce"] not in flow_cookie

    with capture_logs() as logs:
        back = client.get(at_provider(authorize), follow_redirects=False)
    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/cases/new"
    [cookie] = session_cookies(back)
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/;"):
        assert attribute in cookie + ";"
    assert any(c.startswith(f'{OIDC_FLOW_COOKIE}=""') for c in back.headers.get_list(
        "set-cookie"))
    # The provider saw the client's secret and a verifier that matches the challenge.
    [exchange] = provider.token_requests
    assert exchange["basic"]
    assert "client_secret" not in exchange["form"]
    assert provider.rejections == []
    # The access token (a JWT for the service's audience) is kept.
    kept = jwt.decode(client.cookies[SESSION_COOKIE], options={"verify_signature": False})
    assert kept["aud"] == "casework"
    assert next(e for e in logs if e["event"] == "oidc sign-in")["kept"] == "access"

    home = client.get("/")
    assert home.status_code == 200
    assert "Priya Shah" in home.text
    assert client.get("/cases/new").status_code == 200


def test_a_public_client_keeps_the_id_token_when_the_access_token_is_opaque(
        casework: AppFactory, provider: Provider) -> None:
    client = casework(oidc_client_secret=None, auth_audience=CLIENT_ID)
    provider.client_secret = None
    provider.access_token_jwt = False
    back = sign_in(client)
    assert back.status_code == 303, back.text
    [exchange] = provider.token_requests
    assert not exchange["basic"]
    assert exchange["form"]["client_id"] == CLIENT_ID
    kept = jwt.decode(client.cookies[SESSION_COOKIE], options={"verify_signature": False})
    assert kept["aud"] == CLIENT_ID
    assert "nonce" in kept
    assert "Priya Shah" in client.get("/").text


def test_discovery_is_fetched_once_per_process(casework: AppFactory,
                                               provider: Provider) -> None:
    client = casework()
    for _ in range(2):
        assert sign_in(client).status_code == 303
    assert provider.discovery_hits == 1


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example/x",
                                    "/\\evil.example"])
def test_next_cannot_leave_the_service(casework: AppFactory, target: str) -> None:
    client = casework()
    page = client.get("/sign-in", params={"next": target})
    assert 'href="/sign-in/oidc?next=%2F"' in page.text
    back = sign_in(client, target)
    assert back.status_code == 303
    assert back.headers["location"] == "/"


# -- failures: a page with the reason, never a session --------------------------------

def test_the_person_refusing_at_the_provider(casework: AppFactory,
                                             provider: Provider) -> None:
    client = casework()
    provider.deny = True
    with capture_logs() as logs:
        back = sign_in(client)
    assert_refused(client, back, 403, "The sign-in was cancelled")
    assert {"event": "oidc sign-in failed", "reason": "provider_access_denied", "detail": "",
            "status": 403, "log_level": "warning"} in logs


def test_another_provider_error_is_shown_with_its_code(casework: AppFactory) -> None:
    client = casework()
    start(client)
    back = client.get("/sign-in/oidc/callback?error=temporarily_unavailable&state=x"
                      "&error_description=<script>", follow_redirects=False)
    assert_refused(client, back, 400, "it said: temporarily_unavailable")
    assert "<script>" not in back.text


def test_a_state_that_does_not_match_the_flow(casework: AppFactory) -> None:
    client = casework()
    callback = at_provider(start(client).headers["location"])
    with capture_logs() as logs:
        back = client.get(with_params(callback, state="forged-" + "x" * 40),
                          follow_redirects=False)
    assert_refused(client, back, 400, "Sign in again")
    assert failure(logs)["reason"] == "state_mismatch"


def test_a_callback_without_the_flow_cookie(casework: AppFactory) -> None:
    """E.g. a code from someone else's sign-in (login CSRF), or cookies cleared."""
    client = casework()
    callback = at_provider(start(client).headers["location"])
    client.cookies.delete(OIDC_FLOW_COOKIE)
    with capture_logs() as logs:
        back = client.get(callback, follow_redirects=False)
    assert_refused(client, back, 400, "took too long, or was started in another browser")
    assert failure(logs)["reason"] == "flow_cookie_missing"


@pytest.mark.parametrize("change", ["expired", "tampered"])
def test_an_expired_or_tampered_flow_cookie(casework: AppFactory, change: str) -> None:
    client = casework()
    callback = at_provider(start(client).headers["location"])
    sealed = client.cookies[OIDC_FLOW_COOKIE]
    sealer = FlowSealer(AUTH_SECRET)
    flow = sealer.open(sealed)
    if change == "expired":
        changed = sealer.seal(replace(flow, started=flow.started - 3600))
    else:
        changed = sealed[:-6] + ("AAAAAA" if not sealed.endswith("AAAAAA") else "BBBBBB")
    client.cookies.delete(OIDC_FLOW_COOKIE)
    client.cookies.set(OIDC_FLOW_COOKIE, changed)
    with capture_logs() as logs:
        back = client.get(callback, follow_redirects=False)
    assert_refused(client, back, 400, "took too long")
    assert failure(logs)["reason"] == ("flow_expired" if change == "expired"
                                  else "flow_cookie_invalid")


def test_a_pkce_verifier_that_does_not_match_is_refused_by_the_provider(
        casework: AppFactory, provider: Provider) -> None:
    """A code obtained with another challenge (e.g. intercepted and replayed) is useless."""
    client = casework()
    authorize = start(client).headers["location"]
    other = _b64(hashlib.sha256(b"an attacker's verifier").digest())
    callback = at_provider(with_params(authorize, code_challenge=other))
    with capture_logs() as logs:
        back = client.get(callback, follow_redirects=False)
    assert_refused(client, back, 401, "did not confirm the sign-in")
    assert provider.rejections == ["pkce"]
    assert failure(logs)["reason"] == "token_endpoint_refused"
    assert failure(logs)["detail"] == "HTTP 400 invalid_grant"


def test_the_token_endpoint_refusing_the_client(casework: AppFactory,
                                                provider: Provider) -> None:
    client = casework(oidc_client_secret="not-the-secret")
    back = sign_in(client)
    assert_refused(client, back, 401, "did not confirm the sign-in")
    assert provider.rejections == ["client"]


def test_a_code_is_used_once(casework: AppFactory, provider: Provider) -> None:
    client = casework()
    callback = at_provider(start(client).headers["location"])
    sealed = client.cookies[OIDC_FLOW_COOKIE]
    assert client.get(callback, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set(OIDC_FLOW_COOKIE, sealed)
    assert_refused(client, client.get(callback, follow_redirects=False), 401, "did not confirm")
    assert provider.rejections == ["code"]


@pytest.mark.parametrize("fault", ["foreign_key", "wrong_nonce", "wrong_audience", "expired"])
def test_an_id_token_that_does_not_verify(casework: AppFactory, provider: Provider,
                                          fault: str) -> None:
    client = casework()
    provider.id_token_fault = fault
    with capture_logs() as logs:
        back = sign_in(client)
    assert_refused(client, back, 401, "could not be verified")
    assert failure(logs)["reason"] == ("nonce_mismatch" if fault == "wrong_nonce"
                                 else "id_token_invalid")
    assert "eyJ" not in str(logs)  # no token in the log
    assert "priya" not in str(logs).lower()


def test_a_token_the_service_does_not_accept(casework: AppFactory,
                                             provider: Provider) -> None:
    """The provider's tokens are fine, but neither is for this service's audience."""
    client = casework(auth_audience="some-other-api")
    with capture_logs() as logs:
        back = sign_in(client)
    assert_refused(client, back, 401, "could not be verified")
    assert failure(logs)["reason"] == "no_session_token"
    assert "Audience doesn't match" in failure(logs)["detail"]


def test_a_person_without_a_casework_role(casework: AppFactory, provider: Provider) -> None:
    client = casework()
    provider.user = {**OFFICER, "roles": ["payroll-clerk"]}
    with capture_logs() as logs:
        back = sign_in(client)
    assert_refused(client, back, 403, "Your account has no role in this service")
    assert failure(logs)["reason"] == "no_role"


def test_a_provider_that_cannot_be_reached(casework: AppFactory) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    client = casework(auth_issuer=closed, oidc_issuer_url=closed,
                      auth_jwks_url=f"{closed}/jwks")
    response = client.get("/sign-in/oidc", follow_redirects=False)
    assert response.status_code == 503
    assert "could not be reached" in response.text
    assert not session_cookies(response)


def test_oidc_sign_in_is_off_without_an_issuer_url(casework: AppFactory) -> None:
    client = casework(oidc_issuer_url=None, oidc_client_id=None, oidc_client_secret=None)
    page = client.get("/sign-in")
    assert "Sign in with Herts Login" not in page.text
    assert 'id="oidc-sign-in"' not in page.text
    assert "identity provider" in page.text
    assert client.get("/sign-in/oidc", follow_redirects=False).status_code == 404


# -- signing out -----------------------------------------------------------------------

def csrf_token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("kept", ["access", "id"])
def test_signing_out_also_signs_out_at_the_provider(casework: AppFactory,
                                                    provider: Provider, kept: str) -> None:
    if kept == "id":
        client = casework(auth_audience=CLIENT_ID)
        provider.access_token_jwt = False
    else:
        client = casework()
    assert sign_in(client).status_code == 303
    session = client.cookies[SESSION_COOKIE]
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client)},
                           follow_redirects=False)
    # A page that moves on to the provider: a redirect would break the pages'
    # "form-action 'self'" (browsers apply it to a form's redirects).
    assert response.status_code == 200
    assert session_cookies(response) == [
        c for c in response.headers.get_list("set-cookie") if c.startswith(
            f'{SESSION_COOKIE}=""')]
    assert session_cookies(response)
    match = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', response.text)
    assert match is not None
    end_session = match.group(1).replace("&amp;", "&")
    assert end_session.startswith(f"{provider.issuer}/end_session?")
    sent = query_of(end_session)
    assert sent["post_logout_redirect_uri"] == "http://testserver/sign-in?signed_out=1"
    assert sent["client_id"] == CLIENT_ID
    if kept == "id":
        assert sent["id_token_hint"] == session
    else:
        assert "id_token_hint" not in sent
    assert f'href="{match.group(1)}"' in response.text  # and a link, should refresh be off

    back = httpx.get(end_session, follow_redirects=False)
    assert back.status_code == 302
    assert len(provider.logouts) == 1
    assert "You have signed out" in client.get(back.headers["location"]).text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_signing_out_without_a_session_stays_here(casework: AppFactory,
                                                  provider: Provider) -> None:
    client = casework()
    response = client.post("/sign-out", data={}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?signed_out=1"
    assert provider.logouts == []


def test_the_redirect_url_setting_is_sent_to_the_provider(casework: AppFactory) -> None:
    client = casework(oidc_redirect_url="https://casework.example/sign-in/oidc/callback")
    sent = query_of(start(client).headers["location"])
    assert sent["redirect_uri"] == "https://casework.example/sign-in/oidc/callback"


# -- settings --------------------------------------------------------------------------

@pytest.mark.parametrize(("env", "named"), [
    ({"CASEWORK_OIDC_ISSUER_URL": "https://login.example"}, "CASEWORK_AUTH_MODE=oidc"),
    ({"CASEWORK_AUTH_MODE": "oidc", "CASEWORK_OIDC_ISSUER_URL": "https://login.example"},
     "CASEWORK_OIDC_CLIENT_ID"),
    ({"CASEWORK_AUTH_MODE": "oidc", "CASEWORK_OIDC_CLIENT_ID": "c"},
     "CASEWORK_OIDC_ISSUER_URL"),
    ({"CASEWORK_AUTH_MODE": "oidc", "CASEWORK_OIDC_ISSUER_URL": "http://login.example",
      "CASEWORK_OIDC_CLIENT_ID": "c"}, "CASEWORK_OIDC_ISSUER_URL: Value error, must be an "
                                       "https"),
    ({"CASEWORK_AUTH_MODE": "oidc", "CASEWORK_OIDC_ISSUER_URL": "https://login.example",
      "CASEWORK_OIDC_CLIENT_ID": "c"}, "CASEWORK_AUTH_ISSUER"),
    ({"CASEWORK_AUTH_MODE": "oidc", "CASEWORK_OIDC_SCOPES": "profile email"},
     "CASEWORK_OIDC_SCOPES"),
    ({"CASEWORK_AUTH_MODE": "oidc", "CASEWORK_OIDC_REDIRECT_URL": "https://x.example/cb"},
     "CASEWORK_OIDC_REDIRECT_URL"),
    ({"CASEWORK_AUTH_MODE": "oidc", "CASEWORK_OIDC_SESSION_TOKEN": "refresh"},
     "CASEWORK_OIDC_SESSION_TOKEN"),
])
def test_bad_oidc_settings_name_the_setting(monkeypatch: pytest.MonkeyPatch,
                                            env: dict[str, str], named: str) -> None:
    monkeypatch.setenv("CASEWORK_AUTH_JWKS_URL", "https://login.example/jwks")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=re.escape(named)):
        load_settings()


def test_good_oidc_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "CASEWORK_AUTH_MODE": "oidc", "CASEWORK_AUTH_ISSUER": "https://login.example/",
        "CASEWORK_AUTH_JWKS_URL": "https://login.example/jwks",
        "CASEWORK_OIDC_ISSUER_URL": "https://login.example/", "CASEWORK_OIDC_CLIENT_ID": "c",
        "CASEWORK_OIDC_CLIENT_SECRET": "s", "CASEWORK_OIDC_SCOPES": "openid,profile",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.oidc_sign_in
    assert settings.oidc_scopes == "openid profile"
    assert repr(settings.oidc_client_secret) == "SecretStr('**********')"
