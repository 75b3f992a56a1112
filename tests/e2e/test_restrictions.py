"""Restriction of processing over HTTP, on both stores."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from adapters.bootstrap import bootstrap
from adapters.config.settings import Settings
from adapters.http.app import create_app
from adapters.persistence.keyring import new_master_key
from tests.e2e.conftest import TokenFactory


def test_restrict_read_and_lift_over_http(client: TestClient, auth: TokenFactory) -> None:
    officer = auth("officer", user="pc.jones")
    coordinator = auth("coordinator", user="csp.coord", agency="north-herts-council")
    auditor = auth("auditor", user="ig.auditor", agency="north-herts-council")
    admin = auth("admin", user="dpo", agency="north-herts-council")

    person = client.post("/api/people", json={"partnership_id": "north-herts",
                                              "name": "Rosa Restrictova"}, headers=officer)
    assert person.status_code == 201, person.text
    person_id = person.json()["id"]

    refused = client.post("/api/restrictions", json={
        "record_id": person_id, "kind": "person", "reason": "Accuracy contested"},
        headers=officer)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"

    made = client.post("/api/restrictions", json={
        "record_id": person_id, "kind": "person", "reason": "Accuracy contested"},
        headers={**coordinator, "Idempotency-Key": "r-1"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["restricted"] is True
    assert body["periods"][0]["restricted_by"] == "csp.coord"
    assert made.headers["Location"] == f"/api/restrictions/{person_id}"
    replay = client.post("/api/restrictions", json={
        "record_id": person_id, "kind": "person", "reason": "Accuracy contested"},
        headers={**coordinator, "Idempotency-Key": "r-1"})
    assert replay.status_code == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    twice = client.post("/api/restrictions", json={
        "record_id": person_id, "kind": "person", "reason": "again"}, headers=coordinator)
    assert twice.status_code == 409

    hidden = client.get(f"/api/people/{person_id}", headers=officer)
    assert hidden.status_code == 403
    assert "restricted" in hidden.json()["detail"]
    assert client.get(f"/api/people/{person_id}", headers=auditor).status_code == 200

    status = client.get(f"/api/restrictions/{person_id}", headers=coordinator)
    assert status.status_code == 200
    assert status.json()["periods"][0]["reason"] == "Accuracy contested"
    assert client.get(f"/api/restrictions/{person_id}", headers=officer).status_code == 403

    not_by_coordinator = client.post(f"/api/restrictions/{person_id}/lifting",
                                     json={"reason": "done"}, headers=coordinator)
    assert not_by_coordinator.status_code == 403
    lifted = client.post(f"/api/restrictions/{person_id}/lifting",
                         json={"reason": "Address verified; subject told"}, headers=admin)
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["restricted"] is False
    assert lifted.json()["periods"][0]["lifted_by"] == "dpo"
    assert client.get(f"/api/people/{person_id}", headers=officer).status_code == 200

    log = client.get("/api/audit/access-log", params={"record_id": person_id},
                     headers=auditor).json()
    actions = [(e["user_id"], e["action"]) for e in log["entries"]]
    assert ("pc.jones", "refused-restricted") in actions
    assert ("ig.auditor", "read-restricted") in actions
    assert ("csp.coord", "view-restriction") in actions


def test_bad_restriction_requests(client: TestClient, auth: TokenFactory) -> None:
    admin = auth("admin", user="dpo")
    unknown = client.post("/api/restrictions", json={
        "record_id": "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f", "kind": "person", "reason": "x"},
        headers=admin)
    assert unknown.status_code == 404
    bad_kind = client.post("/api/restrictions", json={
        "record_id": "6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f", "kind": "plan", "reason": "x"},
        headers=admin)
    assert bad_kind.status_code == 422
    assert client.get("/api/restrictions/6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f",
                      headers=admin).status_code == 404
    no_reason = client.post("/api/restrictions/6f1e4f0a-3c55-4b7e-9d8e-2b1a3c4d5e6f/lifting",
                            json={"reason": ""}, headers=admin)
    assert no_reason.status_code == 422


# -- random requests never get a server error -----------------------------------------

_workdir = Path(tempfile.mkdtemp(prefix="casework-fuzz-restrictions-"))
atexit.register(shutil.rmtree, _workdir, True)
_container = bootstrap(Settings(
    database=str(_workdir / "fuzz.sqlite"), var_dir=_workdir / "var",
    auth_secret="fuzz-secret-" + "x" * 32, master_key=new_master_key(),
    projections_in_process=False,
))
atexit.register(_container.close)
assert _container.token_issuer is not None
_FUZZ_HEADERS = {"Authorization": "Bearer " + _container.token_issuer.issue(
    user_id="fuzz.admin", display_name="Fuzz Admin", agency="herts-police",
    roles=["coordinator", "admin"], partnerships=["north-herts"])}
_schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_container)).include(
    path_regex=r"^/api/restrictions"
)


@_schema.parametrize()
@settings(deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_restriction_endpoints_never_fail_with_a_server_error(case: Any) -> None:
    case.call_and_validate(headers=_FUZZ_HEADERS, checks=[not_a_server_error])
