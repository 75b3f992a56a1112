"""Errors the application layer raises (domain errors pass through unchanged)."""

from __future__ import annotations

from uuid import UUID


class ApplicationError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ApplicationError):
    """No such record, or not one the actor may see (we do not say which)."""

    def __init__(self, kind: str, identifier: UUID | str) -> None:
        super().__init__(f"{kind} {identifier} was not found")
        self.kind = kind
        self.identifier = identifier


class Forbidden(ApplicationError):
    """The actor's role does not allow this."""


class StaleVersion(ApplicationError):
    """The caller's expected version is not the current one; nothing was written."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            f"the record has changed since you read it: you sent version {expected}, "
            f"it is now at version {current}"
        )
        self.expected = expected
        self.current = current


class IdempotencyKeyReused(ApplicationError):
    """The same Idempotency-Key was sent with a different request."""


class TooManyConflicts(ApplicationError):
    """Concurrent writes kept colliding after every retry."""
