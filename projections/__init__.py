"""Read models built from the event log.

``projections.framework`` has the ``View`` base class and the exactly-once, batched
``ProjectionHost``; ``projections.db`` the portable cursor views write through;
``projections.testing`` helpers for tests. See docs/projections.md.

Adding a view: write it in a module here, decorate the class with
``@registry.register`` and add the module's name to ``VIEW_MODULES``.
"""

from __future__ import annotations

import importlib

from projections.framework import View, registry

VIEW_MODULES: tuple[str, ...] = (
    "projections.case_list",
    "projections.plan_list",
    "projections.review_list",
    "projections.people_list",
)


def default_views() -> list[View]:
    """The views the service and the ``casework projections`` worker run."""
    for module in VIEW_MODULES:
        importlib.import_module(module)
    return registry.create_all()
