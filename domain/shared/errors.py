"""Errors raised by domain commands.

Every command validates its input and the aggregate's state *before* triggering
an event, and raises one of these with a message a user can act on.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command broke a domain rule. ``rule`` is a stable machine-readable code."""

    def __init__(self, message: str, *, rule: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.field = field


class InvalidValue(DomainError):
    """A value given to a command is not acceptable (maps to HTTP 422)."""


class RuleViolation(DomainError):
    """The command is not allowed in the aggregate's current state (maps to HTTP 409)."""
