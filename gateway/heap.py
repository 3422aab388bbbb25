"""Keeping a process's long-lived objects (schemas, policy, a replay's queue) out of later garbage collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_OBJECTS = 10_000


def settle() -> None:
    """Collect once, then leave everything alive now out of later collections, and collect the young generation
    after 10,000 new objects instead of 700: a full collection would otherwise walk all of it again, pausing the
    process for tens of milliseconds each time."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


@contextmanager
def settled() -> Iterator[None]:
    """`settle` for the duration of a block; afterwards the collector works as it did before."""
    threshold = gc.get_threshold()
    settle()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
