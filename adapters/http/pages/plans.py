"""Problem-solving plan pages: the plan list, opening a plan, the plan laid out under the
O'SARA headings with what is missing at each stage, and a form per step (the machinery for
record pages with command forms is in ``record_steps.py``; the steps beyond O'SARA itself,
such as the lead, linked cases, budget, risks, milestones and reviews, are in
``plan_steps.py`` and installed here with the others).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from adapters.http.pages.forms import FormState, validated
from adapters.http.pages.plan_steps import PLAN_MORE_STEPS, plan_more_options, step_links
from adapters.http.pages.record_steps import (
    FLASH_MESSAGES,
    LIST_PAGE,
    RECENT_CHANGES,
    Input,
    RecordKind,
    RecordPage,
    RecordStep,
    container_of,
    flash_message,
    install_steps,
    kind_timeline,
    number_param,
    read_lines,
    read_number,
    record_timeline,
    redirect_with_flash,
    today_text,
    with_flash_cleared,
)
from adapters.http.pages.rendering import choices, render
from adapters.http.pages.session import PageContext, PageForm, PageRoute
from adapters.http.plan_presenter import PlanDocument, plan_document
from adapters.http.presenters import today_in_london
from adapters.http.schemas import plans as schemas
from application import access
from application.access_log import AccessAction
from application.context import Actor
from application.errors import Forbidden, IdempotencyKeyReused, NotFound
from application.plans_service import PlanService
from domain.plans import (
    AssessmentResult,
    Delivery,
    MissingItem,
    PlanStage,
    ProblemSolvingPlan,
    ResponseStatus,
    TriangleSide,
)
from domain.plans.values import SEND_BACK_TARGETS, STAGE_ORDER, WORKING_STAGES
from domain.shared import clock
from domain.shared.errors import InvalidValue, RuleViolation
from projections.queries import PlanFilters, Reader, list_plans

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# ======================================================================== plans

PLAN_TITLES = {
    "Created": "Plan opened", "StageAdvanced": "Moved on to the next stage",
    "SentBack": "Sent back to an earlier stage", "Closed": "Plan closed",
    "Reopened": "Plan reopened", "AgreedAtJag": "Agreed at the JAG",
    "SignedOff": "Signed off by a supervisor",
}
SIDE_TITLES = {TriangleSide.VICTIM: "the victim's side", TriangleSide.LOCATION: "the location",
               TriangleSide.OFFENDER: "the offender's side"}


def plans_service(request: Request) -> PlanService:
    service: PlanService = container_of(request).services["plans"]
    return service


def plan_state(plan: ProblemSolvingPlan) -> dict[str, Any]:
    """What a plan's history compares: its O'SARA content, responses, governance."""
    state: dict[str, Any] = {
        "stage": plan.stage, "title": plan.title, "ward": plan.ward, "priority": plan.priority,
        "lead_agency": plan.lead_agency, "lead_officer": plan.lead_officer,
        "linked_cases": list(plan.linked_case_ids), "objective": plan.objective,
    }
    for side, scan in plan.scanning.items():
        state[f"scanning ({side.value})"] = scan
    for measure in plan.baseline_measures:
        state[f"baseline measure: {measure.name}"] = measure
    for side, why in plan.analysis.items():
        state[f"analysis ({side.value})"] = why
    state["triggers"] = plan.triggers
    state["hypothesis"] = plan.hypothesis
    for objective in plan.specific_objectives:
        state[f"specific objective {objective.number}"] = objective
    for response in plan.responses:
        state[f"response R{response.number}"] = response
    for measure in plan.after_measures:
        state[f"measure after: {measure.name}"] = measure
    state["assessment"] = plan.assessment
    state["community_involvement"] = list(plan.community_involvement)
    state["sign_off"] = plan.sign_off
    state["jag_agreement"] = plan.jag_agreement
    state["next_review_due"] = plan.next_review_due
    state["reviews"] = list(plan.reviews)
    state["amount_requested"] = plan.amount_requested
    state["matched_funding"] = plan.matched_funding
    state["funding_awards"] = list(plan.funding_awards)
    state["spend"] = list(plan.spend_entries)
    state["risks"] = list(plan.risks)
    state["milestones"] = list(plan.milestones)
    state["timescale"] = (f"{plan.starts_on} to {plan.ends_on}"
                          if plan.starts_on and plan.ends_on else None)
    state["closed_on"] = plan.closed_on
    return state


PLANS = RecordKind(
    kind="plan", noun="plan", base_path="/plans", api_path="/api/plans",
    view_action=AccessAction.VIEW_PLAN,
    load=lambda request, plan_id: plans_service(request).get(plan_id),
    load_version=lambda request, plan_id, version: plans_service(request).get(
        plan_id, version=version),
    people_of=lambda plan: (), state_view=plan_state, titles=PLAN_TITLES,
    names=lambda request, plan: {},
    event_notes={"SentBack": ("reason",), "Reopened": ("reason",), "Closed": ("notes",)},
)


def _plan(page: RecordPage) -> ProblemSolvingPlan:
    plan: ProblemSolvingPlan = page.record
    return plan


def _service(page: RecordPage) -> PlanService:
    return plans_service(page.request)


# -- the steps ------------------------------------------------------------------------------

def _side(page: RecordPage) -> None:
    try:
        side = TriangleSide(str(page.request.path_params.get("side", "")))
    except ValueError:
        raise NotFound("side of the triangle", str(page.request.path_params.get("side"))
                       ) from None
    page.params.update(side=side, side_title=SIDE_TITLES[side])


def _response_param(page: RecordPage) -> None:
    number = number_param(page)
    response = _plan(page).response(number)
    if response is None:
        raise NotFound("response", f"R{number}")
    page.params.update(number=number, label=f"R{number}", response=response)


def _objective(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.SetObjective, {"aim": form.text("aim")}, form)
    return None if body is None else _service(page).set_objective(
        page.record.id, **body.model_dump(), **options)


def _scanning(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RecordScanning, {
        "description": form.text("description"), "frequency": form.text("frequency"),
        "duration": form.text("duration"), "data_sources": read_lines(form, "data_sources"),
    }, form)
    return None if body is None else _service(page).record_scanning(
        page.record.id, side=page.params["side"], **body.model_dump(), **options)


def _scanning_defaults(page: RecordPage) -> dict[str, Any]:
    scan = _plan(page).scanning.get(page.params["side"])
    if scan is None:
        return {}
    return {"description": scan.description, "frequency": scan.frequency,
            "duration": scan.duration, "data_sources": "\n".join(scan.data_sources)}


def _measure_values(form: FormState) -> dict[str, Any]:
    return {"name": form.text("name"), "value": read_number(form, "value"),
            "period_start": form.day("period_start"), "period_end": form.day("period_end")}


def _baseline(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RecordBaseline, _measure_values(form), form)
    return None if body is None else _service(page).record_baseline(
        page.record.id, **body.model_dump(), **options)


def _analysis(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RecordAnalysis, {"why": form.text("why")}, form)
    return None if body is None else _service(page).record_analysis(
        page.record.id, side=page.params["side"], **body.model_dump(), **options)


def _analysis_defaults(page: RecordPage) -> dict[str, Any]:
    return {"why": _plan(page).analysis.get(page.params["side"])}


def _triggers(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RecordTriggers, {"triggers": form.text("triggers")}, form)
    return None if body is None else _service(page).record_triggers(
        page.record.id, **body.model_dump(), **options)


def _hypothesis(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.SetHypothesis, {"hypothesis": form.text("hypothesis")}, form)
    return None if body is None else _service(page).set_hypothesis(
        page.record.id, **body.model_dump(), **options)


def _specific_objective(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.AddSpecificObjective, {
        "description": form.text("description"), "measure": form.text("measure"),
        "target": read_number(form, "target")}, form)
    return None if body is None else _service(page).add_specific_objective(
        page.record.id, **body.model_dump(), **options)[0]


def _response(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.PlanResponseIn, {
        "description": form.text("description"), "agency": form.text("agency"),
        "owner": form.text("owner"), "due_on": form.day("due_on"),
        "depends_on_funding": form.checked("depends_on_funding")}, form)
    return None if body is None else _service(page).plan_response(
        page.record.id, **body.model_dump(), **options)[0]


def _response_defaults(page: RecordPage) -> dict[str, Any]:
    return {"agency": page.actor.agency, "owner": page.actor.user_id,
            "due_on": (today_in_london() + timedelta(days=28)).isoformat()}


def _complete_response(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.CompleteResponse, {
        "completed_on": form.day("completed_on"), "notes": form.text("notes")}, form)
    return None if body is None else _service(page).complete_response(
        page.record.id, number=page.params["number"], **body.model_dump(), **options)


def _drop_response(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.DropResponse, {"reason": form.text("reason")}, form)
    return None if body is None else _service(page).drop_response(
        page.record.id, number=page.params["number"], **body.model_dump(), **options)


def _advance(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    return _service(page).advance(page.record.id, **options)


def _advance_params(page: RecordPage) -> None:
    plan = _plan(page)
    following = (STAGE_ORDER[plan.stage.rank + 1]
                 if plan.stage in WORKING_STAGES[:-1] else None)
    page.params["next_stage"] = following.label.lower() if following else "the next stage"


def _send_back(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.SendBack, {"to_stage": form.text("to_stage"),
                                        "reason": form.text("reason")}, form)
    return None if body is None else _service(page).send_back(
        page.record.id, **body.model_dump(), **options)


def _sign_off(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.SignOffIn, {"notes": form.text("notes"),
                                         "signed_on": form.day("signed_on")}, form)
    return None if body is None else _service(page).record_sign_off(
        page.record.id, **body.model_dump(), **options)


def _agree_at_jag(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.JagAgreementIn, {"meeting_on": form.day("meeting_on"),
                                              "notes": form.text("notes")}, form)
    return None if body is None else _service(page).agree_at_jag(
        page.record.id, **body.model_dump(), **options)


def _after_measure(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RecordAfterMeasure, _measure_values(form), form)
    return None if body is None else _service(page).record_after_measure(
        page.record.id, **body.model_dump(), **options)


def _assessment(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RecordAssessment, {
        "delivery": form.text("delivery"), "result": form.text("result"),
        "notes": form.text("notes"), "handed_to": form.text("handed_to")}, form)
    return None if body is None else _service(page).record_assessment(
        page.record.id, **body.model_dump(), **options)


def _assessment_defaults(page: RecordPage) -> dict[str, Any]:
    done = _plan(page).assessment
    if done is None:
        return {}
    return {"delivery": done.delivery.value, "result": done.result.value, "notes": done.notes,
            "handed_to": done.handed_to}


def _close(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ClosePlan, {"notes": form.text("notes")}, form)
    return None if body is None else _service(page).close(
        page.record.id, **body.model_dump(), **options)


def _reopen(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ReopenPlan, {"reason": form.text("reason")}, form)
    return None if body is None else _service(page).reopen(
        page.record.id, **body.model_dump(), **options)


def _involvement(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.CommunityInvolvementIn, {
        "stage": form.text("stage"), "description": form.text("description")}, form)
    return None if body is None else _service(page).record_community_involvement(
        page.record.id, **body.model_dump(), **options)


def _involvement_defaults(page: RecordPage) -> dict[str, Any]:
    stage = _plan(page).stage
    return {"stage": stage.value} if stage in WORKING_STAGES else {}


def _measure_inputs(after: bool) -> tuple[Input, ...]:
    name = (Input("name", "Which baseline measure", "the baseline measure", "select",
                  options="baseline_names", hint="Measured again the same way, over a "
                  "period after the response")
            if after else
            Input("name", "What is measured", "what is measured", width="two-thirds",
                  hint="For example: Calls to police about Market Place. A measure of the "
                  "same name replaces the earlier figure."))
    return (
        name,
        Input("value", "Figure", "the figure", "number", width="postcode",
              hint="A count or rate, like 42"),
        Input("period_start", "From", "the start of the period", "date"),
        Input("period_end", "To", "the end of the period", "date"),
    )


WHY_HINT = "Why it is happening, from this side of the problem analysis triangle"

PLAN_STEPS: tuple[RecordStep, ...] = (
    RecordStep("objective", "objective", "Set the overall aim",
               (Input("aim", "Overall aim", "the overall aim", "textarea",
                      hint="What the partnership wants to achieve, agreed at the outset. "
                      "Specific, measurable objectives follow the analysis.", rows=4),),
               _objective, "Objective set.", "objective",
               lambda page: {"aim": _plan(page).objective}),
    RecordStep("scanning", "scanning/{side}", "Scanning: {side_title}",
               (Input("description", "What is happening", "what is happening", "textarea",
                      rows=6),
                Input("frequency", "How often", "how often it happens", width="two-thirds",
                      hint="For example: daily, worst Thursday to Saturday"),
                Input("duration", "For how long", "how long it has gone on",
                      width="two-thirds", hint="For example: since summer 2025"),
                Input("data_sources", "Data sources", "the data sources", "textarea",
                      hint="One per line: police calls, council ASB reports, surveys...",
                      rows=4)),
               _scanning, "Scanning recorded.", "scanning", _scanning_defaults,
               resolve=_side),
    RecordStep("baseline", "baseline-measures/new", "Add a baseline measure",
               _measure_inputs(after=False), _baseline, "Baseline measure recorded.",
               "scanning"),
    RecordStep("analysis", "analysis/{side}", "Analysis: {side_title}",
               (Input("why", "Why it is happening", "why it is happening", "textarea",
                      hint=WHY_HINT, rows=6),),
               _analysis, "Analysis recorded.", "analysis", _analysis_defaults,
               resolve=_side),
    RecordStep("triggers", "triggers", "Record the triggers",
               (Input("triggers", "Triggers", "the triggers", "textarea",
                      hint="What sets it off: paydays, the weather, opening times...",
                      rows=4),),
               _triggers, "Triggers recorded.", "analysis",
               lambda page: {"triggers": _plan(page).triggers}),
    RecordStep("hypothesis", "hypothesis", "Set the working hypothesis",
               (Input("hypothesis", "Working hypothesis", "the working hypothesis",
                      "textarea", rows=4),),
               _hypothesis, "Working hypothesis set.", "analysis",
               lambda page: {"hypothesis": _plan(page).hypothesis}),
    RecordStep("specific-objective", "specific-objectives/new",
               "Add a specific objective",
               (Input("description", "Objective", "the objective", "textarea", rows=3,
                      hint="Specific, measurable and realistic"),
                Input("measure", "Measured by", "the baseline measure", "select",
                      options="baseline_names"),
                Input("target", "Target figure", "the target figure", "number",
                      width="postcode")),
               _specific_objective, "Specific objective added.", "analysis"),
    RecordStep("response", "responses/new", "Plan a response",
               (Input("description", "Response", "the response", "textarea", rows=4),
                Input("agency", "Responsible agency", "the responsible agency", "select",
                      options="agencies"),
                Input("owner", "Owner", "the owner", width="half",
                      hint="Their user id, for example licensing.officer.reid"),
                Input("due_on", "Due", "the due date", "date"),
                Input("depends_on_funding", "This response depends on funding",
                      "whether it depends on funding", "checkbox", required=False)),
               _response, "Response planned.", "response", _response_defaults),
    RecordStep("complete-response", "responses/{number}/complete", "Complete {label}",
               (Input("completed_on", "Completed on", "the day it was completed", "date"),
                Input("notes", "Notes", "the notes", "textarea", required=False, rows=3)),
               _complete_response, "Response completed.", "response",
               lambda page: {"completed_on": today_text()}, resolve=_response_param),
    RecordStep("drop-response", "responses/{number}/drop", "Drop {label}",
               (Input("reason", "Why it is dropped", "why it is dropped", "textarea",
                      rows=3),),
               _drop_response, "Response dropped.", "response", resolve=_response_param),
    RecordStep("advance", "advance", "Move the plan on to {next_stage}", (), _advance,
               "The plan moved on to its next stage.", "progress", resolve=_advance_params,
               template="plans/advance.html"),
    RecordStep("send-back", "send-back", "Send the plan back",
               (Input("to_stage", "Back to", "the stage to go back to", "radios",
                      options="send_back_stages"),
                Input("reason", "What new information sends it back", "the reason",
                      "textarea", rows=4,
                      hint="Shown in the plan's history. Sign-off, the JAG's agreement and "
                      "any assessment are withdrawn.")),
               _send_back, "Plan sent back.", "progress"),
    RecordStep("sign-off", "sign-off", "Sign off the plan",
               (Input("signed_on", "Signed off on", "the day it was signed off", "date"),
                Input("notes", "Notes", "the notes", "textarea", required=False, rows=3)),
               _sign_off, "Plan signed off.", "governance",
               lambda page: {"signed_on": today_text()}, template="plans/sign_off.html"),
    RecordStep("jag-agreement", "jag-agreement", "Record the JAG's agreement",
               (Input("meeting_on", "JAG meeting date", "the day of the JAG meeting", "date"),
                Input("notes", "Notes", "the notes", "textarea", required=False, rows=3)),
               _agree_at_jag, "JAG agreement recorded.", "governance",
               lambda page: {"meeting_on": today_text()}, roles=access.COORDINATORS,
               doing="recording the JAG's agreement"),
    RecordStep("after-measure", "after-measures/new", "Measure again after the response",
               _measure_inputs(after=True), _after_measure, "Measure recorded.",
               "assessment"),
    RecordStep("assessment", "assessment", "Record the assessment",
               (Input("delivery", "Was the plan carried out?", "whether it was carried out",
                      "radios", options="delivery"),
                Input("result", "Result", "the result", "radios", options="result"),
                Input("handed_to", "Handed to", "the agency it was handed to", required=False,
                      width="two-thirds", hint="Only when the problem was handed to another "
                      "agency"),
                Input("notes", "What the assessment found", "what the assessment found",
                      "textarea", rows=5)),
               _assessment, "Assessment recorded.", "assessment", _assessment_defaults),
    RecordStep("close", "close", "Close the plan",
               (Input("notes", "Closing notes", "the closing notes", "textarea",
                      required=False, rows=4),),
               _close, "Plan closed.", "progress"),
    RecordStep("reopen", "reopen", "Reopen the plan",
               (Input("reason", "Why it is reopened", "why it is reopened", "textarea",
                      rows=4),),
               _reopen, "Plan reopened: it is back at the assessment stage.", "progress"),
    RecordStep("involvement", "community-involvement/new",
               "Record how the community took part",
               (Input("stage", "At which stage", "the stage", "select",
                      options="reached_stages"),
                Input("description", "What the community did", "what the community did",
                      "textarea", rows=4, hint="For example: a street survey of traders; "
                      "a residents' walkabout that chose the responses")),
               _involvement, "Community involvement recorded.", "community",
               _involvement_defaults),
)


def _plan_options(page: RecordPage) -> dict[str, Any]:
    plan = _plan(page)
    return {
        "agencies": page.agencies,
        "baseline_names": [(m.name, m.name) for m in plan.baseline_measures],
        "delivery": choices(Delivery), "result": choices(AssessmentResult),
        "send_back_stages": [(s.value, s.label) for s in STAGE_ORDER
                             if s in SEND_BACK_TARGETS and s.rank < plan.stage.rank],
        "reached_stages": [(s.value, s.label) for s in WORKING_STAGES
                           if s.rank <= min(plan.stage.rank, WORKING_STAGES[-1].rank)],
        "missing": _missing_by_stage(plan),
        **plan_more_options(page),
    }


# -- the plan page -----------------------------------------------------------------------

STEP_FOR_MISSING = {
    "objective.aim": "objective", "scanning.baseline": "baseline-measures/new",
    "analysis.triggers": "triggers", "analysis.hypothesis": "hypothesis",
    "analysis.objectives": "specific-objectives/new", "response.planned": "responses/new",
    "response.open": "#response", "governance.sign-off": "sign-off",
    "governance.jag": "jag-agreement", "assessment.measure": "after-measures/new",
    "assessment.result": "assessment",
    **{f"scanning.{s.value}": f"scanning/{s.value}" for s in TriangleSide},
    **{f"analysis.{s.value}": f"analysis/{s.value}" for s in TriangleSide},
}


def _missing_by_stage(plan: ProblemSolvingPlan) -> dict[PlanStage, list[MissingItem]]:
    grouped: dict[PlanStage, list[MissingItem]] = {}
    for item in plan.missing_sections():
        grouped.setdefault(item.stage, []).append(item)
    return grouped


@dataclass(frozen=True)
class StageRow:
    stage: PlanStage
    state: str
    """complete, current, ready (current with nothing missing), to-do (behind, with gaps),
    later."""
    missing: tuple[tuple[str, str | None], ...]
    """(what is missing, the link to the form that records it, if the user can use it)."""

    @property
    def status_text(self) -> str:
        count = len(self.missing)
        return {
            "complete": "Complete",
            "ready": "Complete: ready to move on",
            "current": f"In progress: {count} thing{'s' if count != 1 else ''} to do",
            "to-do": f"{count} thing{'s' if count != 1 else ''} missing",
            "later": "Not started",
        }[self.state]


def stage_rows(plan: ProblemSolvingPlan, *, can_write: bool, is_coordinator: bool
               ) -> list[StageRow]:
    grouped = _missing_by_stage(plan)
    rows = []
    for stage in WORKING_STAGES:
        items = []
        for item in grouped.get(stage, []):
            target = STEP_FOR_MISSING.get(item.code)
            usable = (can_write and target is not None and stage is plan.stage
                      and (item.code != "governance.jag" or is_coordinator))
            link = None
            if usable and target is not None:
                link = target if target.startswith("#") else f"/plans/{plan.id}/{target}"
            items.append((item.description[:1].upper() + item.description[1:], link))
        if plan.is_closed or stage.rank < plan.stage.rank:
            state = "to-do" if items else "complete"
        elif stage is plan.stage:
            state = "current" if items else "ready"
        else:
            state = "later"
        rows.append(StageRow(stage, state, tuple(items)))
    return rows


def plan_body_context(request: Request, plan: ProblemSolvingPlan, *, can_write: bool,
                      today: date | None = None) -> dict[str, Any]:
    """What ``plans/_body.html`` needs (the plan page, and the plan as at a version, with
    ``today`` the day of that version, for what was overdue then)."""
    container = container_of(request)
    service = plans_service(request)
    actor: Actor = request.state.actor
    is_coordinator = can_write and actor.has_role(*access.COORDINATORS)
    doc: PlanDocument = plan_document(
        plan, service.current_priorities(plan.partnership_id),
        partnership_name=service.partnership_name(plan.partnership_id),
        agency_names=container.rules.agencies, generated_at=clock.now(), today=today)
    rows = stage_rows(plan, can_write=can_write, is_coordinator=is_coordinator)
    cases = container.services["cases"]
    linked = []
    for case_id in plan.linked_case_ids:
        try:
            linked.append((case_id, cases.get(case_id).reference))
        except (NotFound, Forbidden):
            linked.append((case_id, None))
    return {
        "plan": plan, "doc": doc, "p": doc.plan,
        "stages": rows,
        "stage_map": {row.stage.value: row for row in rows},
        "can_write": can_write, "is_coordinator": is_coordinator,
        "sides": [(side.value, SIDE_TITLES[side]) for side in TriangleSide],
        "overdue": set(doc.plan.overdue_response_numbers), "linked_cases": linked,
        "open_status": (ResponseStatus.PLANNED, ResponseStatus.ACTIONED),
        "base": f"/plans/{plan.id}",
        "send_back_possible": any(s.rank < plan.stage.rank for s in SEND_BACK_TARGETS),
        "links": step_links(plan, can_write=can_write, is_coordinator=is_coordinator),
        "actionable": ResponseStatus.PLANNED,
    }


@router.get("/plans/new", name="plan_new_form")
def new_plan_form(request: Request, context: PageContext) -> Response:
    access.require_role(*access.CASEWORK_WRITERS, doing="opening a problem-solving plan")
    actor = context.actor
    choices_ = _open_choices(request, actor)
    values: dict[str, Any] = {"lead_officer": actor.user_id}
    if len(choices_["partnerships"]) == 1:
        values["partnership_id"] = choices_["partnerships"][0].id
    if actor.agency in dict(choices_["agencies"]):
        values["lead_agency"] = actor.agency
    return _render_open(request, actor, _open_form(values))


_OPEN_INPUTS = {
    "partnership_id": "the partnership", "title": "a title for the plan", "ward": "the ward",
    "priority": "the partnership priority", "lead_agency": "the lead agency",
    "lead_officer": "the lead officer",
}
_OPEN_CHOICES = ("partnership_id", "ward", "priority", "lead_agency")


def _open_form(values: Mapping[str, Any] | None = None) -> FormState:
    return FormState(values, fields=tuple(_OPEN_INPUTS), labels=_OPEN_INPUTS,
                     choice_fields=_OPEN_CHOICES)


def _open_choices(request: Request, actor: Actor) -> dict[str, Any]:
    rules = container_of(request).rules
    partnerships = [p for p in rules.partnerships.partnerships
                    if actor.can_see_partnership(p.id)]
    agency_ids = list(dict.fromkeys(a for p in partnerships for a in p.agencies))
    single = len(partnerships) == 1
    return {
        "partnerships": partnerships,
        "partnership_options": [(p.id, p.name) for p in partnerships],
        "ward_groups": ([(n, [(w.name, w.name) for w in partnerships[0].wards
                              if w.neighbourhood == n])
                         for n in dict.fromkeys(w.neighbourhood for w in partnerships[0].wards)]
                        if single else
                        [(p.name, [(w.name, w.name) for w in p.wards]) for p in partnerships]),
        "priority_groups": [(p.name, [(x, x) for x in p.priorities]) for p in partnerships],
        "agencies": [(a, rules.agencies.get(a, a)) for a in agency_ids],
    }


def _render_open(request: Request, actor: Actor, form: FormState, status: int = 200
                 ) -> Response:
    return render(request, "plans/new.html", {"form": form, **_open_choices(request, actor)},
                  status_code=status)


@router.post("/plans/new", name="plan_new")
def open_plan(request: Request, context: PageContext, posted: PageForm) -> Response:
    access.require_role(*access.CASEWORK_WRITERS, doing="opening a problem-solving plan")
    form = FormState.posted(posted, fields=tuple(_OPEN_INPUTS), labels=_OPEN_INPUTS,
                            choice_fields=_OPEN_CHOICES)
    body = validated(schemas.OpenPlan, {name: form.text(name) for name in _OPEN_INPUTS}, form)
    status = 422
    if body is not None:
        try:
            outcome = plans_service(request).open_plan(
                **body.model_dump(), idempotency=form.idempotency(request.url.path))
        except InvalidValue as error:
            form.add_domain_error(error)
        except RuleViolation as error:
            form.add_domain_error(error)
            status = 409
        except IdempotencyKeyReused:
            form.add_error(None, "This form was already sent once with other details.")
            form.renew_key()
        else:
            return redirect_with_flash(PLANS.path(outcome.aggregate_id), "plan:opened")
    return _render_open(request, context.actor, form, status)


FLASH_MESSAGES["plan:opened"] = "Plan opened. Set its overall aim first."


@router.get("/plans", name="plan_list")
def plan_list(
    request: Request, context: PageContext,
    q: Annotated[str | None, Query(max_length=100)] = None,
    stage: Annotated[str | None, Query(max_length=20)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    access.require_role(*access.CASEWORK_READERS, doing="listing problem-solving plans")
    found = find_plan(request, context.actor, q) if q else None
    if found is not None:
        return RedirectResponse(PLANS.path(found), status_code=303)
    stage_filter = stage if stage in {s.value for s in PlanStage} else None
    container = container_of(request)
    filters = PlanFilters(q=q or None, stage=stage_filter, offset=offset, limit=LIST_PAGE,
                          sort="-started_on")
    projections = container.projections
    page = None
    if projections is not None:
        with projections.reading() as cursor:
            page = list_plans(cursor, Reader(container.rules), filters, today_in_london())
        if q and q.strip():  # as the list API: a search is logged, without its terms
            container.record_read(request, AccessAction.SEARCH, PLANS.kind, None)
    return render(request, "plans/list.html", {
        "page": page, "q": q or "", "stage": stage_filter or "",
        "behind": list_lag(request, "plan_list"),
        "stages": [(s.value, s.label) for s in PlanStage],
        "can_open": context.actor.has_role(*access.CASEWORK_WRITERS),
    })


def list_lag(request: Request, view_name: str) -> int:
    """How many events a list's read model has still to take in (0 when up to date)."""
    projections = container_of(request).projections
    if projections is None:
        return 0
    status = next((s for s in projections.statuses() if s.name == view_name), None)
    return 0 if status is None else status.events_behind


def find_plan(request: Request, actor: Actor, text: str) -> UUID | None:
    """The plan with this id or reference (``PSP-2026-0007``) the actor may see, if any."""
    cleaned = text.strip()
    candidates: list[UUID] = []
    try:
        candidates.append(UUID(cleaned))
    except ValueError:
        reference = cleaned.upper().replace(" ", "")
        if reference.startswith("PSP-"):
            candidates += [ProblemSolvingPlan.create_id(p, reference)
                           for p in container_of(request).rules.partnerships.ids
                           if actor.can_see_partnership(p)]
    for candidate in candidates:
        try:
            return plans_service(request).get(candidate).id
        except NotFound:
            continue
    return None


@router.get("/plans/{plan_id}", name="plan_page")
def plan_page(plan_id: UUID, request: Request, context: PageContext) -> Response:
    plan = plans_service(request).get(plan_id)
    PLANS.log_view(request, plan)
    can_write = context.actor.has_role(*access.CASEWORK_WRITERS)
    recent = kind_timeline(request, PLANS, plan,
                           after_version=max(0, plan.version - RECENT_CHANGES),
                           up_to_version=plan.version)
    advance_form = FormState()
    following = (STAGE_ORDER[plan.stage.rank + 1] if plan.stage in WORKING_STAGES[:-1]
                 else None)
    response = render(request, "plans/show.html", {
        **plan_body_context(request, plan, can_write=can_write),
        "timeline": recent, "more_history": plan.version > RECENT_CHANGES,
        "history_path": PLANS.history_path(plan.id),
        "flash": flash_message(request), "advance_form": advance_form,
        "next_stage": following,
    })
    return with_flash_cleared(request, response)


install_steps(router, PLANS, (*PLAN_STEPS, *PLAN_MORE_STEPS), _plan_options)


__all__ = [
    "PLANS",
    "PLAN_MORE_STEPS",
    "PLAN_STEPS",
    "Input",
    "RecordKind",
    "RecordPage",
    "RecordStep",
    "find_plan",
    "install_steps",
    "kind_timeline",
    "list_lag",
    "plan_body_context",
    "record_timeline",
    "router",
]
