"""Where the demo data's randomness comes from: one seeded generator per thing.

Every case, plan, review, pool of people and roster draws from its own
``random.Random`` seeded with the load's seed and the thing's name, never from the global
generator or ``uuid4``, so a load is reproducible and one record's choices do not shift
when another record changes. (These are made-up records, so a non-cryptographic
generator is the right tool.)
"""

from __future__ import annotations

from random import Random


def seeded(*parts: object) -> Random:
    """A generator for one thing: the same parts always give the same numbers."""
    return Random("/".join(map(str, parts)))  # noqa: S311 - reproducible, not secret
