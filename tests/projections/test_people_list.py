"""The people view and the people search, on both stores.

The view keeps a person's name, kind and year of birth (nothing else personal), follows
corrections and updates, forgets an erased person when the personal views are rebuilt,
and equals a from-scratch computation; the search covers only the reader's partnerships,
ignores case and accents, leaves out restricted people for most roles and pages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from application.errors import Forbidden
from domain.people.aggregate import Person
from domain.people.values import PersonKind
from domain.protection.restriction import ProcessingRestriction
from domain.shared import clock
from domain.shared.errors import InvalidValue
from domain.shared.personal import ERASED
from projections.erasure import rebuild_personal_views
from projections.framework import ProjectionHost
from projections.people_list import PEOPLE, PeopleFilters, PeopleListView, folded, search_people
from projections.queries import Reader
from projections.testing import expected_rows, view_rows

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def actor(role: str = "officer", partnerships: tuple[str, ...] = ("north-herts",),
          **options: Any) -> RequestContext:
    return RequestContext(actor=Actor(user_id=f"{role}.one", display_name=role.title(),
                                      agency="herts-police", roles=(role,),
                                      partnerships=partnerships, **options))


OFFICER = actor()
AUDITOR = actor("auditor", ())


def host_of(container: Container) -> ProjectionHost:
    assert container.projections is not None
    return container.projections


def register(container: Container, name: str, *, partnership: str = "north-herts",
             born: date | None = None, kind: PersonKind = PersonKind.INDIVIDUAL) -> Person:
    with clock.frozen_at(NOW):
        person = Person.register(partnership_id=partnership, name=name, kind=kind,
                                 date_of_birth=born, phone="01462 000000",
                                 address="12 Bancroft, Hitchin")
        container.store.save(person)
    return person


def search(container: Container, q: str, context: RequestContext = OFFICER,
           **filters: Any) -> list[tuple[str, Any]]:
    return [(item.name, item.birth_year) for item in found(container, q, context, **filters)]


def found(container: Container, q: str, context: RequestContext = OFFICER,
          **filters: Any) -> list[Any]:
    host = host_of(container)
    host.catch_up()
    with acting_as(context), host.reading() as cur:
        return search_people(cur, Reader(container.rules), PeopleFilters(q=q, **filters)).items


def test_folding_ignores_case_accents_and_spacing() -> None:
    assert folded("  Zoë   O'BRIEN ") == "zoe o'brien"
    assert folded("STRAßE") == "strasse"


def test_the_view_keeps_names_and_birth_years_and_follows_changes(
        container: Container) -> None:
    margaret = register(container, "Margaret Example", born=date(1948, 6, 14))
    zoe = register(container, "Zoë O'Brien")
    shop = register(container, "Bancroft Stores Ltd", kind=PersonKind.ORGANISATION)
    assert search(container, "margaret") == [("Margaret Example", 1948)]
    assert search(container, "ZOE") == [("Zoë O'Brien", None)]
    assert search(container, "zoë o'b") == [("Zoë O'Brien", None)]
    assert search(container, "exam marg") == [("Margaret Example", 1948)]  # every word, any order
    assert [i.kind for i in found(container, "bancroft")] == ["organisation"]
    assert search(container, "12 Bancroft") == []  # the address is not copied

    with clock.frozen_at(NOW):
        margaret.correct_details(name="Margaret Exemplar", reason="Misspelt",
                                 date_of_birth=date(1949, 6, 14))
        zoe.update_details(name="Zoë Smith", reason="Married")
        container.store.save(margaret, zoe)
    assert search(container, "example") == []
    assert search(container, "exemplar") == [("Margaret Exemplar", 1949)]
    assert search(container, "smith") == [("Zoë Smith", None)]
    host = host_of(container)
    assert view_rows(host, "people_list") == expected_rows(PeopleListView(), host.log)
    [row] = [r for r in view_rows(host, "people_list")[PEOPLE] if r[0] == str(shop.id)]
    assert row[1:7] == ("north-herts", "organisation", "Bancroft Stores Ltd", None, 0,
                        "bancroft stores ltd")


def test_an_erased_person_is_forgotten_once_the_views_are_rebuilt(
        container: Container) -> None:
    host = host_of(container)
    erased = register(container, "Erasmus Gone", born=date(1970, 1, 2))
    kept = register(container, "Erasmus Kept")
    assert {name for name, _ in search(container, "erasmus")} == {"Erasmus Gone",
                                                                   "Erasmus Kept"}
    container.store.mapper.keyring.destroy(erased.id)  # type: ignore[attr-defined]
    for hook in container.on_erased:  # what `casework retention run --apply` does next
        hook([erased.id])
    assert search(container, "erasmus") == [("Erasmus Kept", None)]
    assert search(container, "erased") == []  # "[erased]" is not a name to find
    rows = {r[0]: r for r in view_rows(host, "people_list")[PEOPLE]}
    assert rows[str(erased.id)][3:7] == (ERASED, None, 1, "")
    assert rows[str(kept.id)][3] == "Erasmus Kept"
    assert view_rows(host, "people_list") == expected_rows(PeopleListView(), host.log)
    assert "people_list" in rebuild_personal_views(host)


def test_partnerships_are_kept_apart(container: Container) -> None:
    register(container, "Sam North")
    register(container, "Sam South", partnership="st-albans")
    assert search(container, "sam") == [("Sam North", None)]
    both = actor(partnerships=("north-herts", "st-albans"))
    assert search(container, "sam", both) == [("Sam North", None), ("Sam South", None)]
    assert search(container, "sam", both, partnership_id="st-albans") == [("Sam South", None)]
    assert search(container, "sam", AUDITOR) == []  # an auditor of no partnership
    everywhere = actor("auditor", (), all_partnerships=True)
    assert len(search(container, "sam", everywhere)) == 2
    with pytest.raises(Forbidden):
        search(container, "sam", partnership_id="st-albans")
    with pytest.raises(InvalidValue):
        search(container, "sam", partnership_id="nowhere")


def test_restricted_people_are_left_out_except_for_the_restriction_readers(
        container: Container) -> None:
    restricted = register(container, "Rita Restricted")
    register(container, "Rita Free")
    with clock.frozen_at(NOW):
        restriction = ProcessingRestriction.restrict_record(
            record_id=restricted.id, record_kind="person", partnership_id="north-herts",
            reason="Accuracy contested", by="csp.coord")
        container.store.save(restriction)
    assert search(container, "rita") == [("Rita Free", None)]
    assert search(container, "rita", actor("coordinator")) == [("Rita Free", None)]
    reader = actor("auditor", ("north-herts",))
    assert search(container, "rita", reader) == [("Rita Free", None),
                                                 ("Rita Restricted", None)]
    with clock.frozen_at(NOW):
        restriction.lift(reason="Corrected", by="admin")
        container.store.save(restriction)
    assert len(search(container, "rita")) == 2


def test_search_pages_by_name_and_checks_its_input(container: Container) -> None:
    for number in (3, 1, 4, 5, 2):
        register(container, f"Pat Page {number}")
    host = host_of(container)
    host.catch_up()
    with acting_as(OFFICER), host.reading() as cur:
        reader = Reader(container.rules)
        first = search_people(cur, reader, PeopleFilters(q="pat", limit=2))
        last = search_people(cur, reader, PeopleFilters(q="pat", limit=2, offset=4))
        assert (first.total, [i.name for i in first.items]) == (5, ["Pat Page 1",
                                                                    "Pat Page 2"])
        assert [i.name for i in last.items] == ["Pat Page 5"]
        # LIKE's wildcards are searched for as themselves.
        assert search_people(cur, reader, PeopleFilters(q="p%t")).total == 0
        assert search_people(cur, reader, PeopleFilters(q="pa_")).total == 0
        for bad in (PeopleFilters(q=" x "), PeopleFilters(q=""),
                    PeopleFilters(q="a b c d e f g"), PeopleFilters(q="pat", limit=0),
                    PeopleFilters(q="pat", limit=201), PeopleFilters(q="pat", offset=-1)):
            with pytest.raises(InvalidValue):
                search_people(cur, reader, bad)
