"""The people search of a form: finding a person already recorded, by name.

Used by the case page's add-a-person form and the case review application (its victim).
Read from the ``people_list`` view; erased people are never found and restricted ones only
by the roles that may read them; each search is access-logged with the ids shown, never
the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from fastapi import Request

from adapters.bootstrap import Container
from application.access_log import AccessAction
from domain.shared.errors import InvalidValue
from projections.people_list import PeopleFilters, PersonItem, search_people
from projections.queries import Reader


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


PEOPLE_SEARCH_PAGE = 20


@dataclass(frozen=True)
class PeopleSearch:
    """A people search on a form (``?q=&offset=``), as shown; ``on_record``: the people
    already on the record the form adds to."""

    q: str
    items: list[PersonItem] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    error: str | None = None
    on_record: frozenset[UUID] = frozenset()

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - PEOPLE_SEARCH_PAGE) if self.offset > 0 else None

    @property
    def next_offset(self) -> int | None:
        after = self.offset + len(self.items)
        return after if after < self.total else None


def find_people(request: Request, partnership_id: str, q: str, offset_text: str = "0",
                on_record: frozenset[UUID] = frozenset()) -> PeopleSearch | None:
    """The people of one partnership matching ``q`` (None without a search), as a form
    shows them: used by the add-a-person form and the case review application.

    Read from the people view; erased people are never found and restricted ones only by
    the roles that may read them. Logged as a ``search`` with the ids shown, never the words.
    """
    q = q.strip()[:200]
    if not q:
        return None
    try:
        offset = max(0, min(int(offset_text), 1_000_000))
    except ValueError:
        offset = 0
    container = _container(request)
    if container.projections is None:
        return PeopleSearch(q, error="Searching people is not available here: enter their "
                                     "record id instead.")
    try:
        with container.projections.reading() as cur:
            found = search_people(cur, Reader(container.rules), PeopleFilters(
                q=q, partnership_id=partnership_id, offset=offset,
                limit=PEOPLE_SEARCH_PAGE))
    except InvalidValue as error:
        return PeopleSearch(q, error=error.message)
    container.record_read(request, AccessAction.SEARCH, "person", None,
                          [item.person_id for item in found.items])
    return PeopleSearch(q, found.items, found.total, found.offset, on_record=on_record)
