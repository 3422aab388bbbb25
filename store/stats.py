"""A dependency-free cumulative histogram, for commit latency, batch sizes and request latency."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(slots=True)
class Histogram:
    """Cumulative counts of observations per upper bound, plus their count and sum (Prometheus semantics)."""

    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    count: int = 0
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.count += 1
        self.total += value

    def cumulative(self) -> list[tuple[str, int]]:
        """(upper bound, observations at or below it) pairs, ending with +Inf."""
        running, pairs = 0, []
        for bound, number in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            running += number
            pairs.append((bound, running))
        return pairs


LATENCY_BOUNDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SIZE_BOUNDS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0)


@dataclass(slots=True)
class StoreStats:
    """A store's figures for /metrics, whatever its backend: how long commits take, and how many operations each
    committed transaction held (group commit on SQLite; one on PostgreSQL)."""

    commit_latency: Histogram = field(default_factory=lambda: Histogram(LATENCY_BOUNDS))
    batch_size: Histogram = field(default_factory=lambda: Histogram(SIZE_BOUNDS))
