"""A mapper that seals each event's personal fields with its aggregate's data key."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from adapters.persistence.keyring import SubjectKeyDestroyed, SubjectKeyring
from adapters.persistence.records import AuditedStoredEvent
from domain.shared.personal import ERASED, personal_fields_of

SEALED = "_sealed"


class SubjectErased(Exception):
    """A snapshot of an erased subject was read; snapshots of erased subjects must go."""


def _sealed_fields(event_class: type[Any]) -> frozenset[str]:
    if issubclass(event_class, Snapshot):
        return frozenset({"state"})
    return personal_fields_of(event_class)


class ProtectedMapper(Mapper[Any]):
    def __init__(self, transcoder: Transcoder, keyring: SubjectKeyring | None) -> None:
        super().__init__(transcoder=transcoder)
        self.keyring = keyring

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event_class = type(domain_event)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(event_class, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        fields = _sealed_fields(event_class)
        new_key = None
        if self.keyring is not None and fields:
            personal = {name: state.pop(name) for name in sorted(fields) if name in state}
            if personal:
                subject_id, plaintext = _as_uuid(originator_id), self.transcoder.encode(personal)
                if self.keyring.defers_new_keys and not issubclass(event_class, Snapshot):
                    # A new subject's key goes into the events' transaction (the recorder
                    # inserts it); snapshots are stored on their own, so their key is not.
                    state[SEALED], new_key = self.keyring.seal_deferring(
                        subject_id, plaintext, new_subject=originator_version == 1)
                else:
                    state[SEALED] = self.keyring.seal(subject_id, plaintext)
        return AuditedStoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(event_class),
            state=self.transcoder.encode(state),
            timestamp=state.get("timestamp"),
            new_subject_key=new_key,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event_class = resolve_topic(stored_event.topic)
        state: dict[str, Any] = self.transcoder.decode(stored_event.state)
        sealed = state.pop(SEALED, None)
        if sealed is not None:
            state.update(self._unseal(event_class, stored_event.originator_id, sealed))
        state["originator_id"] = _as_uuid(stored_event.originator_id)
        state["originator_version"] = stored_event.originator_version
        class_version = getattr(event_class, "class_version", 1)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(event_class, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        domain_event = object.__new__(event_class)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event

    def _unseal(self, event_class: type[Any], originator_id: UUID | str, sealed: str
                ) -> dict[str, Any]:
        if self.keyring is None:
            raise SubjectKeyDestroyed("personal data is sealed but no master key is configured")
        try:
            opened: dict[str, Any] = self.transcoder.decode(
                self.keyring.open(_as_uuid(originator_id), sealed)
            )
        except SubjectKeyDestroyed:
            if issubclass(event_class, Snapshot):
                raise SubjectErased(f"snapshot of erased subject {originator_id}") from None
            return dict.fromkeys(_sealed_fields(event_class), ERASED)
        return opened


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
