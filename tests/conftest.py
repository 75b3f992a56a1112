"""Fixtures shared by every tier: both stores, settings, containers, hypothesis profiles."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from adapters.bootstrap import Container, bootstrap
from adapters.config.settings import Settings
from adapters.persistence.keyring import new_master_key
from application import aggregate_cache
from tests.support.postgres_server import (
    PostgresServer,
    fresh_database,
    postgres_server_for_session,
)

settings.register_profile(
    "dev", max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep", max_examples=400, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Every store the suite builds, in process or in a service subprocess, checks that no
# cached aggregate is changed in place (application/aggregate_cache.py).
aggregate_cache.VERIFY_BY_DEFAULT = True
os.environ["CASEWORK_AGGREGATE_CACHE_VERIFY"] = "true"

STORES = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    yield from postgres_server_for_session()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    yield from fresh_database(postgres_server)


def make_settings(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest,
                  **overrides: object) -> Settings:
    values: dict[str, object] = {
        "var_dir": tmp_path / "var",
        "auth_secret": "test-secret-" + "x" * 32,
        "master_key": new_master_key(),
        "log_format": "console",
        "projections_in_process": False,
    }
    if store_kind == "postgres":
        database: PostgresServer = request.getfixturevalue("postgres_database")
        values["database"] = database.url
        values["database_pool_size"] = 4
    else:
        values["database"] = str(tmp_path / "casework.sqlite")
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def test_settings(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return make_settings(store_kind, tmp_path, request)


@pytest.fixture
def container(test_settings: Settings) -> Iterator[Container]:
    built = bootstrap(test_settings)
    try:
        yield built
    finally:
        built.close()
