"""Signing in and out of the pages.

Local auth mode with ``demo_sign_in``: the page offers the demo users
(:mod:`adapters.http.pages.demo_users`); choosing one issues a token with the
container's :class:`TokenIssuer` and keeps it in the HttpOnly, SameSite=Lax
``casework_session`` cookie. OIDC mode with ``CASEWORK_OIDC_ISSUER_URL``: the page offers
"Sign in with <provider>", which runs the authorisation code flow with PKCE
(:mod:`adapters.auth.oidc`): ``/sign-in/oidc`` starts it, ``/sign-in/oidc/callback`` checks
the answer and sets the same cookie from the provider's token; signing out also signs out at
the provider when it has an ``end_session_endpoint``. OIDC mode without an issuer URL: the
page says to use the partnership's identity provider (a proxy in front sets the cookie).

The demo sign-in form has no session to tie a CSRF token to, so it uses a double-submit
nonce: a random value in a short-lived cookie and in the form, which must match.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Annotated
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from adapters.auth.oidc import (
    FLOW_EXPIRED,
    FLOW_SECONDS,
    MAX_SESSION_TOKEN_LENGTH,
    OidcClient,
    OidcError,
    provider_error_code,
    session_token,
    token_expiry,
)
from adapters.bootstrap import Container, auth_secret
from adapters.config.settings import OIDC_CALLBACK_PATH, AuthMode, Settings
from adapters.http.pages.demo_users import DEMO_USERS, demo_user
from adapters.http.pages.rendering import SECURITY_HEADERS, render
from adapters.http.pages.session import (
    CSRF_FIELD,
    CsrfFailed,
    PageRoute,
    clear_session_cookie,
    csrf_matches,
    csrf_token_for,
    safe_next,
    set_session_cookie,
)
from adapters.http.security import SESSION_COOKIE, _token_from

log = structlog.get_logger("casework.sign_in")

router = APIRouter(route_class=PageRoute, include_in_schema=False)

NONCE_COOKIE = "casework_sign_in"
OIDC_FLOW_COOKIE = "casework_oidc_flow"
OIDC_FLOW_PATH = "/sign-in/oidc"


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _demo_available(container: Container) -> bool:
    return (container.settings.auth_mode is AuthMode.LOCAL
            and container.settings.demo_sign_in and container.token_issuer is not None)


def _sign_in_page(request: Request, *, next_path: str, error: str | None = None,
                  chosen: str = "", notice: str | None = None, status: int = 200) -> Response:
    container = _container(request)
    settings = container.settings
    nonce = secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", {
        "oidc": settings.auth_mode is AuthMode.OIDC,
        "oidc_sign_in": settings.oidc_sign_in,
        "oidc_start": f"{OIDC_FLOW_PATH}?next={quote(next_path, safe='')}",
        "provider_name": settings.oidc_provider_name,
        "demo": _demo_available(container),
        "demo_users": DEMO_USERS,
        "partnership_names": {p.id: p.name for p in container.rules.partnerships.partnerships},
        "next_path": next_path,
        "nonce": nonce,
        "error": error,
        "chosen": chosen,
        "notice": notice,
    }, status_code=status)
    response.set_cookie(NONCE_COOKIE, nonce, max_age=3600, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/sign-in")
    return response


@router.get("/sign-in", name="sign_in_form")
def sign_in_form(request: Request,
                 next_path: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
                 expired: Annotated[str | None, Query(max_length=5)] = None,
                 signed_out: Annotated[str | None, Query(max_length=5)] = None) -> Response:
    notice = ("Your session has ended: sign in again." if expired
              else "You have signed out." if signed_out else None)
    return _sign_in_page(request, next_path=safe_next(next_path), notice=notice)


@router.post("/sign-in", name="sign_in")
async def sign_in(request: Request) -> Response:
    container = _container(request)
    form = await request.form()
    next_path = safe_next(str(form.get("next") or "/"))
    if not _demo_available(container) or container.token_issuer is None:
        return _sign_in_page(request, next_path=next_path, status=403,
                             error="Demo sign-in is not available on this service.")
    sent, expected = form.get("nonce"), request.cookies.get(NONCE_COOKIE)
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, expected)):
        return _sign_in_page(request, next_path=next_path, status=403,
                             error="The sign-in form had expired. Choose the user again.")
    key = str(form.get("user") or "")
    user = demo_user(key)
    if user is None:
        return _sign_in_page(request, next_path=next_path, status=422,
                             error="Choose who to sign in as")
    token = container.token_issuer.issue(
        user_id=user.user_id, display_name=user.display_name, agency=user.agency,
        roles=[user.role], partnerships=list(user.partnerships),
    )
    response = RedirectResponse(next_path, status_code=303)
    response.headers.update(SECURITY_HEADERS)
    set_session_cookie(response, request, token, container.settings.auth_token_minutes * 60)
    response.delete_cookie(NONCE_COOKIE, path="/sign-in")
    return response


# -- signing in at the identity provider (OIDC) ---------------------------------------

def _oidc_client(request: Request) -> OidcClient | None:
    """The app's relying-party client (None unless OIDC page sign-in is configured)."""
    state = request.app.state
    if not hasattr(state, "oidc_client"):
        settings = _container(request).settings
        state.oidc_client = OidcClient.from_settings(settings, auth_secret(settings))
    client: OidcClient | None = state.oidc_client
    return client


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_url or str(request.url_for("oidc_callback"))


def _service_base(request: Request, settings: Settings) -> str:
    if settings.oidc_redirect_url:
        return settings.oidc_redirect_url.removesuffix(OIDC_CALLBACK_PATH)
    return str(request.base_url).rstrip("/")


def _clear_flow_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(OIDC_FLOW_COOKIE, path=OIDC_FLOW_PATH, httponly=True,
                           samesite="lax", secure=request.url.scheme == "https")


def _oidc_failed(request: Request, error: OidcError, next_path: str) -> Response:
    """The sign-in page with the error; the reason is logged (no tokens, no personal data)."""
    log.warning("oidc sign-in failed", reason=error.reason, detail=error.detail,
                status=error.status)
    response = _sign_in_page(request, next_path=next_path, error=error.message,
                             status=error.status)
    _clear_flow_cookie(response, request)
    return response


@router.get(OIDC_FLOW_PATH, name="oidc_sign_in")
async def oidc_sign_in(
        request: Request,
        next_path: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
) -> Response:
    """Start the authorisation code flow: a sealed flow cookie, then off to the provider."""
    next_path = safe_next(next_path)
    client = _oidc_client(request)
    if client is None:
        return _sign_in_page(request, next_path=next_path, status=404, error=(
            "Signing in with an identity provider is not set up on this service."))
    try:
        metadata = await client.metadata()
    except OidcError as error:
        return _oidc_failed(request, error, next_path)
    flow = client.new_flow(next_path, _redirect_uri(request, _container(request).settings))
    response = RedirectResponse(client.authorization_url(metadata, flow), status_code=303)
    response.headers.update(SECURITY_HEADERS)
    response.set_cookie(OIDC_FLOW_COOKIE, client.sealer.seal(flow), max_age=FLOW_SECONDS,
                        httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        path=OIDC_FLOW_PATH)
    return response


@router.get(OIDC_CALLBACK_PATH, name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    """The provider's answer: check it, exchange the code, set the session cookie."""
    client = _oidc_client(request)
    if client is None:
        return _sign_in_page(request, next_path="/", status=404, error=(
            "Signing in with an identity provider is not set up on this service."))
    params = request.query_params
    next_path = "/"
    try:
        if params.get("error"):
            said = provider_error_code(params.get("error"))
            if said == "access_denied":
                raise OidcError("provider_access_denied", (
                    "The sign-in was cancelled, or your identity provider refused it. If you "
                    "need access, ask your partnership's administrator."), 403)
            raise OidcError(f"provider_error_{said}", (
                f"Your identity provider could not sign you in (it said: {said}). Sign in "
                "again, or ask your service desk."), 400)
        flow = client.sealer.open(request.cookies.get(OIDC_FLOW_COOKIE))
        next_path = safe_next(flow.next_path)
        state = params.get("state") or ""
        if not hmac.compare_digest(state.encode(), flow.state.encode()):
            raise OidcError("state_mismatch", FLOW_EXPIRED, 400)
        code = params.get("code") or ""
        if not code or len(code) > 4096:
            raise OidcError("no_code", "Your identity provider's answer had no authorisation "
                            "code. Sign in again.", 400)
        metadata = await client.metadata()
        tokens = await client.exchange(metadata, flow, code)
        await run_in_threadpool(client.id_token_claims, metadata, tokens.id_token, flow.nonce)
        container = _container(request)
        token, actor, kept = await run_in_threadpool(
            session_token, container.token_verifier, tokens,
            container.settings.oidc_session_token)
        if not actor.roles:
            raise OidcError("no_role", (
                "Your account has no role in this service. Ask your partnership's "
                "administrator to give you one."), 403)
        if len(token) > MAX_SESSION_TOKEN_LENGTH:
            raise OidcError("token_too_large", (
                "The token from your identity provider is too large to keep in the browser. "
                "Ask your service desk (the token should carry fewer claims)."), 400,
                detail=f"{kept} token is {len(token)} characters")
    except OidcError as error:
        return _oidc_failed(request, error, next_path)
    log.info("oidc sign-in", kept=kept, user_id=actor.user_id)
    response = RedirectResponse(next_path, status_code=303)
    response.headers.update(SECURITY_HEADERS)
    set_session_cookie(response, request, token,
                       max(1, token_expiry(token) - int(time.time())))
    _clear_flow_cookie(response, request)
    return response


async def _end_session_url(request: Request, client: OidcClient, token: str) -> str | None:
    """Where to sign out at the provider, or None (no endpoint, or it cannot be reached)."""
    try:
        metadata = await client.metadata()
    except OidcError as error:
        log.warning("oidc sign-out at the provider skipped", reason=error.reason,
                    detail=error.detail)
        return None
    settings = _container(request).settings
    return client.end_session_url(
        metadata, post_logout_redirect_uri=f"{_service_base(request, settings)}/sign-in"
        "?signed_out=1", id_token_hint=token if client.is_id_token(token) else None)


# -- signing out -----------------------------------------------------------------------

@router.post("/sign-out", name="sign_out")
async def sign_out(request: Request) -> Response:
    """Clear the session cookie. Only the CSRF token is checked: an expired session can
    still sign out. In OIDC mode, then sign out at the provider too.

    The way to the provider is a page that refreshes to it, not a redirect: browsers apply
    the pages' ``form-action 'self'`` to a form's redirects and would block it."""
    form = await request.form()
    if _token_from(request) is not None and not csrf_matches(request, form.get(CSRF_FIELD)):
        raise CsrfFailed()
    session = request.cookies.get(SESSION_COOKIE)
    client = _oidc_client(request) if session else None
    provider_url = None
    if client is not None and session:
        provider_url = await _end_session_url(request, client, session)
    response: Response
    if provider_url is not None:
        response = render(request, "sign_out_provider.html", {
            "end_session_url": provider_url,
            "provider_name": _container(request).settings.oidc_provider_name,
        })
    else:
        response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
        response.headers.update(SECURITY_HEADERS)
    clear_session_cookie(response, request)
    return response


@router.get("/sign-out", name="sign_out_form")
def sign_out_form(request: Request) -> Response:
    """Signing out is a POST (the header's button); this page offers the same button."""
    request.state.csrf_token = csrf_token_for(request)
    return render(request, "sign_out.html", {"signed_in": _token_from(request) is not None})
