"""The domain's notion of "now".

Aggregates read the current time through :func:`now` so that event timestamps and
time-based rules ("not in the future") share one clock. Tests and the demo-data
loader set the clock with :func:`frozen_at`; production leaves the system clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_fixed_now: ContextVar[datetime | None] = ContextVar("casework_fixed_now", default=None)


def now() -> datetime:
    fixed = _fixed_now.get()
    return fixed if fixed is not None else datetime.now(tz=UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make :func:`now` return ``moment`` (timezone-aware) inside the block."""
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    token = _fixed_now.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _fixed_now.reset(token)
