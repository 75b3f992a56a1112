"""Settings and the local rules file fail early with a message naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.config.rules import RulesError, default_rules_text, load_rules
from adapters.config.settings import SettingsError, load_settings
from domain.cases import RiskLevel


def test_packaged_rules_load_with_every_section() -> None:
    rules = load_rules(None)
    assert set(rules.partnerships.ids) == {"north-herts", "st-albans"}
    north_herts = rules.partnerships.get("north-herts")
    assert north_herts is not None
    ward = north_herts.ward("Hitchin Bearton")
    assert ward is not None
    assert ward.neighbourhood == "Hitchin"
    assert rules.cases.review_cadence.high_days == 14
    assert rules.cases.vulnerable_victim.risk_level_at_least is RiskLevel.HIGH
    assert rules.tasking.amber_within_days == 7


def test_local_rules_override_defaults(tmp_path: Path) -> None:
    text = default_rules_text().replace("high_days = 14", "high_days = 7")
    for code, weight in (("q1", 5), ("q2", 6)):
        text += f'\n[[cases.risk_questionnaire.questions]]\ncode = "{code}"\n'
        text += f'text = "{code}?"\nweight = {weight}\n'
    path = tmp_path / "rules.toml"
    path.write_text(text)
    rules = load_rules(path)
    assert rules.cases.review_cadence.high_days == 7
    assert [q.code for q in rules.cases.risk_questionnaire.questions] == ["q1", "q2"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("high_days = 14", "high_days = 'soon'"), "cases.review_cadence.high_days"),
        (("[tasking]", "[taskings]"), "taskings"),
        (("incidents = 3 ", "incident = 3 "), "cases.repeat_victim"),
        (('"herts-police", "north-herts-council"', '"nobody", "north-herts-council"'),
         "partnerships[0].agencies"),
    ],
)
def test_bad_rules_name_the_key(tmp_path: Path, change: tuple[str, str], named: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(default_rules_text().replace(*change, 1))
    with pytest.raises(RulesError) as raised:
        load_rules(path)
    assert named in str(raised.value)


def test_bad_settings_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_DATABASE", "mysql://somewhere/db")
    monkeypatch.setenv("CASEWORK_PORT", "70000")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "CASEWORK_DATABASE" in message
    assert "CASEWORK_PORT" in message


def test_oidc_needs_a_key_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_AUTH_MODE", "oidc")
    with pytest.raises(SettingsError, match="CASEWORK_AUTH_JWKS_URL"):
        load_settings()
