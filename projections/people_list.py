"""The people view: one row per person record, for finding someone already recorded.

Officers adding a repeat victim or a known perpetrator to a case search by name instead of
pasting a record id. The view keeps only what that needs: the name (and a folded copy to
search), whether it is a person or an organisation, and the year of birth to tell two
people of the same name apart. Phone, email, address, the full date of birth and the
vulnerability notes are not copied.

Personal data: the name and year of birth. The view is marked ``holds_personal_data``;
after erasure ``projections.erasure.rebuild_personal_views`` rebuilds it, the name then
reads ``"[erased]"``, the year of birth is gone, the row is marked ``erased`` and search no
longer finds it. Restriction is read from the case list view's ``rm_restrictions`` (it
follows every ``ProcessingRestriction``, people's included) when searching.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from domain.people.aggregate import Person
from domain.shared.errors import InvalidValue
from domain.shared.personal import ERASED
from projections.db import ViewCursor
from projections.framework import Table, View, registry
from projections.queries import (
    DEFAULT_LIMIT,
    Page,
    Reader,
    in_values,
    like_pattern,
    paging,
    restriction_filter,
)
from projections.rowcache import BatchRows

PEOPLE = "rm_people"
MIN_QUERY_LENGTH = 2
"""A search needs at least this many letters: the view is for finding someone, not for
browsing everyone a partnership has recorded."""
MAX_TERMS = 6


def folded(text: str) -> str:
    """``text`` as search compares it: accents dropped, case folded, spaces collapsed
    ("Zoë  O'Brien" -> "zoe o'brien")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def _text(value: Any) -> Any:
    return None if value is None else str(getattr(value, "value", value))


def _birth_year(value: Any) -> int | None:
    """The year of a date of birth as the event carries it (a date, ISO text, None, or
    ``"[erased]"``)."""
    if isinstance(value, date):
        return value.year
    if isinstance(value, str) and value != ERASED:
        try:
            return date.fromisoformat(value[:10]).year
        except ValueError:
            return None
    return None


@registry.register
class PeopleListView(View):
    name = "people_list"
    version = 1
    holds_personal_data: ClassVar[bool] = True
    builds_in_memory: ClassVar[bool] = True
    tables: ClassVar[tuple[Table, ...]] = (
        Table(
            PEOPLE,
            {
                "person_id": "uuid not null", "partnership_id": "text not null",
                "kind": "text not null", "name": "text not null", "birth_year": "integer",
                "erased": "boolean not null", "search_text": "text not null",
                "registered_at": "timestamp not null", "updated_at": "timestamp not null",
                "version": "integer not null",
            },
            primary_key=("person_id",),
            indexes=(("partnership_id", "search_text"),),
        ),
    )
    topics: ClassVar[tuple[type[Any], ...]] = (
        Person.Registered, Person.DetailsCorrected, Person.DetailsUpdated,
    )

    def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
        rows = BatchRows(cur, self.tables)
        people = rows[PEOPLE]
        people.load("person_id", {e.originator_id for e in events
                                  if not isinstance(e, Person.Registered)})
        for event in events:
            details = _details(event)
            if isinstance(event, Person.Registered):
                people.put({"person_id": event.originator_id,
                            "partnership_id": event.partnership_id,
                            "registered_at": event.registered_at, **details,
                            "updated_at": event.timestamp,
                            "version": event.originator_version})
                continue
            row = people.get((event.originator_id,))
            if row is None:  # pragma: no cover - every person starts with Registered
                raise LookupError(f"person {event.originator_id} was never registered")
            people.update(row, **details, updated_at=event.timestamp,
                          version=event.originator_version)
        rows.flush()


def _details(event: Any) -> dict[str, Any]:
    """The columns an event's details give (the same for all three events)."""
    name = event.name if isinstance(event.name, str) else str(event.name)
    erased = name == ERASED
    return {
        "kind": _text(event.kind), "name": name,
        "birth_year": None if erased else _birth_year(event.date_of_birth),
        "erased": erased, "search_text": "" if erased else folded(name),
    }


# ---------------------------------------------------------------------------- search


@dataclass(frozen=True)
class PeopleFilters:
    q: str
    partnership_id: str | None = None
    offset: int = 0
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class PersonItem:
    person_id: UUID
    partnership_id: str
    kind: str
    name: str
    birth_year: int | None


def search_terms(q: str) -> list[str]:
    """The words of a search, folded like the names (InvalidValue when too short)."""
    terms = folded(q or "").split()
    if sum(len(term) for term in terms) < MIN_QUERY_LENGTH:
        raise InvalidValue(f"Enter at least {MIN_QUERY_LENGTH} letters of the name",
                           rule="query_too_short", field="q")
    if len(terms) > MAX_TERMS:
        raise InvalidValue(f"Search with at most {MAX_TERMS} words", rule="too_many_terms",
                           field="q")
    return terms


def search_people(cur: ViewCursor, reader: Reader, filters: PeopleFilters) -> Page[PersonItem]:
    """People of the reader's partnerships whose name holds every word of ``q`` (anywhere,
    ignoring case and accents), by name; erased people never, restricted ones only for the
    roles that may read restricted records."""
    offset, limit = paging(filters.offset, filters.limit)
    terms = search_terms(filters.q)
    partnerships = reader.partnerships(filters.partnership_id)
    if not partnerships:
        return Page([], 0, offset, limit, "name")
    where, values = in_values("p.partnership_id", partnerships)
    where += " AND NOT p.erased" + restriction_filter(reader, "p.person_id")
    for term in terms:
        where += " AND p.search_text LIKE ? ESCAPE '!'"
        values.append(like_pattern(term))
    total = int(cur.scalar(f"SELECT count(*) FROM {{{PEOPLE}}} p WHERE {where}", values) or 0)
    rows = cur.execute(
        f"SELECT p.person_id, p.partnership_id, p.kind, p.name, p.birth_year "
        f"FROM {{{PEOPLE}}} p WHERE {where} ORDER BY p.search_text, p.person_id "
        "LIMIT ? OFFSET ?",
        [*values, limit, offset],
    ).fetchall()
    items = [PersonItem(person_id=UUID(str(row[0])), partnership_id=row[1], kind=row[2],
                        name=row[3], birth_year=None if row[4] is None else int(row[4]))
             for row in rows]
    return Page(items, total, offset, limit, "name")
