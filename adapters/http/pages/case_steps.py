"""The :class:`Step` of the case pages, and the steps added after the first ones.

A :class:`Step` is one command form on a case at ``/cases/{id}/<path>``: what
:mod:`adapters.http.pages.cases` needs to show it (GET) and run it (POST) through the
same request model and :class:`CaseService` command as the API, with the version it was
read at, conflict handling, double-submit protection and a flash message.

The steps here: change the lead, change or remove a party, a supervisor review, an
intervention's result, a conviction, contact with a victim, telling a victim about the
case review, reassign an action, and the JAG's accept and conclude (coordinators).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from adapters.http.pages.forms import FormState, validated
from adapters.http.pages.rendering import choices, local_input
from adapters.http.presenters import today_in_london
from adapters.http.schemas import cases as schemas
from application import access
from application.errors import NotFound
from domain.cases import (
    ContactMethod,
    InterventionResult,
    JagOutcome,
    PartyRole,
    SupervisorDecision,
)
from domain.shared import clock

if TYPE_CHECKING:
    from adapters.http.pages.cases import CasePage

Submit = Callable[["CasePage", FormState, dict[str, Any]], Any]
Defaults = Callable[["CasePage"], dict[str, Any]]
Resolve = Callable[["CasePage"], None]


@dataclass(frozen=True)
class Step:
    name: str
    path: str
    title: str
    template: str
    fields: tuple[str, ...]
    labels: Mapping[str, str]
    submit: Submit
    done: str
    anchor: str
    defaults: Defaults | None = None
    choice_fields: tuple[str, ...] = ()
    roles: tuple[str, ...] = access.CASEWORK_WRITERS
    """Who may use the form (as the API's command checks): a 403 page for anyone else."""
    resolve: Resolve | None = None
    """Reads the step's own path parameters into ``page.params`` (NotFound when there is
    no such item on the case); ``{action_id}`` is read for every step."""

    def form(self, values: Mapping[str, Any] | None = None) -> FormState:
        return FormState(values, fields=self.fields, labels=self.labels,
                         choice_fields=self.choice_fields)


# -- path parameters -------------------------------------------------------------------

def _party_param(page: CasePage) -> None:
    """``{person_id}/{role}``: one person in one role on the case."""
    person_text = str(page.request.path_params.get("person_id", ""))
    role_text = str(page.request.path_params.get("role", ""))
    try:
        person_id, role = UUID(person_text), PartyRole(role_text)
    except ValueError:
        raise NotFound("party", f"{person_text}/{role_text}") from None
    party = page.case.find_party(person_id, role)
    if party is None:
        raise NotFound("party", f"{person_id}/{role.value}")
    page.params.update(person_id=person_id, role=role, party=party)


def _intervention_param(page: CasePage) -> None:
    text = str(page.request.path_params.get("intervention_id", ""))
    try:
        intervention_id = UUID(text)
    except ValueError:
        raise NotFound("intervention", text) from None
    intervention = page.case.find_intervention(intervention_id)
    if intervention is None:
        raise NotFound("intervention", intervention_id)
    page.params.update(intervention_id=intervention_id, intervention=intervention)


def _jag_referral(page: CasePage) -> None:
    """The open referral, when there is one (the domain says so when there is none)."""
    page.params["referral"] = page.case.open_jag_referral


# -- the lead --------------------------------------------------------------------------

def _change_lead(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ChangeLead, {
        "lead_agency": form.text("lead_agency"), "lead_officer": form.text("lead_officer"),
    }, form)
    if body is None:
        return None
    return page.cases.change_lead(page.case.id, **body.model_dump(), **options)


def _lead_defaults(page: CasePage) -> dict[str, Any]:
    return {"lead_agency": page.case.lead.agency, "lead_officer": page.case.lead.officer}


# -- parties ---------------------------------------------------------------------------

def _update_party(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.UpdateParty, {
        "consent_to_share": form.yes_no("consent_to_share"),
        "anonymity_requested": form.yes_no("anonymity_requested"),
    }, form)
    if body is None:
        return None
    return page.cases.update_party(page.case.id, person_id=page.params["person_id"],
                                   role=page.params["role"], **body.model_dump(), **options)


def _party_defaults(page: CasePage) -> dict[str, Any]:
    party = page.params["party"]
    return {"consent_to_share": party.consent_to_share,
            "anonymity_requested": party.anonymity_requested}


def _remove_party(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RemoveParty, {"reason": form.text("reason")}, form)
    if body is None:
        return None
    return page.cases.remove_party(page.case.id, person_id=page.params["person_id"],
                                   role=page.params["role"], **body.model_dump(), **options)


# -- reviews, results, convictions -----------------------------------------------------

def _supervisor_review(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.SupervisorReviewIn, {
        "reviewed_by": form.text("reviewed_by"), "decision": form.text("decision"),
        "note": form.text("note"),
    }, form)
    if body is None:
        return None
    return page.cases.record_supervisor_review(page.case.id, **body.model_dump(), **options)


def _supervisor_defaults(page: CasePage) -> dict[str, Any]:
    return {"reviewed_by": page.actor.user_id}


def _intervention_result(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.InterventionResultIn, {
        "result": form.text("result"), "result_on": form.day("result_on"),
        "note": form.text("note"),
    }, form)
    if body is None:
        return None
    return page.cases.record_intervention_result(
        page.case.id, intervention_id=page.params["intervention_id"], **body.model_dump(),
        **options)


def _today(page: CasePage) -> dict[str, Any]:
    return {"result_on": today_in_london().isoformat()}


def _conviction(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RecordConviction, {
        "person_id": form.text("person_id"), "convicted_on": form.day("convicted_on"),
        "offence": form.text("offence"), "court": form.text("court"),
    }, form)
    if body is None:
        return None
    return page.cases.record_conviction(page.case.id, **body.model_dump(), **options)


def _only_person(page: CasePage, *roles: PartyRole) -> dict[str, Any]:
    people = page.person_options(*roles)
    return {"person_id": people[0][0]} if len(people) == 1 else {}


def _conviction_defaults(page: CasePage) -> dict[str, Any]:
    return _only_person(page, PartyRole.ALLEGED_PERPETRATOR)


# -- victims ---------------------------------------------------------------------------

def _victim_contact(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.VictimContactIn, {
        "person_id": form.text("person_id"), "contacted_at": form.moment("contacted_at"),
        "method": form.text("method"), "contacted_by": form.text("contacted_by"),
        "note": form.text("note"),
    }, form)
    if body is None:
        return None
    return page.cases.record_victim_contact(page.case.id, **body.model_dump(), **options)


def _contact_defaults(page: CasePage) -> dict[str, Any]:
    return {**_only_person(page, PartyRole.VICTIM, PartyRole.COMPLAINANT),
            "contacted_at": local_input(clock.now()), "contacted_by": page.actor.user_id}


def _review_right(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.CaseReviewRightIn, {
        "person_id": form.text("person_id"), "explained_at": form.moment("explained_at"),
        "method": form.text("method"),
    }, form)
    if body is None:
        return None
    return page.cases.record_case_review_right_explained(page.case.id, **body.model_dump(),
                                                         **options)


def due_review_prompt(page: CasePage) -> list[UUID]:
    """Victims and complainants the rules say should be told about the case review now."""
    rules = page.request.app.state.container.rules.cases
    due: list[UUID] = page.case.people_due_case_review_prompt(rules.case_review_prompt,
                                                              rules.incident_matching)
    return due


def _review_right_defaults(page: CasePage) -> dict[str, Any]:
    due = due_review_prompt(page)
    person = ({"person_id": str(due[0])} if len(due) == 1
              else _only_person(page, PartyRole.VICTIM, PartyRole.COMPLAINANT))
    return {**person, "explained_at": local_input(clock.now())}


# -- actions ---------------------------------------------------------------------------

def _reassign_action(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ReassignAction, {
        "agency": form.text("agency"), "owner": form.text("owner"),
        "due_on": form.day("due_on"),
    }, form)
    if body is None:
        return None
    return page.cases.reassign_action(page.case.id, action_id=page.params["action_id"],
                                      **body.model_dump(), **options)


def _reassign_defaults(page: CasePage) -> dict[str, Any]:
    action = page.params["action"]
    return {"agency": action.agency, "owner": action.owner,
            "due_on": action.due_on.isoformat()}


# -- the JAG (coordinators) ------------------------------------------------------------

def _accept_jag(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.AcceptJagReferral, {"accepted_on": form.day("accepted_on")},
                     form)
    if body is None:
        return None
    return page.cases.accept_jag_referral(page.case.id, **body.model_dump(), **options)


def _accept_defaults(page: CasePage) -> dict[str, Any]:
    return {"accepted_on": today_in_london().isoformat()}


def _conclude_jag(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ConcludeJagReferral, {
        "outcome": form.text("outcome"), "note": form.text("note"),
    }, form)
    if body is None:
        return None
    return page.cases.conclude_jag_referral(page.case.id, **body.model_dump(), **options)


def jag_outcomes(referral: Any) -> list[tuple[str, str]]:
    """The outcomes the domain allows now: declined before the JAG accepted the referral,
    discharged after; withdrawn at any time."""
    accepted = referral is not None and referral.accepted_on is not None
    allowed = [JagOutcome.DISCHARGED if accepted else JagOutcome.DECLINED,
               JagOutcome.WITHDRAWN]
    return [(value, text) for value, text in choices(JagOutcome)
            if JagOutcome(value) in allowed]


# -- the steps -------------------------------------------------------------------------

_WHO_LABELS = {"person_id": "the victim or complainant", "method": "how they were told"}

STEPS: tuple[Step, ...] = (
    Step("change-lead", "lead", "Change the lead", "cases/lead.html",
         ("lead_agency", "lead_officer"),
         {"lead_agency": "the lead agency", "lead_officer": "the lead officer"},
         _change_lead, "Lead changed.", "summary", _lead_defaults, ("lead_agency",)),
    Step("update-party", "parties/{person_id}/{role}/change",
         "Change a person's consent or anonymity", "cases/party_change.html",
         ("consent_to_share", "anonymity_requested"),
         {"consent_to_share": "whether they agree to their details being shared",
          "anonymity_requested": "whether they have asked not to be named"},
         _update_party, "Consent and anonymity updated.", "parties", _party_defaults,
         ("consent_to_share", "anonymity_requested"), resolve=_party_param),
    Step("remove-party", "parties/{person_id}/{role}/remove",
         "Remove a person from the case", "cases/party_change.html",
         ("reason",), {"reason": "why they are removed from the case"},
         _remove_party, "Person removed from the case.", "parties", resolve=_party_param),
    Step("supervisor-review", "supervisor-reviews/new", "Record a supervisor review",
         "cases/supervisor_review.html", ("decision", "reviewed_by", "note"),
         {"reviewed_by": "who reviewed the case", "decision": "the decision",
          "note": "the note"},
         _supervisor_review, "Supervisor review recorded.", "reviews", _supervisor_defaults,
         ("decision",)),
    Step("intervention-result", "interventions/{intervention_id}/result",
         "Record an intervention's result", "cases/intervention_result.html",
         ("result", "result_on", "note"),
         {"result": "the result", "result_on": "the date of the result", "note": "the note"},
         _intervention_result, "Intervention result recorded.", "interventions", _today,
         ("result",), resolve=_intervention_param),
    Step("conviction", "convictions/new", "Record a conviction", "cases/conviction.html",
         ("person_id", "convicted_on", "offence", "court"),
         {"person_id": "who was convicted", "convicted_on": "the date of the conviction",
          "offence": "the offence", "court": "the court"},
         _conviction, "Conviction recorded.", "convictions", _conviction_defaults,
         ("person_id",)),
    Step("victim-contact", "victim-contacts/new", "Record contact with a victim",
         "cases/victim_contact.html",
         ("person_id", "contacted_at", "method", "contacted_by", "note"),
         {"person_id": "the victim or complainant", "contacted_at": "when they were contacted",
          "method": "how they were contacted", "contacted_by": "who contacted them",
          "note": "what was said"},
         _victim_contact, "Contact with the victim recorded.", "victims", _contact_defaults,
         ("person_id", "method")),
    Step("case-review-right", "case-review-right-explained/new",
         "Record telling a victim about the case review", "cases/victim_contact.html",
         ("person_id", "explained_at", "method"),
         {**_WHO_LABELS, "explained_at": "when they were told"},
         _review_right, "Recorded that the victim was told about the case review.",
         "victims", _review_right_defaults, ("person_id", "method")),
    Step("reassign-action", "actions/{action_id}/reassign", "Reassign an action",
         "cases/action_reassign.html", ("agency", "owner", "due_on"),
         {"agency": "the agency", "owner": "the owner", "due_on": "the due date"},
         _reassign_action, "Action reassigned.", "actions", _reassign_defaults, ("agency",)),
    Step("accept-jag", "jag-referral/accept", "Record the JAG accepting the referral",
         "cases/jag_decision.html", ("accepted_on",),
         {"accepted_on": "the date the JAG accepted it"},
         _accept_jag, "JAG referral accepted.", "jag", _accept_defaults,
         roles=access.COORDINATORS, resolve=_jag_referral),
    Step("conclude-jag", "jag-referral/conclude", "Conclude the JAG referral",
         "cases/jag_decision.html", ("outcome", "note"),
         {"outcome": "the outcome", "note": "the note"},
         _conclude_jag, "JAG referral concluded.", "jag", None, ("outcome",),
         roles=access.COORDINATORS, resolve=_jag_referral),
)

OPTIONS: dict[str, Any] = {
    "result": choices(InterventionResult), "decision": choices(SupervisorDecision),
    "method": choices(ContactMethod),
}

__all__ = ["OPTIONS", "STEPS", "Defaults", "Resolve", "Step", "Submit", "due_review_prompt",
           "jag_outcomes"]
