"""Demo data: a plausible partnership's casework over several financial years.

Generated through the domain commands (so every rule holds and every event is real),
seeded (the same seed gives the same data) and written in time order at bulk speed.
See docs/demo-data.md. Entry point: :func:`load_demo_data`.
"""

from application.demo.loader import (
    DemoLoadResult,
    StoreNotEmpty,
    demo_period,
    load_demo_data,
    store_is_empty,
)
from application.demo.scales import SCALES, DemoScale, scale_named
from application.demo.summary import canonical_summary
from application.demo.world import DemoDataError, Progress

__all__ = [
    "SCALES",
    "DemoDataError",
    "DemoLoadResult",
    "DemoScale",
    "Progress",
    "StoreNotEmpty",
    "canonical_summary",
    "demo_period",
    "load_demo_data",
    "scale_named",
    "store_is_empty",
]
