"""Authentication and the request context, set once per request at the edge."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import structlog
from fastapi import Depends, Request

from adapters.auth.tokens import InvalidToken, TokenVerifier
from adapters.http.problems import Unauthorized
from application.context import Actor, RequestContext, _current
from application.errors import Forbidden

SESSION_COOKIE = "casework_session"


def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


async def authenticated_context(request: Request) -> RequestContext:
    verifier: TokenVerifier = request.app.state.container.token_verifier
    token = _token_from(request)
    if token is None:
        raise Unauthorized("a bearer token is required")
    try:
        actor = verifier.verify(token)
    except InvalidToken as error:
        raise Unauthorized(f"the token is not valid: {error}") from None
    context = RequestContext(
        actor=actor,
        request_id=getattr(request.state, "request_id", str(uuid.uuid4())),
        reason=request.headers.get("x-reason") or None,
        client_address=request.client.host if request.client else None,
    )
    # Set for this request's task; sync endpoints run in a thread with a copy of it.
    _current.set(context)
    request.state.actor = actor
    structlog.contextvars.bind_contextvars(user_id=actor.user_id)
    return context


Context = Annotated[RequestContext, Depends(authenticated_context)]


def require_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, Actor]]:
    async def check(context: Context) -> Actor:
        if not context.actor.has_role(*roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
        return context.actor

    return check
