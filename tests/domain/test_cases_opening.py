"""Opening an ASB case, and changing its lead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.cases import (
    AsbCase,
    AsbType,
    CaseStatus,
    NsirCategory,
    ReportingChannel,
)
from domain.shared.errors import DomainError, InvalidValue, RuleViolation

pytestmark = pytest.mark.usefixtures("frozen_clock")

Opening = Callable[..., dict[str, Any]]
Rejects = Callable[..., DomainError]


def test_open_records_everything_given(opening: Opening, frozen_clock: datetime) -> None:
    case = AsbCase.open(**opening(outward_postcode=" sg5 "))

    assert case.partnership_id == "north-herts"
    assert case.reference == "ASB-2026-00042"
    assert case.classification.nsir_category is NsirCategory.PERSONAL
    assert case.classification.asb_type is AsbType.NOISE
    assert case.classification.other_type is None
    assert case.summary.startswith("Loud music")
    assert case.location.address == "Flat 2, 14 Example Road, Hitchin"
    assert case.location.ward == "Hitchin Oughton"
    assert case.location.neighbourhood == "Hitchin"
    assert case.location.outward_postcode == "SG5"
    assert case.first_report.channel is ReportingChannel.PHONE
    assert case.first_report.reported_at == frozen_clock - timedelta(days=1)
    assert (case.lead.agency, case.lead.officer) == ("north-herts-council", "asb.officer.1")
    assert case.opened_at == frozen_clock
    assert case.status is CaseStatus.OPEN
    assert case.is_open
    assert not case.is_closed
    assert case.version == 1
    assert [type(e).__name__ for e in case.pending_events] == ["Opened"]
    assert case.next_review_due is None
    assert case.current_risk_level is None


def test_open_accepts_plain_strings_for_choices(opening: Opening) -> None:
    case = AsbCase.open(
        **opening(nsir_category="nuisance", asb_type="fly_tipping", reporting_channel="online")
    )
    assert case.classification.nsir_category is NsirCategory.NUISANCE
    assert case.classification.asb_type is AsbType.FLY_TIPPING
    assert case.first_report.channel is ReportingChannel.ONLINE


def test_case_id_comes_from_partnership_and_reference(opening: Opening) -> None:
    first = AsbCase.open(**opening())
    again = AsbCase.open(**opening())
    other = AsbCase.open(**opening(reference="ASB-2026-00043"))
    elsewhere = AsbCase.open(**opening(partnership_id="st-albans"))
    assert first.id == again.id == AsbCase.create_id("north-herts", "ASB-2026-00042")
    assert len({first.id, other.id, elsewhere.id}) == 3


def test_other_type_is_required_for_other_and_only_then(opening: Opening) -> None:
    case = AsbCase.open(**opening(asb_type=AsbType.OTHER, other_type=" Skateboarding "))
    assert case.classification.other_type == "Skateboarding"

    with pytest.raises(InvalidValue) as missing:
        AsbCase.open(**opening(asb_type=AsbType.OTHER))
    assert (missing.value.rule, missing.value.field) == ("required", "other_type")

    with pytest.raises(InvalidValue) as extra:
        AsbCase.open(**opening(asb_type=AsbType.NOISE, other_type="Skateboarding"))
    assert (extra.value.rule, extra.value.field) == ("other_type_not_allowed", "other_type")


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("partnership_id", "North Herts", "invalid_format"),
        ("partnership_id", "", "invalid_format"),
        ("reference", "ASB-26-42", "invalid_format"),
        ("reference", "asb-2026-00042", "invalid_format"),
        ("reference", "PSP-2026-0042", "invalid_format"),
        ("reference", "ASB-2026-0042", "invalid_format"),
        ("nsir_category", "criminal", "invalid_choice"),
        ("asb_type", "loud", "invalid_choice"),
        ("reporting_channel", "pigeon", "invalid_choice"),
        ("summary", "   ", "required"),
        ("summary", "x" * 20_001, "too_long"),
        ("address", "", "required"),
        ("ward", " ", "required"),
        ("outward_postcode", "SG5 1AA", "invalid_format"),
        ("outward_postcode", "12", "invalid_format"),
        ("lead_agency", "", "required"),
        ("lead_officer", "", "required"),
        ("reported_at", datetime(2026, 3, 9, 12, 0), "naive_datetime"),
    ],
)
def test_open_rejects_bad_values(opening: Opening, field: str, value: object, rule: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        AsbCase.open(**opening(**{field: value}))
    assert raised.value.rule == rule
    assert raised.value.field == field


def test_open_rejects_a_report_in_the_future(opening: Opening, frozen_clock: datetime) -> None:
    with pytest.raises(InvalidValue) as raised:
        AsbCase.open(**opening(reported_at=frozen_clock + timedelta(minutes=1)))
    assert (raised.value.rule, raised.value.field) == ("in_future", "reported_at")


def test_reported_time_is_stored_in_utc(opening: Opening, frozen_clock: datetime) -> None:
    from zoneinfo import ZoneInfo

    local = (frozen_clock - timedelta(hours=3)).astimezone(ZoneInfo("Asia/Kolkata"))
    case = AsbCase.open(**opening(reported_at=local))
    assert case.first_report.reported_at == frozen_clock - timedelta(hours=3)
    assert case.first_report.reported_at.utcoffset() == timedelta(0)


def test_change_lead(new_case: AsbCase, rejects: Rejects) -> None:
    new_case.change_lead(lead_agency="herts-police", lead_officer="pc.jones")
    assert (new_case.lead.agency, new_case.lead.officer) == ("herts-police", "pc.jones")
    assert type(new_case.pending_events[-1]).__name__ == "LeadChanged"

    rejects(
        new_case,
        RuleViolation,
        "no_change",
        lambda: new_case.change_lead(lead_agency="herts-police", lead_officer="pc.jones"),
    )
    rejects(
        new_case,
        InvalidValue,
        "required",
        lambda: new_case.change_lead(lead_agency="herts-police", lead_officer=" "),
    )
