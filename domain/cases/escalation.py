"""Who an intervention may be aimed at, and the order the law puts them in.

* Enforcement (warnings up to a Criminal Behaviour Order, and tenancy action) is
  aimed at a person who is an alleged perpetrator on the case.
* Place-based powers (dispersal, PSPO, closure notice and order) need no subject.
* Every other intervention is aimed at someone who is a party on the case.
* Legal order (Anti-social Behaviour, Crime and Policing Act 2014):
  a Community Protection Notice needs an earlier Community Protection Warning to
  the same person (s.43(5)); a Criminal Behaviour Order is made on conviction
  (s.22), so the subject needs a conviction recorded on or before its date; a
  closure order follows a closure notice (s.80).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from uuid import UUID

from domain.cases.records import Conviction, Intervention
from domain.cases.values import InterventionType, PartyRole
from domain.shared.errors import RuleViolation

ENFORCEMENT = frozenset(
    {
        InterventionType.WARNING,
        InterventionType.ACCEPTABLE_BEHAVIOUR_AGREEMENT,
        InterventionType.COMMUNITY_PROTECTION_WARNING,
        InterventionType.COMMUNITY_PROTECTION_NOTICE,
        InterventionType.CIVIL_INJUNCTION,
        InterventionType.CRIMINAL_BEHAVIOUR_ORDER,
        InterventionType.TENANCY_ACTION,
    }
)

PLACE_BASED = frozenset(
    {
        InterventionType.DISPERSAL,
        InterventionType.PUBLIC_SPACES_PROTECTION_ORDER,
        InterventionType.CLOSURE_NOTICE,
        InterventionType.CLOSURE_ORDER,
    }
)


def subject_allowed(
    intervention_type: InterventionType,
    subject_id: UUID | None,
    subject_roles: Collection[PartyRole],
) -> bool:
    """Whether a subject holding ``subject_roles`` on the case suits the intervention."""
    if subject_id is None:
        return intervention_type in PLACE_BASED
    if intervention_type in ENFORCEMENT:
        return PartyRole.ALLEGED_PERPETRATOR in subject_roles
    return bool(subject_roles)


def check_subject(
    intervention_type: InterventionType,
    subject_id: UUID | None,
    subject_roles: Collection[PartyRole],
) -> None:
    if subject_allowed(intervention_type, subject_id, subject_roles):
        return
    label = intervention_type.value.replace("_", " ")
    if subject_id is None:
        raise RuleViolation(
            f"A {label} must be aimed at a person on the case.",
            rule="subject_required",
            field="subject_id",
        )
    if subject_roles and intervention_type in ENFORCEMENT:
        raise RuleViolation(
            f"A {label} can only be aimed at an alleged perpetrator on the case.",
            rule="subject_not_alleged_perpetrator",
            field="subject_id",
        )
    raise RuleViolation(
        f"The subject of an intervention must be a party on the case ({subject_id} is not).",
        rule="unknown_party",
        field="subject_id",
    )


def check_legal_order(
    intervention_type: InterventionType,
    subject_id: UUID | None,
    started_on: date,
    earlier_interventions: Sequence[Intervention],
    convictions: Sequence[Conviction],
) -> None:
    if intervention_type is InterventionType.COMMUNITY_PROTECTION_NOTICE and not any(
        earlier.intervention_type is InterventionType.COMMUNITY_PROTECTION_WARNING
        and earlier.subject_id == subject_id
        and earlier.started_on < started_on
        for earlier in earlier_interventions
    ):
        raise RuleViolation(
            "A Community Protection Notice needs a Community Protection Warning given to "
            "the same person on an earlier date.",
            rule="cpn_needs_earlier_cpw",
            field="intervention_type",
        )
    if intervention_type is InterventionType.CRIMINAL_BEHAVIOUR_ORDER and not any(
        conviction.person_id == subject_id and conviction.convicted_on <= started_on
        for conviction in convictions
    ):
        raise RuleViolation(
            "A Criminal Behaviour Order is made on conviction: record the subject's "
            "conviction first.",
            rule="cbo_needs_conviction",
            field="intervention_type",
        )
    if intervention_type is InterventionType.CLOSURE_ORDER and not any(
        earlier.intervention_type is InterventionType.CLOSURE_NOTICE
        and earlier.started_on <= started_on
        for earlier in earlier_interventions
    ):
        raise RuleViolation(
            "A closure order follows a closure notice: record the closure notice first.",
            rule="closure_order_needs_notice",
            field="intervention_type",
        )
