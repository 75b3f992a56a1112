"""Use cases for ASB cases and the people in them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application import access
from application.commands import CommandOutcome, CommandRunner, Idempotency
from application.errors import NotFound
from application.records import (
    PartnershipChecks,
    RecordLoader,
    next_reference,
    reference_counter_id,
)
from application.rules import LocalRules
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
    SupervisorDecision,
    VictimSatisfaction,
    VulnerabilityFlag,
)
from domain.people.aggregate import Person


class PeopleService:
    def __init__(self, store: CaseworkStore, runner: CommandRunner, rules: LocalRules) -> None:
        self.store = store
        self.runner = runner
        self.rules = rules
        self.loader = RecordLoader(store)

    def register(self, *, partnership_id: str, idempotency: Idempotency | None = None,
                 **details: Any) -> CommandOutcome:
        access.require_role(*access.CASEWORK_WRITERS, doing="registering a person")
        access.require_partnership(partnership_id)
        return self.runner.create(
            lambda: [Person.register(partnership_id=partnership_id, **details)],
            idempotency=idempotency,
        )

    def get(self, person_id: UUID, *, version: int | None = None) -> Person:
        access.require_role(*access.CASEWORK_READERS, doing="reading a person's details")
        return self.loader.load(Person, "person", person_id, version=version)

    def update(self, person_id: UUID, *, expected_version: int | None,
               idempotency: Idempotency | None, correction: bool, **details: Any
               ) -> CommandOutcome:
        access.require_role(*access.CASEWORK_WRITERS, doing="changing a person's details")

        def change(person: Person) -> None:
            if correction:
                person.correct_details(**details)
            else:
                person.update_details(**details)

        return self.runner.update(person_id, self._load, change,
                                  expected_version=expected_version, idempotency=idempotency)

    def _load(self, person_id: UUID) -> Person:
        return self.loader.load(Person, "person", person_id)


class CaseService:
    """Every command a neighbourhood team runs on an ASB case."""

    def __init__(self, store: CaseworkStore, runner: CommandRunner, rules: LocalRules) -> None:
        self.store = store
        self.runner = runner
        self.rules = rules
        self.loader = RecordLoader(store)
        self.checks = PartnershipChecks(rules, self.loader)

    # -- reading -------------------------------------------------------------------

    def get(self, case_id: UUID, *, version: int | None = None,
            as_at: datetime | None = None) -> AsbCase:
        access.require_role(*access.CASEWORK_READERS, doing="reading a case")
        return self.loader.load_as_at(AsbCase, "case", case_id, version=version, as_at=as_at)

    # -- opening -------------------------------------------------------------------

    def open_case(
        self,
        *,
        partnership_id: str,
        nsir_category: NsirCategory,
        asb_type: AsbType,
        summary: str,
        address: str,
        ward: str,
        reporting_channel: ReportingChannel,
        lead_agency: str,
        lead_officer: str,
        reported_at: datetime,
        other_type: str | None = None,
        outward_postcode: str | None = None,
        idempotency: Idempotency | None = None,
    ) -> CommandOutcome:
        access.require_role(*access.CASEWORK_WRITERS, doing="opening a case")
        access.require_partnership(partnership_id)
        partnership = self.checks.partnership(partnership_id)
        configured_ward = self.checks.ward(partnership, ward)
        self.checks.agency(partnership_id, lead_agency, "lead_agency")

        def build() -> list[Aggregate]:
            counter, reference = next_reference(self.store, "ASB")
            case = AsbCase.open(
                partnership_id=partnership_id, reference=reference,
                nsir_category=nsir_category, asb_type=asb_type, other_type=other_type,
                summary=summary, address=address, ward=configured_ward.name,
                neighbourhood=configured_ward.neighbourhood,
                outward_postcode=outward_postcode, reporting_channel=reporting_channel,
                lead_agency=lead_agency, lead_officer=lead_officer, reported_at=reported_at,
            )
            return [case, counter]

        return self.runner.create(build, idempotency=idempotency,
                                  contended=reference_counter_id("ASB"))

    # -- changing ------------------------------------------------------------------

    def change_lead(self, case_id: UUID, *, lead_agency: str, lead_officer: str,
                    **options: Any) -> CommandOutcome:
        def command(case: AsbCase) -> None:
            self.checks.agency(case.partnership_id, lead_agency, "lead_agency")
            case.change_lead(lead_agency=lead_agency, lead_officer=lead_officer)

        return self._change(case_id, command, **options)

    def add_party(self, case_id: UUID, *, person_id: UUID, role: PartyRole,
                  consent_to_share: bool = False, anonymity_requested: bool = False,
                  **options: Any) -> CommandOutcome:
        def command(case: AsbCase) -> None:
            self.checks.person(person_id, case.partnership_id)
            case.add_party(person_id=person_id, role=role, consent_to_share=consent_to_share,
                           anonymity_requested=anonymity_requested)

        return self._change(case_id, command, **options)

    def update_party(self, case_id: UUID, *, person_id: UUID, role: PartyRole,
                     consent_to_share: bool, anonymity_requested: bool,
                     **options: Any) -> CommandOutcome:
        return self._change(case_id, lambda case: case.update_party(
            person_id=person_id, role=role, consent_to_share=consent_to_share,
            anonymity_requested=anonymity_requested), **options)

    def remove_party(self, case_id: UUID, *, person_id: UUID, role: PartyRole, reason: str,
                     **options: Any) -> CommandOutcome:
        return self._change(case_id, lambda case: case.remove_party(
            person_id=person_id, role=role, reason=reason), **options)

    def log_incident(self, case_id: UUID, *, occurred_at: datetime, reported_at: datetime,
                     reported_to_agency: str, description: str,
                     agency_reference: str | None = None, reported_by: UUID | None = None,
                     **options: Any) -> tuple[CommandOutcome, UUID]:
        def command(case: AsbCase) -> UUID:
            self.checks.agency(case.partnership_id, reported_to_agency, "reported_to_agency")
            return case.log_incident(
                occurred_at=occurred_at, reported_at=reported_at,
                reported_to_agency=reported_to_agency, description=description,
                agency_reference=agency_reference, reported_by=reported_by)

        return self._change_returning(case_id, command, **options)

    def assess_risk(self, case_id: UUID, *, victim_id: UUID, answers: Mapping[str, bool],
                    assessed_by: str, vulnerability_flags: Iterable[VulnerabilityFlag] = (),
                    notes: str | None = None, **options: Any) -> CommandOutcome:
        rules = self.rules.cases
        return self._change(case_id, lambda case: case.assess_risk(
            victim_id=victim_id, answers=answers, assessed_by=assessed_by,
            vulnerability_flags=vulnerability_flags, notes=notes,
            questionnaire=rules.risk_questionnaire, cadence=rules.review_cadence), **options)

    def record_supervisor_review(self, case_id: UUID, *, reviewed_by: str,
                                 decision: SupervisorDecision, note: str | None = None,
                                 **options: Any) -> CommandOutcome:
        cadence = self.rules.cases.review_cadence
        return self._change(case_id, lambda case: case.record_supervisor_review(
            reviewed_by=reviewed_by, decision=decision, note=note, cadence=cadence), **options)

    def record_intervention(self, case_id: UUID, *, intervention_type: InterventionType,
                            agency: str, officer: str, started_on: date,
                            subject_id: UUID | None = None, review_on: date | None = None,
                            ends_on: date | None = None, details: str | None = None,
                            **options: Any) -> tuple[CommandOutcome, UUID]:
        def command(case: AsbCase) -> UUID:
            self.checks.agency(case.partnership_id, agency, "agency")
            return case.record_intervention(
                intervention_type=intervention_type, agency=agency, officer=officer,
                started_on=started_on, subject_id=subject_id, review_on=review_on,
                ends_on=ends_on, details=details)

        return self._change_returning(case_id, command, **options)

    def record_intervention_result(self, case_id: UUID, *, intervention_id: UUID,
                                   result: InterventionResult, result_on: date,
                                   note: str | None = None, **options: Any) -> CommandOutcome:
        return self._change(case_id, lambda case: case.record_intervention_result(
            intervention_id=intervention_id, result=result, result_on=result_on, note=note),
            **options)

    def record_conviction(self, case_id: UUID, *, person_id: UUID, convicted_on: date,
                          offence: str, court: str | None = None,
                          **options: Any) -> CommandOutcome:
        return self._change(case_id, lambda case: case.record_conviction(
            person_id=person_id, convicted_on=convicted_on, offence=offence, court=court),
            **options)

    def set_action(self, case_id: UUID, *, agency: str, owner: str, description: str,
                   due_on: date, **options: Any) -> tuple[CommandOutcome, UUID]:
        def command(case: AsbCase) -> UUID:
            self.checks.agency(case.partnership_id, agency, "agency")
            return case.set_action(agency=agency, owner=owner, description=description,
                                   due_on=due_on)

        return self._change_returning(case_id, command, **options)

    def complete_action(self, case_id: UUID, *, action_id: UUID, note: str | None = None,
                        **options: Any) -> CommandOutcome:
        return self._change(case_id, lambda case: case.complete_action(
            action_id=action_id, note=note), **options)

    def cancel_action(self, case_id: UUID, *, action_id: UUID, reason: str,
                      **options: Any) -> CommandOutcome:
        return self._change(case_id, lambda case: case.cancel_action(
            action_id=action_id, reason=reason), **options)

    def reassign_action(self, case_id: UUID, *, action_id: UUID, agency: str, owner: str,
                        due_on: date | None = None, **options: Any) -> CommandOutcome:
        def command(case: AsbCase) -> None:
            self.checks.agency(case.partnership_id, agency, "agency")
            case.reassign_action(action_id=action_id, agency=agency, owner=owner,
                                 due_on=due_on)

        return self._change(case_id, command, **options)

    def record_victim_contact(self, case_id: UUID, *, person_id: UUID, contacted_at: datetime,
                              method: ContactMethod, contacted_by: str, note: str,
                              **options: Any) -> CommandOutcome:
        return self._change(case_id, lambda case: case.record_victim_contact(
            person_id=person_id, contacted_at=contacted_at, method=method,
            contacted_by=contacted_by, note=note), **options)

    def record_case_review_right_explained(self, case_id: UUID, *, person_id: UUID,
                                           explained_at: datetime, method: ContactMethod,
                                           **options: Any) -> CommandOutcome:
        return self._change(case_id, lambda case: case.record_case_review_right_explained(
            person_id=person_id, explained_at=explained_at, method=method), **options)

    def refer_to_jag(self, case_id: UUID, *, reason: str,
                     **options: Any) -> tuple[CommandOutcome, UUID]:
        return self._change_returning(case_id, lambda case: case.refer_to_jag(reason=reason),
                                      **options)

    def accept_jag_referral(self, case_id: UUID, *, accepted_on: date,
                            **options: Any) -> CommandOutcome:
        access.require_role(*access.COORDINATORS, doing="accepting a JAG referral")
        return self._change(case_id, lambda case: case.accept_jag_referral(
            accepted_on=accepted_on), **options)

    def conclude_jag_referral(self, case_id: UUID, *, outcome: JagOutcome,
                              note: str | None = None, **options: Any) -> CommandOutcome:
        access.require_role(*access.COORDINATORS, doing="concluding a JAG referral")
        return self._change(case_id, lambda case: case.conclude_jag_referral(
            outcome=outcome, note=note), **options)

    def close(self, case_id: UUID, *, outcome: ClosureOutcome, reason: str,
              victim_satisfaction: VictimSatisfaction | None = None,
              **options: Any) -> CommandOutcome:
        return self._change(case_id, lambda case: case.close(
            outcome=outcome, reason=reason, victim_satisfaction=victim_satisfaction),
            **options)

    def reopen(self, case_id: UUID, *, reason: str, **options: Any) -> CommandOutcome:
        cadence = self.rules.cases.review_cadence
        return self._change(case_id, lambda case: case.reopen(reason=reason, cadence=cadence),
                            **options)

    # -- plumbing ------------------------------------------------------------------

    def _load(self, case_id: UUID) -> AsbCase:
        return self.loader.load(AsbCase, "case", case_id)

    def _change(self, case_id: UUID, command: Callable[[AsbCase], object], *,
                expected_version: int | None = None,
                idempotency: Idempotency | None = None) -> CommandOutcome:
        access.require_role(*access.CASEWORK_WRITERS, doing="changing a case")

        def run(case: AsbCase) -> None:
            command(case)

        return self.runner.update(case_id, self._load, run,
                                  expected_version=expected_version, idempotency=idempotency)

    def _change_returning(self, case_id: UUID, command: Callable[[AsbCase], UUID], *,
                          expected_version: int | None = None,
                          idempotency: Idempotency | None = None
                          ) -> tuple[CommandOutcome, UUID]:
        """For commands that create a sub-record and return its id (incident, action...).

        On an idempotent replay the command does not run again, so the id is found by
        comparing the case at the recorded version with the version before it.
        """
        created: list[UUID] = []

        def run(case: AsbCase) -> None:
            created.clear()
            created.append(command(case))

        outcome = self._change(case_id, run, expected_version=expected_version,
                               idempotency=idempotency)
        if created:
            return outcome, created[0]
        after = self.loader.load(AsbCase, "case", case_id, version=outcome.version)
        before = self.loader.load(AsbCase, "case", case_id, version=outcome.version - 1)
        return outcome, _created_sub_record_id(before, after)


def _sub_record_ids(case: AsbCase) -> set[UUID]:
    return (
        {i.incident_id for i in case.incidents}
        | {a.action_id for a in case.actions}
        | {i.intervention_id for i in case.interventions}
        | {r.referral_id for r in case.jag_referrals}
    )


def _created_sub_record_id(before: AsbCase, after: AsbCase) -> UUID:
    created = _sub_record_ids(after) - _sub_record_ids(before)
    if len(created) != 1:
        raise NotFound("sub-record of case", after.id)
    return created.pop()
