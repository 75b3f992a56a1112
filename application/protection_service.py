"""Data protection use cases: restriction of processing, and retention by erasure.

* **Restriction** (UK GDPR Art. 18). :class:`ProtectionService` restricts and lifts; the
  :class:`RestrictionGuard` of a store is consulted by ``RecordLoader.load`` (the one
  place every service loads a record through) and refuses a restricted record to every
  role but the named readers, writing each read (and each refusal) to the access log.
* **Retention**. :class:`RetentionService` finds the records past their retention period
  (:mod:`domain.protection.retention`) and erases them through a :class:`SubjectEraser`
  (the adapter destroys their data keys, deletes their snapshots and reclaims the space),
  then calls the ``on_erased`` hooks so read models can forget them.

Finding the records and the people they mention scans the notification log once
(:func:`index_log`): O(events) reads and decodes, acceptable for a monthly batch job (see
docs/data-protection.md for measured costs); the index is incremental, so the apply step
only reads what was written since the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application import access
from application.access_log import AccessEntry, AccessLog
from application.commands import CommandOutcome, CommandRunner, Idempotency
from application.context import Role, current_context
from application.errors import Forbidden, NotFound
from application.rules import LocalRules
from application.store import CaseworkStore
from domain.cases import AsbCase
from domain.people.aggregate import Person
from domain.plans.aggregate import ProblemSolvingPlan
from domain.protection.restriction import ProcessingRestriction, RestrictionRules
from domain.protection.retention import (
    RetentionRules,
    Verdict,
    closed_record_verdict,
    closure_date,
    person_verdict,
)
from domain.protection.subjects import referenced_ids
from domain.reviews.aggregate import CaseReview
from domain.shared.errors import InvalidValue
from domain.shared.periods import local_date

RESTRICTED_READ = "read-restricted"
"""Access-log action: a named role read a restricted record."""
RESTRICTED_REFUSED = "refused-restricted"
"""Access-log action: a restricted record was refused to the actor."""

CASE, PERSON, PLAN, CASE_REVIEW, RESTRICTION = (
    "case", "person", "plan", "case-review", "restriction",
)
LINKING_KINDS = frozenset({CASE, PLAN, CASE_REVIEW})
"""Records that mention people by id; a person is kept while any of these is kept."""

_KIND_OF_CLASS: dict[type[Any], str] = {
    AsbCase: CASE,
    Person: PERSON,
    ProblemSolvingPlan: PLAN,
    CaseReview: CASE_REVIEW,
    ProcessingRestriction: RESTRICTION,
}
_RECORD_CLASS: dict[str, type[Any]] = {
    kind: cls for cls, kind in _KIND_OF_CLASS.items() if kind != RESTRICTION
}


def _topic(event_class: type[Any]) -> str:
    return f"{event_class.__module__}:{event_class.__qualname__}"


_CREATION_TOPICS: dict[str, str] = {
    _topic(AsbCase.Opened): CASE,
    _topic(Person.Registered): PERSON,
    _topic(ProblemSolvingPlan.Created): PLAN,
    _topic(CaseReview.Received): CASE_REVIEW,
    _topic(ProcessingRestriction.Created): RESTRICTION,
}


def kind_of(record: object) -> str | None:
    for cls, kind in _KIND_OF_CLASS.items():
        if isinstance(record, cls):
            return kind
    return None


# =========================================================================================
# The log index: which records exist and which people each mentions
# =========================================================================================


@dataclass
class RecordIndex:
    """Record ids by kind and, for each id mentioned by a case, plan or review, the records
    that mention it. Built by scanning the notification log; :meth:`catch_up` continues."""

    kinds: dict[UUID, str] = field(default_factory=dict)
    mentioned_by: dict[UUID, set[UUID]] = field(default_factory=dict)
    position: int = 0
    events_scanned: int = 0

    def ids_of(self, kind: str) -> list[UUID]:
        return [record_id for record_id, k in self.kinds.items() if k == kind]

    def records_mentioning(self, person_id: UUID) -> set[UUID]:
        return {
            record_id for record_id in self.mentioned_by.get(person_id, set())
            if self.kinds.get(record_id) in LINKING_KINDS
        }

    def catch_up(self, store: CaseworkStore, *, batch_size: int = 500) -> RecordIndex:
        while True:
            notifications = store.recorder.select_notifications(
                start=self.position + 1, limit=batch_size
            )
            if not notifications:
                return self
            for notification in notifications:
                self._take(store, notification)
            self.position = notifications[-1].id

    def _take(self, store: CaseworkStore, notification: Any) -> None:
        self.events_scanned += 1
        originator = notification.originator_id
        record_id = originator if isinstance(originator, UUID) else UUID(str(originator))
        created_kind = _CREATION_TOPICS.get(notification.topic)
        if created_kind is not None:
            self.kinds[record_id] = created_kind
        if self.kinds.get(record_id) not in LINKING_KINDS:
            return  # people's own events are never decoded for the index
        domain_event = store.mapper.to_domain_event(notification)
        for mentioned in referenced_ids(domain_event):
            if mentioned != record_id:
                self.mentioned_by.setdefault(mentioned, set()).add(record_id)


def index_log(store: CaseworkStore) -> RecordIndex:
    """Scan the whole notification log (every event once; people's events are not decoded)."""
    return RecordIndex().catch_up(store)


# =========================================================================================
# Restriction
# =========================================================================================


def load_restriction(store: CaseworkStore, record_id: UUID) -> ProcessingRestriction | None:
    """The restriction aggregate of ``record_id``, or None if it was never restricted."""
    # One indexed read of a (usually empty) event sequence. Restrictions are never
    # snapshotted, so the events are the whole story.
    return restriction_from(store.events.get(ProcessingRestriction.create_id(record_id)))


def restriction_from(events: Iterable[Any]) -> ProcessingRestriction | None:
    """A restriction replayed from all its events (None: never restricted)."""
    aggregate: Any = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    if aggregate is None:
        return None
    restriction: ProcessingRestriction = aggregate
    return restriction


class RestrictionGuard:
    """Refuses restricted records to every role but ``rules.readers``; logs every access."""

    def __init__(self, store: CaseworkStore, rules: RestrictionRules,
                 access_log: AccessLog | None = None) -> None:
        self.store = store
        self.rules = rules
        self.access_log = access_log

    @staticmethod
    def restriction_id(record_id: UUID) -> UUID:
        """The record whose events say whether ``record_id`` is restricted."""
        return ProcessingRestriction.create_id(record_id)

    def check(self, record: object, kind: str, record_id: UUID, *,
              restriction_events: Iterable[Any] | None = None) -> None:
        """Called by ``RecordLoader.load`` after the partnership check, with the
        restriction's events when it read them together with the record."""
        restriction = (load_restriction(self.store, record_id) if restriction_events is None
                       else restriction_from(restriction_events))
        if restriction is None or not restriction.is_restricted:
            return
        actor = access.actor()
        allowed = actor.has_role(*self.rules.readers)
        self._log(RESTRICTED_READ if allowed else RESTRICTED_REFUSED, kind, record_id,
                  getattr(record, "person_ids", ()))
        if not allowed:
            raise Forbidden(
                f"{kind} {record_id} is restricted: its processing has been restricted "
                "under data protection law, so only these roles may read it: "
                + ", ".join(self.rules.readers)
            )

    def _log(self, action: str, kind: str, record_id: UUID, person_ids: Iterable[UUID]) -> None:
        if self.access_log is not None:
            self.access_log.record(AccessEntry.for_context(
                current_context(), action, kind, record_id, list(person_ids)))


_GUARD_ATTRIBUTE = "_casework_restriction_guard"


def install_restriction_guard(guard: RestrictionGuard) -> RestrictionGuard:
    """Make ``guard`` the one every ``RecordLoader`` on ``guard.store`` consults (the store
    holds it, so it lives and dies with the store)."""
    guard.store.__dict__[_GUARD_ATTRIBUTE] = guard
    return guard


def restriction_guard(store: CaseworkStore) -> RestrictionGuard:
    """The store's guard; a store nobody configured gets the default rules (never none)."""
    guard: RestrictionGuard | None = store.__dict__.get(_GUARD_ATTRIBUTE)
    if guard is None:
        guard = install_restriction_guard(RestrictionGuard(store, RestrictionRules()))
    return guard


@dataclass(frozen=True)
class RestrictionStatus:
    record_id: UUID
    record_kind: str
    partnership_id: str
    restriction: ProcessingRestriction

    @property
    def is_restricted(self) -> bool:
        return self.restriction.is_restricted


class ProtectionService:
    """Restricting and lifting restrictions on people and cases."""

    def __init__(self, store: CaseworkStore, runner: CommandRunner, rules: LocalRules) -> None:
        self.store = store
        self.runner = runner
        self.rules = rules.restriction

    def restrict(self, record_id: UUID, *, kind: str, reason: str,
                 idempotency: Idempotency | None = None) -> CommandOutcome:
        actor = access.require_role(*self.rules.restrict_roles,
                                    doing="restricting a record's processing")
        partnership_id = self._record(record_id, kind).partnership_id

        def build() -> list[ProcessingRestriction]:
            existing = load_restriction(self.store, record_id)
            if existing is None:
                return [ProcessingRestriction.restrict_record(
                    record_id=record_id, record_kind=kind, partnership_id=partnership_id,
                    reason=reason, by=actor.user_id)]
            existing.restrict(reason=reason, by=actor.user_id)
            return [existing]

        return self.runner.create(build, idempotency=idempotency)

    def lift(self, record_id: UUID, *, reason: str,
             idempotency: Idempotency | None = None) -> CommandOutcome:
        actor = access.require_role(*self.rules.lift_roles, doing="lifting a restriction")
        restriction = self._visible_restriction(record_id)

        def load(_: UUID) -> ProcessingRestriction:
            current = load_restriction(self.store, record_id)
            assert current is not None
            return current

        def command(current: ProcessingRestriction) -> None:
            current.lift(reason=reason, by=actor.user_id)

        return self.runner.update(restriction.id, load, command, idempotency=idempotency)

    def status(self, record_id: UUID) -> RestrictionStatus:
        access.require_role(
            *dict.fromkeys((*self.rules.restrict_roles, *self.rules.lift_roles,
                            *self.rules.readers)),
            doing="reading a record's restriction",
        )
        restriction = self._visible_restriction(record_id)
        return RestrictionStatus(record_id=record_id, record_kind=restriction.record_kind,
                                 partnership_id=restriction.partnership_id,
                                 restriction=restriction)

    def is_restricted(self, record_id: UUID) -> bool:
        restriction = load_restriction(self.store, record_id)
        return restriction is not None and restriction.is_restricted

    def _record(self, record_id: UUID, kind: str) -> access.BelongsToPartnership:
        record_class = _RECORD_CLASS.get(kind)
        if record_class is None or kind not in (CASE, PERSON):
            raise InvalidValue("kind must be person or case", rule="invalid_choice",
                               field="kind")
        try:
            record: object = self.store.repository.get(record_id)
        except AggregateNotFoundError:
            raise NotFound(kind, record_id) from None
        if not isinstance(record, record_class):
            raise NotFound(kind, record_id)
        visible: access.BelongsToPartnership = record
        access.visible_or_not_found(visible, kind, record_id)
        return visible

    def _visible_restriction(self, record_id: UUID) -> ProcessingRestriction:
        restriction = load_restriction(self.store, record_id)
        if restriction is None:
            raise NotFound("restriction of record", record_id)
        access.visible_or_not_found(restriction, "restriction of record", record_id)
        return restriction


# =========================================================================================
# Retention
# =========================================================================================


class SubjectEraser(Protocol):
    """What erasure needs from storage (adapters/cli/retention.py implements it)."""

    def destroyed_subjects(self) -> set[UUID]:
        """Every subject whose data key has been destroyed."""
        ...

    def destroy_keys(self, subject_ids: Sequence[UUID]) -> None: ...

    def delete_snapshots(self, subject_ids: Sequence[UUID]) -> int:
        """Delete the snapshots of these subjects; returns how many were deleted."""
        ...

    def reclaim_space(self) -> None:
        """Make the storage forget freed bytes (VACUUM)."""
        ...


ErasedHook = Callable[[Sequence[UUID]], None]


@dataclass(frozen=True)
class RetentionItem:
    """One record in a retention report."""

    kind: str
    record_id: UUID
    partnership_id: str
    reference: str | None
    verdict: Verdict
    held: bool = False
    """Due, but its processing is restricted: kept until the restriction is lifted."""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "record_id": str(self.record_id),
            "partnership_id": self.partnership_id,
            "reference": self.reference,
            "erasable_from": None if self.verdict.erasable_from is None
            else self.verdict.erasable_from.isoformat(),
            "why": self.verdict.why,
            "action": "hold (restricted)" if self.held else "erase",
        }


@dataclass(frozen=True)
class RetentionReport:
    today: date
    due: tuple[RetentionItem, ...]
    held: tuple[RetentionItem, ...]
    already_erased: int
    records_checked: int
    events_scanned: int
    warnings: tuple[str, ...] = ()
    index: RecordIndex | None = field(default=None, compare=False, repr=False)

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for item in self.due:
            counted[item.kind] = counted.get(item.kind, 0) + 1
        return counted

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "due": [item.to_json() for item in self.due],
            "held": [item.to_json() for item in self.held],
            "due_by_kind": self.counts(),
            "already_erased": self.already_erased,
            "records_checked": self.records_checked,
            "events_scanned": self.events_scanned,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ErasureResult:
    erased: tuple[UUID, ...]
    """Records erased in this run."""
    subjects_destroyed: tuple[UUID, ...]
    """Every key destroyed (the records' and their restrictions')."""
    snapshots_deleted: int
    skipped: tuple[tuple[UUID, str], ...] = ()
    """Reported as due but no longer due when applied (reopened, restricted...)."""
    hook_failures: tuple[str, ...] = ()
    """``on_erased`` hooks that raised: their read models may still hold the erased data
    (rebuild them); the keys were destroyed regardless."""


@dataclass(frozen=True)
class _Facts:
    partnership_id: str
    reference: str | None
    closed_on: date | None
    lead_agency: str | None


def _closed_record_facts(record: object) -> _Facts:
    if isinstance(record, AsbCase):
        closure = record.closure
        return _Facts(record.partnership_id, record.reference,
                      None if closure is None else closure_date(closure.closed_at),
                      record.lead.agency)
    if isinstance(record, ProblemSolvingPlan):
        return _Facts(record.partnership_id, record.reference, record.closed_on,
                      record.lead_agency)
    if isinstance(record, CaseReview):
        finished = record.closed_on or record.withdrawn_on
        return _Facts(record.partnership_id, record.reference, finished, None)
    raise TypeError(f"no retention rule for {type(record).__name__}")


class RetentionService:
    """Reports what is due for erasure on a date, and erases it."""

    def __init__(self, store: CaseworkStore, rules: LocalRules, eraser: SubjectEraser,
                 on_erased: Sequence[ErasedHook] = ()) -> None:
        self.store = store
        self.rules: RetentionRules = rules.retention
        self.local_rules = rules
        self.eraser = eraser
        self.on_erased = on_erased

    def report(self, today: date) -> RetentionReport:
        """What ``apply`` would erase on ``today`` (changes nothing)."""
        access.require_role(Role.ADMIN, doing="running retention")
        index = index_log(self.store)
        return self._report(index, today)

    def _report(self, index: RecordIndex, today: date,
                only: set[UUID] | None = None) -> RetentionReport:
        """``only``: judge just these records (the apply step re-checking a report)."""
        erased = self.eraser.destroyed_subjects()
        restricted = self._restricted_records(index, erased)
        due: list[RetentionItem] = []
        held: list[RetentionItem] = []
        already = checked = 0
        for record_id, kind in list(index.kinds.items()):
            if kind not in LINKING_KINDS or (only is not None and record_id not in only):
                continue
            if record_id in erased:
                already += 1
                continue
            checked += 1
            item = self._closed_record_item(record_id, kind, today)
            if item is not None and item.verdict.due:
                (held if record_id in restricted else due).append(
                    item if record_id not in restricted else _held(item))
        going = {item.record_id for item in due}
        for person_id in index.ids_of(PERSON):
            if only is not None and person_id not in only:
                continue
            if person_id in erased:
                already += 1
                continue
            checked += 1
            person: Person = self.store.repository.get(person_id)
            kept = [r for r in index.records_mentioning(person_id)
                    if r not in erased and r not in going]
            verdict = person_verdict(self.rules, registered_on=local_date(person.registered_at),
                                     records_kept=len(kept), today=today)
            if verdict.due:
                item = RetentionItem(PERSON, person_id, person.partnership_id, None, verdict)
                (held if person_id in restricted else due).append(
                    item if person_id not in restricted else _held(item))
        return RetentionReport(
            today=today, due=tuple(due), held=tuple(held), already_erased=already,
            records_checked=checked, events_scanned=index.events_scanned,
            warnings=self._warnings(), index=index,
        )

    def apply(self, report: RetentionReport) -> ErasureResult:
        """Erase what ``report`` found due, re-checking each record first (it may have been
        reopened or restricted since), then sweep, notify the hooks and reclaim space."""
        access.require_role(Role.ADMIN, doing="erasing records")
        index = (report.index or index_log(self.store)).catch_up(self.store)
        fresh = self._report(index, report.today, only={item.record_id for item in report.due})
        still_due = {item.record_id: item for item in fresh.due}
        erasing = [item for item in report.due if item.record_id in still_due]
        skipped = tuple(
            (item.record_id, "no longer due when applied")
            for item in report.due if item.record_id not in still_due
        )
        subjects: list[UUID] = []
        for item in erasing:
            subjects.append(item.record_id)
            if ProcessingRestriction.create_id(item.record_id) in index.kinds:
                subjects.append(ProcessingRestriction.create_id(item.record_id))
        if subjects:
            self.eraser.destroy_keys(subjects)
        # Sweep: snapshots of every destroyed subject, including any left behind by an
        # interrupted earlier run or written by a process whose key cache was still warm.
        deleted = self.eraser.delete_snapshots(sorted(self.eraser.destroyed_subjects()))
        hook_failures: list[str] = []
        if subjects:
            for hook in self.on_erased:
                try:
                    hook(tuple(subjects))
                except Exception as error:  # the keys are gone: finish, then report it
                    hook_failures.append(f"{getattr(hook, '__qualname__', hook)}: "
                                         f"{type(error).__name__}: {error}")
        self.eraser.reclaim_space()
        return ErasureResult(
            erased=tuple(item.record_id for item in erasing),
            subjects_destroyed=tuple(subjects), snapshots_deleted=deleted, skipped=skipped,
            hook_failures=tuple(hook_failures),
        )

    def _closed_record_item(self, record_id: UUID, kind: str, today: date
                            ) -> RetentionItem | None:
        try:
            record: object = self.store.repository.get(record_id)
        except AggregateNotFoundError:  # pragma: no cover - indexed ids exist
            return None
        facts = _closed_record_facts(record)
        verdict = closed_record_verdict(self.rules, closed_on=facts.closed_on,
                                        lead_agency=facts.lead_agency, today=today)
        return RetentionItem(kind, record_id, facts.partnership_id, facts.reference, verdict)

    def _restricted_records(self, index: RecordIndex, erased: set[UUID]) -> set[UUID]:
        restricted: set[UUID] = set()
        for restriction_id in index.ids_of(RESTRICTION):
            if restriction_id in erased:
                continue
            restriction: ProcessingRestriction = self.store.repository.get(restriction_id)
            if restriction.is_restricted:
                restricted.add(restriction.record_id)
        return restricted

    def _warnings(self) -> tuple[str, ...]:
        known = self.local_rules.agencies
        return tuple(
            f"retention.years_by_lead_agency names {agency!r}, which is not under [agencies]"
            for agency in self.rules.years_by_lead_agency
            if known and agency not in known
        )


def _held(item: RetentionItem) -> RetentionItem:
    return RetentionItem(item.kind, item.record_id, item.partnership_id, item.reference,
                         item.verdict, held=True)
