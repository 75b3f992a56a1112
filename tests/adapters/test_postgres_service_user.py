"""A service process may run as a database user that owns nothing (docs/deployment.md):
once the schema exists, starting up and saving need only table and function privileges."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import psycopg
import pytest

from adapters.bootstrap import bootstrap
from application.context import acting_as
from tests.application.test_case_concurrency import OFFICER, _log, _open_case
from tests.conftest import make_settings
from tests.support.postgres_server import PostgresServer


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_a_service_user_without_create_privileges_can_start_and_write(
        store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    owner_settings = make_settings(store_kind, tmp_path, request)
    owner = bootstrap(owner_settings)  # the migration user creates tables and the function
    owner.close()

    database: PostgresServer = request.getfixturevalue("postgres_database")
    role = f"svc_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        conn.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                     f"TO {role}")
        conn.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        conn.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}")
    service_url = dataclasses.replace(database, user=role).url
    service = bootstrap(owner_settings.model_copy(
        update={"database": service_url, "create_schema": False}))
    try:
        cases = service.services["cases"]
        with acting_as(OFFICER):
            case_id = _open_case(cases)
            _log(cases, case_id, 1, 1, None)
            assert cases.get(case_id).version == 2
    finally:
        service.close()
