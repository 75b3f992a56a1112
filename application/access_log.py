"""The access log: every read of personal data, kept apart from the case histories.

Each entry says who read (user id, display name, agency, roles), what (an action
such as ``view-case`` and the record and people it touched, by identifier only),
when (UTC) and from where (client address, request id). Entries never hold names
of data subjects, search terms or any other free text, so the log itself can be
kept for its own retention period without becoming a second copy of the records.

The log is append-only: adapters implement :class:`AccessLog` with no way to change
an entry and one way to remove old ones, :meth:`AccessLog.purge_older_than`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.context import RequestContext
from domain.shared import clock


class AccessAction:
    """The kinds of read that are logged (free to extend: the log stores the text)."""

    VIEW_CASE = "view-case"
    VIEW_PERSON = "view-person"
    VIEW_PLAN = "view-plan"
    VIEW_CASE_REVIEW = "view-case-review"
    VIEW_RECORD = "view-record"
    SEARCH = "search"
    HISTORY = "history"
    EXPORT = "export"
    VIEW_ACCESS_LOG = "view-access-log"


PERSON_KIND = "person"


@dataclass(frozen=True)
class AccessEntry:
    user_id: str
    display_name: str
    agency: str
    roles: tuple[str, ...]
    action: str
    record_kind: str | None
    record_id: UUID | None
    person_ids: tuple[UUID, ...]
    at: datetime
    client_address: str | None
    request_id: str
    entry_id: int | None = None
    """Assigned by the log when the entry is stored."""

    @classmethod
    def for_context(
        cls,
        context: RequestContext,
        action: str,
        record_kind: str | None = None,
        record_id: UUID | None = None,
        person_ids: Iterable[UUID] = (),
        at: datetime | None = None,
    ) -> AccessEntry:
        """An entry for a read by the actor of ``context``, now.

        Reading a person's own record counts as touching that person, so it is found
        when the log is queried by person.
        """
        people = list(dict.fromkeys(person_ids))
        if record_kind == PERSON_KIND and record_id is not None and record_id not in people:
            people.insert(0, record_id)
        actor = context.actor
        return cls(
            user_id=actor.user_id,
            display_name=actor.display_name,
            agency=actor.agency,
            roles=tuple(actor.roles),
            action=action,
            record_kind=record_kind,
            record_id=record_id,
            person_ids=tuple(people),
            at=at if at is not None else clock.now(),
            client_address=context.client_address,
            request_id=context.request_id,
        )


@dataclass(frozen=True)
class AccessQuery:
    """What an auditor asks of the log; every criterion given must hold."""

    user_id: str | None = None
    record_id: UUID | None = None
    person_id: UUID | None = None
    since: datetime | None = None
    """Inclusive."""
    until: datetime | None = None
    """Exclusive."""
    limit: int = 100
    offset: int = 0


class AccessLog(Protocol):
    def record(self, entry: AccessEntry) -> AccessEntry:
        """Append ``entry``; returns it with its ``entry_id``."""
        ...

    def query(self, criteria: AccessQuery) -> list[AccessEntry]:
        """Matching entries, newest first."""
        ...

    def count(self, criteria: AccessQuery) -> int:
        """How many entries match (ignoring limit and offset)."""
        ...

    def purge_older_than(self, cutoff: datetime) -> int:
        """Remove entries recorded before ``cutoff`` (retention); returns how many."""
        ...
