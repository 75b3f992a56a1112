"""The [retention] and [restriction] sections of the rules file."""

from __future__ import annotations

import pytest

from adapters.config.rules import RulesError, load_rules, rules_from_mapping
from domain.protection.restriction import RestrictionRules
from domain.protection.retention import RetentionRules


def test_the_packaged_rules_hold_the_documented_defaults() -> None:
    rules = load_rules(None)
    assert rules.retention == RetentionRules()
    assert rules.restriction == RestrictionRules()


def test_the_rules_file_section_fills_the_rules_and_names_bad_keys() -> None:
    base = {"agencies": {"herts-police": "Police"},
            "partnerships": [{"id": "p", "name": "P", "agencies": ["herts-police"],
                              "wards": [{"name": "W", "neighbourhood": "N"}]}]}
    rules = rules_from_mapping({**base, "retention": {
        "years_after_closure": 5, "years_by_lead_agency": {"herts-police": 7},
        "person_years_after_registration": 8}})
    assert rules.retention == RetentionRules(5, {"herts-police": 7}, 8)
    with pytest.raises(RulesError, match="retention"):
        rules_from_mapping({**base, "retention": {"years_after_closure": 0}})
    with pytest.raises(RulesError, match="retain_for"):
        rules_from_mapping({**base, "retention": {"retain_for": 6}})
    restricted = rules_from_mapping({**base, "restriction": {"readers": ["admin"]}})
    assert restricted.restriction.readers == ("admin",)
