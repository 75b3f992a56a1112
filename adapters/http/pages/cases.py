"""The ASB case pages: open a case, the case page with its timeline, and a form per step.

Each step (add a party, log an incident...) is a :class:`Step`: a page at
``/cases/{id}/<path>`` showing its form (GET) and running it (POST) through the same
:class:`CaseService` command and request model as the API. Every form carries the
version it was read at; a POST sends it as the expected version, so a change by someone
else in between is caught (:class:`StaleVersion`) and the form comes back with what was
typed and the changes made since. :mod:`.case_steps` holds the :class:`Step` type and the
steps added later (lead, party changes, reviews, results, convictions, victims, the JAG).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from adapters.bootstrap import Container
from adapters.http.pages import case_steps
from adapters.http.pages.case_steps import Step
from adapters.http.pages.case_view import (
    Describer,
    PersonName,
    TimelineEntry,
    history_entries,
    people_names,
    people_on,
    timeline,
    timeline_entry,
)
from adapters.http.pages.forms import (
    FormState,
    expected_version,
    validated,
)
from adapters.http.pages.item_gone import page_as_read, render_item_gone, replays_earlier_send
from adapters.http.pages.people_search import PeopleSearch, find_people
from adapters.http.pages.rendering import choices, local_input, london, render, when
from adapters.http.pages.session import PageContext, PageForm, PageRoute
from adapters.http.presenters import case_out, today_in_london
from adapters.http.schemas import cases as schemas
from adapters.http.schemas.people import RegisterPerson
from application import access
from application.access_log import AccessAction
from application.cases_service import CaseService, PeopleService
from application.context import Actor
from application.errors import IdempotencyKeyReused, NotFound, StaleVersion
from domain.cases import (
    AsbCase,
    AsbType,
    ClosureOutcome,
    InterventionType,
    NsirCategory,
    PartyRole,
    ReportingChannel,
    VictimSatisfaction,
    VulnerabilityFlag,
)
from domain.shared import clock
from domain.shared.errors import InvalidValue, RuleViolation
from domain.shared.partnerships import Partnership

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FLASH_COOKIE = "casework_flash"


# -- shared plumbing -------------------------------------------------------------------

def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _cases(request: Request) -> CaseService:
    service: CaseService = _container(request).services["cases"]
    return service


def _people(request: Request) -> PeopleService:
    service: PeopleService = _container(request).services["people"]
    return service


def case_path(case_id: UUID | str, anchor: str = "") -> str:
    return f"/cases/{case_id}" + (f"#{anchor}" if anchor else "")


def _redirect_with_flash(location: str, message_key: str) -> Response:
    response = RedirectResponse(location, status_code=303)
    response.set_cookie(FLASH_COOKIE, message_key, max_age=60, httponly=True, samesite="lax",
                        path="/")
    return response


@dataclass
class CasePage:
    """What a step's form and handler work with: the case as read now, and helpers."""

    request: Request
    actor: Actor
    case: AsbCase
    params: dict[str, Any] = field(default_factory=dict)
    names: dict[UUID, PersonName] = field(default_factory=dict)

    @property
    def cases(self) -> CaseService:
        return _cases(self.request)

    @property
    def people(self) -> PeopleService:
        return _people(self.request)

    @property
    def partnership(self) -> Partnership | None:
        return _container(self.request).rules.partnerships.get(self.case.partnership_id)

    @property
    def agencies(self) -> list[tuple[str, str]]:
        known = _container(self.request).rules.agencies
        ids = self.partnership.agencies if self.partnership else tuple(known)
        return [(agency, known.get(agency, agency)) for agency in ids]

    def people_in(self, *roles: PartyRole) -> list[PersonName]:
        ids = [p.person_id for p in self.case.parties if not roles or p.role in roles]
        return [self.names[i] for i in dict.fromkeys(ids) if i in self.names]

    def person_options(self, *roles: PartyRole) -> list[tuple[str, str]]:
        return [(str(p.person_id), p.name) for p in self.people_in(*roles)]


def _load_page(request: Request, context_actor: Actor, case_id: UUID,
               params: dict[str, Any] | None = None, *, version: int | None = None
               ) -> CasePage:
    case = _cases(request).get(case_id, version=version)
    page = CasePage(request, context_actor, case, params or {})
    page.names = people_names(page.people, people_on(case))
    return page


def _log_view(request: Request, case: AsbCase) -> None:
    _container(request).record_read(request, AccessAction.VIEW_CASE, "case", case.id,
                                    people_on(case))


def _describer(request: Request, names: Mapping[UUID, PersonName]) -> Describer:
    return Describer(names, _container(request).rules.agencies)


# -- steps (the Step type and the later steps are in case_steps.py) --------------------

def _incident(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.LogIncident, {
        "occurred_at": form.moment("occurred_at"),
        "reported_at": form.moment("reported_at"),
        "reported_to_agency": form.text("reported_to_agency"),
        "agency_reference": form.text("agency_reference"),
        "description": form.text("description"),
        "reported_by": form.text("reported_by"),
    }, form)
    if body is None:
        return None
    outcome, _ = page.cases.log_incident(page.case.id, **body.model_dump(), **options)
    return outcome


def _incident_defaults(page: CasePage) -> dict[str, Any]:
    now = clock.now()
    return {"reported_at": local_input(now), "reported_to_agency": page.actor.agency}


def _chosen_person(form: FormState) -> str | None:
    """The person chosen: a search result's radio or the record id typed (both are sent as
    ``person_id``; the typed id, later in the form, wins when both are given)."""
    chosen = [value.strip() for value in form.values_of("person_id") if value.strip()]
    return chosen[-1] if chosen else None


def _party(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    choice = form.value("person_choice")
    if choice not in {"existing", "new"}:
        form.add_error("person_choice", "Choose whether the person is already recorded")
    chosen = _chosen_person(form)
    if choice == "existing" and chosen is None:
        form.add_error("person_id", "Search for the person and choose them, or enter their "
                                    "record id")
    party = validated(schemas.AddParty, {
        "person_id": chosen if choice == "existing" else str(UUID(int=0)),
        "role": form.text("role"),
        "consent_to_share": form.checked("consent_to_share"),
        "anonymity_requested": form.checked("anonymity_requested"),
    }, form)
    person = None
    if choice == "new":
        person = validated(RegisterPerson, {
            "partnership_id": page.case.partnership_id,
            "kind": form.text("kind") or "individual",
            "name": form.text("name"),
            "date_of_birth": form.day("date_of_birth"),
            "phone": form.text("phone"),
            "email": form.text("email"),
            "address": form.text("address"),
            "vulnerability_notes": form.text("vulnerability_notes"),
        }, form)
    if party is None or (choice == "new" and person is None):
        return None
    person_id = party.person_id
    if person is not None:
        key = form.idempotency(page.request.url.path, ":person")
        sent_before = page.people.store.audited_recorder.find_idempotency(key.scoped_key())
        expected = options.get("expected_version")
        if sent_before is None and expected is not None and expected != page.case.version:
            # Checked before registering, so a conflict leaves no stray person record.
            raise StaleVersion(expected=expected, current=page.case.version)
        registered = page.people.register(**person.model_dump(), idempotency=key)
        person_id = registered.aggregate_id
        # From here the person exists: if adding them fails, the form offers them again.
        form.set("person_choice", "existing")
        form.set("person_id", str(person_id))
    return page.cases.add_party(
        page.case.id, person_id=person_id, role=party.role,
        consent_to_share=party.consent_to_share,
        anonymity_requested=party.anonymity_requested, **options)


def _party_defaults(page: CasePage) -> dict[str, Any]:
    searching = bool(page.request.query_params.get("q", "").strip())
    return {"person_choice": "existing" if searching else "new", "kind": "individual"}


def _people_search(page: CasePage) -> PeopleSearch | None:
    """The people of the case's partnership matching ``?q=`` (None without a search)."""
    params = page.request.query_params
    return find_people(page.request, page.case.partnership_id, params.get("q", ""),
                       params.get("offset", "0"),
                       frozenset(p.person_id for p in page.case.parties))


def _risk(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    questionnaire = _container(page.request).rules.cases.risk_questionnaire
    answers: dict[str, bool] = {}
    for number, question in enumerate(questionnaire.questions, start=1):
        answer = form.yes_no(f"answer_{question.code}")
        if answer is None:
            form.add_error(f"answer_{question.code}", f"Answer question {number}: yes or no")
        else:
            answers[question.code] = answer
    body = validated(schemas.AssessRisk, {
        "victim_id": form.text("victim_id"),
        "answers": answers,
        "assessed_by": form.text("assessed_by"),
        "vulnerability_flags": form.values_of("vulnerability_flags"),
        "notes": form.text("notes"),
    }, form)
    if body is None:
        return None
    return page.cases.assess_risk(page.case.id, **body.model_dump(), **options)


def _risk_defaults(page: CasePage) -> dict[str, Any]:
    victims = page.people_in(PartyRole.VICTIM)
    values: dict[str, Any] = {"assessed_by": page.actor.user_id}
    if len(victims) == 1:
        values["victim_id"] = str(victims[0].person_id)
    return values


def _intervention(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.RecordIntervention, {
        "intervention_type": form.text("intervention_type"),
        "agency": form.text("agency"),
        "officer": form.text("officer"),
        "started_on": form.day("started_on"),
        "subject_id": form.text("subject_id"),
        "review_on": form.day("review_on"),
        "ends_on": form.day("ends_on"),
        "details": form.text("details"),
    }, form)
    if body is None:
        return None
    outcome, _ = page.cases.record_intervention(page.case.id, **body.model_dump(), **options)
    return outcome


def _intervention_defaults(page: CasePage) -> dict[str, Any]:
    return {"agency": page.actor.agency, "officer": page.actor.user_id,
            "started_on": today_in_london().isoformat()}


def _action(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.SetAction, {
        "agency": form.text("agency"), "owner": form.text("owner"),
        "description": form.text("description"), "due_on": form.day("due_on"),
    }, form)
    if body is None:
        return None
    outcome, _ = page.cases.set_action(page.case.id, **body.model_dump(), **options)
    return outcome


def _action_defaults(page: CasePage) -> dict[str, Any]:
    return {"agency": page.actor.agency,
            "due_on": (today_in_london() + timedelta(days=14)).isoformat()}


def _complete_action(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.CompleteAction, {"note": form.text("note")}, form)
    if body is None:
        return None
    return page.cases.complete_action(page.case.id, action_id=page.params["action_id"],
                                      **body.model_dump(), **options)


def _cancel_action(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.CancelAction, {"reason": form.text("reason")}, form)
    if body is None:
        return None
    return page.cases.cancel_action(page.case.id, action_id=page.params["action_id"],
                                    **body.model_dump(), **options)


def _refer(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ReferToJag, {"reason": form.text("reason")}, form)
    if body is None:
        return None
    outcome, _ = page.cases.refer_to_jag(page.case.id, **body.model_dump(), **options)
    return outcome


def _close(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.CloseCase, {
        "outcome": form.text("outcome"), "reason": form.text("reason"),
        "victim_satisfaction": form.text("victim_satisfaction"),
    }, form)
    if body is None:
        return None
    return page.cases.close(page.case.id, **body.model_dump(), **options)


def _reopen(page: CasePage, form: FormState, options: dict[str, Any]) -> Any:
    body = validated(schemas.ReopenCase, {"reason": form.text("reason")}, form)
    if body is None:
        return None
    return page.cases.reopen(page.case.id, **body.model_dump(), **options)


_PERSON_LABELS = {
    "person_choice": "whether the person is already recorded", "person_id": "the record id",
    "role": "the person's role on the case", "kind": "whether this is a person or an "
    "organisation", "name": "the name", "date_of_birth": "the date of birth",
    "phone": "the phone number", "email": "the email address", "address": "the address",
    "vulnerability_notes": "the vulnerability notes",
}

STEPS: tuple[Step, ...] = (
    Step("party", "parties/new", "Add a person to the case", "cases/party.html",
         ("person_choice", "person_id", "kind", "name", "date_of_birth", "phone", "email",
          "address", "vulnerability_notes", "role", "consent_to_share",
          "anonymity_requested"),
         _PERSON_LABELS, _party, "Person added to the case.", "parties", _party_defaults,
         ("person_choice", "role", "kind")),
    Step("incident", "incidents/new", "Log an incident", "cases/incident.html",
         ("occurred_at", "reported_at", "reported_to_agency", "agency_reference",
          "description", "reported_by"),
         {"occurred_at": "when it happened", "reported_at": "when it was reported",
          "reported_to_agency": "the agency it was reported to",
          "agency_reference": "the agency's reference", "description": "what happened",
          "reported_by": "who reported it"},
         _incident, "Incident logged.", "incidents", _incident_defaults,
         ("reported_to_agency", "reported_by")),
    Step("risk", "risk-assessments/new", "Assess a victim's risk", "cases/risk.html",
         ("victim_id", "answer_*", "assessed_by", "vulnerability_flags", "notes", "answers"),
         {"victim_id": "the victim", "assessed_by": "who assessed the risk",
          "vulnerability_flags": "the vulnerability flags", "notes": "the notes",
          "answers": "the answers"},
         _risk, "Risk assessed.", "risk", _risk_defaults, ("victim_id",)),
    Step("intervention", "interventions/new", "Record an intervention",
         "cases/intervention.html",
         ("intervention_type", "agency", "officer", "started_on", "subject_id", "review_on",
          "ends_on", "details"),
         {"intervention_type": "the type of intervention", "agency": "the agency",
          "officer": "the officer", "started_on": "the start date",
          "subject_id": "who it is about", "review_on": "the review date",
          "ends_on": "the end date", "details": "the details"},
         _intervention, "Intervention recorded.", "interventions", _intervention_defaults,
         ("intervention_type", "agency", "subject_id")),
    Step("action", "actions/new", "Set an action", "cases/action.html",
         ("agency", "owner", "description", "due_on"),
         {"agency": "the agency", "owner": "the owner", "description": "what is to be done",
          "due_on": "the due date"},
         _action, "Action set.", "actions", _action_defaults, ("agency",)),
    Step("complete-action", "actions/{action_id}/complete", "Complete an action",
         "cases/action_finish.html", ("note",), {"note": "the note"},
         _complete_action, "Action completed.", "actions"),
    Step("cancel-action", "actions/{action_id}/cancel", "Cancel an action",
         "cases/action_finish.html", ("reason",), {"reason": "why it is cancelled"},
         _cancel_action, "Action cancelled.", "actions"),
    Step("refer", "jag-referral/new", "Refer the case to the JAG", "cases/reason.html",
         ("reason",), {"reason": "why the case needs the JAG"},
         _refer, "Case referred to the JAG.", "jag"),
    Step("close", "close", "Close the case", "cases/close.html",
         ("outcome", "reason", "victim_satisfaction"),
         {"outcome": "the outcome", "reason": "why the case is closed",
          "victim_satisfaction": "the victim's satisfaction"},
         _close, "Case closed.", "closure", None, ("outcome", "victim_satisfaction")),
    Step("reopen", "reopen", "Reopen the case", "cases/reason.html",
         ("reason",), {"reason": "why the case is reopened"},
         _reopen, "Case reopened.", "closure"),
    *case_steps.STEPS,
)
STEP_OPTIONS = {
    "role": choices(PartyRole), "intervention_type": choices(InterventionType),
    "vulnerability_flags": choices(VulnerabilityFlag), "outcome": choices(ClosureOutcome),
    "victim_satisfaction": choices(VictimSatisfaction), **case_steps.OPTIONS,
}
FLASH_MESSAGES = {step.name: step.done for step in STEPS} | {"opened": "Case opened."}


def _step_params(step: Step, request: Request, page: CasePage) -> None:
    if "action_id" in request.path_params:
        try:
            action_id = UUID(request.path_params["action_id"])
        except ValueError:
            raise NotFound("action", request.path_params["action_id"]) from None
        action = page.case.find_action(action_id)
        if action is None:
            raise NotFound("action", action_id)
        page.params["action_id"] = action_id
        page.params["action"] = action
    if step.resolve is not None:
        step.resolve(page)


def _render_step(step: Step, page: CasePage, form: FormState, *, status: int = 200,
                 conflict: dict[str, Any] | None = None) -> Response:
    container = _container(page.request)
    if step.name == "party":
        page.params["people_search"] = _people_search(page)
    return render(page.request, step.template, {
        "step": step, "page": page, "case": page.case, "form": form, "conflict": conflict,
        "questionnaire": container.rules.cases.risk_questionnaire,
        "cancel_path": case_path(page.case.id, step.anchor),
        "options": STEP_OPTIONS,
        "jag_outcomes": case_steps.jag_outcomes(page.case.open_jag_referral),
    }, status_code=status)


def _step_form(step: Step) -> Callable[..., Response]:
    def show(case_id: UUID, request: Request, context: PageContext) -> Response:
        access.require_role(*step.roles, doing=step.title.lower())
        page = _load_page(request, context.actor, case_id)
        _step_params(step, request, page)
        _log_view(request, page.case)
        form = step.form(step.defaults(page) if step.defaults else {})
        return _render_step(step, page, form)

    return show


def _step_post(step: Step) -> Callable[..., Response]:
    def send(case_id: UUID, request: Request, context: PageContext,
             posted: PageForm) -> Response:
        access.require_role(*step.roles, doing=step.title.lower())
        form = FormState.posted(posted, fields=step.fields, labels=step.labels,
                                choice_fields=step.choice_fields)
        page = _load_page(request, context.actor, case_id)
        try:
            _step_params(step, request, page)
        except NotFound as missing:
            return _item_gone(step, page, form, missing)
        version = expected_version(form)
        if version is None:
            form.add_error(None, "The form did not say which version of the case it was "
                                 "filled in against: reload the page and try again.")
            return _render_step(step, page, form, status=422)
        options = {"expected_version": version,
                   "idempotency": form.idempotency(request.url.path)}
        status = 422
        try:
            outcome = step.submit(page, form, options)
        except StaleVersion as stale:
            return _conflict(step, page, form, stale)
        except InvalidValue as error:
            form.add_domain_error(error)
            outcome = None
        except RuleViolation as error:
            form.add_domain_error(error)
            outcome, status = None, 409
        except IdempotencyKeyReused:
            form.add_error(None, "This form was already sent once with other details. "
                                 "Check the case page before sending it again.")
            form.renew_key()
            outcome = None
        if outcome is not None:
            return _redirect_with_flash(case_path(case_id, step.anchor), step.name)
        _add_names(page, form)  # a person registered before the failure is shown by name
        return _render_step(step, page, form, status=status)

    return send


def _add_names(page: CasePage, form: FormState) -> None:
    text = _chosen_person(form)
    if text:
        try:
            person_id = UUID(text)
        except ValueError:
            return
        page.names.update(people_names(page.people, [person_id]))


def _conflict(step: Step, stale_page: CasePage, form: FormState,
              stale: StaleVersion) -> Response:
    """Show what changed since the form was read; keep the input; re-base on the new version."""
    request = stale_page.request
    page = _load_page(request, stale_page.actor, stale_page.case.id, stale_page.params)
    _add_names(page, form)
    conflict = {"expected": stale.expected, "current": page.case.version,
                "entries": _changes_since(page, stale.expected)}
    form.set("version", page.case.version)
    return _render_step(step, page, form, status=409, conflict=conflict)


def _changes_since(page: CasePage, version: int) -> list[TimelineEntry]:
    """The case's changes after ``version``, with the page's names for people (a history
    read of everyone named, so access-logged)."""
    request, container = page.request, _container(page.request)
    entries = history_entries(container.store, page.case.id, after_version=version,
                              up_to_version=page.case.version)
    container.record_read(request, AccessAction.HISTORY, "case", page.case.id,
                          list(page.names))
    describer = _describer(request, page.names)
    return [timeline_entry(entry, describer) for entry in reversed(entries)]


def _item_gone(step: Step, page: CasePage, form: FormState, missing: NotFound) -> Response:
    """The step's item is not on the case now: the conflict page if it was there at the
    form's version, else the 404 it is (the rule: ``item_gone.py``)."""
    def resolved_at(version: int) -> CasePage:
        then = _load_page(page.request, page.actor, page.case.id, version=version)
        _step_params(step, page.request, then)
        return then

    as_read = page_as_read(expected_version(form), page.case.version, resolved_at)
    if as_read is None:
        raise missing
    if replays_earlier_send(lambda: step.submit(as_read, form, {
            "expected_version": as_read.case.version,
            "idempotency": form.idempotency(page.request.url.path)})):
        return _redirect_with_flash(case_path(page.case.id, step.anchor), step.name)
    page.names = {**as_read.names, **page.names}  # the person taken off the case, by name
    return render_item_gone(
        page.request, noun="case", reference=page.case.reference,
        record_path=case_path(page.case.id, step.anchor), heading=step.title,
        missing=missing, expected=as_read.case.version, current=page.case.version,
        entries=_changes_since(page, as_read.case.version))


for _step in STEPS:
    router.add_api_route(f"/cases/{{case_id}}/{_step.path}", _step_form(_step),
                         methods=["GET"], name=f"case_{_step.name}_form",
                         response_class=Response)
    router.add_api_route(f"/cases/{{case_id}}/{_step.path}", _step_post(_step),
                         methods=["POST"], name=f"case_{_step.name}", response_class=Response)


# -- opening a case ----------------------------------------------------------------------

_OPEN_FIELDS = ("partnership_id", "nsir_category", "asb_type", "other_type", "summary",
                "address", "ward", "outward_postcode", "reporting_channel", "lead_agency",
                "lead_officer", "reported_at")
_OPEN_CHOICES = ("partnership_id", "nsir_category", "asb_type", "ward", "reporting_channel",
                 "lead_agency")
_OPEN_LABELS = {
    "partnership_id": "the partnership", "nsir_category": "the NSIR category",
    "asb_type": "the type of behaviour", "other_type": "what the behaviour is",
    "summary": "a summary of the report", "address": "the address or place",
    "ward": "the ward", "outward_postcode": "the first part of the postcode",
    "reporting_channel": "how it was reported", "lead_agency": "the lead agency",
    "lead_officer": "the lead officer", "reported_at": "when it was reported",
}


def _open_choices(request: Request, actor: Actor) -> dict[str, Any]:
    rules = _container(request).rules
    partnerships = [p for p in rules.partnerships.partnerships
                    if actor.can_see_partnership(p.id)]
    agency_ids = list(dict.fromkeys(a for p in partnerships for a in p.agencies))
    if len(partnerships) == 1:
        neighbourhoods = dict.fromkeys(w.neighbourhood for w in partnerships[0].wards)
        ward_groups = [(n, [(w.name, w.name) for w in partnerships[0].wards
                            if w.neighbourhood == n]) for n in neighbourhoods]
    else:
        ward_groups = [(p.name, [(w.name, w.name) for w in p.wards]) for p in partnerships]
    return {"partnerships": partnerships,
            "partnership_options": [(p.id, p.name) for p in partnerships],
            "ward_groups": ward_groups,
            "agencies": [(a, rules.agencies.get(a, a)) for a in agency_ids],
            "choices_nsir": choices(NsirCategory), "choices_type": choices(AsbType),
            "choices_channel": choices(ReportingChannel)}


def _render_open(request: Request, actor: Actor, form: FormState, status: int = 200
                 ) -> Response:
    return render(request, "cases/new.html", {"form": form, **_open_choices(request, actor)},
                  status_code=status)


@router.get("/cases/new", name="case_new_form")
def new_case_form(request: Request, context: PageContext) -> Response:
    access.require_role(*access.CASEWORK_WRITERS, doing="opening a case")
    actor = context.actor
    choices = _open_choices(request, actor)
    values: dict[str, Any] = {"reported_at": local_input(clock.now()),
                              "lead_officer": actor.user_id}
    if len(choices["partnerships"]) == 1:
        values["partnership_id"] = choices["partnerships"][0].id
    if actor.agency in dict(choices["agencies"]):
        values["lead_agency"] = actor.agency
    return _render_open(request, actor, FormState(values, fields=_OPEN_FIELDS,
                                                  labels=_OPEN_LABELS,
                                                  choice_fields=_OPEN_CHOICES))


@router.post("/cases/new", name="case_new")
def open_case(request: Request, context: PageContext, posted: PageForm) -> Response:
    access.require_role(*access.CASEWORK_WRITERS, doing="opening a case")
    form = FormState.posted(posted, fields=_OPEN_FIELDS, labels=_OPEN_LABELS,
                            choice_fields=_OPEN_CHOICES)
    body = validated(schemas.OpenCase, {name: form.text(name) for name in _OPEN_FIELDS}
                     | {"reported_at": form.moment("reported_at")}, form)
    status = 422
    if body is not None:
        try:
            outcome = _cases(request).open_case(
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
            return _redirect_with_flash(case_path(outcome.aggregate_id), "opened")
    return _render_open(request, context.actor, form, status)


# -- the case page -------------------------------------------------------------------------

def _as_at_moment(text: str | None) -> tuple[Any, str | None]:
    if not text:
        return None, None
    form = FormState({"as_at": text}, labels={"as_at": "the moment"})
    moment = form.moment("as_at")
    if moment is None:
        return None, form.error("as_at")
    if moment > clock.now():
        return None, "Choose a moment in the past"
    return moment, None


@router.get("/cases/{case_id}", name="case_page")
def case_page(
    case_id: UUID, request: Request, context: PageContext,
    as_at: Annotated[str | None, Query(max_length=40)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    service = _cases(request)
    current = service.get(case_id)
    moment, as_at_error = _as_at_moment(as_at)
    case = current
    if moment is not None:
        try:
            case = service.get(case_id, as_at=moment)
        except NotFound:
            as_at_error = (f"The case was not recorded yet at {when(moment)}: it was opened "
                           f"{when(current.opened_at)}")
            moment = None
    _log_view(request, case)
    names = people_names(_people(request), people_on(case))
    describer = _describer(request, names)
    entries, earlier = timeline(_container(request).store, case, describer, before=before)
    today = today_in_london()
    rules = _container(request).rules
    flash_key = request.cookies.get(FLASH_COOKIE)
    response = render(request, "cases/show.html", {
        "case": case,
        "current_version": current.version,
        "names": names,
        "indicators": case_out(case, rules.cases, today).indicators,
        "overdue": {a.action_id for a in case.overdue_actions(today)},
        "today": today,
        "timeline": entries,
        "earlier": earlier,
        "as_at": moment,
        "as_at_text": as_at if as_at_error else (
            london(moment).strftime("%Y-%m-%dT%H:%M:%S") if moment else ""),
        "as_at_error": as_at_error,
        "can_write": context.actor.has_role(*access.CASEWORK_WRITERS) and moment is None,
        "can_coordinate": context.actor.has_role(*access.COORDINATORS) and moment is None,
        "flash": FLASH_MESSAGES.get(flash_key or ""),
        "describer": describer,
        "questionnaire": rules.cases.risk_questionnaire,
    })
    if flash_key:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


__all__ = ["STEPS", "Step", "case_path", "router"]
