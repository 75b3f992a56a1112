"""Schemathesis: random requests built from the OpenAPI document never get a server error.

The app is built at import time (schemathesis needs the schema to generate tests) over
a throwaway SQLite store; the store machinery itself is tested on both stores elsewhere.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from adapters.bootstrap import bootstrap
from adapters.config.settings import Settings
from adapters.http.app import create_app
from adapters.persistence.keyring import new_master_key

_workdir = Path(tempfile.mkdtemp(prefix="casework-fuzz-"))
atexit.register(shutil.rmtree, _workdir, True)
_container = bootstrap(Settings(
    database=str(_workdir / "fuzz.sqlite"), var_dir=_workdir / "var",
    auth_secret="fuzz-secret-" + "x" * 32, master_key=new_master_key(),
    projections_in_process=False,
))
atexit.register(_container.close)
assert _container.token_issuer is not None
HEADERS = {"Authorization": "Bearer " + _container.token_issuer.issue(
    user_id="fuzz.officer", display_name="Fuzz Officer", agency="herts-police",
    roles=["officer", "coordinator"], partnerships=["north-herts"])}

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_container)).include(
    path_regex=r"^/api/(cases|people|case-reviews|plans)"
)


@schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_case_endpoints_never_fail_with_a_server_error(case: Any) -> None:
    case.call_and_validate(headers=HEADERS, checks=[not_a_server_error])
