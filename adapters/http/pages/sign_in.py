"""Signing in and out of the pages.

Local auth mode with ``demo_sign_in``: the page offers the demo users
(:mod:`adapters.http.pages.demo_users`); choosing one issues a token with the
container's :class:`TokenIssuer` and keeps it in the HttpOnly, SameSite=Lax
``casework_session`` cookie. OIDC mode: the page says to sign in with the partnership's
identity provider (the redirect flow is not built yet: see docs/web.md).

The sign-in form has no session to tie a CSRF token to, so it uses a double-submit
nonce: a random value in a short-lived cookie and in the form, which must match.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from adapters.bootstrap import Container
from adapters.config.settings import AuthMode
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
from adapters.http.security import _token_from

router = APIRouter(route_class=PageRoute, include_in_schema=False)

NONCE_COOKIE = "casework_sign_in"


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _demo_available(container: Container) -> bool:
    return (container.settings.auth_mode is AuthMode.LOCAL
            and container.settings.demo_sign_in and container.token_issuer is not None)


def _sign_in_page(request: Request, *, next_path: str, error: str | None = None,
                  chosen: str = "", notice: str | None = None, status: int = 200) -> Response:
    container = _container(request)
    nonce = secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", {
        "oidc": container.settings.auth_mode is AuthMode.OIDC,
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


@router.post("/sign-out", name="sign_out")
async def sign_out(request: Request) -> Response:
    """Clear the session cookie. Only the CSRF token is checked: an expired session can
    still sign out."""
    form = await request.form()
    if _token_from(request) is not None and not csrf_matches(request, form.get(CSRF_FIELD)):
        raise CsrfFailed()
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.headers.update(SECURITY_HEADERS)
    clear_session_cookie(response, request)
    return response


@router.get("/sign-out", name="sign_out_form")
def sign_out_form(request: Request) -> Response:
    """Signing out is a POST (the header's button); this page offers the same button."""
    request.state.csrf_token = csrf_token_for(request)
    return render(request, "sign_out.html", {"signed_in": _token_from(request) is not None})
