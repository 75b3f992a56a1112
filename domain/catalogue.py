"""Every aggregate class in the domain, in one place."""

from __future__ import annotations

from importlib import import_module

_AGGREGATES = (
    "domain.people.aggregate:Person",
    "domain.cases.aggregate:AsbCase",
    "domain.plans.aggregate:ProblemSolvingPlan",
    "domain.reviews.aggregate:CaseReview",
    "domain.shared.references:ReferenceCounter",
)


def aggregate_classes() -> list[type]:
    """The aggregate classes that exist so far (importing them registers value types)."""
    classes: list[type] = []
    for topic in _AGGREGATES:
        module_name, class_name = topic.split(":")
        try:
            module = import_module(module_name)
        except ModuleNotFoundError:
            continue
        classes.append(getattr(module, class_name))
    return classes
