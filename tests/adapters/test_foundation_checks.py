"""Foundation guarantees: the layering check bites, production tokens verify, logs stay clean."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from adapters.auth.tokens import InvalidToken, TokenVerifier
from adapters.bootstrap import Container
from adapters.config.settings import LogFormat
from adapters.http.app import create_app
from adapters.logging_setup import configure_logging

ROOT = Path(__file__).resolve().parents[2]


def _copy_tree(target: Path) -> None:
    for package in ("domain", "application", "adapters", "projections"):
        shutil.copytree(ROOT / package, target / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_import_contracts_fail_when_domain_imports_adapters(tmp_path: Path) -> None:
    _copy_tree(tmp_path)
    assert _lint_imports(tmp_path).returncode == 0
    (tmp_path / "domain" / "leak.py").write_text("import adapters.bootstrap  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "domain is pure" in result.stdout
    assert "BROKEN" in result.stdout.upper()


def _rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def test_identity_provider_tokens_are_verified_with_its_public_key() -> None:
    private, public = _rsa_pair()
    verifier = TokenVerifier(issuer="https://idp.example", audience="casework",
                             public_key=public)
    now = datetime.now(tz=UTC)
    claims = {"sub": "pc.jones", "name": "PC Jones", "agency": "herts-police",
              "roles": ["officer"], "partnerships": ["north-herts"],
              "iss": "https://idp.example", "aud": "casework",
              "exp": int((now + timedelta(minutes=5)).timestamp())}
    actor = verifier.verify(jwt.encode(claims, private, algorithm="RS256"))
    assert (actor.user_id, actor.roles, actor.partnerships) == (
        "pc.jones", ("officer",), ("north-herts",))

    other_private, _ = _rsa_pair()
    with pytest.raises(InvalidToken):
        verifier.verify(jwt.encode(claims, other_private, algorithm="RS256"))
    with pytest.raises(InvalidToken):
        verifier.verify(jwt.encode({**claims, "aud": "someone-else"}, private, algorithm="RS256"))
    expired = {**claims, "exp": int((now - timedelta(minutes=1)).timestamp())}
    with pytest.raises(InvalidToken):
        verifier.verify(jwt.encode(expired, private, algorithm="RS256"))


def test_request_logs_carry_ids_but_no_personal_data(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)
    configure_logging(LogFormat.JSON, "DEBUG")
    assert container.token_issuer is not None
    token = container.token_issuer.issue(
        user_id="pc.jones", display_name="PC Jones", agency="herts-police",
        roles=["officer"], partnerships=["north-herts"])
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "req-log-test"}
    secret_text = "Zebedee Quaritch shouted at 99 Unlikely Lane"
    with TestClient(create_app(container)) as client:
        person = client.post("/api/people", headers=headers, json={
            "partnership_id": "north-herts", "name": "Zebedee Quaritch",
            "date_of_birth": "1961-02-03", "address": "99 Unlikely Lane"})
        assert person.status_code == 201
        case = client.post("/api/cases", headers=headers, json={
            "partnership_id": "north-herts", "nsir_category": "personal",
            "asb_type": "intimidation", "summary": secret_text,
            "address": "99 Unlikely Lane", "ward": "Baldock Town",
            "reporting_channel": "phone", "lead_agency": "herts-police",
            "lead_officer": "pc.jones", "reported_at": "2026-01-05T10:00:00Z"})
        assert case.status_code == 201
        assert client.get(f"/api/cases/{case.json()['id']}", headers=headers).status_code == 200
        bad = client.post("/api/cases", headers=headers, json={"summary": secret_text})
        assert bad.status_code == 422
    logs = captured.getvalue()
    assert '"request_id": "req-log-test"' in logs
    assert '"user_id": "pc.jones"' in logs
    assert '"route": "/api/cases/{case_id}"' in logs
    for personal in ("Zebedee", "Quaritch", "Unlikely Lane", "1961-02-03"):
        assert personal not in logs
