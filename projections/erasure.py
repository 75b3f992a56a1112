"""Forgetting erased personal data in the views.

Views that copy personal fields (a case's summary for search, the descriptions of actions,
responses and recommendations on the JAG tasking list) say so with the class attribute
``holds_personal_data = True``. When data keys are destroyed (retention, erasure), those
fields decode as ``"[erased]"`` from then on, but the views still hold the text they copied
earlier. :func:`rebuild_personal_views` rebuilds each such view from the log (shadow tables,
then an atomic swap: readers never see an empty list), so the erased fields project as
``"[erased]"`` and can no longer be found by search.

It is registered as an ``on_erased`` hook of the container (``adapters/bootstrap.py``), which
``casework retention run --apply`` calls after destroying the keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from projections.framework import ProjectionHost, View


def holds_personal_data(view: View) -> bool:
    return bool(getattr(view, "holds_personal_data", False))


def personal_views(host: ProjectionHost) -> list[str]:
    """The names of the host's views that copy personal data."""
    return sorted(name for name, view in host.views.items() if holds_personal_data(view))


def rebuild_personal_views(host: ProjectionHost, subject_ids: Sequence[UUID] = ()) -> list[str]:
    """Rebuild every view that holds personal data; returns their names.

    ``subject_ids`` (the erased subjects) is accepted for the hook's signature: a rebuild
    re-reads every event, so it forgets every erased subject at once, whoever they are.
    """
    rebuilt = []
    for name in personal_views(host):
        host.rebuild(name)
        rebuilt.append(name)
    return rebuilt


def erasure_hook(host: ProjectionHost | None) -> Callable[[Sequence[UUID]], Any]:
    """An ``on_erased`` hook rebuilding ``host``'s personal views (nothing without a host)."""

    def hook(subject_ids: Sequence[UUID]) -> None:
        if host is not None:
            rebuild_personal_views(host, subject_ids)

    return hook
