"""Fixtures for the ASB case and person tests: a frozen clock, a case with parties, rejections.

Nothing here is autouse, so other tests in this folder are unaffected; the case and
person test modules ask for the frozen clock with ``pytestmark``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.cases import AsbCase, AsbType, NsirCategory, PartyRole, ReportingChannel
from domain.shared import clock
from domain.shared.aggregate import CaseworkAggregate
from domain.shared.errors import DomainError

# A Tuesday in March 2026 (GMT, so London and UTC dates agree).
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    with clock.frozen_at(NOW):
        yield NOW


def opening_arguments(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "partnership_id": "north-herts",
        "reference": "ASB-2026-00042",
        "nsir_category": NsirCategory.PERSONAL,
        "asb_type": AsbType.NOISE,
        "summary": "Loud music from the flat above most nights until 3am",
        "address": "Flat 2, 14 Example Road, Hitchin",
        "ward": "Hitchin Oughton",
        "neighbourhood": "Hitchin",
        "outward_postcode": "SG5",
        "reporting_channel": ReportingChannel.PHONE,
        "lead_agency": "north-herts-council",
        "lead_officer": "asb.officer.1",
        "reported_at": NOW - timedelta(days=1),
    }
    arguments.update(overrides)
    return arguments


@dataclass
class CaseWithParties:
    case: AsbCase
    victim: UUID
    perpetrator: UUID
    witness: UUID


@pytest.fixture
def opening() -> Callable[..., dict[str, Any]]:
    """``opening(**overrides)``: valid arguments for ``AsbCase.open``."""
    return opening_arguments


@pytest.fixture
def new_case(frozen_clock: datetime) -> AsbCase:
    return AsbCase.open(**opening_arguments())


@pytest.fixture
def with_parties(new_case: AsbCase) -> CaseWithParties:
    victim, perpetrator, witness = uuid4(), uuid4(), uuid4()
    new_case.add_party(person_id=victim, role=PartyRole.VICTIM)
    new_case.add_party(person_id=victim, role=PartyRole.COMPLAINANT)
    new_case.add_party(person_id=perpetrator, role=PartyRole.ALLEGED_PERPETRATOR)
    new_case.add_party(person_id=witness, role=PartyRole.WITNESS)
    return CaseWithParties(new_case, victim, perpetrator, witness)


Rejects = Callable[..., DomainError]


@pytest.fixture
def rejects() -> Rejects:
    """``rejects(aggregate, ErrorClass, "rule", lambda: command)``: the command raises that
    error with that rule code and triggers no event."""

    def check(
        aggregate: CaseworkAggregate,
        error_class: type[DomainError],
        rule: str,
        command: Callable[[], object],
    ) -> DomainError:
        version_before = aggregate.version
        pending_before = len(aggregate.pending_events)
        with pytest.raises(error_class) as raised:
            command()
        assert raised.value.rule == rule, raised.value.message
        assert raised.value.message
        assert aggregate.version == version_before
        assert len(aggregate.pending_events) == pending_before
        return raised.value

    return check
