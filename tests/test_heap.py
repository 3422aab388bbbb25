"""Settling the heap for a block: long-lived objects leave later collections, and come back afterwards."""

from __future__ import annotations

import gc

from gateway.heap import YOUNG_OBJECTS, settled


def test_a_settled_block_freezes_what_lives_and_restores_the_collector_after() -> None:
    threshold = gc.get_threshold()
    survivor = [object() for _ in range(100)]
    with settled():
        assert gc.get_freeze_count() >= len(survivor)
        assert gc.get_threshold() == (YOUNG_OBJECTS, *threshold[1:])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold
