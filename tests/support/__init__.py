"""Real test infrastructure (no mocks): a throwaway PostgreSQL server and headless Chromium.

The CI rule lives here because both helpers share it: when a piece of infrastructure cannot
be provided, a developer's run *skips* the tests that need it, but a CI run (env ``CI`` is
"true", any case) *fails*, so a broken CI image can never turn into a quietly green build.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

__all__ = ["RequiredInfrastructureMissingError", "running_in_ci", "unavailable"]


class RequiredInfrastructureMissingError(RuntimeError):
    """Infrastructure a test needs is missing while running in CI, where skipping is not allowed."""


def running_in_ci() -> bool:
    """True when the environment variable ``CI`` is "true" (case-insensitive)."""
    return os.environ.get("CI", "").strip().lower() == "true"


def unavailable(reason: str, cause: BaseException | None = None) -> NoReturn:
    """Skip the current test (developer machine) or fail it loudly (CI) because of ``reason``."""
    if running_in_ci():
        raise RequiredInfrastructureMissingError(
            f"{reason}\n(CI=true: tests needing this infrastructure must fail, not skip)"
        ) from cause
    pytest.skip(reason)
