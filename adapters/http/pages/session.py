"""Signing in to pages, the CSRF token, and turning errors into HTML pages.

Pages use the API's authentication (:func:`authenticated_context`: the JWT in the
``casework_session`` cookie, or a bearer header), but a page request without a valid
token is redirected to ``/sign-in`` instead of getting a problem+json 401.

CSRF: the session cookie is ``SameSite=Lax`` and every change is a POST form, so a
cross-site form post arrives without the cookie; on top of that every form carries
``csrf_token``, an HMAC of the session token under the service's secret, checked on
every POST (:data:`PageForm`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

import structlog
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from adapters.bootstrap import auth_secret
from adapters.http.pages.rendering import SECURITY_HEADERS, render
from adapters.http.problems import Unauthorized
from adapters.http.security import SESSION_COOKIE, _token_from, authenticated_context
from application.context import RequestContext
from application.errors import Forbidden, NotFound, TooManyConflicts

log = structlog.get_logger("casework.pages")

SIGN_IN_PATH = "/sign-in"
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CsrfFailed(Exception):
    """A POST whose csrf_token is missing or does not match the session."""


# -- CSRF ------------------------------------------------------------------------------

def _csrf_key(request: Request) -> bytes:
    key: bytes | None = getattr(request.app.state, "page_csrf_key", None)
    if key is None:
        secret = auth_secret(request.app.state.container.settings)
        key = hashlib.sha256(b"casework-csrf-key\x00" + secret.encode()).digest()
        request.app.state.page_csrf_key = key
    return key


def csrf_token_for(request: Request) -> str:
    """The CSRF token for this request's session ("" without one)."""
    token = _token_from(request)
    if not token:
        return ""
    return hmac.new(_csrf_key(request), token.encode(), hashlib.sha256).hexdigest()


def csrf_matches(request: Request, sent: object) -> bool:
    expected = csrf_token_for(request)
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(sent, expected)


# -- dependencies --------------------------------------------------------------------

async def page_context(request: Request) -> RequestContext:
    """The request context for a page; redirects to sign-in when there is no valid session."""
    has_token = _token_from(request) is not None
    try:
        context = await authenticated_context(request)
    except Unauthorized:
        raise SignInRequired(
            "Your session has ended: sign in again." if has_token else "Sign in to continue."
        ) from None
    request.state.csrf_token = csrf_token_for(request)
    return context


PageContext = Annotated[RequestContext, Depends(page_context)]


async def checked_form(request: Request, _: PageContext) -> FormData:
    """The POSTed form, once its CSRF token matches the session."""
    form = await request.form()
    if not csrf_matches(request, form.get(CSRF_FIELD)):
        raise CsrfFailed()
    return form


PageForm = Annotated[FormData, Depends(checked_form)]


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax",
                           secure=request.url.scheme == "https", path="/")


# -- errors as pages -------------------------------------------------------------------

def error_page(request: Request, status: int, title: str, message: str) -> Response:
    return render(request, "error.html", {"title": title, "message": message},
                  status_code=status)


def _handle(request: Request, error: Exception) -> Response:
    if isinstance(error, SignInRequired):
        target = request.url.path
        if request.url.query and request.method == "GET":
            target += "?" + request.url.query
        location = f"{SIGN_IN_PATH}?next={quote(target, safe='')}"
        if error.reason.startswith("Your session"):
            location += "&expired=1"
        redirect = RedirectResponse(location, status_code=303)
        redirect.headers.update(SECURITY_HEADERS)
        return redirect
    if isinstance(error, CsrfFailed):
        return error_page(request, 403, "The form could not be sent",
                          "The form's security token did not match your session (perhaps "
                          "you signed in again in another tab). Go back, reload the page "
                          "and send the form again.")
    if isinstance(error, Forbidden):
        return error_page(request, 403, "You cannot use this page",
                          f"Your role does not allow this: {error.message}.")
    if isinstance(error, NotFound):
        return error_page(request, 404, "Page not found",
                          "There is no such record, or it is not in your partnerships.")
    if isinstance(error, RequestValidationError):
        return error_page(request, 404, "Page not found",
                          "The address is not right: check the link or the reference.")
    if isinstance(error, TooManyConflicts):
        return error_page(request, 503, "Too busy", "Many people are changing this record "
                          "at once. Wait a moment and send the form again.")
    log.error("page error", route=request.url.path, exc_info=error,
              error_type=type(error).__name__)
    return error_page(request, 500, "Sorry, something went wrong",
                      "The problem has been logged. Try again later.")


class PageRoute(APIRoute):
    """A route whose errors become HTML pages (sign-in redirect, 403, 404, 500)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception as error:
                return _handle(request, error)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return page_handler
