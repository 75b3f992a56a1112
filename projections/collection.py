"""The garbage collector while a process does nothing but build views.

A batch keeps a couple of thousand decoded events alive while the views apply it, so
nearly every object a build allocates survives the collector's young passes, and every few
batches that triggers a full pass, which re-scans the whole loaded application (modules,
classes, functions: some 100,000 objects) to find nothing to free. That is about a fifth
of a rebuild's time. Freezing what exists before the build (``gc.freeze``) leaves those
objects out of the passes.

Process-wide, so only for a process whose only work is the build: ``casework projections
rebuild`` (not the service, whose request threads share the collector).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Leave the objects that exist now out of garbage collection until the block ends.

    Nothing is lost: objects freed by reference counting are freed as usual, and cycles
    among the frozen objects are collected after the block (``gc.unfreeze``). Does nothing
    when something is frozen already (the process manages freezing itself).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.collect()  # do not freeze garbage that exists now
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
