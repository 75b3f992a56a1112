"""The AsbCase state machine again, saving to SQLite and PostgreSQL through the real mapper.

Every step's invariants hold, and the case rebuilt from the stored events (and from the
sealed snapshots taken every 7 events) equals the live one, type for type.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from adapters.bootstrap import bootstrap
from application.store import CaseworkStore
from tests.conftest import make_settings
from tests.domain.test_cases_stateful import SNAPSHOT_INTERVAL, AsbCaseMachine

_numbers = itertools.count(1)


def test_replay_from_the_real_store_equals_live_state(
    store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    container = bootstrap(make_settings(store_kind, tmp_path, request,
                                        snapshot_interval=SNAPSHOT_INTERVAL))
    try:

        class OnRealStore(AsbCaseMachine):
            def make_store(self) -> CaseworkStore:
                return container.store

            def make_reference(self) -> str:
                return f"ASB-2026-{next(_numbers):05d}"

        run_state_machine_as_test(
            OnRealStore, settings=settings(settings.default, stateful_step_count=25)
        )
    finally:
        container.close()
