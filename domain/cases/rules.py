"""Local rules for ASB cases: questionnaires, cadences and thresholds.

Each is a frozen dataclass with sensible defaults; the settings file fills them and
the application passes them into commands and queries. Events record what a rule
decided at the time (a score, a level, a due date), so changing a rule never
rewrites history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from domain.cases.values import RiskLevel
from domain.shared.errors import InvalidValue


@dataclass(frozen=True)
class RiskQuestion:
    code: str
    text: str
    weight: int
    """Points added to the score by a "yes"."""


DEFAULT_RISK_QUESTIONS: tuple[RiskQuestion, ...] = (
    RiskQuestion(
        "targeted_for_identity",
        "Is the victim being targeted because of who they are (for example race, religion, "
        "disability, sexual orientation or gender identity)?",
        3,
    ),
    RiskQuestion("previous_asb", "Has the victim suffered ASB before?", 1),
    RiskQuestion("health_affected", "Is the victim's physical or mental health being affected?", 2),
    RiskQuestion("feels_isolated", "Does the victim feel isolated or unsupported?", 1),
    RiskQuestion("violence_or_threats", "Has there been violence, or threats of violence?", 3),
    RiskQuestion("afraid_at_home", "Is the victim afraid to stay in, or to leave, their home?", 2),
    RiskQuestion(
        "daily_life_affected",
        "Is the ASB affecting the victim's day-to-day life (sleep, work, school, caring)?",
        1,
    ),
    RiskQuestion("home_or_property_damaged", "Has the victim's home or property been damaged?", 1),
    RiskQuestion(
        "others_in_household_affected",
        "Are children or other vulnerable people in the household affected?",
        2,
    ),
    RiskQuestion("getting_worse", "Is the behaviour getting worse or happening more often?", 2),
)


@dataclass(frozen=True)
class RiskQuestionnaire:
    """A yes/no questionnaire: the score is the sum of the weights of the "yes" answers.

    The score gives the band: ``high_from`` or more is high, ``medium_from`` or more
    is medium, anything lower is standard.
    """

    version: str = "default-2026"
    questions: tuple[RiskQuestion, ...] = DEFAULT_RISK_QUESTIONS
    medium_from: int = 5
    high_from: int = 10

    def __post_init__(self) -> None:
        codes = [question.code for question in self.questions]
        if not codes or len(set(codes)) != len(codes):
            raise ValueError("a risk questionnaire needs questions with distinct codes")
        if any(question.weight < 0 for question in self.questions):
            raise ValueError("risk question weights cannot be negative")
        if not 0 < self.medium_from < self.high_from <= self.max_score:
            raise ValueError("risk bands need 0 < medium_from < high_from <= the maximum score")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(question.code for question in self.questions)

    @property
    def max_score(self) -> int:
        return sum(question.weight for question in self.questions)

    def checked_answers(self, answers: Mapping[str, bool]) -> dict[str, bool]:
        """The answers, in question order, once every question has a yes/no answer."""
        unknown = sorted(set(answers) - set(self.codes))
        if unknown:
            raise InvalidValue(
                f"Unknown risk questions: {', '.join(unknown)}.",
                rule="unknown_question",
                field="answers",
            )
        missing = [code for code in self.codes if code not in answers]
        if missing:
            raise InvalidValue(
                f"Every risk question needs an answer; missing: {', '.join(missing)}.",
                rule="unanswered_question",
                field="answers",
            )
        not_yes_no = [code for code in self.codes if not isinstance(answers[code], bool)]
        if not_yes_no:
            raise InvalidValue(
                f"Risk answers must be yes or no: {', '.join(not_yes_no)}.",
                rule="invalid_answer",
                field="answers",
            )
        return {code: answers[code] for code in self.codes}

    def score(self, answers: Mapping[str, bool]) -> int:
        return sum(q.weight for q in self.questions if answers.get(q.code) is True)

    def level_for(self, score: int) -> RiskLevel:
        if score >= self.high_from:
            return RiskLevel.HIGH
        if score >= self.medium_from:
            return RiskLevel.MEDIUM
        return RiskLevel.STANDARD


@dataclass(frozen=True)
class ReviewCadence:
    """How often an open case is reviewed, by its current risk level."""

    high_days: int = 14
    medium_days: int = 28
    standard_days: int = 56

    def __post_init__(self) -> None:
        if min(self.high_days, self.medium_days, self.standard_days) <= 0:
            raise ValueError("review cadences must be a positive number of days")

    def days_for(self, level: RiskLevel) -> int:
        return {
            RiskLevel.HIGH: self.high_days,
            RiskLevel.MEDIUM: self.medium_days,
            RiskLevel.STANDARD: self.standard_days,
        }[level]

    def next_review_due(self, from_day: date, level: RiskLevel) -> date:
        return from_day + timedelta(days=self.days_for(level))


@dataclass(frozen=True)
class IncidentMatching:
    """When two reports are one incident: see :func:`domain.cases.incidents.same_incident`."""

    tolerance_minutes: int = 120
    """Reports by the same person of incidents this close together are one incident."""

    def __post_init__(self) -> None:
        if self.tolerance_minutes < 0:
            raise ValueError("the incident matching tolerance cannot be negative")

    @property
    def tolerance(self) -> timedelta:
        return timedelta(minutes=self.tolerance_minutes)


@dataclass(frozen=True)
class RepeatVictimRule:
    """A case with a victim is a repeat-victim case after this many distinct incidents
    occurring within this many months."""

    incidents: int = 3
    within_months: int = 3

    def __post_init__(self) -> None:
        if self.incidents < 1 or self.within_months < 1:
            raise ValueError("the repeat-victim rule needs positive numbers")


@dataclass(frozen=True)
class VulnerableVictimRule:
    """A victim is vulnerable when their latest risk assessment is at least this level,
    or (if ``flags_make_vulnerable``) it records any vulnerability flag."""

    risk_level_at_least: RiskLevel = RiskLevel.HIGH
    flags_make_vulnerable: bool = True


@dataclass(frozen=True)
class CaseReviewPromptRule:
    """Tell a victim about the ASB Case Review once they have made this many reports
    (distinct incidents) within this many months."""

    reports: int = 2
    within_months: int = 6

    def __post_init__(self) -> None:
        if self.reports < 1 or self.within_months < 1:
            raise ValueError("the case review prompt rule needs positive numbers")
