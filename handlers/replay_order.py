"""Business order for queued messages, and windows of messages that may be applied together safely."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.models import AuthorizeRequest, FinalResult


@dataclass(frozen=True, slots=True)
class Ordering:
    """Where a message goes in business order and which others it must not overlap with."""

    timestamp: datetime
    kind_rank: int
    position: int
    keys: frozenset[str]


def ordering(message: AuthorizeRequest | FinalResult, position: int) -> Ordering:
    """Timestamp first, authorize requests before final results of the same instant, then queue order."""
    if isinstance(message, AuthorizeRequest):
        keys = {f"message:{message.header.message_id}"}
        if message.ticket_id:
            keys.add(f"ticket:{message.ticket_id}")
        return Ordering(message.header.timestamp, 0, position, frozenset(keys))
    keys = {f"transaction:{message.return_transaction_id}"}
    if message.ticket_id:
        keys.add(f"ticket:{message.ticket_id}")
    if message.offline_request is not None:
        keys.add(f"message:{message.offline_request.header.message_id}")
    return Ordering(message.header.timestamp, 1, position, frozenset(keys))


def business_order(orderings: Sequence[Ordering]) -> list[int]:
    """Positions sorted by business order."""
    ranked = sorted(orderings, key=lambda o: (o.timestamp, o.kind_rank, o.position))
    return [o.position for o in ranked]


def windows(orderings: Sequence[Ordering], size: int) -> Iterator[list[Ordering]]:
    """Consecutive runs of at most `size` messages sharing no key: each run may be applied concurrently."""
    current: list[Ordering] = []
    taken: set[str] = set()
    for item in orderings:
        if current and (len(current) >= size or item.keys & taken):
            yield current
            current, taken = [], set()
        current.append(item)
        taken |= item.keys
    if current:
        yield current
