"""Who may see and do what. Partnership isolation is enforced here and nowhere else.

A record in a partnership the actor does not work in is reported as not found, so its
existence is not revealed.
"""

from __future__ import annotations

from typing import Protocol

from application.context import Actor, Role, current_context
from application.errors import Forbidden, NotFound

CASEWORK_READERS = (Role.OFFICER, Role.COORDINATOR, Role.AUDITOR, Role.ADMIN)
CASEWORK_WRITERS = (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)
COORDINATORS = (Role.COORDINATOR, Role.ADMIN)
AUDITORS = (Role.AUDITOR, Role.ADMIN)
REPORT_READERS = (Role.RAG, Role.COORDINATOR, Role.AUDITOR, Role.ADMIN)


class BelongsToPartnership(Protocol):
    @property
    def partnership_id(self) -> str: ...


def actor() -> Actor:
    return current_context().actor


def require_role(*roles: str, doing: str) -> Actor:
    current = actor()
    if not current.has_role(*roles):
        raise Forbidden(f"{doing} needs one of the roles: {', '.join(roles)}")
    return current


def require_partnership(partnership_id: str) -> None:
    if not actor().can_see_partnership(partnership_id):
        raise Forbidden(f"you do not work in partnership {partnership_id!r}")


def visible_or_not_found(record: BelongsToPartnership, kind: str, identifier: object) -> None:
    if not actor().can_see_partnership(record.partnership_id):
        raise NotFound(kind, str(identifier))


def visible_partnerships(partnership_ids: tuple[str, ...]) -> tuple[str, ...]:
    """The subset of ``partnership_ids`` the actor may see."""
    current = actor()
    return tuple(p for p in partnership_ids if current.can_see_partnership(p))
