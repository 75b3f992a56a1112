"""Data protection: retention rules, restriction of processing, links to data subjects.

See docs/data-protection.md for the design (erasure by destroying per-subject keys).
"""

from domain.protection.restriction import (
    RESTRICTABLE_KINDS,
    ProcessingRestriction,
    RestrictionPeriod,
    RestrictionRules,
)
from domain.protection.retention import (
    RetentionRules,
    Verdict,
    anniversary,
    closed_record_verdict,
    closure_date,
    is_due_for_erasure,
    person_verdict,
)
from domain.protection.subjects import referenced_ids

__all__ = [
    "RESTRICTABLE_KINDS",
    "ProcessingRestriction",
    "RestrictionPeriod",
    "RestrictionRules",
    "RetentionRules",
    "Verdict",
    "anniversary",
    "closed_record_verdict",
    "closure_date",
    "is_due_for_erasure",
    "person_verdict",
    "referenced_ids",
]
