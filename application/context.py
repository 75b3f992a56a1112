"""Who is acting, set once at the edge and read by the application layer.

The HTTP adapter (or the CLI, or the demo loader) opens :func:`acting_as` around a
request; :class:`~application.store.CaseworkStore` stamps every event it saves with
the actor, the request id and the reason, so no command passes them by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


class Role:
    OFFICER = "officer"
    COORDINATOR = "coordinator"
    RAG = "rag"
    AUDITOR = "auditor"
    ADMIN = "admin"

    ALL = (OFFICER, COORDINATOR, RAG, AUDITOR, ADMIN)


@dataclass(frozen=True)
class Actor:
    user_id: str
    display_name: str
    agency: str
    roles: tuple[str, ...]
    partnerships: tuple[str, ...] = ()
    all_partnerships: bool = False

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def can_see_partnership(self, partnership_id: str) -> bool:
        return self.all_partnerships or partnership_id in self.partnerships


SYSTEM_ACTOR = Actor(
    user_id="system", display_name="casework system", agency="system",
    roles=(Role.ADMIN,), all_partnerships=True,
)


@dataclass(frozen=True)
class RequestContext:
    actor: Actor
    request_id: str = "-"
    reason: str | None = None
    client_address: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def event_metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "user_id": self.actor.user_id,
            "display_name": self.actor.display_name,
            "agency": self.actor.agency,
            "roles": list(self.actor.roles),
            "request_id": self.request_id,
        }
        if self.reason:
            metadata["reason"] = self.reason
        return metadata


_current: ContextVar[RequestContext | None] = ContextVar("casework_request", default=None)


def current_context() -> RequestContext:
    context = _current.get()
    return context if context is not None else RequestContext(actor=SYSTEM_ACTOR)


@contextmanager
def acting_as(context: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
