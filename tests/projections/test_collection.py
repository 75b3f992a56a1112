"""``projections.collection.frozen_heap``: freezes for the block only."""

from __future__ import annotations

import gc

from projections.collection import frozen_heap


def test_the_heap_is_frozen_for_the_block_only() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_its_heap_itself_is_left_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with frozen_heap():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_the_heap_is_unfrozen_when_the_block_raises() -> None:
    try:
        with frozen_heap():
            raise RuntimeError("build failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0
