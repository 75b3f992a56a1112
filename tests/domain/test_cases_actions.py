"""Actions: tasks for an agency with an owner and a due date; overdue is derived."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.cases import ActionStatus, AsbCase
from domain.shared.errors import DomainError, InvalidValue, RuleViolation
from domain.shared.personal import personal_fields_of

pytestmark = pytest.mark.usefixtures("frozen_clock")

Rejects = Callable[..., DomainError]
TODAY = date(2026, 3, 10)


def set_action(case: AsbCase, due_on: date = TODAY + timedelta(days=14)) -> UUID:
    return case.set_action(
        agency="herts-police",
        owner="pcso.green",
        description="Visit the alleged perpetrator and give words of advice",
        due_on=due_on,
    )


def test_set_action(new_case: AsbCase, frozen_clock: datetime) -> None:
    action_id = set_action(new_case)
    action = new_case.find_action(action_id)
    assert action is not None
    assert (action.agency, action.owner, action.due_on) == (
        "herts-police",
        "pcso.green",
        date(2026, 3, 24),
    )
    assert action.status is ActionStatus.OPEN
    assert action.set_at == frozen_clock
    assert new_case.open_actions == [action]
    assert personal_fields_of(type(new_case.pending_events[-1])) == frozenset({"description"})


def test_action_due_today_is_allowed_but_not_yesterday(new_case: AsbCase, rejects: Rejects) -> None:
    set_action(new_case, due_on=TODAY)
    rejects(
        new_case,
        InvalidValue,
        "in_past",
        lambda: set_action(new_case, due_on=TODAY - timedelta(days=1)),
    )
    rejects(
        new_case,
        InvalidValue,
        "invalid_type",
        lambda: set_action(new_case, due_on=datetime(2026, 4, 1, tzinfo=UTC)),
    )
    rejects(
        new_case,
        InvalidValue,
        "required",
        lambda: new_case.set_action(agency="", owner="x", description="x", due_on=TODAY),
    )


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(date(2026, 3, 23), False), (date(2026, 3, 24), False), (date(2026, 3, 25), True)],
)
def test_overdue_is_derived_from_the_due_date(
    new_case: AsbCase, today: date, overdue: bool
) -> None:
    action_id = set_action(new_case)
    action = new_case.find_action(action_id)
    assert action is not None
    assert action.is_overdue(today) is overdue
    assert (new_case.overdue_actions(today) == [action]) is overdue
    assert "overdue" not in vars(action)


def test_completed_and_cancelled_actions_are_never_overdue(new_case: AsbCase) -> None:
    done = set_action(new_case)
    dropped = set_action(new_case)
    new_case.complete_action(action_id=done, note="Advice given")
    new_case.cancel_action(action_id=dropped, reason="Perpetrator moved away")
    assert new_case.overdue_actions(date(2027, 1, 1)) == []
    assert new_case.open_actions == []
    statuses = [(a.status, a.finishing_note) for a in new_case.actions]
    assert statuses == [
        (ActionStatus.COMPLETED, "Advice given"),
        (ActionStatus.CANCELLED, "Perpetrator moved away"),
    ]
    assert all(a.finished_at is not None for a in new_case.actions)


def test_finished_actions_cannot_change(new_case: AsbCase, rejects: Rejects) -> None:
    action_id = set_action(new_case)
    new_case.complete_action(action_id=action_id)
    for command in (
        lambda: new_case.complete_action(action_id=action_id),
        lambda: new_case.cancel_action(action_id=action_id, reason="x"),
        lambda: new_case.reassign_action(
            action_id=action_id,
            agency="x",
            owner="y",
        ),
    ):
        rejects(new_case, RuleViolation, "action_not_open", command)


def test_unknown_action(new_case: AsbCase, rejects: Rejects) -> None:
    rejects(
        new_case,
        RuleViolation,
        "unknown_action",
        lambda: new_case.complete_action(action_id=uuid4()),
    )


def test_cancel_needs_a_reason(new_case: AsbCase, rejects: Rejects) -> None:
    action_id = set_action(new_case)
    rejects(
        new_case,
        InvalidValue,
        "required",
        lambda: new_case.cancel_action(action_id=action_id, reason=" "),
    )


def test_reassign_action(new_case: AsbCase, rejects: Rejects) -> None:
    action_id = set_action(new_case)
    new_case.reassign_action(
        action_id=action_id,
        agency="north-herts-council",
        owner="asb.officer.2",
    )
    action = new_case.find_action(action_id)
    assert action is not None
    assert (action.agency, action.owner, action.due_on) == (
        "north-herts-council",
        "asb.officer.2",
        date(2026, 3, 24),
    )
    new_case.reassign_action(
        action_id=action_id,
        agency="north-herts-council",
        owner="asb.officer.2",
        due_on=date(2026, 4, 30),
    )
    assert new_case.open_actions[0].due_on == date(2026, 4, 30)
    rejects(
        new_case,
        RuleViolation,
        "no_change",
        lambda: new_case.reassign_action(
            action_id=action_id,
            agency="north-herts-council",
            owner="asb.officer.2",
        ),
    )
    rejects(
        new_case,
        InvalidValue,
        "in_past",
        lambda: new_case.reassign_action(
            action_id=action_id,
            agency="herts-police",
            owner="pc.jones",
            due_on=TODAY - timedelta(days=1),
        ),
    )
