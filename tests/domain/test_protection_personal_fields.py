"""Every text field of every event is either personal (sealed) or deliberately in clear.

A new text field on an event fails this test until someone decides: add it to the event's
``personal_fields``, or to the list below (and to docs/data-protection.md if it is free text).
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from domain import catalogue
from domain.protection.restriction import ProcessingRestriction
from domain.shared.personal import personal_fields_of

# Identifiers of staff, agencies, places and records; codes; labels. Free text kept in clear
# on purpose is marked "free text" (see "Known gaps" in docs/data-protection.md).
CLEAR_TEXT_FIELDS: dict[str, set[str]] = {
    "AsbCase.ActionReassigned": {"agency", "owner"},
    "AsbCase.ActionSet": {"agency", "owner"},
    "AsbCase.ConvictionRecorded": {"court"},
    "AsbCase.IncidentLogged": {"agency_reference", "reported_to_agency"},
    "AsbCase.InterventionRecorded": {"agency", "officer"},
    "AsbCase.LeadChanged": {"lead_agency", "lead_officer"},
    "AsbCase.Opened": {"lead_agency", "lead_officer", "neighbourhood",
                       "other_type",  # free text: a description of the behaviour
                       "outward_postcode", "partnership_id", "reference", "ward"},
    "AsbCase.RiskAssessed": {"assessed_by", "questionnaire_version"},
    "AsbCase.SupervisorReviewed": {"reviewed_by"},
    "AsbCase.VictimContacted": {"contacted_by"},
    "CaseReview.ComplaintRecorded": {"agency", "agency_reference",
                                     "complainant"},  # a label, "never a name"
    "CaseReview.EscalationRequested": {"reviewer"},
    "CaseReview.Received": {"partnership_id", "reference"},
    "CaseReview.RecommendationMade": {"to_agency"},
    "CaseReview.ReviewHeld": {"independent_chair"},
    "Person.Registered": {"partnership_id"},
    "ProblemSolvingPlan.AfterMeasureRecorded": {"name"},
    "ProblemSolvingPlan.AssessmentRecorded": {"handed_to"},
    "ProblemSolvingPlan.BaselineMeasureRecorded": {"name"},
    "ProblemSolvingPlan.Created": {"lead_agency", "lead_officer", "neighbourhood",
                                   "partnership_id", "priority", "reference",
                                   "title",  # free text: the problem's title
                                   "ward"},
    "ProblemSolvingPlan.FundingAwarded": {"funder"},
    "ProblemSolvingPlan.LeadReassigned": {"lead_agency", "lead_officer"},
    "ProblemSolvingPlan.MatchedFundingRecorded": {"partner"},
    "ProblemSolvingPlan.MatchedFundingWithdrawn": {"partner"},
    "ProblemSolvingPlan.MilestoneAdded": {"title"},
    "ProblemSolvingPlan.PriorityChanged": {"priority"},
    "ProblemSolvingPlan.ResponsePlanned": {"agency", "owner"},
    "ProblemSolvingPlan.ScanningRecorded": {"duration", "frequency"},
    "ProblemSolvingPlan.SignedOff": {"supervisor"},
    "ProblemSolvingPlan.SpecificObjectiveAdded": {"measure"},
    "ProcessingRestriction.Created": {"partnership_id", "record_kind"},
    "ProcessingRestriction.Restricted": {"by"},
    "ProcessingRestriction.RestrictionLifted": {"by"},
    "ReferenceCounter.Started": {"prefix"},
}

_TEXT = {"str", "str|None"}


def _clear_text_fields() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for aggregate in [*catalogue.aggregate_classes(), ProcessingRestriction]:
        for name in dir(aggregate):
            event_class = getattr(aggregate, name)
            if not (isinstance(event_class, type) and issubclass(event_class, Aggregate.Event)
                    and event_class.__qualname__.startswith(f"{aggregate.__name__}.")):
                continue
            annotations: dict[str, object] = {}
            for klass in reversed(event_class.__mro__):
                annotations.update(getattr(klass, "__annotations__", {}))
            text = {field for field, hint in annotations.items()
                    if isinstance(hint, str) and hint.replace(" ", "") in _TEXT
                    and field != "originator_topic"}
            clear = text - personal_fields_of(event_class)
            if clear:
                found[event_class.__qualname__] = clear
    return found


def test_every_text_field_is_sealed_or_listed_as_clear() -> None:
    found = _clear_text_fields()
    undecided = {event: sorted(fields - CLEAR_TEXT_FIELDS.get(event, set()))
                 for event, fields in found.items()
                 if fields - CLEAR_TEXT_FIELDS.get(event, set())}
    assert not undecided, (
        f"text fields stored in clear that nobody decided on: {undecided}. Add each to its "
        "event's personal_fields, or (if it never holds data about a member of the public) "
        "to CLEAR_TEXT_FIELDS in this test.")
    stale = {event: sorted(fields - found.get(event, set()))
             for event, fields in CLEAR_TEXT_FIELDS.items() if fields - found.get(event, set())}
    assert not stale, f"listed as clear but no longer clear text fields: {stale}"


def test_the_personal_fields_named_exist_on_their_events() -> None:
    for aggregate in [*catalogue.aggregate_classes(), ProcessingRestriction]:
        for name in dir(aggregate):
            event_class = getattr(aggregate, name)
            if isinstance(event_class, type) and issubclass(event_class, Aggregate.Event):
                annotations: dict[str, object] = {}
                for klass in reversed(event_class.__mro__):
                    annotations.update(getattr(klass, "__annotations__", {}))
                missing = personal_fields_of(event_class) - set(annotations)
                assert not missing, f"{event_class.__qualname__} seals unknown {missing}"
