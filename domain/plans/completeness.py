"""What a plan still needs before it can move on from each stage.

A stage's requirements must be met to leave it: the objective to start scanning,
all three sides of the triangle and a baseline to start analysis, and so on. The
items are phrased for the officer filling in the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.plans.values import WORKING_STAGES, PlanStage, ResponseStatus, TriangleSide

if TYPE_CHECKING:
    from domain.plans.state import PlanState


@dataclass(frozen=True)
class MissingItem:
    stage: PlanStage
    code: str
    """Stable identifier, e.g. ``scanning.offender`` or ``assessment.measure``."""
    description: str

    def __str__(self) -> str:
        return f"{self.stage.label}: {self.description}"


def missing_items(plan: PlanState) -> tuple[MissingItem, ...]:
    """Everything missing at the plan's stage and the stages before it (none once closed)."""
    if plan.stage is PlanStage.CLOSED:
        return ()
    items: list[MissingItem] = []
    for stage in WORKING_STAGES[: plan.stage.rank + 1]:
        items.extend(missing_for_stage(plan, stage))
    return tuple(items)


def missing_for_stage(plan: PlanState, stage: PlanStage) -> list[MissingItem]:
    checks = {
        PlanStage.OBJECTIVE: _objective,
        PlanStage.SCANNING: _scanning,
        PlanStage.ANALYSIS: _analysis,
        PlanStage.RESPONSE: _response,
        PlanStage.ASSESSMENT: _assessment,
    }
    check = checks.get(stage)
    return check(plan) if check else []


def jag_blockers(plan: PlanState) -> list[MissingItem]:
    """What stops the plan being put to the JAG: O'SAR content and a live response."""
    items = _objective(plan) + _scanning(plan) + _analysis(plan)
    if not _live_responses(plan):
        items.append(_no_live_response())
    return items


def _objective(plan: PlanState) -> list[MissingItem]:
    if plan.objective:
        return []
    return [MissingItem(PlanStage.OBJECTIVE, "objective.aim", "set the overall aim of the plan")]


def _scanning(plan: PlanState) -> list[MissingItem]:
    items = [
        MissingItem(
            PlanStage.SCANNING,
            f"scanning.{side.value}",
            f"record what is happening from the {side.value}'s side"
            if side is not TriangleSide.LOCATION
            else "record what is happening at the location",
        )
        for side in TriangleSide
        if side not in plan.scanning
    ]
    if not plan.baseline_measures:
        items.append(
            MissingItem(
                PlanStage.SCANNING, "scanning.baseline", "record at least one baseline measure"
            )
        )
    return items


def _analysis(plan: PlanState) -> list[MissingItem]:
    items = [
        MissingItem(
            PlanStage.ANALYSIS,
            f"analysis.{side.value}",
            f"record why it is happening from the {side.value}'s side"
            if side is not TriangleSide.LOCATION
            else "record why it is happening at the location",
        )
        for side in TriangleSide
        if side not in plan.analysis
    ]
    if not plan.triggers:
        items.append(MissingItem(PlanStage.ANALYSIS, "analysis.triggers", "record the triggers"))
    if not plan.hypothesis:
        items.append(
            MissingItem(PlanStage.ANALYSIS, "analysis.hypothesis", "set a working hypothesis")
        )
    if not plan.specific_objectives:
        items.append(
            MissingItem(
                PlanStage.ANALYSIS,
                "analysis.objectives",
                "add at least one specific, measurable objective",
            )
        )
    return items


def _response(plan: PlanState) -> list[MissingItem]:
    items: list[MissingItem] = []
    if not _live_responses(plan):
        items.append(_no_live_response())
    still_open = plan.open_responses
    if still_open:
        numbers = ", ".join(f"R{r.number}" for r in still_open)
        items.append(
            MissingItem(
                PlanStage.RESPONSE,
                "response.open",
                f"complete or drop the open responses ({numbers})",
            )
        )
    if not plan.is_signed_off:
        items.append(
            MissingItem(PlanStage.RESPONSE, "governance.sign-off", "get supervisor sign-off")
        )
    if not plan.agreed_at_jag:
        items.append(
            MissingItem(PlanStage.RESPONSE, "governance.jag", "get the plan agreed at the JAG")
        )
    return items


def _assessment(plan: PlanState) -> list[MissingItem]:
    measured_after = {m.name for m in plan.after_measures}
    items = [
        MissingItem(
            PlanStage.ASSESSMENT,
            "assessment.measure",
            f"measure '{baseline.name}' again after the response",
        )
        for baseline in plan.baseline_measures
        if baseline.name not in measured_after
    ]
    if plan.assessment is None:
        items.append(
            MissingItem(
                PlanStage.ASSESSMENT,
                "assessment.result",
                "record whether the plan was carried out and the result",
            )
        )
    return items


def _live_responses(plan: PlanState) -> bool:
    return any(r.status is not ResponseStatus.DROPPED for r in plan.responses)


def _no_live_response() -> MissingItem:
    return MissingItem(
        PlanStage.RESPONSE, "response.planned", "plan at least one response (not dropped)"
    )
