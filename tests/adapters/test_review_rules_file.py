"""The ``[reviews]`` section of the rules file: trigger rules, service levels, closure days."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.config.rules import RulesError, default_rules_text, load_rules
from application.rules import ReviewRules
from domain.reviews.rules import ServiceLevels, TriggerRules

LOCAL_SECTION = """
[reviews]
closure_days = [2026-12-29, 2026-12-30, 2026-12-31]

[reviews.trigger]
local_qualifying_complaints = 2
different_complainants = 5
hate_incident_route = true
vulnerable_victim_discretion = true

[reviews.service_levels]
acknowledge_within_working_days = 3
decide_threshold_within_working_days = 15
hold_review_within_working_days = 25
send_outcome_within_working_days = 10
at_risk_within_working_days = 0
"""


def _without_reviews_section(text: str) -> str:
    return text[: text.index("# ASB Case Reviews")]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def test_packaged_defaults_are_the_statutory_threshold() -> None:
    rules = load_rules(None).reviews
    assert rules == ReviewRules(trigger=TriggerRules(), service_levels=ServiceLevels())
    assert rules.trigger.complaints_required == 3
    assert (rules.trigger.window_months, rules.trigger.report_within_months) == (6, 1)
    assert rules.service_levels.decide_threshold_within_working_days == 10
    assert rules.closure_days == ()


def test_the_section_is_optional(tmp_path: Path) -> None:
    text = _without_reviews_section(default_rules_text())
    assert "[reviews" not in text
    assert load_rules(_write(tmp_path, text)).reviews == ReviewRules()


def test_local_rules_dates_and_routes_load(tmp_path: Path) -> None:
    text = _without_reviews_section(default_rules_text()) + LOCAL_SECTION
    rules = load_rules(_write(tmp_path, text)).reviews
    assert rules.closure_days == (date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31))
    assert all(type(day) is date for day in rules.closure_days)
    assert rules.trigger == TriggerRules(local_qualifying_complaints=2, different_complainants=5,
                                         hate_incident_route=True,
                                         vulnerable_victim_discretion=True)
    assert rules.trigger.complaints_required == 2
    assert rules.service_levels == ServiceLevels(3, 15, 25, 10, 0)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("closure_days = []", 'closure_days = ["2026-12-29"]'), "reviews.closure_days[0]"),
        (("closure_days = []", "closure_days = [2026-12-29T09:00:00]"), "closure_days"),
        (("closure_days = []", "closure_days = 2026-12-29"), "reviews.closure_days"),
        (("window_months = 6", "window_month = 6"), "reviews.trigger"),
        (("hate_incident_route = false", "hate_incident_route = 'no'"),
         "reviews.trigger.hate_incident_route"),
        (("at_risk_within_working_days = 2", "at_risk_within_working_days = 1.5"),
         "reviews.service_levels.at_risk_within_working_days"),
        (("[reviews.service_levels]", "[reviews.service_level]"), "reviews"),
    ],
)
def test_bad_review_rules_name_the_key(tmp_path: Path, change: tuple[str, str],
                                       named: str) -> None:
    text = default_rules_text()
    assert change[0] in text
    with pytest.raises(RulesError) as raised:
        load_rules(_write(tmp_path, text.replace(*change, 1)))
    assert named in str(raised.value)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("qualifying_complaints = 3 ", "qualifying_complaints = 4 "),
         "reviews.trigger.qualifying_complaints"),
        (("decide_threshold_within_working_days = 10", "decide_threshold_within_working_days = 0"),
         "reviews.service_levels.decide_threshold_within_working_days"),
    ],
)
def test_rules_the_domain_forbids_fail_at_load(tmp_path: Path, change: tuple[str, str],
                                               field: str) -> None:
    """The domain's own checks (e.g. never more than three complaints, s.104(4)) stop the
    rules loading with a RulesError naming the full key."""
    with pytest.raises(RulesError) as raised:
        load_rules(_write(tmp_path, default_rules_text().replace(*change, 1)))
    assert field in str(raised.value)
