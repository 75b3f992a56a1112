"""Views that copy personal data forget it when the subject's key is destroyed.

The case list copies the summary (for search) and action descriptions; after the case's
data key is destroyed, ``rebuild_personal_views`` (the container's ``on_erased`` hook) makes
them read ``"[erased]"``, and a search for the old words finds nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from domain.cases import AsbCase
from domain.shared import clock
from domain.shared.personal import ERASED
from projections.erasure import personal_views, rebuild_personal_views
from projections.queries import CaseFilters, Reader, list_cases
from projections.tasking import tasking_list

OFFICER = RequestContext(actor=Actor(user_id="pc.jones", display_name="PC Jones",
                                     agency="herts-police", roles=("officer",),
                                     partnerships=("north-herts",)))
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def open_case(container: Container, reference: str, summary: str) -> AsbCase:
    with clock.frozen_at(NOW):
        case = AsbCase.open(
            partnership_id="north-herts", reference=reference, nsir_category="nuisance",
            asb_type="noise", summary=summary, address="12 Bancroft, Hitchin",
            ward="Hitchin Bearton", reporting_channel="phone", lead_agency="herts-police",
            lead_officer="pc.jones", reported_at=NOW)
        case.set_action(agency="herts-police", owner="pc.jones",
                        description="Visit Mrs Example at number 12", due_on=date(2026, 5, 20))
        container.store.save(case)
    return case


def search(container: Container, q: str) -> list[Any]:
    assert container.projections is not None
    with acting_as(OFFICER), container.projections.reading() as cur:
        return list_cases(cur, Reader(container.rules), CaseFilters(q=q), NOW.date()).items


def test_erased_summaries_and_descriptions_are_forgotten_by_the_views(
        container: Container) -> None:
    host = container.projections
    assert host is not None
    erased = open_case(container, "ASB-2026-00001", "Drum practice every night in flat 3")
    kept = open_case(container, "ASB-2026-00002", "Drum and bass from a parked car")
    host.catch_up()
    assert {item.reference for item in search(container, "drum")} == {
        "ASB-2026-00001", "ASB-2026-00002"}
    assert personal_views(host) == ["case_list", "people_list", "plan_list", "review_list"]

    container.store.mapper.keyring.destroy(erased.id)  # type: ignore[attr-defined]
    for hook in container.on_erased:  # what `casework retention run --apply` does next
        hook([erased.id])

    found = search(container, "drum")
    assert [item.reference for item in found] == ["ASB-2026-00002"]
    [erased_item] = search(container, "ASB-2026-00001")
    assert erased_item.summary == ERASED
    assert erased_item.case_id == erased.id
    with acting_as(OFFICER), host.reading() as cur:
        tasking = tasking_list(cur, container.rules, "north-herts", date(2026, 5, 12))
    descriptions = {task.reference: task.description
                    for agency in tasking.agencies for task in agency.tasks}
    assert descriptions == {"ASB-2026-00001": ERASED,
                            "ASB-2026-00002": "Visit Mrs Example at number 12"}
    assert kept.id != erased.id
    # A rebuild with nothing newly erased changes nothing.
    assert rebuild_personal_views(host) == [
        "case_list", "people_list", "plan_list", "review_list"]
    assert [item.summary for item in search(container, "ASB-2026-00001")] == [ERASED]
