"""Simulating a draft policy set over a stored period: read in bulk, then decide again off the event loop."""

from __future__ import annotations

import asyncio
from datetime import date

from handlers.policy.policy_model import PolicySet
from handlers.simulation.report import SimulationReport
from handlers.simulation.run import Progress, simulate
from store.base import Store


async def simulate_policy(
    store: Store,
    draft: PolicySet,
    first: date,
    last: date,
    stores: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> SimulationReport:
    """What `draft` would have decided differently for the attempts of tickets dated `first` to `last`. Writes
    nothing."""
    attempts, rows = await store.simulation_inputs(first, last, stores)
    return await asyncio.to_thread(simulate, draft, attempts, rows, (first, last, stores), progress)
