"""The plan's steps beyond O'SARA itself: its context (lead, priority, linked cases), the
progress of responses already planned, removing a specific objective, the budget, risks,
timescale and milestones, and periodic reviews.

Each is a :class:`RecordStep` like the O'SARA steps in ``plans.py`` (which installs them
with its own): the API's request model (``schemas/plans.py``) validates the form, the same
:class:`PlanService` command runs with the version the form was read at, and the roles are
the API's (every plan writer; funding awards only coordinators). Steps on one item of a
list (a response, a risk, a milestone, a linked case) resolve it from the path and give a
404 page when there is no such item, as the response steps do; a form about an item that
someone else took away after the form was read gets the conflict page (``item_gone.py``).
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from adapters.http.pages.forms import FormState, validated
from adapters.http.pages.record_steps import (
    Input,
    RecordPage,
    RecordStep,
    container_of,
    number_param,
    read_number,
    today_text,
)
from adapters.http.pages.rendering import choices, day, label
from adapters.http.schemas import plans as schemas
from application import access
from application.errors import Forbidden, NotFound
from application.plans_service import PlanService
from domain.cases import AsbCase
from domain.plans import PlanStage, ProblemSolvingPlan, RiskLevel
from domain.shared.errors import InvalidValue

CASE_REFERENCE = re.compile(r"^ASB-\d{4}-\d{5}$")


def _plan(page: RecordPage) -> ProblemSolvingPlan:
    plan: ProblemSolvingPlan = page.record
    return plan


def _service(page: RecordPage) -> PlanService:
    service: PlanService = container_of(page.request).services["plans"]
    return service


def _money(amount: Any) -> str:
    return f"£{amount:,.2f}"


# -- resolving the item a step is about ------------------------------------------------------

def _linked_case(page: RecordPage) -> None:
    text = str(page.request.path_params.get("case_id", ""))
    try:
        case_id = UUID(text)
    except ValueError:
        raise NotFound("linked case", text) from None
    if case_id not in _plan(page).linked_case_ids:
        raise NotFound("linked case", text)
    try:
        reference: str | None = container_of(page.request).services["cases"].get(
            case_id).reference
    except (NotFound, Forbidden):
        reference = None
    page.params.update(case_id=case_id, case_label=reference or "the case",
                       confirm=[("Case", reference or f"{case_id} (not visible to you)")],
                       confirm_text="The case stays as it is; only the link from this plan "
                                    "is removed.")


def _open_response(page: RecordPage) -> None:
    number = number_param(page)
    response = _plan(page).response(number)
    if response is None:
        raise NotFound("response", f"R{number}")
    agency = dict(page.agencies).get(response.agency, response.agency)
    page.params.update(number=number, label=f"R{number}", response=response, confirm=[
        ("Response", response.description), ("Who", f"{response.owner}, {agency}"),
        ("Due", day(response.due_on)), ("Status", label(response.status))])


def _objective_param(page: RecordPage) -> None:
    number = number_param(page)
    objective = next((o for o in _plan(page).specific_objectives if o.number == number), None)
    if objective is None:
        raise NotFound("specific objective", str(number))
    page.params.update(number=number, confirm=[
        ("Objective", objective.description), ("Measured by", objective.measure),
        ("Target", f"{objective.target.normalize():f}")],
        confirm_text="It is removed from the plan; the plan's history keeps it.")


def _risk_param(page: RecordPage) -> None:
    number = number_param(page)
    risk = next((r for r in _plan(page).risks if r.number == number), None)
    if risk is None:
        raise NotFound("risk", str(number))
    page.params.update(number=number, confirm=[
        ("Risk", risk.description), ("Mitigation", risk.mitigation),
        ("Level", risk.level.value.capitalize())],
        confirm_text="It is removed from the plan; the plan's history keeps it.")


def _milestone_param(page: RecordPage) -> None:
    number = number_param(page)
    milestone = next((m for m in _plan(page).milestones if m.number == number), None)
    if milestone is None:
        raise NotFound("milestone", str(number))
    page.params.update(number=number, milestone=milestone, confirm=[
        ("Milestone", milestone.title), ("Due", day(milestone.due_on))])


# -- context of the plan ---------------------------------------------------------------------

def _reassign_lead(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ReassignLead, {"lead_agency": form.text("lead_agency"),
                                            "lead_officer": form.text("lead_officer")}, form)
    return None if body is None else _service(page).reassign_lead(
        page.record.id, **body.model_dump(), **options)


def _change_priority(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ChangePriority, {"priority": form.text("priority")}, form)
    return None if body is None else _service(page).change_priority(
        page.record.id, **body.model_dump(), **options)


def _case_id(page: RecordPage, form: FormState) -> str | None:
    """A case reference (``ASB-2026-00042``, in the plan's partnership) or id, as an id."""
    text = form.text("case_id")
    if text is None:
        return None
    reference = text.upper().replace(" ", "")
    if CASE_REFERENCE.match(reference):
        return str(AsbCase.create_id(_plan(page).partnership_id, reference))
    try:
        return str(UUID(text))
    except ValueError:
        form.add_error("case_id", "Enter a case reference, like ASB-2026-00042, or a case id")
        return None


def _link_case(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.LinkCase, {"case_id": _case_id(page, form)}, form)
    if body is None:
        return None
    try:
        return _service(page).link_case(page.record.id, **body.model_dump(), **options)
    except InvalidValue as error:
        if error.rule != "unknown_case":
            raise
        raise InvalidValue(f"No ASB case {form.text('case_id')} is recorded in this plan's "
                           "partnership", rule=error.rule, field="case_id") from error


def _unlink_case(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    return _service(page).unlink_case(page.record.id, case_id=page.params["case_id"],
                                      **options)


def _remove_objective(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    return _service(page).remove_specific_objective(
        page.record.id, number=page.params["number"], **options)


# -- responses already planned ---------------------------------------------------------------

def _action_response(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ActionResponse, {"actioned_on": form.day("actioned_on")}, form)
    return None if body is None else _service(page).action_response(
        page.record.id, number=page.params["number"], **body.model_dump(), **options)


def _reschedule_response(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RescheduleResponse, {"due_on": form.day("due_on")}, form)
    return None if body is None else _service(page).reschedule_response(
        page.record.id, number=page.params["number"], **body.model_dump(), **options)


# -- budget ----------------------------------------------------------------------------------

def _request_funding(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RequestFunding, {"amount": read_number(form, "amount")}, form)
    return None if body is None else _service(page).request_funding(
        page.record.id, **body.model_dump(), **options)


ANOTHER_PARTNER = "another-partner"
"""The choice of a matched-funding partner that is not one of the partnership's agencies
(a housing association, a business improvement district...), named in ``other_partner``."""


def _matched_funding(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    partner = form.text("partner")
    if partner == ANOTHER_PARTNER:
        partner = form.text("other_partner")
        if not partner:
            form.add_error("other_partner", "Enter the other partner's name")
            return None
    elif form.text("other_partner"):
        form.add_error("other_partner",
                       'Choose "Another partner" in the list to name a partner here')
        return None
    body = validated(schemas.MatchedFundingIn, {"partner": partner,
                                                "amount": read_number(form, "amount")}, form)
    return None if body is None else _service(page).record_matched_funding(
        page.record.id, **body.model_dump(), **options)


def _withdraw_matched_funding(page: RecordPage, form: FormState, options: dict[str, Any]
                              ) -> Any:
    body = validated(schemas.WithdrawMatchedFunding, {"partner": form.text("partner")}, form)
    return None if body is None else _service(page).withdraw_matched_funding(
        page.record.id, **body.model_dump(), **options)


def _funding_award(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.FundingAwardIn, {
        "funder": form.text("funder"), "amount": read_number(form, "amount"),
        "awarded_on": form.day("awarded_on"), "spend_by": form.day("spend_by")}, form)
    return None if body is None else _service(page).record_funding_award(
        page.record.id, **body.model_dump(), **options)


def _spend(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.SpendIn, {
        "amount": read_number(form, "amount"), "spent_on": form.day("spent_on"),
        "description": form.text("description")}, form)
    return None if body is None else _service(page).record_spend(
        page.record.id, **body.model_dump(), **options)[0]


# -- risks, timescale, milestones --------------------------------------------------------------

def _add_risk(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.AddRisk, {
        "description": form.text("description"), "mitigation": form.text("mitigation"),
        "level": form.text("level")}, form)
    return None if body is None else _service(page).add_risk(
        page.record.id, **body.model_dump(), **options)[0]


def _remove_risk(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    return _service(page).remove_risk(page.record.id, number=page.params["number"],
                                      **options)


def _timescale(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.SetTimescale, {"starts_on": form.day("starts_on"),
                                            "ends_on": form.day("ends_on")}, form)
    return None if body is None else _service(page).set_timescale(
        page.record.id, **body.model_dump(), **options)


def _timescale_defaults(page: RecordPage) -> dict[str, Any]:
    plan = _plan(page)
    return {"starts_on": plan.starts_on, "ends_on": plan.ends_on}


def _add_milestone(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.AddMilestone, {"title": form.text("title"),
                                            "due_on": form.day("due_on")}, form)
    return None if body is None else _service(page).add_milestone(
        page.record.id, **body.model_dump(), **options)[0]


def _achieve_milestone(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.AchieveMilestone, {"achieved_on": form.day("achieved_on")}, form)
    return None if body is None else _service(page).achieve_milestone(
        page.record.id, number=page.params["number"], **body.model_dump(), **options)


# -- periodic reviews ------------------------------------------------------------------------

def _schedule_review(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ScheduleReview, {"due_on": form.day("due_on")}, form)
    return None if body is None else _service(page).schedule_review(
        page.record.id, **body.model_dump(), **options)


def _record_review(page: RecordPage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RecordReview, {
        "held_on": form.day("held_on"), "notes": form.text("notes"),
        "next_review_due": form.day("next_review_due")}, form)
    return None if body is None else _service(page).record_review(
        page.record.id, **body.model_dump(), **options)


# -- the steps ---------------------------------------------------------------------------------

def _today(name: str) -> Any:
    return lambda page: {name: today_text()}


AMOUNT_HINT = "In pounds, like 4500 or 4500.50"

PLAN_MORE_STEPS: tuple[RecordStep, ...] = (
    # context of the plan
    RecordStep("lead", "lead", "Change the lead",
               (Input("lead_agency", "Lead agency", "the lead agency", "select",
                      options="agencies"),
                Input("lead_officer", "Lead officer", "the lead officer", width="half",
                      hint="Their user id, for example sgt.khan")),
               _reassign_lead, "Lead changed.", "about",
               lambda page: {"lead_agency": _plan(page).lead_agency,
                             "lead_officer": _plan(page).lead_officer}),
    RecordStep("priority", "priority", "Change the partnership priority",
               (Input("priority", "Partnership priority", "the partnership priority",
                      "radios", options="priorities",
                      hint="The partnership's current priorities"),),
               _change_priority, "Partnership priority changed.", "about",
               lambda page: {"priority": _plan(page).priority}),
    RecordStep("link-case", "linked-cases/new", "Link an ASB case",
               (Input("case_id", "Case reference or id", "the case reference or id",
                      width="two-thirds", hint="For example ASB-2026-00042. Only a case in "
                      "this plan's partnership can be linked."),),
               _link_case, "Case linked.", "about"),
    RecordStep("unlink-case", "linked-cases/{case_id}/unlink", "Unlink {case_label}", (),
               _unlink_case, "Case unlinked.", "about", resolve=_linked_case,
               template="plans/item_step.html", button="Unlink the case"),
    # analysis
    RecordStep("remove-objective", "specific-objectives/{number}/remove",
               "Remove specific objective {number}", (), _remove_objective,
               "Specific objective removed.", "analysis", resolve=_objective_param,
               template="plans/item_step.html", button="Remove the objective"),
    # responses already planned
    RecordStep("action-response", "responses/{number}/action",
               "Record that work on {label} started",
               (Input("actioned_on", "Started on", "the day work started", "date"),),
               _action_response, "Response actioned.", "response", _today("actioned_on"),
               resolve=_open_response, template="plans/item_step.html"),
    RecordStep("reschedule-response", "responses/{number}/reschedule",
               "Change when {label} is due",
               (Input("due_on", "Due", "the new due date", "date"),),
               _reschedule_response, "Response rescheduled.", "response",
               lambda page: {"due_on": page.params["response"].due_on},
               resolve=_open_response, template="plans/item_step.html"),
    # budget
    RecordStep("funding-request", "funding-request", "Set the amount requested",
               (Input("amount", "Amount requested from funders", "the amount requested",
                      "number", hint=AMOUNT_HINT + ". It replaces an earlier amount."),),
               _request_funding, "Amount requested set.", "budget",
               lambda page: {"amount": _plan(page).amount_requested}),
    RecordStep("matched-funding", "matched-funding/new", "Record matched funding",
               (Input("partner", "Partner", "the partner", "select",
                      options="funding_partners",
                      hint="A partner's new figure replaces their earlier one"),
                Input("other_partner", "Another partner's name", "the other partner's name",
                      hint="Only for a partner not in the list above", required=False),
                Input("amount", "Amount", "the amount", "number", hint=AMOUNT_HINT)),
               _matched_funding, "Matched funding recorded.", "budget"),
    RecordStep("withdraw-matched-funding", "matched-funding/withdraw",
               "Withdraw matched funding",
               (Input("partner", "Partner", "the partner", "radios",
                      options="matched_partners"),),
               _withdraw_matched_funding, "Matched funding withdrawn.", "budget",
               lambda page: {"partner": page.request.query_params.get("partner")},
               button="Withdraw the matched funding"),
    RecordStep("funding-award", "funding-awards/new", "Record a funding award",
               (Input("funder", "Funder", "the funder", width="two-thirds",
                      hint="For example: Police and Crime Commissioner's Community Fund"),
                Input("amount", "Amount awarded", "the amount awarded", "number",
                      hint=AMOUNT_HINT),
                Input("awarded_on", "Awarded on", "the day it was awarded", "date"),
                Input("spend_by", "To be spent by", "the day it must be spent by", "date")),
               _funding_award, "Funding award recorded: the plan is now overseen by the RAG.",
               "budget", _today("awarded_on"), roles=access.COORDINATORS,
               doing="recording a funding award"),
    RecordStep("spend", "spend/new", "Record money spent",
               (Input("amount", "Amount", "the amount spent", "number", hint=AMOUNT_HINT),
                Input("spent_on", "Spent on", "the day it was spent", "date"),
                Input("description", "What it was spent on", "what it was spent on",
                      "textarea", rows=3)),
               _spend, "Spend recorded.", "budget", _today("spent_on")),
    # risks, timescale, milestones
    RecordStep("risk", "risks/new", "Add a risk",
               (Input("description", "Risk", "the risk", "textarea", rows=3,
                      hint="What could go wrong, for example: drinking moves to the "
                      "churchyard"),
                Input("mitigation", "Mitigation", "the mitigation", "textarea", rows=3,
                      hint="What will be done to prevent it or reduce its effect"),
                Input("level", "Level", "the level", "radios", options="risk_levels")),
               _add_risk, "Risk added.", "risks"),
    RecordStep("remove-risk", "risks/{number}/remove", "Remove risk {number}", (),
               _remove_risk, "Risk removed.", "risks", resolve=_risk_param,
               template="plans/item_step.html", button="Remove the risk"),
    RecordStep("timescale", "timescale", "Set the timescale",
               (Input("starts_on", "Starts on", "the day the plan starts", "date"),
                Input("ends_on", "Ends on", "the day the plan ends", "date")),
               _timescale, "Timescale set.", "timescale", _timescale_defaults),
    RecordStep("milestone", "milestones/new", "Add a milestone",
               (Input("title", "Milestone", "the milestone", width="two-thirds",
                      hint="For example: Licence review hearing"),
                Input("due_on", "Due", "the due date", "date")),
               _add_milestone, "Milestone added.", "timescale"),
    RecordStep("achieve-milestone", "milestones/{number}/achieve",
               "Record milestone {number} as achieved",
               (Input("achieved_on", "Achieved on", "the day it was achieved", "date"),),
               _achieve_milestone, "Milestone achieved.", "timescale",
               _today("achieved_on"), resolve=_milestone_param,
               template="plans/item_step.html"),
    # periodic reviews
    RecordStep("next-review", "next-review", "Schedule the next review",
               (Input("due_on", "Next review due", "the day the next review is due",
                      "date"),),
               _schedule_review, "Next review scheduled.", "governance",
               lambda page: {"due_on": _plan(page).next_review_due}),
    RecordStep("review", "reviews/new", "Record a review",
               (Input("held_on", "Held on", "the day of the review", "date"),
                Input("notes", "What the review found", "what the review found",
                      "textarea", rows=4),
                Input("next_review_due", "Next review due", "the day the next review is due",
                      "date", required=False)),
               _record_review, "Review recorded.", "governance", _today("held_on"),
               template="plans/review.html"),
)


def plan_more_options(page: RecordPage) -> dict[str, Any]:
    """The choices these steps offer (merged into the plan steps' options)."""
    plan = _plan(page)
    partnership = page.partnership
    agencies = dict(page.agencies)
    return {
        "priorities": [(p, p) for p in (partnership.priorities if partnership else ())],
        "risk_levels": choices(RiskLevel),
        "funding_partners": [*page.agencies, (ANOTHER_PARTNER, "Another partner (name below)")],
        "matched_partners": [(partner, f"{agencies.get(partner, partner)}: {_money(amount)}")
                             for partner, amount in plan.matched_funding.items()],
        "review_interval_days": _service(page).plan_rules.review_interval_days,
    }


def step_links(plan: ProblemSolvingPlan, *, can_write: bool, is_coordinator: bool
               ) -> dict[str, bool]:
    """Which of these steps the plan page links to (the user may, and the domain allows it
    now). The domain still decides when the form is sent."""
    open_ = can_write and not plan.is_closed
    return {
        "context": open_,
        "remove_objective": open_ and plan.stage is PlanStage.ANALYSIS,
        "budget": open_,
        "withdraw_matched": open_ and bool(plan.matched_funding),
        "funding_award": open_ and is_coordinator,
        "risks": open_,
        "timescale": open_,
        "reviews": open_,
    }


__all__ = ["PLAN_MORE_STEPS", "plan_more_options", "step_links"]
