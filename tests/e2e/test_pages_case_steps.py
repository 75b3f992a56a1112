"""Pages: the case step forms added after the first ones (adapters/http/pages/case_steps.py).

For every form: the GET shows labelled fields; a valid POST changes the case and redirects
with the flash; an invalid one is a 422 naming the field and writes nothing; a form read
at an old version shows the conflict and writes nothing. Then the links on the case page
(shown only when the role and the case's state allow the step) and the domain's rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from application.context import Actor, RequestContext, acting_as
from tests.e2e.conftest import TokenFactory
from tests.e2e.test_pages_cases import (
    LONDON,
    error_summary,
    form_values,
    hidden_fields,
    local,
    sign_in,
    submit,
)


@dataclass(frozen=True)
class World:
    """A case (reported three days ago) with a victim, an alleged perpetrator, a warning
    to the perpetrator without a result, an open action and an open JAG referral."""

    case_id: UUID
    victim_id: UUID
    perpetrator_id: UUID
    intervention_id: UUID
    action_id: UUID
    version: int

    @property
    def path(self) -> str:
        return f"/cases/{self.case_id}"


OFFICER = Actor(user_id="asb.officer.patel", display_name="Asha Patel",
                agency="north-herts-council", roles=("officer",), partnerships=("north-herts",))
COORDINATOR = Actor(user_id="csp.coordinator", display_name="CSP Coordinator",
                    agency="north-herts-council", roles=("coordinator",),
                    partnerships=("north-herts",))
SOMEONE_ELSE = Actor(user_id="housing.officer.lee", display_name="Housing Officer Lee",
                     agency="settle-housing", roles=("officer",),
                     partnerships=("north-herts",))


def today() -> str:
    """Today in London, as the pages and the domain count days."""
    return datetime.now(tz=LONDON).date().isoformat()


def in_days(days: int) -> str:
    return (datetime.now(tz=LONDON).date() + timedelta(days=days)).isoformat()


@pytest.fixture
def world(container: Container) -> World:
    cases, people = container.services["cases"], container.services["people"]
    now = datetime.now(tz=UTC)
    with acting_as(RequestContext(actor=OFFICER)):
        opened = cases.open_case(
            partnership_id="north-herts", nsir_category="personal", asb_type="noise",
            summary="Loud music from the flat above.", address="Flat 3, 12 Bancroft, Hitchin",
            ward="Hitchin Bearton", reporting_channel="phone",
            lead_agency="north-herts-council", lead_officer="asb.officer.patel",
            reported_at=now - timedelta(days=3))
        case_id = opened.aggregate_id
        victim = people.register(partnership_id="north-herts",
                                 name="Margaret Example").aggregate_id
        perpetrator = people.register(partnership_id="north-herts",
                                      name="Terry Loud").aggregate_id
        cases.add_party(case_id, person_id=victim, role="victim", consent_to_share=True)
        cases.add_party(case_id, person_id=perpetrator, role="alleged_perpetrator")
        _, intervention_id = cases.record_intervention(
            case_id, intervention_type="warning", agency="north-herts-council",
            officer="asb.officer.patel", started_on=(now - timedelta(days=2)).date(),
            subject_id=perpetrator, details="Verbal warning at the door.")
        _, action_id = cases.set_action(
            case_id, agency="settle-housing", owner="housing.officer.lee",
            description="Tenancy visit.", due_on=(now + timedelta(days=5)).date())
        referred, _ = cases.refer_to_jag(case_id, reason="Needs police and housing together.")
    return World(case_id, victim, perpetrator, intervention_id, action_id, referred.version)


def case_json(client: TestClient, auth: TokenFactory, world: World) -> dict[str, Any]:
    response = client.get(f"/api/cases/{world.case_id}", headers=auth("auditor",
                          user="ig.auditor", partnerships=("*",)))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def someone_else_changes(container: Container, world: World) -> None:
    """Another user sets an action in between (the case moves on one version)."""
    with acting_as(RequestContext(actor=SOMEONE_ELSE)):
        container.services["cases"].set_action(
            world.case_id, agency="settle-housing", owner="housing.officer.lee",
            description="Second visit.", due_on=datetime.now(tz=UTC).date() + timedelta(days=9))


@dataclass(frozen=True)
class StepCase:
    path: Callable[[World], str]
    """The form's path under the case."""
    labels: tuple[str, ...]
    """Field ids (``f-<name>``) that must each have a label."""
    valid: Callable[[World], dict[str, Any]]
    changed: Callable[[dict[str, Any], World], bool]
    """Whether the case (API JSON) shows the change."""
    invalid: dict[str, Any]
    error: tuple[str, str]
    """The error summary's first entry for ``invalid``: (link, message)."""
    flash: str
    anchor: str
    role: str = "officer"
    shown: tuple[str, ...] = field(default_factory=tuple)
    """Text the GET shows about the item the form is for."""


def _party(world: World) -> dict[str, Any]:
    return {"person_id": str(world.victim_id)}


STEP_CASES: dict[str, StepCase] = {
    "change-lead": StepCase(
        path=lambda w: "lead",
        labels=("f-lead-agency", "f-lead-officer"),
        valid=lambda w: {"lead_agency": "herts-police", "lead_officer": "pc.jones"},
        changed=lambda c, w: c["lead"] == {"agency": "herts-police", "officer": "pc.jones"},
        invalid={"lead_agency": "herts-police", "lead_officer": ""},
        error=("#f-lead-officer", "Enter the lead officer"),
        flash="Lead changed.", anchor="summary",
        shown=("asb.officer.patel, North Hertfordshire District Council",)),
    "update-party": StepCase(
        path=lambda w: f"parties/{w.victim_id}/victim/change",
        labels=("f-consent-to-share", "f-anonymity-requested"),
        valid=lambda w: {"consent_to_share": "yes", "anonymity_requested": "yes"},
        changed=lambda c, w: any(p["person_id"] == str(w.victim_id) and p["role"] == "victim"
                                 and p["anonymity_requested"] for p in c["parties"]),
        invalid={"consent_to_share": "", "anonymity_requested": "yes"},
        error=("#f-consent-to-share",
               "Choose whether they agree to their details being shared"),
        flash="Consent and anonymity updated.", anchor="parties",
        shown=("Margaret Example",)),
    "remove-party": StepCase(
        path=lambda w: f"parties/{w.victim_id}/victim/remove",
        labels=("f-reason",),
        valid=lambda w: {"reason": "Added to the wrong case."},
        changed=lambda c, w: all(p["person_id"] != str(w.victim_id) for p in c["parties"]),
        invalid={"reason": "   "},
        error=("#f-reason", "Enter why they are removed from the case"),
        flash="Person removed from the case.", anchor="parties",
        shown=("Margaret Example",)),
    "supervisor-review": StepCase(
        path=lambda w: "supervisor-reviews/new",
        labels=("f-decision", "f-reviewed-by", "f-note"),
        valid=lambda w: {"decision": "continue", "reviewed_by": "sgt.khan",
                         "note": "Keep weekly contact."},
        changed=lambda c, w: [(r["reviewed_by"], r["decision"], r["note"])
                              for r in c["supervisor_reviews"]] == [
            ("sgt.khan", "continue", "Keep weekly contact.")],
        invalid={"decision": "", "reviewed_by": "sgt.khan"},
        error=("#f-decision", "Choose the decision"),
        flash="Supervisor review recorded.", anchor="reviews"),
    "intervention-result": StepCase(
        path=lambda w: f"interventions/{w.intervention_id}/result",
        labels=("f-result", "f-result-on", "f-note"),
        valid=lambda w: {"result": "complied", "result_on": today(),
                         "note": "No reports since."},
        changed=lambda c, w: [(i["result"], i["result_on"], i["result_note"])
                              for i in c["interventions"]] == [
            ("complied", today(), "No reports since.")],
        invalid={"result": "complied", "result_on": "31/02/2026"},
        error=("#f-result-on", "Enter the date of the result as a real date, like 2026-03-20"),
        flash="Intervention result recorded.", anchor="interventions",
        shown=("Warning", "Terry Loud")),
    "conviction": StepCase(
        path=lambda w: "convictions/new",
        labels=("f-person-id", "f-convicted-on", "f-offence", "f-court"),
        valid=lambda w: {"person_id": str(w.perpetrator_id), "convicted_on": in_days(-1),
                         "offence": "Criminal damage", "court": "Stevenage Magistrates"},
        changed=lambda c, w: [(x["person_id"], x["offence"]) for x in c["convictions"]] == [
            (str(w.perpetrator_id), "Criminal damage")],
        invalid={"convicted_on": in_days(-1), "offence": ""},
        error=("#f-offence", "Enter the offence"),
        flash="Conviction recorded.", anchor="convictions",
        shown=("Terry Loud",)),
    "victim-contact": StepCase(
        path=lambda w: "victim-contacts/new",
        labels=("f-person-id", "f-contacted-at", "f-method", "f-contacted-by", "f-note"),
        valid=lambda w: {**_party(w), "method": "phone",
                         "contacted_at": local(datetime.now(tz=UTC) - timedelta(hours=1)),
                         "note": "Told her about the warning."},
        changed=lambda c, w: [(v["person_id"], v["method"], v["contacted_by"], v["note"])
                              for v in c["victim_contacts"]] == [
            (str(w.victim_id), "phone", "asb.officer.patel", "Told her about the warning.")],
        invalid={"method": "phone", "note": ""},
        error=("#f-note", "Enter what was said"),
        flash="Contact with the victim recorded.", anchor="victims",
        shown=("Margaret Example",)),
    "case-review-right": StepCase(
        path=lambda w: "case-review-right-explained/new",
        labels=("f-person-id", "f-explained-at", "f-method"),
        valid=lambda w: {**_party(w), "method": "letter",
                         "explained_at": local(datetime.now(tz=UTC) - timedelta(hours=2))},
        changed=lambda c, w: [(x["person_id"], x["method"])
                              for x in c["case_review_rights_explained"]] == [
            (str(w.victim_id), "letter")],
        invalid={"method": ""},
        error=("#f-method", "Choose how they were told"),
        flash="Recorded that the victim was told about the case review.", anchor="victims",
        shown=("Margaret Example",)),
    "reassign-action": StepCase(
        path=lambda w: f"actions/{w.action_id}/reassign",
        labels=("f-agency", "f-owner", "f-due-on"),
        valid=lambda w: {"agency": "herts-police", "owner": "pcso.ward",
                         "due_on": in_days(10)},
        changed=lambda c, w: [(a["agency"], a["owner"], a["due_on"]) for a in c["actions"]
                              if a["action_id"] == str(w.action_id)] == [
            ("herts-police", "pcso.ward", in_days(10))],
        invalid={"agency": "herts-police", "owner": ""},
        error=("#f-owner", "Enter the owner"),
        flash="Action reassigned.", anchor="actions",
        shown=("Tenancy visit.", "housing.officer.lee")),
    "accept-jag": StepCase(
        path=lambda w: "jag-referral/accept",
        labels=("f-accepted-on",),
        valid=lambda w: {"accepted_on": today()},
        changed=lambda c, w: c["jag_referrals"][0]["accepted_on"] == today(),
        invalid={"accepted_on": ""},
        error=("#f-accepted-on", "Enter the date the JAG accepted it"),
        flash="JAG referral accepted.", anchor="jag", role="coordinator",
        shown=("Needs police and housing together.",)),
    "conclude-jag": StepCase(
        path=lambda w: "jag-referral/conclude",
        labels=("f-outcome", "f-note"),
        valid=lambda w: {"outcome": "declined", "note": "Single-agency work first."},
        changed=lambda c, w: (c["jag_referrals"][0]["outcome"],
                              c["jag_referrals"][0]["outcome_note"]) == (
            "declined", "Single-agency work first."),
        invalid={"outcome": "maybe"},
        error=("#f-outcome", "Choose the outcome"),
        flash="JAG referral concluded.", anchor="jag", role="coordinator",
        shown=("Needs police and housing together.",)),
}
STEP_NAMES = sorted(STEP_CASES)


def as_role(client: TestClient, container: Container, role: str) -> None:
    if role == "coordinator":
        sign_in(client, container, "coordinator", user="csp.coordinator",
                agency="north-herts-council")
    else:
        sign_in(client, container)


# -- every form: GET, valid, invalid, stale --------------------------------------------

@pytest.mark.parametrize("name", STEP_NAMES)
def test_the_form_shows_labelled_fields(name: str, client: TestClient, container: Container,
                                        world: World) -> None:
    step = STEP_CASES[name]
    as_role(client, container, step.role)
    response = client.get(f"{world.path}/{step.path(world)}")
    assert response.status_code == 200, response.text
    page = response.text
    assert hidden_fields(page)["version"] == str(world.version)
    assert hidden_fields(page)["csrf_token"]
    for input_id in step.labels:
        assert re.search(rf'<(?:input|select|textarea)[^>]*\bid="{input_id}"', page), input_id
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page):
        assert f'for="{input_id}"' in page, input_id
    for text in step.shown:
        assert text in page, text
    assert f'href="{world.path}#{step.anchor}"' in page  # cancel goes back to the section


@pytest.mark.parametrize("name", STEP_NAMES)
def test_a_valid_form_changes_the_case(name: str, client: TestClient, container: Container,
                                       auth: TokenFactory, world: World) -> None:
    step = STEP_CASES[name]
    as_role(client, container, step.role)
    before = case_json(client, auth, world)
    assert not step.changed(before, world)
    response = submit(client, f"{world.path}/{step.path(world)}", step.valid(world))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{world.path}#{step.anchor}"
    after = case_json(client, auth, world)
    assert after["version"] == before["version"] + 1
    assert step.changed(after, world)
    page = client.get(world.path).text
    assert step.flash in page
    assert step.flash not in client.get(world.path).text  # shown once


@pytest.mark.parametrize("name", STEP_NAMES)
def test_an_invalid_form_names_the_field_and_writes_nothing(
        name: str, client: TestClient, container: Container, auth: TokenFactory,
        world: World) -> None:
    step = STEP_CASES[name]
    as_role(client, container, step.role)
    before = case_json(client, auth, world)
    response = submit(client, f"{world.path}/{step.path(world)}",
                      {**step.valid(world), **step.invalid})
    assert response.status_code == 422, response.text
    assert "There is a problem" in response.text
    assert error_summary(response.text)[0] == step.error
    target = step.error[0][1:]
    assert f'id="{target}"' in response.text
    assert re.search(rf'aria-describedby="[^"]*{target}-error" aria-invalid="true"',
                     response.text)
    assert hidden_fields(response.text)["version"] == str(before["version"])
    assert case_json(client, auth, world) == before


@pytest.mark.parametrize("name", STEP_NAMES)
def test_a_form_read_at_an_old_version_shows_the_conflict_and_writes_nothing(
        name: str, client: TestClient, container: Container, auth: TokenFactory,
        world: World) -> None:
    step = STEP_CASES[name]
    as_role(client, container, step.role)
    path = f"{world.path}/{step.path(world)}"
    form = client.get(path).text
    someone_else_changes(container, world)
    before = case_json(client, auth, world)
    response = submit(client, path, step.valid(world), form)
    assert response.status_code == 409, response.text
    page = response.text
    assert "Someone else changed this case while you were editing" in page
    assert (f"since version {world.version} "
            f"(the case is now at version {world.version + 1})") in page
    assert "Second visit." in page
    assert "Housing Officer Lee" in page
    assert hidden_fields(page)["version"] == str(world.version + 1)
    typed = form_values(page)
    for name_, value in step.valid(world).items():
        assert typed.get(name_) == value, name_  # nothing typed is lost
    after = case_json(client, auth, world)
    assert after == before
    assert not step.changed(after, world)
    # Sent again from the conflict page, it applies to the new version.
    resent = submit(client, path, {}, page)
    assert resent.status_code == 303, resent.text
    assert step.changed(case_json(client, auth, world), world)


# -- links on the case page ------------------------------------------------------------

def links(page: str) -> set[str]:
    return set(re.findall(r'href="(/cases/[^"#?]+)"', page))


def step_paths(world: World, *names: str) -> set[str]:
    return {f"{world.path}/{STEP_CASES[name].path(world)}" for name in names}


WRITER_STEPS = tuple(name for name in STEP_NAMES if STEP_CASES[name].role == "officer")
JAG_STEPS = ("accept-jag", "conclude-jag")


def test_a_writer_sees_a_link_to_each_step_beside_what_it_changes(
        client: TestClient, container: Container, world: World) -> None:
    sign_in(client, container)
    page = client.get(world.path).text
    shown = links(page)
    assert step_paths(world, *WRITER_STEPS) <= shown
    assert not step_paths(world, *JAG_STEPS) & shown  # coordinators only
    assert step_paths(world, "remove-party") | {
        f"{world.path}/parties/{world.perpetrator_id}/alleged_perpetrator/remove"} <= shown
    assert re.search(r'Change lead</a>', page)
    assert "Record result<span" in page
    assert "Reassign<span" in page
    for name in WRITER_STEPS:
        assert client.get(f"{world.path}/{STEP_CASES[name].path(world)}").status_code == 200
    for name in JAG_STEPS:
        forbidden = client.get(f"{world.path}/{STEP_CASES[name].path(world)}")
        assert forbidden.status_code == 403
        refused = client.post(f"{world.path}/{STEP_CASES[name].path(world)}",
                              data={**hidden_fields(page), "accepted_on": today()},
                              follow_redirects=False)
        assert refused.status_code == 403


def test_a_coordinator_sees_the_jag_links_as_the_referral_allows(
        client: TestClient, container: Container, auth: TokenFactory, world: World) -> None:
    as_role(client, container, "coordinator")
    shown = links(client.get(world.path).text)
    assert step_paths(world, *JAG_STEPS, *WRITER_STEPS) <= shown
    conclude = client.get(f"{world.path}/jag-referral/conclude").text
    assert re.findall(r'name="outcome" value="(\w+)"', conclude) == ["declined", "withdrawn"]
    assert submit(client, f"{world.path}/jag-referral/accept",
                  {"accepted_on": today()}).status_code == 303
    shown = links(client.get(world.path).text)
    assert step_paths(world, "conclude-jag") <= shown
    assert not step_paths(world, "accept-jag") & shown
    conclude = client.get(f"{world.path}/jag-referral/conclude").text
    assert re.findall(r'name="outcome" value="(\w+)"', conclude) == ["discharged", "withdrawn"]
    declined = submit(client, f"{world.path}/jag-referral/conclude", {"outcome": "declined"},
                      conclude)
    assert declined.status_code == 409
    assert error_summary(declined.text) == [
        ("#f-outcome", "The JAG accepted this referral, so it cannot be declined; "
                       "discharge it.")]
    done = submit(client, f"{world.path}/jag-referral/conclude", {"outcome": "discharged"})
    assert done.status_code == 303
    assert case_json(client, auth, world)["jag_referrals"][0]["outcome"] == "discharged"
    assert not step_paths(world, *JAG_STEPS) & links(client.get(world.path).text)


def test_no_step_links_for_readers_closed_cases_or_the_past(
        client: TestClient, container: Container, world: World) -> None:
    every = step_paths(world, *STEP_NAMES)
    sign_in(client, container, "auditor", user="ig.auditor", partnerships=("*",))
    assert not every & links(client.get(world.path).text)
    for name in STEP_NAMES:
        assert client.get(f"{world.path}/{STEP_CASES[name].path(world)}").status_code == 403
    as_role(client, container, "coordinator")
    past = client.get(world.path, params={"as_at": datetime.now(tz=UTC).isoformat()})
    assert "You are looking at this case as it was at" in past.text
    assert not every & links(past.text)
    with acting_as(RequestContext(actor=COORDINATOR)):
        cases = container.services["cases"]
        cases.cancel_action(world.case_id, action_id=world.action_id, reason="Not needed.")
        cases.conclude_jag_referral(world.case_id, outcome="withdrawn")
        cases.close(world.case_id, outcome="resolved", reason="Quiet for weeks.")
    assert not every & links(client.get(world.path).text)


def test_links_wait_for_the_people_a_step_needs(client: TestClient,
                                               container: Container) -> None:
    sign_in(client, container)
    with acting_as(RequestContext(actor=OFFICER)):
        opened = container.services["cases"].open_case(
            partnership_id="north-herts", nsir_category="nuisance", asb_type="graffiti",
            summary="Tags on the underpass.", address="Underpass, Hitchin",
            ward="Hitchin Oughton", reporting_channel="online",
            lead_agency="north-herts-council", lead_officer="asb.officer.patel",
            reported_at=datetime.now(tz=UTC) - timedelta(hours=3))
    path = f"/cases/{opened.aggregate_id}"
    page = client.get(path).text
    shown = links(page)
    assert f"{path}/lead" in shown
    assert f"{path}/supervisor-reviews/new" in shown
    assert f"{path}/convictions/new" not in shown
    assert f"{path}/victim-contacts/new" not in shown
    assert "Add an alleged perpetrator to the case to record a conviction." in page
    assert "Add a victim or complainant to the case to record contact with them." in page
    # The form itself still opens, and says who to add first.
    assert "There is no alleged perpetrator on this case yet." in client.get(
        f"{path}/convictions/new").text


# -- the domain's rules and unknown items ----------------------------------------------

def test_domain_rules_come_back_on_the_form(client: TestClient, container: Container,
                                           auth: TokenFactory, world: World) -> None:
    sign_in(client, container)
    same = submit(client, f"{world.path}/parties/{world.victim_id}/victim/change",
                  {"consent_to_share": "yes", "anonymity_requested": "no"})
    assert same.status_code == 409
    assert "Nothing about that party has changed." in same.text
    assert 'name="consent_to_share" value="yes" checked' in same.text
    lead = submit(client, f"{world.path}/lead", {"lead_agency": "north-herts-council",
                                                  "lead_officer": "asb.officer.patel"})
    assert lead.status_code == 409
    assert "That agency and officer already lead this case." in lead.text
    early = submit(client, f"{world.path}/interventions/{world.intervention_id}/result",
                   {"result": "complied", "result_on": in_days(-10)})
    assert early.status_code == 422
    assert error_summary(early.text) == [
        ("#f-result-on", "The result cannot be dated before the intervention started.")]
    assert submit(client, f"{world.path}/interventions/{world.intervention_id}/result",
                  {"result": "complied", "result_on": today()}).status_code == 303
    page = client.get(world.path).text
    assert "Complied" in page
    assert f"interventions/{world.intervention_id}/result" not in page
    twice = submit(client, f"{world.path}/interventions/{world.intervention_id}/result",
                   {"result": "breached", "result_on": today()})
    assert twice.status_code == 409
    assert "That intervention already has a result." in twice.text
    wrong = submit(client, f"{world.path}/convictions/new", {
        "person_id": str(world.victim_id), "convicted_on": today(), "offence": "Assault"})
    assert wrong.status_code == 409
    assert error_summary(wrong.text)[0][0] == "#f-person-id"
    in_use = submit(client, f"{world.path}/parties/{world.perpetrator_id}/"
                    "alleged_perpetrator/remove", {"reason": "Wrong person."})
    assert in_use.status_code == 409
    assert "That person is the subject of an intervention" in in_use.text
    contacts = case_json(client, auth, world)
    assert [p["person_id"] for p in contacts["parties"]] == [
        str(world.victim_id), str(world.perpetrator_id)]


def test_unknown_items_are_not_found(client: TestClient, container: Container,
                                     world: World) -> None:
    sign_in(client, container)
    for path in (f"parties/{world.victim_id}/witness/change",
                 f"parties/{UUID(int=3)}/victim/remove",
                 "parties/not-an-id/victim/change",
                 f"parties/{world.victim_id}/landlord/change",
                 f"interventions/{UUID(int=4)}/result",
                 "interventions/nope/result",
                 f"actions/{UUID(int=5)}/reassign"):
        response = client.get(f"{world.path}/{path}")
        assert response.status_code == 404, path
        assert "Page not found" in response.text


def test_the_new_forms_check_csrf_and_write_once(client: TestClient, container: Container,
                                                 auth: TokenFactory, world: World) -> None:
    sign_in(client, container)
    path = f"{world.path}/victim-contacts/new"
    form = client.get(path).text
    typed = {**form_values(form), **STEP_CASES["victim-contact"].valid(world)}
    forged = client.post(path, data={**typed, "csrf_token": "0" * 64},
                         follow_redirects=False)
    assert forged.status_code == 403
    first = client.post(path, data=typed, follow_redirects=False)
    second = client.post(path, data=typed, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert len(case_json(client, auth, world)["victim_contacts"]) == 1


# -- a form about an item someone else took away meanwhile ------------------------------

def someone_else_removes_the_victim(container: Container, world: World) -> None:
    with acting_as(RequestContext(actor=SOMEONE_ELSE)):
        container.services["cases"].remove_party(
            world.case_id, person_id=world.victim_id, role="victim",
            reason="Added to the wrong case.")


def conflict_box(page: str) -> str:
    found = re.search(r'<div class="conflict" role="alert".*?</ol>\s*</div>', page, re.S)
    assert found is not None, page
    return found.group(0)


def test_a_form_about_a_person_removed_meanwhile_is_a_conflict_that_writes_nothing(
        client: TestClient, container: Container, auth: TokenFactory, world: World) -> None:
    sign_in(client, container)
    path = f"{world.path}/parties/{world.victim_id}/victim/change"
    form = client.get(path).text
    someone_else_removes_the_victim(container, world)
    before = case_json(client, auth, world)
    assert before["version"] == world.version + 1

    response = submit(client, path, {"consent_to_share": "no"}, form)
    assert response.status_code == 409, response.text
    page = response.text
    box = conflict_box(page)
    assert 'aria-labelledby="conflict-title"' in box
    assert "data-focus" in box
    assert "Someone else changed this case while you were editing" in box
    assert (f"since version {world.version} "
            f"(the case is now at version {world.version + 1})") in box
    assert "The person this form was about is no longer on the case" in box
    assert "Housing Officer Lee" in box  # who changed it
    assert "Parties: removed" in box
    assert "<dt>Person</dt><dd>Margaret Example</dd>" in box  # who was removed, by name
    assert f'href="{world.path}#parties"' in page  # the way back to the case
    assert 'name="consent_to_share"' not in page  # no form left to send
    assert case_json(client, auth, world) == before


def test_a_form_about_a_person_never_on_the_case_is_still_not_found(
        client: TestClient, container: Container, auth: TokenFactory, world: World) -> None:
    sign_in(client, container)
    form = client.get(f"{world.path}/parties/{world.victim_id}/victim/change").text
    someone_else_removes_the_victim(container, world)
    before = case_json(client, auth, world)
    # Read at an older version, but the person was never on the case in that role.
    for made_up in (f"parties/{UUID(int=3)}/victim/change",
                    f"parties/{world.victim_id}/witness/change"):
        response = submit(client, f"{world.path}/{made_up}", {}, form)
        assert response.status_code == 404, made_up
        assert "Page not found" in response.text
    # The removed person with a form at the current version: nothing was taken away since.
    current = submit(client, f"{world.path}/parties/{world.victim_id}/victim/change",
                     {"version": str(before["version"])}, form)
    assert current.status_code == 404
    assert case_json(client, auth, world) == before


def test_a_remove_form_sent_twice_replays_the_first_removal(
        client: TestClient, container: Container, auth: TokenFactory, world: World) -> None:
    sign_in(client, container)
    path = f"{world.path}/parties/{world.victim_id}/victim/remove"
    form = client.get(path).text
    first = submit(client, path, {"reason": "Added in error."}, form)
    assert first.status_code == 303, first.text
    removed = case_json(client, auth, world)
    second = submit(client, path, {"reason": "Added in error."}, form)
    assert second.status_code == 303, second.text  # not "someone else changed this case"
    assert second.headers["location"] == first.headers["location"]
    assert case_json(client, auth, world) == removed
