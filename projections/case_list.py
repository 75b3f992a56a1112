"""The ASB case view: one row per case for lists and search, and the facts the JAG tasking
list and the RAG overview are computed from (parties, risk, incidents, actions,
interventions, JAG referrals, closures), plus which cases are restricted.

Nothing derived from local rules or from "today" is stored: overdue, repeat victim,
vulnerable victim and red/amber/green are worked out when read (``projections.queries``,
``projections.tasking``, ``projections.overview``), from the facts kept here. What is
stored is what the events say, and what follows from them alone (the case's current risk
level: the highest latest assessment among its current victims, as ``AsbCase`` has it).

Personal data: the case summary (for search) and action descriptions. The view is marked
``holds_personal_data``; after erasure ``projections.erasure.rebuild_personal_views``
rebuilds it, and the erased fields then read ``"[erased]"``. Addresses, incident
descriptions and every other personal field are not copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from domain.cases import AsbCase
from domain.cases.values import RiskLevel
from domain.protection.restriction import ProcessingRestriction
from projections.db import ViewCursor
from projections.framework import Table, View, registry
from projections.rowcache import BatchRows, Row, SearchableTable, TableRows, stored

CASES = "rm_cases"
PARTIES = "rm_case_parties"
RISKS = "rm_case_risks"
RISK_CHANGES = "rm_case_risk_changes"
INCIDENTS = "rm_case_incidents"
ACTIONS = "rm_case_actions"
INTERVENTIONS = "rm_case_interventions"
JAG_REFERRALS = "rm_case_jag_referrals"
CLOSURES = "rm_case_closures"
RESTRICTIONS = "rm_restrictions"

RISK_RANKS = {level.value: level.rank for level in RiskLevel}
VICTIM = "victim"


def _text(value: Any) -> Any:
    """An enum or plain value as text (enums come back from the store as plain strings)."""
    return None if value is None else str(getattr(value, "value", value))


@registry.register
class CaseListView(View):
    name = "case_list"
    version = 2  # 2: indexes for the RAG overview (cases by status and closed_at, reopenings)
    holds_personal_data: ClassVar[bool] = True
    builds_in_memory: ClassVar[bool] = True
    tables: ClassVar[tuple[Table, ...]] = (
        SearchableTable(
            CASES,
            {
                "case_id": "uuid not null", "partnership_id": "text not null",
                "reference": "text not null", "status": "text not null",
                "nsir_category": "text not null", "asb_type": "text not null",
                "other_type": "text", "ward": "text not null", "neighbourhood": "text",
                "outward_postcode": "text", "reporting_channel": "text not null",
                "lead_agency": "text not null", "lead_officer": "text not null",
                "reported_at": "timestamp not null", "opened_at": "timestamp not null",
                "closed_at": "timestamp", "closure_outcome": "text",
                "victim_satisfaction": "text",
                "risk_level": "text", "risk_rank": "integer not null",
                "flagged": "boolean not null", "victims": "integer not null",
                "next_review_due": "date", "supervisor_decision": "text",
                "jag_status": "text", "summary": "text not null",
                "search_text": "text not null", "updated_at": "timestamp not null",
                "version": "integer not null",
            },
            primary_key=("case_id",),
            indexes=(("partnership_id", "status", "closed_at", "reported_at"),
                     ("partnership_id", "reported_at"),
                     ("partnership_id", "ward"), ("partnership_id", "lead_agency"),
                     ("reference",)),
        ),
        Table(PARTIES, {"case_id": "uuid not null", "person_id": "uuid not null",
                        "role": "text not null"},
              primary_key=("case_id", "person_id", "role")),
        Table(RISKS, {"case_id": "uuid not null", "victim_id": "uuid not null",
                      "risk_level": "text not null", "flagged": "boolean not null",
                      "assessed_at": "timestamp not null"},
              primary_key=("case_id", "victim_id")),
        Table(RISK_CHANGES, {"case_id": "uuid not null", "version": "integer not null",
                             "changed_at": "timestamp not null", "risk_level": "text"},
              primary_key=("case_id", "version")),
        Table(INCIDENTS, {"case_id": "uuid not null", "incident_id": "uuid not null",
                          "occurred_at": "timestamp not null",
                          "reported_at": "timestamp not null", "agency": "text not null",
                          "agency_reference": "text", "reported_by": "uuid"},
              primary_key=("incident_id",), indexes=(("case_id",), ("occurred_at",))),
        Table(ACTIONS, {"case_id": "uuid not null", "action_id": "uuid not null",
                        "agency": "text not null", "owner": "text not null",
                        "description": "text not null", "due_on": "date not null",
                        "status": "text not null", "set_at": "timestamp not null",
                        "finished_at": "timestamp"},
              primary_key=("action_id",), indexes=(("case_id", "status"),)),
        Table(INTERVENTIONS, {"case_id": "uuid not null", "intervention_id": "uuid not null",
                              "intervention_type": "text not null", "agency": "text not null",
                              "started_on": "date not null", "result": "text",
                              "result_on": "date"},
              primary_key=("intervention_id",), indexes=(("case_id",), ("started_on",))),
        Table(JAG_REFERRALS, {"case_id": "uuid not null", "referral_id": "uuid not null",
                              "referred_at": "timestamp not null", "accepted_on": "date",
                              "concluded_at": "timestamp", "outcome": "text"},
              primary_key=("referral_id",), indexes=(("case_id",), ("referred_at",))),
        Table(CLOSURES, {"case_id": "uuid not null", "version": "integer not null",
                         "closed_at": "timestamp not null", "outcome": "text not null",
                         "victim_satisfaction": "text", "reopened_at": "timestamp"},
              primary_key=("case_id", "version"), indexes=(("closed_at",), ("reopened_at",))),
        Table(RESTRICTIONS, {"restriction_id": "uuid not null", "record_id": "uuid not null",
                             "record_kind": "text not null", "restricted": "boolean not null"},
              primary_key=("restriction_id",), indexes=(("record_id",),)),
    )
    topics: ClassVar[tuple[type[Any], ...]] = (
        AsbCase.Opened, AsbCase.LeadChanged, AsbCase.PartyAdded, AsbCase.PartyRemoved,
        AsbCase.IncidentLogged, AsbCase.RiskAssessed, AsbCase.SupervisorReviewed,
        AsbCase.InterventionRecorded, AsbCase.InterventionResultRecorded,
        AsbCase.ActionSet, AsbCase.ActionCompleted, AsbCase.ActionCancelled,
        AsbCase.ActionReassigned, AsbCase.ReferredToJag, AsbCase.JagReferralAccepted,
        AsbCase.JagReferralConcluded, AsbCase.Closed, AsbCase.Reopened,
        ProcessingRestriction.Created, ProcessingRestriction.Restricted,
        ProcessingRestriction.RestrictionLifted,
    )

    def apply(self, cur: ViewCursor, events: Sequence[Any]) -> None:
        rows = BatchRows(cur, self.tables)
        # Read every row the batch will change up front: one query per table, not one per
        # event (a round trip each on PostgreSQL).
        wanted: dict[str, set[Any]] = {}
        for event in events:
            for table in _READS.get(type(event), ()):
                wanted.setdefault(table, set()).add(event.originator_id)
        for table, ids in wanted.items():
            rows[table].load("restriction_id" if table == RESTRICTIONS else "case_id", ids)
        for event in events:
            handler = _HANDLERS.get(type(event))
            if handler is not None:
                handler(rows, event)
        rows.flush()


def _is_restriction(event: Any) -> bool:
    return isinstance(event, ProcessingRestriction.Created | ProcessingRestriction.Restricted
                      | ProcessingRestriction.RestrictionLifted)


def _case(rows: BatchRows, event: Any) -> Row:
    row = rows[CASES].get((event.originator_id,))
    if row is None:  # pragma: no cover - every case starts with Opened
        raise LookupError(f"case {event.originator_id} has no Opened event")
    return row


def _touch(rows: BatchRows, row: Row, event: Any, **changes: Any) -> None:
    rows[CASES].update(row, updated_at=event.timestamp, version=event.originator_version,
                       **changes)


# ---------------------------------------------------------------------------- handlers


def _opened(rows: BatchRows, e: Any) -> None:
    rows[CASES].put({
        "case_id": e.originator_id, "partnership_id": e.partnership_id,
        "reference": e.reference, "status": "open",
        "nsir_category": _text(e.nsir_category), "asb_type": _text(e.asb_type),
        "other_type": e.other_type, "ward": e.ward, "neighbourhood": e.neighbourhood,
        "outward_postcode": e.outward_postcode,
        "reporting_channel": _text(e.reporting_channel),
        "lead_agency": e.lead_agency, "lead_officer": e.lead_officer,
        "reported_at": e.reported_at, "opened_at": e.opened_at, "closed_at": None,
        "closure_outcome": None, "victim_satisfaction": None, "risk_level": None,
        "risk_rank": -1, "flagged": False, "victims": 0, "next_review_due": None,
        "supervisor_decision": None, "jag_status": None, "summary": e.summary,
        "search_text": f"{e.reference} {e.summary}", "updated_at": e.timestamp,
        "version": e.originator_version,
    })


def _lead_changed(rows: BatchRows, e: Any) -> None:
    _touch(rows, _case(rows, e), e, lead_agency=e.lead_agency, lead_officer=e.lead_officer)


def _party_added(rows: BatchRows, e: Any) -> None:
    rows[PARTIES].put({"case_id": e.originator_id, "person_id": e.person_id,
                       "role": _text(e.role)})
    _recompute_risk(rows, e)


def _party_removed(rows: BatchRows, e: Any) -> None:
    rows[PARTIES].delete((e.originator_id, e.person_id, _text(e.role)))
    _recompute_risk(rows, e)


def _risk_assessed(rows: BatchRows, e: Any) -> None:
    rows[RISKS].put({"case_id": e.originator_id, "victim_id": e.victim_id,
                     "risk_level": _text(e.risk_level),
                     "flagged": bool(e.vulnerability_flags), "assessed_at": e.assessed_at})
    _recompute_risk(rows, e, next_review_due=e.next_review_due, changed_at=e.assessed_at)


def _recompute_risk(rows: BatchRows, e: Any, *, changed_at: Any = None, **changes: Any) -> None:
    """The case's level: the highest latest assessment among its current victims."""
    row = _case(rows, e)
    case_id = stored(e.originator_id)
    victims = {party["person_id"] for party in rows[PARTIES].where("case_id", case_id)
               if party["role"] == VICTIM}
    current = [risk for risk in rows[RISKS].where("case_id", case_id)
               if risk["victim_id"] in victims]
    level = max((risk["risk_level"] for risk in current), key=RISK_RANKS.__getitem__,
                default=None)
    if level != row["risk_level"]:
        rows[RISK_CHANGES].put({"case_id": e.originator_id, "version": e.originator_version,
                                "changed_at": changed_at or e.timestamp, "risk_level": level})
    _touch(rows, row, e, risk_level=level,
           risk_rank=-1 if level is None else RISK_RANKS[level],
           flagged=any(bool(risk["flagged"]) for risk in current), victims=len(victims),
           **changes)


def _supervisor_reviewed(rows: BatchRows, e: Any) -> None:
    _touch(rows, _case(rows, e), e, next_review_due=e.next_review_due,
           supervisor_decision=_text(e.decision))


def _incident_logged(rows: BatchRows, e: Any) -> None:
    rows[INCIDENTS].put({"case_id": e.originator_id, "incident_id": e.incident_id,
                         "occurred_at": e.occurred_at, "reported_at": e.reported_at,
                         "agency": e.reported_to_agency, "agency_reference": e.agency_reference,
                         "reported_by": e.reported_by})
    _touch(rows, _case(rows, e), e)


def _intervention_recorded(rows: BatchRows, e: Any) -> None:
    rows[INTERVENTIONS].put({"case_id": e.originator_id, "intervention_id": e.intervention_id,
                             "intervention_type": _text(e.intervention_type),
                             "agency": e.agency, "started_on": e.started_on, "result": None,
                             "result_on": None})
    _touch(rows, _case(rows, e), e)


def _intervention_result(rows: BatchRows, e: Any) -> None:
    _child_update(rows[INTERVENTIONS], e.intervention_id, result=_text(e.result),
                  result_on=e.result_on)
    _touch(rows, _case(rows, e), e)


def _action_set(rows: BatchRows, e: Any) -> None:
    rows[ACTIONS].put({"case_id": e.originator_id, "action_id": e.action_id,
                       "agency": e.agency, "owner": e.owner, "description": e.description,
                       "due_on": e.due_on, "status": "open", "set_at": e.set_at,
                       "finished_at": None})
    _touch(rows, _case(rows, e), e)


def _action_completed(rows: BatchRows, e: Any) -> None:
    _child_update(rows[ACTIONS], e.action_id, status="completed", finished_at=e.completed_at)
    _touch(rows, _case(rows, e), e)


def _action_cancelled(rows: BatchRows, e: Any) -> None:
    _child_update(rows[ACTIONS], e.action_id, status="cancelled", finished_at=e.cancelled_at)
    _touch(rows, _case(rows, e), e)


def _action_reassigned(rows: BatchRows, e: Any) -> None:
    _child_update(rows[ACTIONS], e.action_id, agency=e.agency, owner=e.owner, due_on=e.due_on)
    _touch(rows, _case(rows, e), e)


def _referred(rows: BatchRows, e: Any) -> None:
    rows[JAG_REFERRALS].put({"case_id": e.originator_id, "referral_id": e.referral_id,
                             "referred_at": e.referred_at, "accepted_on": None,
                             "concluded_at": None, "outcome": None})
    _touch(rows, _case(rows, e), e, jag_status="referred")


def _referral_accepted(rows: BatchRows, e: Any) -> None:
    _child_update(rows[JAG_REFERRALS], e.referral_id, accepted_on=e.accepted_on)
    _touch(rows, _case(rows, e), e, jag_status="accepted")


def _referral_concluded(rows: BatchRows, e: Any) -> None:
    _child_update(rows[JAG_REFERRALS], e.referral_id, concluded_at=e.concluded_at,
                  outcome=_text(e.outcome))
    _touch(rows, _case(rows, e), e, jag_status=None)


def _closed(rows: BatchRows, e: Any) -> None:
    satisfaction = _text(e.victim_satisfaction)
    rows[CLOSURES].put({"case_id": e.originator_id, "version": e.originator_version,
                        "closed_at": e.closed_at, "outcome": _text(e.outcome),
                        "victim_satisfaction": satisfaction, "reopened_at": None})
    _touch(rows, _case(rows, e), e, status="closed", closed_at=e.closed_at,
           closure_outcome=_text(e.outcome), victim_satisfaction=satisfaction,
           next_review_due=None)


def _reopened(rows: BatchRows, e: Any) -> None:
    for closure in rows[CLOSURES].where("case_id", e.originator_id):
        if closure["reopened_at"] is None:
            rows[CLOSURES].update(closure, reopened_at=e.reopened_at)
    _touch(rows, _case(rows, e), e, status="open", closed_at=None, closure_outcome=None,
           victim_satisfaction=None, next_review_due=e.next_review_due)


def _restriction_created(rows: BatchRows, e: Any) -> None:
    rows[RESTRICTIONS].put({"restriction_id": e.originator_id, "record_id": e.record_id,
                            "record_kind": e.record_kind, "restricted": False})


def _restricted(rows: BatchRows, e: Any, restricted: bool = True) -> None:
    row = rows[RESTRICTIONS].get((e.originator_id,))
    if row is not None:
        rows[RESTRICTIONS].update(row, restricted=restricted)


def _restriction_lifted(rows: BatchRows, e: Any) -> None:
    _restricted(rows, e, restricted=False)


def _child_update(table: TableRows, key: Any, **changes: Any) -> None:
    row = table.get((key,))
    if row is None:  # pragma: no cover - the aggregate checks the child exists
        raise LookupError(f"{table.table.name}: no row {key}")
    table.update(row, **changes)


_HANDLERS: dict[type[Any], Any] = {
    AsbCase.Opened: _opened,
    AsbCase.LeadChanged: _lead_changed,
    AsbCase.PartyAdded: _party_added,
    AsbCase.PartyRemoved: _party_removed,
    AsbCase.IncidentLogged: _incident_logged,
    AsbCase.RiskAssessed: _risk_assessed,
    AsbCase.SupervisorReviewed: _supervisor_reviewed,
    AsbCase.InterventionRecorded: _intervention_recorded,
    AsbCase.InterventionResultRecorded: _intervention_result,
    AsbCase.ActionSet: _action_set,
    AsbCase.ActionCompleted: _action_completed,
    AsbCase.ActionCancelled: _action_cancelled,
    AsbCase.ActionReassigned: _action_reassigned,
    AsbCase.ReferredToJag: _referred,
    AsbCase.JagReferralAccepted: _referral_accepted,
    AsbCase.JagReferralConcluded: _referral_concluded,
    AsbCase.Closed: _closed,
    AsbCase.Reopened: _reopened,
    ProcessingRestriction.Created: _restriction_created,
    ProcessingRestriction.Restricted: _restricted,
    ProcessingRestriction.RestrictionLifted: _restriction_lifted,
}

_CHANGES_CASE = (CASES,)
_READS: dict[type[Any], tuple[str, ...]] = {
    **{event: _CHANGES_CASE for event in _HANDLERS if event not in (
        AsbCase.Opened, ProcessingRestriction.Created, ProcessingRestriction.Restricted,
        ProcessingRestriction.RestrictionLifted)},
    AsbCase.PartyAdded: (CASES, PARTIES, RISKS),
    AsbCase.PartyRemoved: (CASES, PARTIES, RISKS),
    AsbCase.RiskAssessed: (CASES, PARTIES, RISKS),
    AsbCase.InterventionResultRecorded: (CASES, INTERVENTIONS),
    AsbCase.ActionCompleted: (CASES, ACTIONS),
    AsbCase.ActionCancelled: (CASES, ACTIONS),
    AsbCase.ActionReassigned: (CASES, ACTIONS),
    AsbCase.JagReferralAccepted: (CASES, JAG_REFERRALS),
    AsbCase.JagReferralConcluded: (CASES, JAG_REFERRALS),
    AsbCase.Reopened: (CASES, CLOSURES),
    ProcessingRestriction.Restricted: (RESTRICTIONS,),
    ProcessingRestriction.RestrictionLifted: (RESTRICTIONS,),
}
"""The tables (rows of the event's case, or of the restriction) each event changes."""
