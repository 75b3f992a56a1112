"""Problem-solving plans: creation, stages, completeness, closure and replay."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.store import CaseworkStore
from domain.plans import (
    AssessmentResult,
    Delivery,
    PlanRules,
    PlanStage,
    PlanStatus,
    ProblemSolvingPlan,
    TriangleSide,
)
from domain.shared import clock
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from domain.shared.personal import ERASED, personal_fields_of

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, GMT: London and UTC dates agree
TODAY = date(2026, 3, 2)
PRIORITIES = ("Anti-social behaviour", "Drug-related harm")


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[datetime]:
    with clock.frozen_at(NOW):
        yield NOW


# --------------------------------------------------------------------------- builders


def new_plan(**overrides: Any) -> ProblemSolvingPlan:
    arguments: dict[str, Any] = {
        "partnership_id": "north-herts",
        "reference": "PSP-2026-0007",
        "title": "Street drinking in Market Square",
        "ward": "Hitchin Bearton",
        "neighbourhood": "Hitchin town centre",
        "priority": "Anti-social behaviour",
        "allowed_priorities": PRIORITIES,
        "lead_agency": "north-herts-council",
        "lead_officer": "asb.officer.1",
    }
    arguments.update(overrides)
    return ProblemSolvingPlan.open(**arguments)


def complete_objective(plan: ProblemSolvingPlan) -> None:
    plan.set_objective("Residents and traders can use Market Square without intimidation")


def complete_scanning(plan: ProblemSolvingPlan) -> None:
    for side in TriangleSide:
        plan.record_scanning(
            side,
            description=f"What happens from the {side.value} side",
            frequency="Most evenings, worst on Fridays",
            duration="Since summer 2025",
            data_sources=["Police calls", "Council ASB reports"],
        )
    plan.record_baseline("Calls to police", 42, date(2025, 10, 1), date(2025, 12, 31))


def complete_analysis(plan: ProblemSolvingPlan) -> None:
    for side in TriangleSide:
        plan.record_analysis(side, f"Why it happens from the {side.value} side")
    plan.record_triggers("Benefit payday; the off-licence's late opening")
    plan.set_hypothesis("Cheap strong cider sold late draws drinkers to the square")
    plan.add_specific_objective("Halve calls to police about the square", "Calls to police", 21)


def plan_one_response(plan: ProblemSolvingPlan) -> int:
    return plan.plan_response(
        "Licensing visit to the off-licence",
        agency="north-herts-council",
        owner="licensing.officer",
        due_on=TODAY + timedelta(days=28),
    )


def agree(plan: ProblemSolvingPlan) -> None:
    plan.record_sign_off("sgt.jones")
    plan.agree_at_jag(TODAY)


def complete_assessment(plan: ProblemSolvingPlan) -> None:
    with clock.frozen_at(NOW):
        plan.record_after_measure("Calls to police", 12, date(2026, 1, 1), date(2026, 3, 1))
        plan.record_assessment(Delivery.IN_FULL, AssessmentResult.REDUCED, "Calls fell by 70%")


def plan_at(stage: PlanStage) -> ProblemSolvingPlan:
    """A plan at ``stage`` with every earlier stage complete and nothing yet in this one."""
    plan = new_plan()
    steps: list[Callable[[ProblemSolvingPlan], object]] = [
        complete_objective,
        complete_scanning,
        complete_analysis,
    ]
    for step in steps[: min(stage.rank, len(steps))]:
        step(plan)
        plan.advance()
    if stage.rank >= PlanStage.ASSESSMENT.rank:
        number = plan_one_response(plan)
        agree(plan)
        plan.complete_response(number)
        plan.advance()
    if stage is PlanStage.CLOSED:
        complete_assessment(plan)
        plan.close()
    assert plan.stage is stage
    return plan


def rejected(
    plan: ProblemSolvingPlan,
    error_class: type[DomainError],
    rule: str,
    command: Callable[[], object],
) -> DomainError:
    """The command raises ``error_class`` with ``rule`` and records nothing."""
    version, pending = plan.version, len(plan.pending_events)
    with pytest.raises(error_class) as raised:
        command()
    assert raised.value.rule == rule, raised.value.message
    assert raised.value.message
    assert (plan.version, len(plan.pending_events)) == (version, pending)
    return raised.value


def event_names(plan: ProblemSolvingPlan) -> list[str]:
    return [type(e).__name__ for e in plan.pending_events]


# ---------------------------------------------------------------------------- creation


def test_open_records_the_plan_at_the_objective_stage() -> None:
    plan = new_plan()
    assert plan.id == ProblemSolvingPlan.create_id("north-herts", "PSP-2026-0007")
    assert (plan.reference, plan.title, plan.ward, plan.neighbourhood) == (
        "PSP-2026-0007",
        "Street drinking in Market Square",
        "Hitchin Bearton",
        "Hitchin town centre",
    )
    assert (plan.priority, plan.lead_agency, plan.lead_officer) == (
        "Anti-social behaviour",
        "north-herts-council",
        "asb.officer.1",
    )
    assert plan.stage is PlanStage.OBJECTIVE
    assert plan.status is PlanStatus.IN_PREPARATION
    assert plan.started_on == TODAY
    assert plan.version == 1
    assert event_names(plan) == ["Created"]


def test_open_strips_text_and_treats_a_blank_neighbourhood_as_none() -> None:
    plan = new_plan(title="  Street drinking  ", neighbourhood="   ")
    assert plan.title == "Street drinking"
    assert plan.neighbourhood is None


@pytest.mark.parametrize(
    ("overrides", "rule", "field"),
    [
        ({"reference": "PSP-26-0007"}, "reference-format", "reference"),
        ({"reference": "ASB-2026-0007"}, "reference-format", "reference"),
        ({"reference": "PSP-2026-07"}, "reference-format", "reference"),
        ({"partnership_id": "North Herts"}, "partnership-id-format", "partnership_id"),
        ({"priority": "Shoplifting"}, "priority-not-current", "priority"),
        ({"allowed_priorities": ()}, "priority-not-current", "priority"),
        ({"title": "   "}, "required", "title"),
        ({"title": "x" * 201}, "too-long", "title"),
        ({"ward": ""}, "required", "ward"),
        ({"lead_officer": " "}, "required", "lead_officer"),
    ],
)
def test_open_rejects_invalid_values(overrides: dict[str, Any], rule: str, field: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        new_plan(**overrides)
    assert (raised.value.rule, raised.value.field) == (rule, field)


# --------------------------------------------------------------- context of the plan


def test_cases_are_linked_and_unlinked() -> None:
    plan = new_plan()
    first, second = uuid4(), uuid4()
    plan.link_case(first)
    plan.link_case(second)
    plan.unlink_case(first)
    assert plan.linked_case_ids == (second,)
    assert event_names(plan)[1:] == ["CaseLinked", "CaseLinked", "CaseUnlinked"]


def test_linking_rejects_duplicates_unknown_cases_and_non_ids() -> None:
    plan = new_plan()
    case_id = uuid4()
    plan.link_case(case_id)
    rejected(plan, RuleViolation, "case-already-linked", lambda: plan.link_case(case_id))
    rejected(plan, RuleViolation, "case-not-linked", lambda: plan.unlink_case(uuid4()))
    not_an_id: Any = str(uuid4())
    rejected(plan, InvalidValue, "not-a-case-id", lambda: plan.link_case(not_an_id))


def test_lead_is_reassigned_but_not_to_the_same_lead() -> None:
    plan = new_plan()
    plan.reassign_lead("hertfordshire-police", "pc.1234")
    assert (plan.lead_agency, plan.lead_officer) == ("hertfordshire-police", "pc.1234")
    rejected(
        plan,
        RuleViolation,
        "no-change",
        lambda: plan.reassign_lead("hertfordshire-police", "pc.1234"),
    )
    rejected(plan, InvalidValue, "required", lambda: plan.reassign_lead("", "pc.1"))


def test_priority_changes_only_to_another_current_priority() -> None:
    plan = new_plan()
    plan.change_priority("Drug-related harm", PRIORITIES)
    assert plan.priority == "Drug-related harm"
    rejected(
        plan,
        RuleViolation,
        "no-change",
        lambda: plan.change_priority("Drug-related harm", PRIORITIES),
    )
    rejected(
        plan,
        InvalidValue,
        "priority-not-current",
        lambda: plan.change_priority("Anti-social behaviour", ["Drug-related harm"]),
    )


# ------------------------------------------------------------------------------ stages


def test_stages_progress_in_order_each_move_an_event() -> None:
    plan = new_plan()
    complete_objective(plan)
    assert plan.advance() is PlanStage.SCANNING
    complete_scanning(plan)
    assert plan.advance() is PlanStage.ANALYSIS
    complete_analysis(plan)
    assert plan.advance() is PlanStage.RESPONSE
    moves = [e for e in plan.pending_events if type(e).__name__ == "StageAdvanced"]
    assert [(e.from_stage, e.to_stage) for e in moves] == [  # type: ignore[attr-defined]
        (PlanStage.OBJECTIVE, PlanStage.SCANNING),
        (PlanStage.SCANNING, PlanStage.ANALYSIS),
        (PlanStage.ANALYSIS, PlanStage.RESPONSE),
    ]


def test_advance_refuses_an_incomplete_stage_and_says_what_is_missing() -> None:
    plan = plan_at(PlanStage.SCANNING)
    plan.record_scanning("victim", "Traders shouted at", "Daily", "Months", ["Police calls"])
    error = rejected(plan, RuleViolation, "stage-incomplete", plan.advance)
    assert "what is happening at the location" in error.message
    assert "what is happening from the offender's side" in error.message
    assert "baseline" in error.message
    assert "victim" not in error.message


def test_there_is_no_stage_after_the_assessment_but_closure() -> None:
    plan = plan_at(PlanStage.ASSESSMENT)
    complete_assessment(plan)
    rejected(plan, RuleViolation, "no-next-stage", plan.advance)


def test_no_response_before_an_analysis_with_a_hypothesis() -> None:
    plan = plan_at(PlanStage.ANALYSIS)
    for side in TriangleSide:
        plan.record_analysis(side, "Because")
    plan.record_triggers("Payday")
    plan.add_specific_objective("Fewer calls", "Calls to police", 20)
    rejected(plan, RuleViolation, "wrong-stage", lambda: plan_one_response(plan))
    error = rejected(plan, RuleViolation, "stage-incomplete", plan.advance)
    assert "hypothesis" in error.message
    plan.set_hypothesis("Late sales")
    assert plan.advance() is PlanStage.RESPONSE


@pytest.mark.parametrize(
    ("stage", "command"),
    [
        (PlanStage.SCANNING, lambda p: p.set_objective("New aim")),
        (PlanStage.OBJECTIVE, lambda p: p.record_scanning("victim", "d", "f", "d", ["s"])),
        (PlanStage.ANALYSIS, lambda p: p.record_baseline("Calls", 1, date(2026, 1, 1), TODAY)),
        (PlanStage.SCANNING, lambda p: p.set_hypothesis("Because")),
        (PlanStage.RESPONSE, lambda p: p.record_triggers("Payday")),
        (PlanStage.ASSESSMENT, plan_one_response),
        (
            PlanStage.RESPONSE,
            lambda p: p.record_assessment("in_full", "reduced", "Good"),
        ),
    ],
)
def test_each_section_is_recorded_at_its_own_stage(
    stage: PlanStage, command: Callable[[ProblemSolvingPlan], object]
) -> None:
    plan = plan_at(stage)
    rejected(plan, RuleViolation, "wrong-stage", lambda: command(plan))


def test_the_wrong_stage_message_suggests_sending_the_plan_back() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    error = rejected(plan, RuleViolation, "wrong-stage", lambda: plan.set_hypothesis("New idea"))
    assert "Send the plan back to analysis" in error.message


def test_a_plan_is_sent_back_with_a_reason_that_stays_in_its_history() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    plan_one_response(plan)
    agree(plan)
    plan.send_back(PlanStage.ANALYSIS, "New CCTV shows a second group of drinkers")
    assert plan.stage is PlanStage.ANALYSIS
    sent_back = plan.pending_events[-1]
    assert type(sent_back).__name__ == "SentBack"
    assert (sent_back.from_stage, sent_back.to_stage, sent_back.reason) == (  # type: ignore[attr-defined]
        PlanStage.RESPONSE,
        PlanStage.ANALYSIS,
        "New CCTV shows a second group of drinkers",
    )
    # The revised plan must be signed off and agreed again.
    assert not plan.is_signed_off
    assert not plan.agreed_at_jag
    plan.set_hypothesis("Two groups with different triggers")
    assert plan.advance() is PlanStage.RESPONSE
    assert plan.status is PlanStatus.AWAITING_SIGN_OFF


def test_sending_back_from_the_assessment_withdraws_the_assessment() -> None:
    plan = plan_at(PlanStage.ASSESSMENT)
    complete_assessment(plan)
    plan.send_back("scanning", "The problem has moved to the bus station")
    assert plan.stage is PlanStage.SCANNING
    assert plan.assessment is None
    assert plan.after_measures == ()
    plan.record_baseline("Calls to police", 30, date(2026, 1, 1), date(2026, 2, 28))
    assert plan.baseline_measures[0].value == 30


@pytest.mark.parametrize(
    ("stage", "target", "error_class", "rule"),
    [
        (PlanStage.RESPONSE, PlanStage.OBJECTIVE, InvalidValue, "send-back-target"),
        (PlanStage.ASSESSMENT, PlanStage.RESPONSE, InvalidValue, "send-back-target"),
        (PlanStage.RESPONSE, "nowhere", InvalidValue, "unknown-choice"),
        (PlanStage.SCANNING, PlanStage.SCANNING, RuleViolation, "send-back-not-earlier"),
        (PlanStage.SCANNING, PlanStage.ANALYSIS, RuleViolation, "send-back-not-earlier"),
        (PlanStage.CLOSED, PlanStage.ANALYSIS, RuleViolation, "plan-closed"),
    ],
)
def test_send_back_only_to_an_earlier_scanning_or_analysis(
    stage: PlanStage, target: Any, error_class: type[DomainError], rule: str
) -> None:
    plan = plan_at(stage)
    rejected(plan, error_class, rule, lambda: plan.send_back(target, "New information"))


def test_send_back_needs_a_reason() -> None:
    plan = plan_at(PlanStage.ANALYSIS)
    rejected(plan, InvalidValue, "required", lambda: plan.send_back("scanning", "  "))


# ------------------------------------------------------------------ missing sections


def _at_response_with(*steps: Callable[[ProblemSolvingPlan], object]) -> ProblemSolvingPlan:
    plan = plan_at(PlanStage.RESPONSE)
    for step in steps:
        step(plan)
    return plan


def _complete_all_responses(plan: ProblemSolvingPlan) -> None:
    for response in plan.open_responses:
        plan.complete_response(response.number)


def _drop_all_responses(plan: ProblemSolvingPlan) -> None:
    for response in plan.open_responses:
        plan.drop_response(response.number, "Premises closed")


def _scanning_with_victim_and_baseline() -> ProblemSolvingPlan:
    plan = plan_at(PlanStage.SCANNING)
    plan.record_scanning("victim", "Traders shouted at", "Daily", "Months", ["Police calls"])
    plan.record_baseline("Calls to police", 42, date(2025, 10, 1), date(2025, 12, 31))
    return plan


def _assessment_with_result_only() -> ProblemSolvingPlan:
    plan = plan_at(PlanStage.ASSESSMENT)
    plan.record_assessment("in_part", "displaced", "Moved to the bus station")
    return plan


MISSING_CASES: list[tuple[str, Callable[[], ProblemSolvingPlan], list[str]]] = [
    ("new plan", new_plan, ["objective.aim"]),
    ("objective set", lambda: _objective_set(), []),
    (
        "scanning, nothing yet",
        lambda: plan_at(PlanStage.SCANNING),
        ["scanning.victim", "scanning.location", "scanning.offender", "scanning.baseline"],
    ),
    (
        "scanning, victim and baseline",
        _scanning_with_victim_and_baseline,
        ["scanning.location", "scanning.offender"],
    ),
    (
        "analysis, nothing yet",
        lambda: plan_at(PlanStage.ANALYSIS),
        [
            "analysis.victim",
            "analysis.location",
            "analysis.offender",
            "analysis.triggers",
            "analysis.hypothesis",
            "analysis.objectives",
        ],
    ),
    (
        "response, nothing yet",
        lambda: plan_at(PlanStage.RESPONSE),
        ["response.planned", "governance.sign-off", "governance.jag"],
    ),
    (
        "response planned",
        lambda: _at_response_with(plan_one_response),
        ["response.open", "governance.sign-off", "governance.jag"],
    ),
    (
        "response planned and signed off",
        lambda: _at_response_with(plan_one_response, lambda p: p.record_sign_off("sgt.jones")),
        ["response.open", "governance.jag"],
    ),
    (
        "response agreed, still open",
        lambda: _at_response_with(plan_one_response, agree),
        ["response.open"],
    ),
    (
        "response agreed, all dropped",
        lambda: _at_response_with(plan_one_response, agree, _drop_all_responses),
        ["response.planned"],
    ),
    (
        "response agreed and completed",
        lambda: _at_response_with(plan_one_response, agree, _complete_all_responses),
        [],
    ),
    (
        "assessment, nothing yet",
        lambda: plan_at(PlanStage.ASSESSMENT),
        ["assessment.measure", "assessment.result"],
    ),
    ("assessment, result only", _assessment_with_result_only, ["assessment.measure"]),
    ("closed", lambda: plan_at(PlanStage.CLOSED), []),
]


def _objective_set() -> ProblemSolvingPlan:
    plan = new_plan()
    complete_objective(plan)
    return plan


@pytest.mark.parametrize(
    ("build", "expected"),
    [(build, expected) for _, build, expected in MISSING_CASES],
    ids=[name for name, _, _ in MISSING_CASES],
)
def test_missing_sections_at_each_stage(
    build: Callable[[], ProblemSolvingPlan], expected: list[str]
) -> None:
    plan = build()
    missing = plan.missing_sections()
    assert [item.code for item in missing] == expected
    assert all(item.stage.rank <= plan.stage.rank for item in missing)
    # The stage can be left exactly when nothing is missing (closure ends the assessment).
    if plan.stage in (PlanStage.ASSESSMENT, PlanStage.CLOSED):
        return
    if expected:
        rejected(plan, RuleViolation, "stage-incomplete", plan.advance)
    else:
        stage_before = plan.stage
        assert plan.advance().rank == stage_before.rank + 1


def test_missing_items_read_as_sentences_for_the_officer() -> None:
    plan = plan_at(PlanStage.ASSESSMENT)
    assert [str(item) for item in plan.missing_sections()] == [
        "Assessment: measure 'Calls to police' again after the response",
        "Assessment: record whether the plan was carried out and the result",
    ]
    assert str(plan_at(PlanStage.SCANNING).missing_sections()[2]) == (
        "Scanning: record what is happening from the offender's side"
    )


# ------------------------------------------------------------------ close and reopen


def test_a_plan_closes_only_after_a_complete_assessment() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    rejected(plan, RuleViolation, "not-assessed", plan.close)
    plan = plan_at(PlanStage.ASSESSMENT)
    plan.record_assessment("in_full", "reduced", "Calls fell")
    error = rejected(plan, RuleViolation, "assessment-incomplete", plan.close)
    assert "Calls to police" in error.message
    plan.record_after_measure("calls to police", 10, date(2026, 1, 1), date(2026, 2, 28))
    plan.schedule_review(TODAY + timedelta(days=7))
    plan.close("Handed back to business as usual")
    assert plan.stage is PlanStage.CLOSED
    assert plan.status is PlanStatus.CLOSED
    assert plan.closed_on == TODAY
    assert plan.next_review_due is None
    assert plan.missing_sections() == ()


CLOSED_PLAN_COMMANDS: list[Callable[[ProblemSolvingPlan], object]] = [
    lambda p: p.link_case(uuid4()),
    lambda p: p.reassign_lead("hertfordshire-police", "pc.1"),
    lambda p: p.change_priority("Drug-related harm", PRIORITIES),
    lambda p: p.advance(),
    lambda p: p.close(),
    lambda p: p.set_objective("New aim"),
    lambda p: p.record_scanning("victim", "d", "f", "d", ["s"]),
    lambda p: p.record_analysis("victim", "Because"),
    plan_one_response,
    lambda p: p.record_after_measure("Calls to police", 1, date(2026, 1, 1), TODAY),
    lambda p: p.record_assessment("in_full", "reduced", "Good"),
    lambda p: p.request_funding(Decimal("1000.00")),
    lambda p: p.record_matched_funding("Police", 100),
    lambda p: p.record_funding_award("PCC", 100, TODAY, TODAY),
    lambda p: p.record_spend(10, TODAY, "Signs"),
    lambda p: p.add_risk("Displacement", "Patrol nearby", "low"),
    lambda p: p.set_timescale(TODAY, TODAY),
    lambda p: p.add_milestone("Signs up", TODAY),
    lambda p: p.record_community_involvement("scanning", "Survey"),
    lambda p: p.record_sign_off("sgt.jones"),
    lambda p: p.agree_at_jag(TODAY),
    lambda p: p.schedule_review(TODAY),
    lambda p: p.record_review(TODAY, "Reviewed"),
    lambda p: p.complete_response(1),
    lambda p: p.drop_response(1, "No longer needed"),
]


@pytest.mark.parametrize("command", CLOSED_PLAN_COMMANDS)
def test_nothing_changes_on_a_closed_plan(command: Callable[[ProblemSolvingPlan], object]) -> None:
    plan = plan_at(PlanStage.CLOSED)
    rejected(plan, RuleViolation, "plan-closed", lambda: command(plan))


def test_a_closed_plan_reopens_at_the_assessment_stage() -> None:
    plan = plan_at(PlanStage.CLOSED)
    plan.reopen("Problem returned after the summer")
    assert plan.stage is PlanStage.ASSESSMENT
    assert plan.closed_on is None
    assert plan.result is AssessmentResult.REDUCED
    plan.send_back("analysis", "Problem returned after the summer")
    assert plan.missing_sections() == ()  # analysis is complete: it may move on again
    assert plan.advance() is PlanStage.RESPONSE


def test_only_a_closed_plan_reopens_and_with_a_reason() -> None:
    plan = plan_at(PlanStage.ASSESSMENT)
    rejected(plan, RuleViolation, "not-closed", lambda: plan.reopen("Why not"))
    closed = plan_at(PlanStage.CLOSED)
    rejected(closed, InvalidValue, "required", lambda: closed.reopen(""))


# ------------------------------------------------------------------ personal data


EXPECTED_PERSONAL_FIELDS = {
    "Created": set(),
    "ObjectiveSet": {"aim"},
    "ScanningRecorded": {"description"},
    "BaselineMeasureRecorded": set(),
    "AnalysisRecorded": {"why"},
    "TriggersRecorded": {"triggers"},
    "HypothesisSet": {"hypothesis"},
    "SpecificObjectiveAdded": {"description"},
    "ResponsePlanned": {"description"},
    "ResponseCompleted": {"notes"},
    "ResponseDropped": {"reason"},
    "AfterMeasureRecorded": set(),
    "AssessmentRecorded": {"notes"},
    "FundingRequested": set(),
    "MatchedFundingRecorded": set(),
    "FundingAwarded": set(),
    "SpendRecorded": {"description"},
    "RiskAdded": {"description", "mitigation"},
    "MilestoneAdded": set(),
    "CommunityInvolvementRecorded": {"description"},
    "SignedOff": {"notes"},
    "AgreedAtJag": {"notes"},
    "ReviewRecorded": {"notes"},
    "SentBack": {"reason"},
    "Closed": {"notes"},
    "Reopened": {"reason"},
    "StageAdvanced": set(),
    "CaseLinked": set(),
    "CaseUnlinked": set(),
    "LeadReassigned": set(),
    "PriorityChanged": set(),
    "SpecificObjectiveRemoved": set(),
    "ResponseRescheduled": set(),
    "ResponseActioned": set(),
    "MatchedFundingWithdrawn": set(),
    "RiskRemoved": set(),
    "TimescaleSet": set(),
    "MilestoneAchieved": set(),
    "ReviewScheduled": set(),
}


def _event_classes() -> dict[str, type[Any]]:
    return {
        name: value
        for name, value in vars(ProblemSolvingPlan).items()
        if isinstance(value, type)
        and issubclass(value, ProblemSolvingPlan.Event)
        and name != "Event"
    }


def test_personal_fields_are_declared_on_every_event_and_name_real_string_fields() -> None:
    classes = _event_classes()
    assert set(classes) == set(EXPECTED_PERSONAL_FIELDS)
    for name, event_class in classes.items():
        assert hasattr(event_class, "personal_fields"), name
        fields = {f.name: f for f in dataclasses.fields(event_class)}
        for personal in personal_fields_of(event_class):
            assert personal in fields, (name, personal)
            assert "str" in str(fields[personal].type), (name, personal)
    for name, expected in EXPECTED_PERSONAL_FIELDS.items():
        assert set(personal_fields_of(classes[name])) == expected, name


def _full_history() -> ProblemSolvingPlan:
    plan = plan_at(PlanStage.RESPONSE)
    plan.link_case(uuid4())
    plan.record_community_involvement("analysis", "Residents' meeting at the library")
    number = plan_one_response(plan)
    dropped = plan_one_response(plan)
    plan.action_response(number)
    plan.drop_response(dropped, "Premises closed by the owner")
    plan.request_funding(Decimal("2500.00"))
    plan.record_matched_funding("hertfordshire-police", Decimal("500.00"))
    plan.record_funding_award("PCC partnership fund", 2000, TODAY, date(2027, 3, 31))
    plan.record_spend(Decimal("120.50"), TODAY, "Signs bought from Smith & Sons")
    plan.add_risk("Displacement to the park", "Patrols in the park", "medium")
    plan.set_timescale(TODAY, date(2026, 9, 30))
    plan.add_milestone("Signs installed", date(2026, 4, 30))
    plan.schedule_review(date(2026, 3, 30))
    plan.record_review(TODAY, "Reviewed at JAG")
    agree(plan)
    plan.complete_response(number, notes="Visit made, licence conditions reviewed")
    plan.advance()
    complete_assessment(plan)
    plan.close("Objective met")
    plan.reopen("Complaints resumed")
    return plan


def test_replay_accepts_erased_personal_fields() -> None:
    plan = _full_history()
    events = list(plan.collect_events())
    erased = [
        dataclasses.replace(e, **dict.fromkeys(personal_fields_of(type(e)), ERASED))  # type: ignore[type-var]
        for e in events
    ]
    replayed: ProblemSolvingPlan | None = None
    for erased_event in erased:
        replayed = erased_event.mutate(replayed)
    assert replayed is not None
    assert replayed.version == plan.version
    assert replayed.stage is plan.stage
    assert replayed.hypothesis == ERASED
    assert replayed.objective == ERASED
    assert replayed.title == plan.title  # titles are not personal
    assert replayed.total_spent == Decimal("120.50")


# --------------------------------------------------------------------------- replay


def assert_strictly_equal(live: Any, replayed: Any, path: str = "plan") -> None:
    """Equal values of exactly the same types all the way down (a str is not an enum)."""
    assert type(live) is type(replayed), f"{path}: {type(live)} != {type(replayed)}"
    if isinstance(live, dict):
        assert live.keys() == replayed.keys(), path
        for key in live:
            assert_strictly_equal(live[key], replayed[key], f"{path}[{key!r}]")
    elif isinstance(live, list | tuple):
        assert len(live) == len(replayed), path
        for index, (a, b) in enumerate(zip(live, replayed, strict=True)):
            assert_strictly_equal(a, b, f"{path}[{index}]")
    elif dataclasses.is_dataclass(live):
        for f in dataclasses.fields(live):
            assert_strictly_equal(
                getattr(live, f.name), getattr(replayed, f.name), f"{path}.{f.name}"
            )
    else:
        assert live == replayed, path


def state_of(plan: ProblemSolvingPlan) -> dict[str, Any]:
    return {k: v for k, v in vars(plan).items() if k != "_pending_events"}


def test_replay_from_the_store_equals_the_live_plan() -> None:
    plan = _full_history()
    store = CaseworkStore()
    store.save(plan)
    replayed: ProblemSolvingPlan = store.repository.get(plan.id)
    assert isinstance(replayed, ProblemSolvingPlan)
    assert_strictly_equal(state_of(plan), state_of(replayed))
    assert replayed.funding_eligibility(PRIORITIES) == plan.funding_eligibility(PRIORITIES)
    assert replayed.missing_sections() == plan.missing_sections()


def test_replay_from_a_snapshot_equals_the_live_plan() -> None:
    plan = _full_history()
    store = CaseworkStore(env={"IS_SNAPSHOTTING_ENABLED": "y"})
    store.save(plan)
    store.take_snapshot(plan.id)
    assert store.snapshots is not None
    assert list(store.snapshots.get(plan.id))
    store.forget_cached_aggregates()  # read the snapshot, not the copy cached by the save
    replayed: ProblemSolvingPlan = store.repository.get(plan.id)
    assert_strictly_equal(state_of(plan), state_of(replayed))


def test_a_plan_id_is_its_partnership_and_reference() -> None:
    assert ProblemSolvingPlan.create_id("north-herts", "PSP-2026-0007") == new_plan().id
    other = ProblemSolvingPlan.create_id("north-herts", "PSP-2026-0008")
    assert isinstance(other, UUID)
    assert other != new_plan().id


# ----------------------------------------------------------------------- scanning


def test_scanning_is_recorded_per_side_and_replaced_when_recorded_again() -> None:
    plan = plan_at(PlanStage.SCANNING)
    plan.record_scanning("victim", "Traders shouted at", "Daily", "Months", ["Calls"])
    plan.record_scanning(
        TriangleSide.VICTIM,
        "Traders and shoppers shouted at",
        "Most evenings",
        "Since June 2025",
        ["Police calls", " ", "Police calls", "Trader survey"],
    )
    side = plan.scanning[TriangleSide.VICTIM]
    assert side.description == "Traders and shoppers shouted at"
    assert side.data_sources == ["Police calls", "Trader survey"]
    assert list(plan.scanning) == [TriangleSide.VICTIM]


@pytest.mark.parametrize(
    ("arguments", "error_rule", "field"),
    [
        (("bystander", "d", "f", "d", ["s"]), "unknown-choice", "side"),
        (("victim", " ", "f", "d", ["s"]), "required", "description"),
        (("victim", "d", "", "d", ["s"]), "required", "frequency"),
        (("victim", "d", "f", "", ["s"]), "required", "duration"),
        (("victim", "d", "f", "d", [" ", ""]), "required", "data_sources"),
    ],
)
def test_scanning_rejects_incomplete_entries(
    arguments: tuple[Any, ...], error_rule: str, field: str
) -> None:
    plan = plan_at(PlanStage.SCANNING)
    error = rejected(plan, InvalidValue, error_rule, lambda: plan.record_scanning(*arguments))
    assert error.field == field


def test_a_baseline_measure_is_replaced_by_one_of_the_same_name() -> None:
    plan = plan_at(PlanStage.SCANNING)
    plan.record_baseline("Calls to police", 42, date(2025, 10, 1), date(2025, 12, 31))
    plan.record_baseline("Litter reports", Decimal("7.5"), date(2025, 10, 1), date(2025, 12, 31))
    plan.record_baseline("CALLS TO POLICE", 40, date(2025, 10, 1), date(2025, 12, 31))
    assert [(m.name, m.value) for m in plan.baseline_measures] == [
        ("Litter reports", Decimal("7.5")),
        ("CALLS TO POLICE", Decimal(40)),
    ]
    found = plan.baseline_measure(" calls to police ")
    assert found is not None
    assert found.value == 40


@pytest.mark.parametrize(
    ("value", "start", "end", "rule"),
    [
        (-1, date(2025, 10, 1), date(2025, 12, 31), "measure-value-invalid"),
        (Decimal("NaN"), date(2025, 10, 1), date(2025, 12, 31), "measure-value-invalid"),
        (1.5, date(2025, 10, 1), date(2025, 12, 31), "not-a-number"),
        (1, date(2026, 1, 1), date(2025, 12, 31), "date-order"),
        (1, date(2026, 1, 1), TODAY + timedelta(days=1), "date-in-future"),
        (1, datetime(2025, 10, 1, tzinfo=UTC), date(2025, 12, 31), "not-a-date"),
    ],
)
def test_baseline_rejects_impossible_figures_and_periods(
    value: Any, start: Any, end: Any, rule: str
) -> None:
    plan = plan_at(PlanStage.SCANNING)
    rejected(plan, InvalidValue, rule, lambda: plan.record_baseline("Calls", value, start, end))


# ----------------------------------------------------------------------- analysis


def test_analysis_records_why_triggers_hypothesis_and_objectives() -> None:
    plan = plan_at(PlanStage.ANALYSIS)
    plan.record_analysis("offender", "Drinkers are priced out of pubs")
    plan.record_triggers("Payday")
    plan.set_hypothesis("Late cheap sales")
    number = plan.add_specific_objective("Halve calls", " calls TO police ", Decimal("21"))
    assert plan.analysis == {TriangleSide.OFFENDER: "Drinkers are priced out of pubs"}
    assert (plan.triggers, plan.hypothesis) == ("Payday", "Late cheap sales")
    objective = plan.specific_objectives[0]
    assert (objective.number, objective.measure, objective.target) == (
        number,
        "Calls to police",
        Decimal(21),
    )


def test_specific_objectives_must_be_measured_by_a_baseline_measure() -> None:
    plan = plan_at(PlanStage.ANALYSIS)
    error = rejected(
        plan,
        InvalidValue,
        "measure-unknown",
        lambda: plan.add_specific_objective("Feel safer", "Residents feeling safe", 80),
    )
    assert "Calls to police" in error.message
    rejected(
        plan,
        InvalidValue,
        "measure-value-invalid",
        lambda: plan.add_specific_objective("Fewer calls", "Calls to police", -5),
    )
    rejected(
        plan,
        InvalidValue,
        "required",
        lambda: plan.add_specific_objective(" ", "Calls to police", 5),
    )


def test_specific_objective_numbers_are_not_reused_after_removal() -> None:
    plan = plan_at(PlanStage.ANALYSIS)
    first = plan.add_specific_objective("Fewer calls", "Calls to police", 20)
    second = plan.add_specific_objective("Even fewer calls", "Calls to police", 10)
    plan.remove_specific_objective(second)
    third = plan.add_specific_objective("Some fewer calls", "Calls to police", 30)
    assert (first, second, third) == (1, 2, 3)
    assert [o.number for o in plan.specific_objectives] == [1, 3]
    rejected(plan, RuleViolation, "objective-unknown", lambda: plan.remove_specific_objective(2))


def test_analysis_rejects_blank_text() -> None:
    plan = plan_at(PlanStage.ANALYSIS)
    rejected(plan, InvalidValue, "required", lambda: plan.record_analysis("victim", ""))
    rejected(plan, InvalidValue, "required", lambda: plan.record_triggers(" "))
    rejected(plan, InvalidValue, "required", lambda: plan.set_hypothesis("\n"))
    rejected(plan, InvalidValue, "too-long", lambda: plan.set_hypothesis("x" * 20_001))


# ---------------------------------------------------------------------- responses


def test_responses_are_numbered_and_listed_soonest_due_first() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    later = plan.plan_response("CCTV", "council", "cctv.manager", TODAY + timedelta(days=60), True)
    sooner = plan.plan_response("Patrols", "police", "sgt.jones", TODAY + timedelta(days=7))
    assert (later, sooner) == (1, 2)
    assert [r.number for r in plan.open_responses] == [2, 1]
    cctv = plan.response(1)
    assert cctv is not None
    assert (cctv.depends_on_funding, cctv.agency, cctv.owner) == (True, "council", "cctv.manager")
    assert plan.overdue_responses(TODAY + timedelta(days=8)) == (plan.response(2),)
    assert plan.overdue_responses(TODAY) == ()


def test_a_response_is_actioned_then_completed() -> None:
    with clock.frozen_at(NOW - timedelta(days=10)):
        plan = plan_at(PlanStage.RESPONSE)
        number = plan_one_response(plan)
    plan.action_response(number, TODAY - timedelta(days=1))
    plan.complete_response(number, TODAY, "Visit made")
    response = plan.response(number)
    assert response is not None
    assert (response.status.value, response.actioned_on, response.completed_on) == (
        "completed",
        TODAY - timedelta(days=1),
        TODAY,
    )
    assert response.closing_note == "Visit made"
    assert plan.open_responses == ()


def test_a_response_is_dropped_with_a_reason() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    number = plan_one_response(plan)
    rejected(plan, InvalidValue, "required", lambda: plan.drop_response(number, " "))
    plan.drop_response(number, "The off-licence has closed")
    response = plan.response(number)
    assert response is not None
    assert (response.status.value, response.dropped_on) == ("dropped", TODAY)
    assert response.closing_note == "The off-licence has closed"


def test_response_dates_and_transitions_are_checked() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    number = plan_one_response(plan)
    rejected(
        plan,
        InvalidValue,
        "date-in-past",
        lambda: plan.plan_response("Patrols", "police", "sgt", TODAY - timedelta(days=1)),
    )
    rejected(
        plan,
        InvalidValue,
        "date-in-future",
        lambda: plan.action_response(number, TODAY + timedelta(days=1)),
    )
    rejected(
        plan,
        InvalidValue,
        "date-before-plan",
        lambda: plan.action_response(number, TODAY - timedelta(days=1)),
    )
    plan.action_response(number)
    rejected(plan, RuleViolation, "response-already-actioned", lambda: plan.action_response(number))
    rejected(plan, RuleViolation, "response-unknown", lambda: plan.complete_response(99))
    plan.complete_response(number)
    rejected(plan, RuleViolation, "response-not-open", lambda: plan.drop_response(number, "x"))
    rejected(
        plan,
        RuleViolation,
        "response-not-open",
        lambda: plan.reschedule_response(number, TODAY + timedelta(days=3)),
    )


def test_completion_cannot_come_before_the_response_was_actioned() -> None:
    with clock.frozen_at(NOW - timedelta(days=10)):
        plan = plan_at(PlanStage.RESPONSE)
        number = plan_one_response(plan)
    plan.action_response(number, TODAY - timedelta(days=2))
    rejected(
        plan,
        InvalidValue,
        "date-order",
        lambda: plan.complete_response(number, TODAY - timedelta(days=3)),
    )


def test_a_response_is_rescheduled_but_not_into_the_past() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    number = plan_one_response(plan)
    plan.reschedule_response(number, TODAY + timedelta(days=90))
    response = plan.response(number)
    assert response is not None
    assert response.due_on == TODAY + timedelta(days=90)
    rejected(
        plan,
        InvalidValue,
        "date-in-past",
        lambda: plan.reschedule_response(number, TODAY - timedelta(days=1)),
    )


def test_planned_responses_progress_after_the_plan_is_sent_back() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    number = plan_one_response(plan)
    plan.send_back("analysis", "New intelligence")
    plan.action_response(number)
    rejected(plan, RuleViolation, "wrong-stage", lambda: plan_one_response(plan))


# --------------------------------------------------------------------- governance


def test_governance_moves_from_sign_off_to_jag_agreement() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    assert plan.status is PlanStatus.IN_PREPARATION
    assert not plan.ready_for_jag
    plan_one_response(plan)
    assert plan.ready_for_jag
    assert plan.awaiting_sign_off
    assert plan.status is PlanStatus.AWAITING_SIGN_OFF
    plan.record_sign_off("sgt.jones", "Good plan")
    assert plan.awaiting_jag_agreement
    assert plan.status is PlanStatus.AWAITING_JAG_AGREEMENT
    plan.agree_at_jag(TODAY, "Agreed; police to lead patrols")
    assert not plan.awaiting_jag_agreement
    assert plan.status is PlanStatus.AGREED
    assert plan.jag_agreed_on == TODAY
    assert plan.sign_off is not None
    assert (plan.sign_off.supervisor, plan.sign_off.signed_on) == ("sgt.jones", TODAY)


def test_only_a_plan_with_objective_scanning_analysis_and_a_response_may_be_agreed() -> None:
    plan = plan_at(PlanStage.ANALYSIS)
    rejected(plan, RuleViolation, "not-ready-for-jag", lambda: plan.record_sign_off("sgt.jones"))
    rejected(plan, RuleViolation, "not-ready-for-jag", lambda: plan.agree_at_jag(TODAY))
    plan = plan_at(PlanStage.RESPONSE)
    error = rejected(plan, RuleViolation, "not-ready-for-jag", lambda: plan.agree_at_jag(TODAY))
    assert "plan at least one response" in error.message
    number = plan_one_response(plan)
    plan.drop_response(number, "Premises closed")
    rejected(plan, RuleViolation, "not-ready-for-jag", lambda: plan.record_sign_off("sgt.jones"))


def test_jag_agreement_rules() -> None:
    plan = plan_at(PlanStage.RESPONSE)
    plan_one_response(plan)
    rejected(plan, RuleViolation, "jag-needs-sign-off", lambda: plan.agree_at_jag(TODAY))
    rejected(plan, RuleViolation, "sign-off-by-lead", lambda: plan.record_sign_off("ASB.Officer.1"))
    plan.record_sign_off("sgt.jones")
    rejected(plan, RuleViolation, "already-signed-off", lambda: plan.record_sign_off("insp.k"))
    rejected(
        plan,
        InvalidValue,
        "date-in-future",
        lambda: plan.agree_at_jag(TODAY + timedelta(days=1)),
    )
    plan.agree_at_jag(TODAY)
    rejected(plan, RuleViolation, "already-agreed", lambda: plan.agree_at_jag(TODAY))


def test_the_jag_cannot_agree_a_plan_before_it_was_signed_off() -> None:
    with clock.frozen_at(NOW - timedelta(days=14)):
        plan = plan_at(PlanStage.RESPONSE)
        plan_one_response(plan)
    plan.record_sign_off("sgt.jones", signed_on=TODAY - timedelta(days=3))
    rejected(
        plan,
        InvalidValue,
        "date-order",
        lambda: plan.agree_at_jag(TODAY - timedelta(days=4)),
    )
    plan.agree_at_jag(TODAY - timedelta(days=3))
    assert plan.jag_agreed_on == TODAY - timedelta(days=3)


def test_reviews_are_scheduled_and_recorded() -> None:
    plan = new_plan()
    rejected(
        plan, InvalidValue, "date-in-past", lambda: plan.schedule_review(TODAY - timedelta(days=1))
    )
    plan.schedule_review(TODAY + timedelta(days=14))
    assert plan.next_review_due == TODAY + timedelta(days=14)
    assert plan.review_overdue(TODAY + timedelta(days=15))
    assert not plan.review_overdue(TODAY + timedelta(days=14))
    next_due = plan.record_review(TODAY, "Progress noted")
    assert next_due == TODAY + timedelta(days=28)
    assert plan.next_review_due == next_due
    assert plan.record_review(TODAY, "Again", rules=PlanRules(review_interval_days=7)) == (
        TODAY + timedelta(days=7)
    )
    assert plan.record_review(TODAY, "Chosen", next_review_due=date(2026, 5, 1)) == date(2026, 5, 1)
    assert [r.notes for r in plan.reviews] == ["Progress noted", "Again", "Chosen"]
    rejected(
        plan,
        InvalidValue,
        "date-order",
        lambda: plan.record_review(TODAY, "Same day", next_review_due=TODAY),
    )
    rejected(plan, InvalidValue, "required", lambda: plan.record_review(TODAY, " "))
    rejected(
        plan,
        InvalidValue,
        "date-in-future",
        lambda: plan.record_review(TODAY + timedelta(days=1), "Early"),
    )


# --------------------------------------------------------------------- assessment


def test_after_measures_name_a_baseline_measure_and_follow_its_period() -> None:
    plan = plan_at(PlanStage.ASSESSMENT)
    rejected(
        plan,
        InvalidValue,
        "measure-unknown",
        lambda: plan.record_after_measure("Litter", 3, date(2026, 1, 1), TODAY),
    )
    rejected(
        plan,
        InvalidValue,
        "after-period-overlaps-baseline",
        lambda: plan.record_after_measure("Calls to police", 3, date(2025, 12, 31), TODAY),
    )
    plan.record_after_measure("calls to police", 30, date(2026, 1, 1), date(2026, 2, 28))
    plan.record_after_measure("Calls to police", 12, date(2026, 1, 1), date(2026, 3, 1))
    assert [(m.name, m.value) for m in plan.after_measures] == [("Calls to police", Decimal(12))]


def test_the_assessment_records_delivery_result_and_notes() -> None:
    plan = plan_at(PlanStage.ASSESSMENT)
    plan.record_assessment("in_part", "handed_to_another_agency", "Housing to lead", "Housing")
    assessment = plan.assessment
    assert assessment is not None
    assert (assessment.delivery, assessment.result, assessment.handed_to) == (
        Delivery.IN_PART,
        AssessmentResult.HANDED_TO_ANOTHER_AGENCY,
        "Housing",
    )
    assert plan.result is AssessmentResult.HANDED_TO_ANOTHER_AGENCY
    assert assessment.assessed_on == TODAY


@pytest.mark.parametrize(
    ("delivery", "result", "notes", "handed_to", "rule"),
    [
        ("in_full", "handed_to_another_agency", "Notes", None, "handed-to-required"),
        ("in_full", "handed_to_another_agency", "Notes", "  ", "handed-to-required"),
        ("in_full", "reduced", "Notes", "Housing", "handed-to-unexpected"),
        ("in_full", "solved", "Notes", None, "unknown-choice"),
        ("mostly", "reduced", "Notes", None, "unknown-choice"),
        ("in_full", "reduced", " ", None, "required"),
    ],
)
def test_the_assessment_rejects_inconsistent_outcomes(
    delivery: str, result: str, notes: str, handed_to: str | None, rule: str
) -> None:
    plan = plan_at(PlanStage.ASSESSMENT)
    rejected(
        plan,
        InvalidValue,
        rule,
        lambda: plan.record_assessment(delivery, result, notes, handed_to),
    )


# ------------------------------------------------------------ budget and resources


def test_budget_request_matched_funding_awards_and_spend() -> None:
    plan = new_plan()
    plan.request_funding(Decimal("2500.00"))
    plan.record_matched_funding("hertfordshire-police", Decimal("500"))
    plan.record_matched_funding("housing-association", 250)
    plan.record_matched_funding("hertfordshire-police", Decimal("600.50"))
    assert plan.amount_requested == Decimal("2500.00")
    assert plan.matched_funding == {
        "hertfordshire-police": Decimal("600.50"),
        "housing-association": Decimal(250),
    }
    assert plan.total_matched_funding == Decimal("850.50")
    plan.withdraw_matched_funding("housing-association")
    assert plan.total_matched_funding == Decimal("600.50")
    assert not plan.is_funded
    assert not plan.under_rag_oversight
    plan.record_funding_award("PCC fund", 2000, TODAY, date(2027, 3, 31))
    plan.record_funding_award("Council fund", 300, TODAY, date(2026, 9, 30))
    assert plan.is_funded
    assert plan.under_rag_oversight
    assert plan.total_awarded == Decimal(2300)
    assert plan.spend_deadline == date(2026, 9, 30)
    assert plan.record_spend(Decimal("99.99"), TODAY, "Signs") == 1
    assert plan.record_spend(1, TODAY, "Cable ties") == 2
    assert plan.total_spent == Decimal("100.99")


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        (Decimal(0), "amount-not-positive"),
        (Decimal("-10"), "amount-not-positive"),
        (Decimal("Infinity"), "amount-not-positive"),
        (Decimal("10.001"), "amount-precision"),
        (Decimal("1E+10"), "amount-too-large"),
        (10.5, "not-a-number"),
        (True, "not-a-number"),
    ],
)
def test_money_must_be_positive_pounds_and_pence(amount: Any, rule: str) -> None:
    plan = new_plan()
    rejected(plan, InvalidValue, rule, lambda: plan.request_funding(amount))
    rejected(plan, InvalidValue, rule, lambda: plan.record_matched_funding("police", amount))
    rejected(plan, InvalidValue, rule, lambda: plan.record_spend(amount, TODAY, "Signs"))


def test_trailing_zeros_beyond_pence_are_accepted() -> None:
    plan = new_plan()
    plan.request_funding(Decimal("10.500"))
    assert plan.amount_requested == Decimal("10.5")


def test_funding_dates_and_unknown_partners_are_checked() -> None:
    plan = new_plan()
    rejected(
        plan,
        InvalidValue,
        "date-order",
        lambda: plan.record_funding_award("PCC", 100, TODAY, TODAY - timedelta(days=1)),
    )
    rejected(
        plan,
        InvalidValue,
        "date-in-future",
        lambda: plan.record_funding_award("PCC", 100, TODAY + timedelta(days=1), date(2027, 1, 1)),
    )
    rejected(
        plan,
        InvalidValue,
        "date-before-plan",
        lambda: plan.record_spend(10, TODAY - timedelta(days=1), "Signs"),
    )
    rejected(plan, InvalidValue, "required", lambda: plan.record_spend(10, TODAY, " "))
    rejected(
        plan, RuleViolation, "matched-funding-unknown", lambda: plan.withdraw_matched_funding("x")
    )


def test_risks_are_added_with_mitigations_and_removed() -> None:
    plan = new_plan()
    first = plan.add_risk("Displacement to the park", "Patrol the park too", "medium")
    second = plan.add_risk("Funding refused", "Use matched funding first", "high")
    plan.remove_risk(first)
    assert [(r.number, r.level.value) for r in plan.risks] == [(second, "high")]
    rejected(plan, RuleViolation, "risk-unknown", lambda: plan.remove_risk(first))
    rejected(plan, InvalidValue, "required", lambda: plan.add_risk("Rain", " ", "low"))
    rejected(plan, InvalidValue, "unknown-choice", lambda: plan.add_risk("Rain", "Coats", "dire"))


def test_timescale_and_milestones() -> None:
    plan = new_plan()
    plan.set_timescale(TODAY, date(2026, 9, 30))
    assert (plan.starts_on, plan.ends_on) == (TODAY, date(2026, 9, 30))
    rejected(plan, InvalidValue, "date-order", lambda: plan.set_timescale(TODAY, date(2026, 3, 1)))
    signs = plan.add_milestone("Signs installed", date(2026, 4, 30))
    survey = plan.add_milestone("Resident survey", date(2026, 4, 1))
    assert [m.number for m in plan.outstanding_milestones] == [survey, signs]
    plan.achieve_milestone(survey)
    assert [m.number for m in plan.outstanding_milestones] == [signs]
    rejected(
        plan, RuleViolation, "milestone-already-achieved", lambda: plan.achieve_milestone(survey)
    )
    rejected(plan, RuleViolation, "milestone-unknown", lambda: plan.achieve_milestone(99))
    rejected(
        plan,
        InvalidValue,
        "date-before-plan",
        lambda: plan.add_milestone("Old", TODAY - timedelta(days=1)),
    )


# ------------------------------------------------------- community and funding bids


def test_community_involvement_is_recorded_for_stages_the_plan_has_reached() -> None:
    plan = plan_at(PlanStage.ANALYSIS)
    plan.record_community_involvement("scanning", "Door-knocking survey of 40 homes")
    plan.record_community_involvement(PlanStage.ANALYSIS, "Residents' meeting")
    assert [c.stage for c in plan.community_involvement] == [
        PlanStage.SCANNING,
        PlanStage.ANALYSIS,
    ]
    assert len(plan.community_involvement_at(PlanStage.SCANNING)) == 1
    rejected(
        plan,
        RuleViolation,
        "involvement-stage-not-reached",
        lambda: plan.record_community_involvement("response", "Vote on options"),
    )
    rejected(
        plan,
        InvalidValue,
        "involvement-stage-invalid",
        lambda: plan.record_community_involvement("closed", "Thanks"),
    )
    rejected(
        plan, InvalidValue, "required", lambda: plan.record_community_involvement("analysis", "")
    )


def _eligible_plan() -> ProblemSolvingPlan:
    plan = plan_at(PlanStage.RESPONSE)
    plan_one_response(plan)
    plan.record_community_involvement("scanning", "Survey")
    plan.record_community_involvement("response", "Residents chose the options")
    plan.record_matched_funding("hertfordshire-police", 500)
    return plan


def test_a_complete_plan_is_eligible_for_funding() -> None:
    eligibility = _eligible_plan().funding_eligibility(PRIORITIES)
    assert eligibility.eligible
    assert eligibility.unmet == ()
    assert [c.code for c in eligibility.criteria] == [
        "osara",
        "triangle",
        "priority",
        "community-identify",
        "community-responses",
        "matched-funding",
    ]


def _without_matched_funding() -> ProblemSolvingPlan:
    plan = _eligible_plan()
    plan.withdraw_matched_funding("hertfordshire-police")
    return plan


def _without_identifying_community() -> ProblemSolvingPlan:
    plan = plan_at(PlanStage.RESPONSE)
    plan_one_response(plan)
    plan.record_community_involvement("objective", "Councillor raised it")
    plan.record_community_involvement("response", "Residents chose the options")
    plan.record_matched_funding("hertfordshire-police", 500)
    return plan


def _without_responses_chosen_by_community() -> ProblemSolvingPlan:
    plan = plan_at(PlanStage.RESPONSE)
    plan_one_response(plan)
    plan.record_community_involvement("analysis", "Residents' meeting")
    plan.record_matched_funding("hertfordshire-police", 500)
    return plan


def _without_live_response() -> ProblemSolvingPlan:
    plan = _eligible_plan()
    for response in plan.open_responses:
        plan.drop_response(response.number, "Not needed")
    return plan


def _at_scanning_with_everything_else() -> ProblemSolvingPlan:
    plan = plan_at(PlanStage.SCANNING)
    plan.record_community_involvement("scanning", "Survey")
    plan.record_matched_funding("hertfordshire-police", 500)
    return plan


@pytest.mark.parametrize(
    ("build", "priorities", "unmet"),
    [
        (_without_matched_funding, PRIORITIES, ["matched-funding"]),
        (_eligible_plan, ["Drug-related harm"], ["priority"]),
        (_without_identifying_community, PRIORITIES, ["community-identify"]),
        (_without_responses_chosen_by_community, PRIORITIES, ["community-responses"]),
        (_without_live_response, PRIORITIES, ["osara"]),
        (
            _at_scanning_with_everything_else,
            PRIORITIES,
            ["osara", "triangle", "community-responses"],
        ),
    ],
)
def test_funding_eligibility_names_each_unmet_criterion(
    build: Callable[[], ProblemSolvingPlan], priorities: list[str], unmet: list[str]
) -> None:
    eligibility = build().funding_eligibility(priorities)
    assert not eligibility.eligible
    assert [c.code for c in eligibility.criteria if not c.met] == unmet
    assert len(eligibility.unmet) == len(unmet)
