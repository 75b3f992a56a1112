"""The problem-solving plan view: one row per plan (lists, JAG tasking, RAG overview),
its planned responses, and the history of its O'SARA stage (for "plans by stage at the
end of a quarter").

The plan's governance status (in preparation, awaiting sign-off, awaiting JAG agreement,
agreed, closed) follows from the events alone, so it is stored: the row keeps the few facts
``domain.plans.completeness.jag_blockers`` looks at (``facts``, JSON) and the status is
recomputed from them after every event, the way ``PlanState.status`` computes it. Overdue
responses and reviews depend on the day, so they are worked out when read.

Personal data: the descriptions of planned responses (shown on the JAG tasking list). The
plan's title, ward and priority are not personal (``ProblemSolvingPlan.Created`` has no
personal fields).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar

from domain.plans import PlanStage, PlanStatus, ProblemSolvingPlan, TriangleSide
from domain.plans.dates import local_date
from projections.db import ViewCursor
from projections.framework import Table, View, registry
from projections.rowcache import BatchRows, Row, SearchableTable, stored

PLANS = "rm_plans"
RESPONSES = "rm_plan_responses"
STAGES = "rm_plan_stages"

P = ProblemSolvingPlan
SIDES = frozenset(side.value for side in TriangleSide)
OPEN_RESPONSE = frozenset({"planned", "actioned"})


def _text(value: Any) -> Any:
    return None if value is None else str(getattr(value, "value", value))


def empty_facts() -> dict[str, Any]:
    return {"objective": False, "scanning": [], "baseline": [], "analysis": [],
            "triggers": False, "hypothesis": False, "objectives": [], "live_responses": 0,
            "after": [], "assessment": False}


def ready_for_jag(stage: str, facts: dict[str, Any]) -> bool:
    """``PlanState.ready_for_jag``: at the response stage with no JAG blockers."""
    return (stage == PlanStage.RESPONSE.value and facts["objective"]
            and set(facts["scanning"]) == SIDES and bool(facts["baseline"])
            and set(facts["analysis"]) == SIDES and facts["triggers"]
            and facts["hypothesis"] and bool(facts["objectives"])
            and facts["live_responses"] > 0)


def plan_status(stage: str, facts: dict[str, Any], *, signed_off: bool, agreed: bool) -> str:
    """``PlanState.status`` from the stored facts."""
    if stage == PlanStage.CLOSED.value:
        return PlanStatus.CLOSED.value
    if agreed:
        return PlanStatus.AGREED.value
    if ready_for_jag(stage, facts):
        return (PlanStatus.AWAITING_JAG_AGREEMENT if signed_off
                else PlanStatus.AWAITING_SIGN_OFF).value
    return PlanStatus.IN_PREPARATION.value


def assessment_complete(stage: str, facts: dict[str, Any]) -> bool:
    """At the assessment stage with nothing missing there: the plan can be closed."""
    return (stage == PlanStage.ASSESSMENT.value and facts["assessment"]
            and set(facts["baseline"]) <= set(facts["after"]))


@registry.register
class PlanListView(View):
    name = "plan_list"
    version = 1
    holds_personal_data: ClassVar[bool] = True
    builds_in_memory: ClassVar[bool] = True
    tables: ClassVar[tuple[Table, ...]] = (
        SearchableTable(
            PLANS,
            {
                "plan_id": "uuid not null", "partnership_id": "text not null",
                "reference": "text not null", "title": "text not null",
                "ward": "text not null", "neighbourhood": "text",
                "priority": "text not null", "lead_agency": "text not null",
                "lead_officer": "text not null", "stage": "text not null",
                "status": "text not null", "signed_off": "boolean not null",
                "agreed_on": "date", "created_at": "timestamp not null",
                "started_on": "date not null", "closed_on": "date",
                "assessment_result": "text", "assessment_complete": "boolean not null",
                "next_review_due": "date", "funded": "boolean not null",
                "linked_cases": "integer not null", "facts": "json not null",
                "search_text": "text not null", "updated_at": "timestamp not null",
                "version": "integer not null",
            },
            primary_key=("plan_id",),
            indexes=(("partnership_id", "status"), ("partnership_id", "created_at"),
                     ("reference",)),
        ),
        Table(RESPONSES, {"plan_id": "uuid not null", "number": "integer not null",
                          "agency": "text not null", "owner": "text not null",
                          "description": "text not null", "due_on": "date not null",
                          "depends_on_funding": "boolean not null",
                          "status": "text not null"},
              primary_key=("plan_id", "number"), indexes=(("status", "due_on"),)),
        Table(STAGES, {"plan_id": "uuid not null", "version": "integer not null",
                       "changed_at": "timestamp not null", "stage": "text not null",
                       "closed_on": "date", "result": "text"},
              primary_key=("plan_id", "version")),
    )
    topics: ClassVar[tuple[type[Any], ...]] = (
        P.Created, P.CaseLinked, P.CaseUnlinked, P.LeadReassigned, P.PriorityChanged,
        P.StageAdvanced, P.SentBack, P.Closed, P.Reopened, P.ObjectiveSet,
        P.ScanningRecorded, P.BaselineMeasureRecorded, P.AnalysisRecorded,
        P.TriggersRecorded, P.HypothesisSet, P.SpecificObjectiveAdded,
        P.SpecificObjectiveRemoved, P.ResponsePlanned, P.ResponseRescheduled,
        P.ResponseActioned, P.ResponseCompleted, P.ResponseDropped, P.AfterMeasureRecorded,
        P.AssessmentRecorded, P.FundingAwarded, P.SignedOff, P.AgreedAtJag,
        P.ReviewScheduled, P.ReviewRecorded,
    )

    def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
        rows = BatchRows(cur, self.tables)
        rows[PLANS].load("plan_id", {e.originator_id for e in events})
        rows[RESPONSES].load("plan_id", {e.originator_id for e in events
                                         if type(e) in _RESPONSE_CHANGES})
        facts: dict[str, dict[str, Any]] = {}
        for event in events:
            handler = _HANDLERS.get(type(event))
            if handler is None:  # pragma: no cover - topics and handlers agree
                continue
            if isinstance(event, P.Created):
                handler(rows, event, facts)
                continue
            row = rows[PLANS].get((event.originator_id,))
            if row is None:  # pragma: no cover - every plan starts with Created
                raise LookupError(f"plan {event.originator_id} has no Created event")
            plan_facts = facts.setdefault(row["plan_id"], json.loads(row["facts"]))
            changes: dict[str, Any] = handler(rows, event, plan_facts) or {}
            stage = str(changes.get("stage", row["stage"]))
            signed_off = changes.get("signed_off", row["signed_off"])
            agreed_on = changes.get("agreed_on", row["agreed_on"])
            rows[PLANS].update(
                row, **changes,
                status=plan_status(stage, plan_facts, signed_off=bool(signed_off),
                                   agreed=agreed_on is not None),
                assessment_complete=assessment_complete(stage, plan_facts),
                updated_at=event.timestamp, version=event.originator_version,
            )
        # The facts as JSON once per plan and batch, not once per event.
        for plan_id, plan_facts in facts.items():
            row = rows[PLANS].get((plan_id,))
            assert row is not None
            rows[PLANS].update(row, facts=plan_facts)
        rows.flush()


def _stage_change(rows: BatchRows, e: Any, stage: str, *, closed_on: Any = None,
                  result: Any = None) -> None:
    rows[STAGES].put({"plan_id": e.originator_id, "version": e.originator_version,
                      "changed_at": e.timestamp, "stage": stage, "closed_on": closed_on,
                      "result": result})


def _created(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    rows[PLANS].put({
        "plan_id": e.originator_id, "partnership_id": e.partnership_id,
        "reference": e.reference, "title": e.title, "ward": e.ward,
        "neighbourhood": e.neighbourhood, "priority": e.priority,
        "lead_agency": e.lead_agency, "lead_officer": e.lead_officer,
        "stage": PlanStage.OBJECTIVE.value, "status": PlanStatus.IN_PREPARATION.value,
        "signed_off": False, "agreed_on": None, "created_at": e.timestamp,
        "started_on": local_date(e.timestamp), "closed_on": None, "assessment_result": None,
        "assessment_complete": False, "next_review_due": None, "funded": False,
        "linked_cases": 0, "facts": empty_facts(),
        "search_text": f"{e.reference} {e.title}", "updated_at": e.timestamp,
        "version": e.originator_version,
    })
    facts[stored(e.originator_id)] = empty_facts()
    _stage_change(rows, e, PlanStage.OBJECTIVE.value)


def _row(rows: BatchRows, e: Any) -> Row:
    row = rows[PLANS].get((e.originator_id,))
    assert row is not None
    return row


def _case_linked(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    return {"linked_cases": int(_row(rows, e)["linked_cases"]) + 1}


def _case_unlinked(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    return {"linked_cases": int(_row(rows, e)["linked_cases"]) - 1}


def _lead(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    return {"lead_agency": e.lead_agency, "lead_officer": e.lead_officer}


def _priority(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    return {"priority": e.priority}


def _advanced(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    stage = _text(e.to_stage)
    _stage_change(rows, e, stage)
    return {"stage": stage}


def _sent_back(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    stage = _text(e.to_stage)
    _stage_change(rows, e, stage)
    facts["assessment"] = False
    facts["after"] = []
    return {"stage": stage, "signed_off": False, "agreed_on": None, "assessment_result": None}


def _closed(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    result = _row(rows, e)["assessment_result"]
    _stage_change(rows, e, PlanStage.CLOSED.value, closed_on=e.closed_on, result=result)
    return {"stage": PlanStage.CLOSED.value, "closed_on": e.closed_on,
            "next_review_due": None}


def _reopened(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    _stage_change(rows, e, PlanStage.ASSESSMENT.value)
    return {"stage": PlanStage.ASSESSMENT.value, "closed_on": None}


def _flag(name: str) -> Any:
    def handler(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
        facts[name] = True

    return handler


def _side(name: str) -> Any:
    def handler(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
        side = _text(e.side)
        facts[name] = sorted({*facts[name], side})

    return handler


def _baseline(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    kept = [name for name in facts["baseline"] if name.casefold() != e.name.casefold()]
    facts["baseline"] = [*kept, e.name]


def _objective_added(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    facts["objectives"] = sorted({*facts["objectives"], e.number})


def _objective_removed(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    facts["objectives"] = [n for n in facts["objectives"] if n != e.number]


def _response_planned(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    rows[RESPONSES].put({"plan_id": e.originator_id, "number": e.number,
                         "agency": e.agency, "owner": e.owner, "description": e.description,
                         "due_on": e.due_on, "depends_on_funding": bool(e.depends_on_funding),
                         "status": "planned"})
    facts["live_responses"] += 1


def _response(rows: BatchRows, e: Any, **changes: Any) -> None:
    row = rows[RESPONSES].get((e.originator_id, e.number))
    assert row is not None
    rows[RESPONSES].update(row, **changes)


def _rescheduled(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    _response(rows, e, due_on=e.due_on)


def _actioned(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    _response(rows, e, status="actioned")


def _completed(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    _response(rows, e, status="completed")


def _dropped(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    _response(rows, e, status="dropped")
    facts["live_responses"] -= 1


def _after_measure(rows: BatchRows, e: Any, facts: dict[str, Any]) -> None:
    facts["after"] = sorted({*facts["after"], e.name})


def _assessed(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    facts["assessment"] = True
    return {"assessment_result": _text(e.result)}


def _funded(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    return {"funded": True}


def _signed_off(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    return {"signed_off": True}


def _agreed(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    return {"agreed_on": e.meeting_on}


def _review_scheduled(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    return {"next_review_due": e.due_on}


def _review_recorded(rows: BatchRows, e: Any, facts: dict[str, Any]) -> dict[str, Any]:
    return {"next_review_due": e.next_review_due}


_HANDLERS: dict[type[Any], Any] = {
    P.Created: _created,
    P.CaseLinked: _case_linked,
    P.CaseUnlinked: _case_unlinked,
    P.LeadReassigned: _lead,
    P.PriorityChanged: _priority,
    P.StageAdvanced: _advanced,
    P.SentBack: _sent_back,
    P.Closed: _closed,
    P.Reopened: _reopened,
    P.ObjectiveSet: _flag("objective"),
    P.ScanningRecorded: _side("scanning"),
    P.BaselineMeasureRecorded: _baseline,
    P.AnalysisRecorded: _side("analysis"),
    P.TriggersRecorded: _flag("triggers"),
    P.HypothesisSet: _flag("hypothesis"),
    P.SpecificObjectiveAdded: _objective_added,
    P.SpecificObjectiveRemoved: _objective_removed,
    P.ResponsePlanned: _response_planned,
    P.ResponseRescheduled: _rescheduled,
    P.ResponseActioned: _actioned,
    P.ResponseCompleted: _completed,
    P.ResponseDropped: _dropped,
    P.AfterMeasureRecorded: _after_measure,
    P.AssessmentRecorded: _assessed,
    P.FundingAwarded: _funded,
    P.SignedOff: _signed_off,
    P.AgreedAtJag: _agreed,
    P.ReviewScheduled: _review_scheduled,
    P.ReviewRecorded: _review_recorded,
}

_RESPONSE_CHANGES = frozenset({P.ResponseRescheduled, P.ResponseActioned, P.ResponseCompleted,
                               P.ResponseDropped})
