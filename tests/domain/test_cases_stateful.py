"""Random sequences of commands, valid and invalid, on one ASB case.

After every step the case's invariants hold, a rejected command changed nothing, and
the case rebuilt from the store (events, and snapshots every 50 events) is identical.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from application.store import CaseworkStore
from domain.cases import (
    AsbCase,
    AsbType,
    ClosureOutcome,
    ContactMethod,
    InterventionResult,
    InterventionType,
    JagOutcome,
    NsirCategory,
    PartyRole,
    ReportingChannel,
    RiskQuestionnaire,
    SupervisorDecision,
    VulnerabilityFlag,
)
from domain.cases.escalation import subject_allowed
from domain.cases.periods import london_date
from domain.shared import clock
from domain.shared.errors import DomainError

START = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
PEOPLE = [UUID(int=n) for n in range(1, 5)]  # a small pool, so commands often meet parties
STRANGER = UUID(int=99)  # never added to the case
SNAPSHOT_INTERVAL = 7
# The legal-order rules only bite when the heavier powers come up often.
INTERVENTION_TYPES = [
    InterventionType.COMMUNITY_PROTECTION_WARNING,
    InterventionType.COMMUNITY_PROTECTION_NOTICE,
    InterventionType.CRIMINAL_BEHAVIOUR_ORDER,
    InterventionType.CLOSURE_ORDER,
    *InterventionType,
]
QUESTION_CODES = RiskQuestionnaire().codes

people = st.sampled_from([*PEOPLE, STRANGER])
roles = st.sampled_from(PartyRole)
hours_ago = st.integers(min_value=-3, max_value=24 * 120)  # negative: in the future
days_ago = st.integers(min_value=-3, max_value=120)
index = st.integers(min_value=0, max_value=7)
# Mostly the alleged perpetrator added at the start (who may since have been removed).
subjects = st.sampled_from([PEOPLE[1], PEOPLE[1], PEOPLE[1], None, PEOPLE[0], STRANGER])


def strict(value: Any) -> Any:
    """A comparable form that keeps types: an enum never equals its plain string."""
    if isinstance(value, Enum):
        return ("enum", type(value).__qualname__, value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__qualname__,
            tuple((f.name, strict(getattr(value, f.name))) for f in dataclasses.fields(value)),
        )
    if isinstance(value, dict):
        return ("dict", sorted((repr(strict(k)), strict(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, [strict(item) for item in value])
    if isinstance(value, datetime):
        return ("datetime", value, value.utcoffset())
    return (type(value).__name__, value)


def state_of(case: AsbCase) -> dict[str, Any]:
    return {k: strict(v) for k, v in vars(case).items() if k != "_pending_events"}


def pick(ids: list[UUID], position: int) -> UUID:
    return ids[position % len(ids)] if ids else STRANGER


class AsbCaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        # Snapshots every few events, so reloading often starts from a snapshot.
        self.store = self.make_store()
        self.saved_events = 0
        self.accepted = 0
        self.rejected = 0
        with clock.frozen_at(self.now):
            self.case = AsbCase.open(
                partnership_id="north-herts",
                reference=self.make_reference(),
                nsir_category=NsirCategory.PERSONAL,
                asb_type=AsbType.INTIMIDATION,
                summary="Youths gathering and shouting at the door",
                address="3 Sample Close, Letchworth",
                ward="Letchworth Wilbury",
                reporting_channel=ReportingChannel.ONLINE,
                lead_agency="north-herts-council",
                lead_officer="asb.officer.1",
                reported_at=self.now - timedelta(days=100),
            )
            # A victim who complained and an alleged perpetrator, so more commands can succeed.
            self.case.add_party(person_id=PEOPLE[0], role=PartyRole.VICTIM)
            self.case.add_party(person_id=PEOPLE[0], role=PartyRole.COMPLAINANT)
            self.case.add_party(person_id=PEOPLE[1], role=PartyRole.ALLEGED_PERPETRATOR)
        self.accepted = self.case.version - 1

    # ------------------------------------------------------------- helpers

    def make_store(self) -> CaseworkStore:
        """The store to save into; tests/application runs this machine on real stores."""
        return CaseworkStore(snapshot_interval=SNAPSHOT_INTERVAL)

    def make_reference(self) -> str:
        return "ASB-2026-00001"

    @property
    def today(self) -> date:
        return london_date(self.now)

    def attempt(self, command: Callable[[AsbCase], object]) -> None:
        """Run a command at the machine's time; if it is refused, nothing may change."""
        version, pending = self.case.version, len(self.case.pending_events)
        before = state_of(self.case)
        refusal: DomainError | None = None
        with clock.frozen_at(self.now):
            try:
                command(self.case)
            except DomainError as error:
                refusal = error
        if refusal is not None:
            assert refusal.rule
            assert refusal.message
            assert self.case.version == version
            assert len(self.case.pending_events) == pending
            assert state_of(self.case) == before
            self.rejected += 1
            return
        self.accepted += 1
        assert self.case.version == version + 1

    def save_and_reload(self) -> None:
        self.saved_events += len(self.case.pending_events)
        self.store.save(self.case)
        copy: AsbCase = self.store.repository.get(self.case.id)
        assert state_of(copy) == state_of(self.case)
        assert copy.version == self.case.version
        self.case = copy

    # --------------------------------------------------------------- rules

    @rule(hours=st.integers(min_value=1, max_value=24 * 20))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def save_reload_and_carry_on_with_the_copy(self) -> None:
        self.save_and_reload()

    @rule(
        person=st.sampled_from(PEOPLE), role=roles, consent=st.booleans(), anonymity=st.booleans()
    )
    def add_party(self, person: UUID, role: PartyRole, consent: bool, anonymity: bool) -> None:
        self.attempt(
            lambda case: case.add_party(
                person_id=person, role=role, consent_to_share=consent, anonymity_requested=anonymity
            )
        )

    @rule(person=people, role=roles, consent=st.booleans(), anonymity=st.booleans())
    def update_party(self, person: UUID, role: PartyRole, consent: bool, anonymity: bool) -> None:
        self.attempt(
            lambda case: case.update_party(
                person_id=person, role=role, consent_to_share=consent, anonymity_requested=anonymity
            )
        )

    @rule(person=people, role=roles)
    def remove_party(self, person: UUID, role: PartyRole) -> None:
        self.attempt(lambda case: case.remove_party(person_id=person, role=role, reason="Error"))

    @rule(
        occurred=hours_ago,
        delay=st.integers(min_value=-2, max_value=48),
        agency=st.sampled_from(["herts-police", "north-herts-council"]),
        reference=st.sampled_from([None, "CAD-1", "CAD-2", "cad 1"]),
        reporter=st.none() | people,
    )
    def log_incident(
        self, occurred: int, delay: int, agency: str, reference: str | None, reporter: UUID | None
    ) -> None:
        occurred_at = self.now - timedelta(hours=occurred)
        self.attempt(
            lambda case: case.log_incident(
                occurred_at=occurred_at,
                reported_at=occurred_at + timedelta(hours=delay),
                reported_to_agency=agency,
                agency_reference=reference,
                description="Shouting and banging",
                reported_by=reporter,
            )
        )

    @rule(
        victim=people,
        yes=st.lists(st.booleans(), min_size=len(QUESTION_CODES), max_size=len(QUESTION_CODES)),
        flags=st.sets(st.sampled_from(VulnerabilityFlag), max_size=2),
    )
    def assess_risk(self, victim: UUID, yes: list[bool], flags: set[VulnerabilityFlag]) -> None:
        answers = dict(zip(QUESTION_CODES, yes, strict=True))
        self.attempt(
            lambda case: case.assess_risk(
                victim_id=victim, answers=answers, assessed_by="o", vulnerability_flags=flags
            )
        )

    @rule(decision=st.sampled_from(SupervisorDecision))
    def supervisor_review(self, decision: SupervisorDecision) -> None:
        self.attempt(lambda case: case.record_supervisor_review(reviewed_by="s", decision=decision))

    @rule(
        kind=st.sampled_from(INTERVENTION_TYPES),
        subject=subjects,
        started=days_ago,
        review_after=st.none() | st.integers(min_value=-2, max_value=90),
    )
    def record_intervention(
        self, kind: InterventionType, subject: UUID | None, started: int, review_after: int | None
    ) -> None:
        started_on = self.today - timedelta(days=started)
        review_on = None if review_after is None else started_on + timedelta(days=review_after)
        self.attempt(
            lambda case: case.record_intervention(
                intervention_type=kind,
                agency="north-herts-council",
                officer="o",
                started_on=started_on,
                subject_id=subject,
                review_on=review_on,
            )
        )

    def _intervene(self, kind: InterventionType, subject: UUID | None, days: int) -> None:
        self.attempt(
            lambda case: case.record_intervention(
                intervention_type=kind,
                agency="north-herts-council",
                officer="o",
                started_on=self.today - timedelta(days=days),
                subject_id=subject,
            )
        )

    @rule(subject=subjects, warned=st.integers(0, 30), served=st.integers(-1, 30))
    def warn_then_serve_a_notice(self, subject: UUID | None, warned: int, served: int) -> None:
        self._intervene(InterventionType.COMMUNITY_PROTECTION_WARNING, subject, warned)
        self._intervene(InterventionType.COMMUNITY_PROTECTION_NOTICE, subject, served)

    @rule(subject=subjects, convicted=st.integers(0, 30), ordered=st.integers(-1, 30))
    def convict_then_order(self, subject: UUID | None, convicted: int, ordered: int) -> None:
        if subject is not None:
            self.attempt(
                lambda case: case.record_conviction(
                    person_id=subject,
                    convicted_on=self.today - timedelta(days=convicted),
                    offence="Harassment",
                )
            )
        self._intervene(InterventionType.CRIMINAL_BEHAVIOUR_ORDER, subject, ordered)

    @rule(position=index, result=st.sampled_from(InterventionResult), days=days_ago)
    def record_intervention_result(
        self, position: int, result: InterventionResult, days: int
    ) -> None:
        target = pick([i.intervention_id for i in self.case.interventions], position)
        self.attempt(
            lambda case: case.record_intervention_result(
                intervention_id=target, result=result, result_on=self.today - timedelta(days=days)
            )
        )

    @rule(person=people, days=days_ago)
    def record_conviction(self, person: UUID, days: int) -> None:
        self.attempt(
            lambda case: case.record_conviction(
                person_id=person, convicted_on=self.today - timedelta(days=days), offence="x"
            )
        )

    @rule(due_in=st.integers(min_value=-2, max_value=30))
    def set_action(self, due_in: int) -> None:
        self.attempt(
            lambda case: case.set_action(
                agency="herts-police",
                owner="pc",
                description="Patrol",
                due_on=self.today + timedelta(days=due_in),
            )
        )

    @rule(position=index, how=st.sampled_from(["complete", "cancel", "reassign"]))
    def finish_or_reassign_action(self, position: int, how: str) -> None:
        target = pick([a.action_id for a in self.case.actions], position)
        if how == "complete":
            self.attempt(lambda case: case.complete_action(action_id=target))
        elif how == "cancel":
            self.attempt(lambda case: case.cancel_action(action_id=target, reason="Not needed"))
        else:
            self.attempt(
                lambda case: case.reassign_action(
                    action_id=target, agency="north-herts-council", owner=f"officer-{position}"
                )
            )

    @rule(person=people, hours=hours_ago)
    def record_victim_contact(self, person: UUID, hours: int) -> None:
        self.attempt(
            lambda case: case.record_victim_contact(
                person_id=person,
                contacted_at=self.now - timedelta(hours=hours),
                method=ContactMethod.PHONE,
                contacted_by="o",
                note="Update given",
            )
        )

    @rule(person=people, hours=hours_ago)
    def explain_case_review_right(self, person: UUID, hours: int) -> None:
        self.attempt(
            lambda case: case.record_case_review_right_explained(
                person_id=person,
                explained_at=self.now - timedelta(hours=hours),
                method=ContactMethod.LETTER,
            )
        )

    @rule()
    def refer_to_jag(self) -> None:
        self.attempt(lambda case: case.refer_to_jag(reason="Escalating"))

    @rule(days=st.integers(min_value=-1, max_value=10))
    def accept_jag_referral(self, days: int) -> None:
        self.attempt(
            lambda case: case.accept_jag_referral(accepted_on=self.today - timedelta(days=days))
        )

    @rule(outcome=st.sampled_from(JagOutcome))
    def conclude_jag_referral(self, outcome: JagOutcome) -> None:
        self.attempt(lambda case: case.conclude_jag_referral(outcome=outcome))

    @rule(
        outcome=st.sampled_from(ClosureOutcome),
        satisfaction=st.none() | st.integers(min_value=0, max_value=6),
    )
    def close(self, outcome: ClosureOutcome, satisfaction: int | None) -> None:
        self.attempt(
            lambda case: case.close(
                outcome=outcome, reason="Finished", victim_satisfaction=satisfaction
            )
        )

    @precondition(lambda self: self.case.is_closed)
    @rule()
    def reopen(self) -> None:
        self.attempt(lambda case: case.reopen(reason="New reports"))

    # ---------------------------------------------------------- invariants

    @invariant()
    def version_counts_every_event(self) -> None:
        assert self.case.version == self.saved_events + len(self.case.pending_events)
        assert self.case.version == 1 + self.accepted

    @invariant()
    def a_closed_case_has_no_open_work(self) -> None:
        if self.case.is_closed:
            assert self.case.open_actions == []
            assert self.case.open_jag_referral is None
            assert self.case.next_review_due is None
            assert not self.case.case_review_prompt_due()

    @invariant()
    def every_intervention_subject_is_a_fitting_party(self) -> None:
        for intervention in self.case.interventions:
            roles = self.case.roles_of(intervention.subject_id) if intervention.subject_id else []
            assert subject_allowed(intervention.intervention_type, intervention.subject_id, roles)
            if intervention.subject_id is not None:
                assert self.case.is_party(intervention.subject_id)

    @invariant()
    def the_legal_order_holds(self) -> None:
        interventions = self.case.interventions
        for position, later in enumerate(interventions):
            earlier = interventions[:position]
            if later.intervention_type is InterventionType.COMMUNITY_PROTECTION_NOTICE:
                assert any(
                    i.intervention_type is InterventionType.COMMUNITY_PROTECTION_WARNING
                    and i.subject_id == later.subject_id
                    and i.started_on < later.started_on
                    for i in earlier
                )
            if later.intervention_type is InterventionType.CRIMINAL_BEHAVIOUR_ORDER:
                assert any(
                    c.person_id == later.subject_id and c.convicted_on <= later.started_on
                    for c in self.case.convictions
                )

    @invariant()
    def parties_are_unique_and_records_consistent(self) -> None:
        keys = [(p.person_id, p.role) for p in self.case.parties]
        assert len(keys) == len(set(keys))
        assert STRANGER not in self.case.person_ids
        assert len([r for r in self.case.jag_referrals if r.is_open]) <= 1
        for incident in self.case.incidents:
            assert incident.occurred_at <= incident.reported_at <= self.now
        for action in self.case.actions:
            assert (action.finished_at is None) == action.is_open
        assert self.case.distinct_incident_count() <= len(self.case.incidents)

    def teardown(self) -> None:
        self.save_and_reload()


TestAsbCaseStateMachine = AsbCaseMachine.TestCase
