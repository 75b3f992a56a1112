"""Small-number suppression for depersonalised reports (the RAG overview).

The rule (docs/reports.md):

1. **Primary suppression.** A count from 1 to 4 is shown as ``"fewer than 5"``; 0 is shown
   as 0 (an empty cell tells nobody anything about a person). Totals follow the same rule.
2. **Secondary suppression.** In a breakdown published with its total (cases opened by
   ward, with the number opened), one hidden cell could be worked out as the total minus
   the others. So when exactly one cell of a breakdown is hidden and the total is shown, the
   smallest other non-zero cell is hidden too (``"suppressed"``; the first such cell in the
   breakdown's order when two are equal). Then only the sum of the hidden cells can be
   worked out, never one of them. (When the total itself is 1-4 it is hidden, and with it
   every way back to a cell.)

Each column (this quarter, the previous one, the same quarter last year) is a breakdown of
its own. Breakdowns of the same total by different things (by ward, by category) are not
linked cell by cell, so protecting each protects all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

FEWER_THAN_5 = "fewer than 5"
SUPPRESSED = "suppressed"
SMALLEST_SHOWN = 5

Shown = int | str
"""A count as published: the number, ``"fewer than 5"`` or ``"suppressed"``."""


def is_small(count: int) -> bool:
    return 0 < count < SMALLEST_SHOWN


def shown(count: int) -> Shown:
    """A count on its own (primary suppression only)."""
    if count < 0:
        raise ValueError("counts cannot be negative")
    return FEWER_THAN_5 if is_small(count) else count


def suppress_breakdown(cells: Mapping[str, int], total: int | None = None
                       ) -> tuple[dict[str, Shown], Shown]:
    """The cells (in their order) and the total as published.

    ``total`` defaults to the sum of the cells; pass it when the breakdown does not add up
    to it (it never does here; every breakdown partitions its total).
    """
    whole = sum(cells.values()) if total is None else total
    published: dict[str, Shown] = {label: shown(count) for label, count in cells.items()}
    published_total = shown(whole)
    hidden = [label for label, value in published.items() if value == FEWER_THAN_5]
    if len(hidden) == 1 and published_total != FEWER_THAN_5:
        candidates = [(count, index, label) for index, (label, count) in enumerate(cells.items())
                      if label not in hidden and count > 0]
        if candidates:
            _, _, label = min(candidates)
            published[label] = SUPPRESSED
    return published, published_total


def can_be_worked_out(cells: Sequence[Shown], total: Shown | None) -> bool:
    """Whether one hidden cell of a published breakdown equals the total minus the rest
    (for tests: must always be False for what :func:`suppress_breakdown` publishes)."""
    hidden = [value for value in cells if isinstance(value, str)]
    return isinstance(total, int) and len(hidden) == 1


RULE = (
    "Counts of 1 to 4 are shown as 'fewer than 5'; 0 is shown as 0. Where a breakdown "
    "would then have only one hidden count beside its total, the smallest other non-zero "
    "count is hidden too ('suppressed'), so no hidden count can be worked out from the "
    "total. Areas are wards; nothing names or describes anyone."
)
