"""Restriction of processing (UK GDPR Article 18): a record kept, but beyond use.

A restriction is its own small aggregate, keyed by the restricted record's id, so the
person's or case's own events are untouched and restricting never changes their history.
While a record is restricted only the roles named in :class:`RestrictionRules` may read it
(the application layer enforces that in one place and logs every such read).

The reasons given are personal data (they often say what the subject disputes), so they
are sealed under the restriction's own key, which is destroyed with the record's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.shared import clock
from domain.shared.aggregate import CaseworkAggregate
from domain.shared.errors import InvalidValue, RuleViolation
from domain.shared.values import value_type

RESTRICTION_NAMESPACE = UUID("5d2f0c1e-7b3a-4e59-8c61-2a9e4f1b7d35")
RESTRICTABLE_KINDS = ("person", "case")
MAX_REASON_LENGTH = 2000
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class RestrictionRules:
    """Who may do what with restricted records. The ``[restriction]`` section of the rules."""

    readers: tuple[str, ...] = ("auditor", "admin")
    """Roles that may still read a restricted record; every read by them is logged."""

    restrict_roles: tuple[str, ...] = ("coordinator", "admin")
    """Roles that may restrict a record."""

    lift_roles: tuple[str, ...] = ("admin",)
    """Roles that may lift a restriction (the data protection lead acts as admin): a
    coordinator who restricted a record cannot make it usable again on their own."""

    def __post_init__(self) -> None:
        for name in ("readers", "restrict_roles", "lift_roles"):
            roles = getattr(self, name)
            if not isinstance(roles, tuple) or not roles:
                raise ValueError(f"{name} must be a non-empty list of roles")
            if not all(isinstance(role, str) and role.strip() for role in roles):
                raise ValueError(f"{name} must hold role names")


@value_type
@dataclass(frozen=True)
class RestrictionPeriod:
    """One period of restriction, open while ``lifted_at`` is None."""

    restricted_at: datetime
    restricted_by: str
    reason: str
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.lifted_at is None


def _text(value: object, field: str, max_length: int, what: str) -> str:
    cleaned = value.strip() if isinstance(value, str) else ""
    if not cleaned:
        raise InvalidValue(f"Say {what}.", rule="required", field=field)
    if len(cleaned) > max_length:
        raise InvalidValue(
            f"{field} must be at most {max_length} characters.", rule="too_long", field=field
        )
    return cleaned


class ProcessingRestriction(CaseworkAggregate):
    """Whether a person's or a case's processing is restricted, and its periods."""

    class Created(CaseworkAggregate.Created):
        personal_fields = frozenset[str]()
        record_id: UUID
        record_kind: str
        partnership_id: str

    class Restricted(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        reason: str
        by: str
        restricted_at: datetime

    class RestrictionLifted(CaseworkAggregate.Event):
        personal_fields = frozenset({"reason"})
        reason: str
        by: str
        lifted_at: datetime

    @staticmethod
    def create_id(record_id: UUID) -> UUID:
        """One restriction aggregate per record, found from the record's id alone."""
        return uuid5(RESTRICTION_NAMESPACE, f"restriction:{record_id}")

    @event(Created)
    def __init__(self, record_id: UUID, record_kind: str, partnership_id: str) -> None:
        self.record_id = record_id
        self.record_kind = record_kind
        self.partnership_id = partnership_id
        self.periods: list[RestrictionPeriod] = []

    @classmethod
    def restrict_record(
        cls, *, record_id: UUID, record_kind: str, partnership_id: str, reason: str, by: str
    ) -> ProcessingRestriction:
        """A new restriction of ``record_id``, in force from now."""
        if not isinstance(record_id, UUID):
            raise InvalidValue("record_id must be an id (UUID).", rule="invalid_type",
                               field="record_id")
        if record_kind not in RESTRICTABLE_KINDS:
            raise InvalidValue(
                f"Only these kinds of record can be restricted: {', '.join(RESTRICTABLE_KINDS)}.",
                rule="invalid_choice", field="kind",
            )
        checked_reason = _text(reason, "reason", MAX_REASON_LENGTH, "why processing is restricted")
        checked_by = _text(by, "by", MAX_NAME_LENGTH, "who restricted it")
        restriction = cls(record_id=record_id, record_kind=record_kind,
                          partnership_id=_text(partnership_id, "partnership_id",
                                               MAX_NAME_LENGTH, "the partnership"))
        restriction._restricted(checked_reason, checked_by, clock.now())
        return restriction

    # ----------------------------------------------------------------- commands

    def restrict(self, *, reason: str, by: str) -> None:
        """Restrict again after an earlier restriction was lifted."""
        if self.is_restricted:
            raise RuleViolation("This record is already restricted.", rule="already_restricted")
        self._restricted(
            _text(reason, "reason", MAX_REASON_LENGTH, "why processing is restricted"),
            _text(by, "by", MAX_NAME_LENGTH, "who restricted it"),
            clock.now(),
        )

    def lift(self, *, reason: str, by: str) -> None:
        """Lift the restriction in force (tell the data subject first: Article 18(3))."""
        if not self.is_restricted:
            raise RuleViolation("This record is not restricted.", rule="not_restricted")
        self._lifted(
            _text(reason, "reason", MAX_REASON_LENGTH, "why the restriction is lifted"),
            _text(by, "by", MAX_NAME_LENGTH, "who lifted it"),
            clock.now(),
        )

    @event(Restricted)
    def _restricted(self, reason: str, by: str, restricted_at: datetime) -> None:
        self.periods = [*self.periods, RestrictionPeriod(restricted_at, by, reason)]

    @event(RestrictionLifted)
    def _lifted(self, reason: str, by: str, lifted_at: datetime) -> None:
        if self.periods and self.periods[-1].is_open:
            last = replace(self.periods[-1], lifted_at=lifted_at, lifted_by=by,
                           lift_reason=reason)
            self.periods = [*self.periods[:-1], last]

    # ------------------------------------------------------------------ queries

    @property
    def current(self) -> RestrictionPeriod | None:
        """The period in force, if the record is restricted now."""
        if self.periods and self.periods[-1].is_open:
            return self.periods[-1]
        return None

    @property
    def is_restricted(self) -> bool:
        return self.current is not None
