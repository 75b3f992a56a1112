"""The ASB Case Review view: one row per review (lists, JAG tasking, RAG figures), its
recommendations, and the ASB cases it concerns.

The row keeps the dates the milestone clocks run from, exactly as ``CaseReview`` keeps
them (a referral back after escalation starts a new round), so ``projections.queries``
can work out each milestone's due date and red/amber/green on any day with the local
service levels and working-day calendar, without storing anything that depends on the
day. The figures (applications received, threshold not met, reviews carried out, reviews
with recommendations) need only the dates kept here.

Personal data: the text of recommendations (shown on the JAG tasking list). Nothing
about the applicant or victim is copied: the applicant's description is not, and people
appear by no id at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from domain.reviews.aggregate import CaseReview
from domain.reviews.values import ReviewStatus
from projections.db import ViewCursor
from projections.framework import Table, View, registry
from projections.rowcache import BatchRows, Row, SearchableTable

REVIEWS = "rm_reviews"
RECOMMENDATIONS = "rm_review_recommendations"
REVIEW_CASES = "rm_review_cases"

R = CaseReview
S = ReviewStatus


def _text(value: Any) -> Any:
    return None if value is None else str(getattr(value, "value", value))


def _field(value: Any, name: str) -> Any:
    """A field of a value object, whether it came back as an object or a dict."""
    return value.get(name) if isinstance(value, dict) else getattr(value, name)


@registry.register
class ReviewListView(View):
    name = "review_list"
    version = 1
    holds_personal_data: ClassVar[bool] = True
    builds_in_memory: ClassVar[bool] = True
    tables: ClassVar[tuple[Table, ...]] = (
        SearchableTable(
            REVIEWS,
            {
                "review_id": "uuid not null", "partnership_id": "text not null",
                "reference": "text not null", "status": "text not null",
                "received_on": "date not null", "received_via": "text not null",
                "applicant_role": "text not null", "victim_kind": "text not null",
                "hate_incident_involved": "boolean not null",
                "victim_vulnerable": "boolean not null", "complaints": "integer not null",
                "acknowledged_on": "date", "threshold_met": "boolean",
                "threshold_route": "text", "threshold_decided_on": "date",
                "discretion_agreed_on": "date", "first_review_held_on": "date",
                "recommendations": "integer not null", "outcome_sent_on": "date",
                "escalated_from": "text", "escalations": "integer not null",
                "closed_on": "date", "withdrawn_on": "date",
                "threshold_clock_starts_on": "date not null",
                "round_threshold_decided_on": "date", "review_clock_starts_on": "date",
                "round_review_held_on": "date", "round_outcome_sent_on": "date",
                "search_text": "text not null", "updated_at": "timestamp not null",
                "version": "integer not null",
            },
            primary_key=("review_id",),
            indexes=(("partnership_id", "status"), ("partnership_id", "received_on"),
                     ("reference",)),
        ),
        Table(RECOMMENDATIONS, {"review_id": "uuid not null", "number": "integer not null",
                                "to_agency": "text not null", "text": "text not null",
                                "deadline": "date not null", "made_on": "date not null",
                                "status": "text not null", "resolved_on": "date"},
              primary_key=("review_id", "number"), indexes=(("status", "deadline"),)),
        Table(REVIEW_CASES, {"review_id": "uuid not null", "case_id": "uuid not null"},
              primary_key=("review_id", "case_id"), indexes=(("case_id",),)),
    )
    topics: ClassVar[tuple[type[Any], ...]] = (
        R.Received, R.ComplaintRecorded, R.Acknowledged, R.ThresholdDecided,
        R.DiscretionaryReviewAgreed, R.ReviewHeld, R.RecommendationMade,
        R.RecommendationCompleted, R.RecommendationNotAccepted, R.OutcomeSent,
        R.EscalationRequested, R.EscalationResolved, R.Closed, R.Withdrawn,
    )

    def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
        rows = BatchRows(cur, self.tables)
        rows[REVIEWS].load("review_id", {e.originator_id for e in events})
        rows[RECOMMENDATIONS].load("review_id", {
            e.originator_id for e in events
            if isinstance(e, R.RecommendationCompleted | R.RecommendationNotAccepted)})
        for event in events:
            if isinstance(event, R.Received):
                _received(rows, event)
                continue
            row = rows[REVIEWS].get((event.originator_id,))
            if row is None:  # pragma: no cover - every review starts with Received
                raise LookupError(f"case review {event.originator_id} was never received")
            changes: dict[str, Any] = _HANDLERS[type(event)](rows, row, event) or {}
            rows[REVIEWS].update(row, **changes, updated_at=event.timestamp,
                                 version=event.originator_version)
        rows.flush()


def _received(rows: BatchRows, e: Any) -> None:
    applicant = e.applicant
    rows[REVIEWS].put({
        "review_id": e.originator_id, "partnership_id": e.partnership_id,
        "reference": e.reference, "status": S.RECEIVED.value, "received_on": e.received_on,
        "received_via": _text(e.received_via),
        "applicant_role": _text(_field(applicant, "role")),
        "victim_kind": _text(_field(applicant, "victim_kind")),
        "hate_incident_involved": bool(e.hate_incident_involved),
        "victim_vulnerable": bool(e.victim_vulnerable), "complaints": 0,
        "acknowledged_on": None, "threshold_met": None, "threshold_route": None,
        "threshold_decided_on": None, "discretion_agreed_on": None,
        "first_review_held_on": None, "recommendations": 0, "outcome_sent_on": None,
        "escalated_from": None, "escalations": 0, "closed_on": None, "withdrawn_on": None,
        "threshold_clock_starts_on": e.received_on, "round_threshold_decided_on": None,
        "review_clock_starts_on": None, "round_review_held_on": None,
        "round_outcome_sent_on": None, "search_text": e.reference,
        "updated_at": e.timestamp, "version": e.originator_version,
    })
    for case_id in e.asb_case_ids:
        rows[REVIEW_CASES].put({"review_id": e.originator_id, "case_id": case_id})


def _complaint(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    return {"complaints": int(row["complaints"]) + 1}


def _acknowledged(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    return {"acknowledged_on": e.acknowledged_on, "status": S.ACKNOWLEDGED.value}


def _threshold(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    met = bool(_field(e.assessment, "met"))
    changes: dict[str, Any] = {
        "threshold_met": met, "threshold_route": _text(_field(e.assessment, "route")),
        "threshold_decided_on": e.decided_on, "round_threshold_decided_on": e.decided_on,
        "status": (S.THRESHOLD_MET if met else S.THRESHOLD_NOT_MET).value,
    }
    if met:
        changes["review_clock_starts_on"] = e.decided_on
    return changes


def _discretion(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    return {"discretion_agreed_on": e.agreed_on, "review_clock_starts_on": e.agreed_on,
            "status": S.REVIEW_AGREED_ON_DISCRETION.value}


def _held(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    return {"first_review_held_on": row["first_review_held_on"] or e.held_on,
            "round_review_held_on": e.held_on, "status": S.REVIEW_HELD.value}


def _recommended(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    rows[RECOMMENDATIONS].put({"review_id": e.originator_id, "number": e.number,
                               "to_agency": e.to_agency, "text": e.recommendation_text,
                               "deadline": e.deadline, "made_on": e.made_on,
                               "status": "open", "resolved_on": None})
    return {"recommendations": int(row["recommendations"]) + 1}


def _resolve(rows: BatchRows, e: Any, status: str, on: Any) -> None:
    recommendation = rows[RECOMMENDATIONS].get((e.originator_id, e.number))
    assert recommendation is not None
    rows[RECOMMENDATIONS].update(recommendation, status=status, resolved_on=on)


def _completed(rows: BatchRows, row: Row, e: Any) -> None:
    _resolve(rows, e, "done", e.completed_on)


def _not_accepted(rows: BatchRows, row: Row, e: Any) -> None:
    _resolve(rows, e, "not_accepted", e.recorded_on)


def _outcome(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    return {"outcome_sent_on": row["outcome_sent_on"] or e.sent_on,
            "round_outcome_sent_on": e.sent_on, "status": S.OUTCOME_SENT.value}


def _escalated(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    return {"escalated_from": row["status"], "escalations": int(row["escalations"]) + 1,
            "status": S.ESCALATED.value}


def _escalation_resolved(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    if _text(e.result) == "confirmed":
        return {"status": row["escalated_from"], "escalated_from": None}
    changes: dict[str, Any] = {"escalated_from": None, "closed_on": None}
    if row["first_review_held_on"] is not None:
        changes.update(status=S.REOPENED.value, review_clock_starts_on=e.decided_on,
                       round_review_held_on=None, round_outcome_sent_on=None)
    else:
        changes.update(status=S.ACKNOWLEDGED.value, threshold_clock_starts_on=e.decided_on,
                       round_threshold_decided_on=None, review_clock_starts_on=None)
    return changes


def _closed(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    return {"closed_on": e.closed_on, "status": S.CLOSED.value}


def _withdrawn(rows: BatchRows, row: Row, e: Any) -> dict[str, Any]:
    return {"withdrawn_on": e.withdrawn_on, "status": S.WITHDRAWN.value}


_HANDLERS: dict[type[Any], Any] = {
    R.ComplaintRecorded: _complaint,
    R.Acknowledged: _acknowledged,
    R.ThresholdDecided: _threshold,
    R.DiscretionaryReviewAgreed: _discretion,
    R.ReviewHeld: _held,
    R.RecommendationMade: _recommended,
    R.RecommendationCompleted: _completed,
    R.RecommendationNotAccepted: _not_accepted,
    R.OutcomeSent: _outcome,
    R.EscalationRequested: _escalated,
    R.EscalationResolved: _escalation_resolved,
    R.Closed: _closed,
    R.Withdrawn: _withdrawn,
}
