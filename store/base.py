"""The store interface the handlers use: a handful of async operations, nothing about SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, TypeVar

from store.queries import TicketFilter
from store.records import Authorized, DecisionRecord, FinalOutcome, FinalSubmission, HistoryQuery, Opened, TicketOpening
from store.simulation_sql import SimulationInputs

T = TypeVar("T")


class Store(Protocol):
    """Durable storage of tickets, decisions, final results and exception history."""

    async def authorize(
        self, opening: TicketOpening, query: HistoryQuery, decide: Callable[[Opened], DecisionRecord | None]
    ) -> Authorized:
        """Open a ticket (or add an attempt), read the history the rules need, and store the decision `decide`
        makes of it, in one transaction (no record when `decide` could not decide here, or the message was
        already answered: see `Opened.stored_response`)."""
        ...

    async def record_final(self, submission: FinalSubmission) -> FinalOutcome:
        """Commit a final result exactly once, with its exceptions, or reverse them for a void."""
        ...

    async def get_ticket(self, ticket_id: str) -> dict[str, Any] | None: ...

    async def search_tickets(self, search: TicketFilter) -> list[dict[str, Any]]: ...

    async def secret(self) -> bytes:
        """The key for hashing positive IDs when settings give none: made once, kept in the database."""
        ...

    async def execute(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run an administrative job that writes (see store.admin_jobs) in a write transaction."""
        ...

    async def query(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run a read-only job (see store.admin_queries) in a read transaction, apart from the writes."""
        ...

    async def simulation_inputs(self, first: date, last: date, stores: tuple[str, ...] = ()) -> SimulationInputs:
        """The attempts of tickets dated `first` to `last` (of `stores` when given) in time order, and every row
        their history is rebuilt from, in one read transaction (see store.simulation_sql)."""
        ...

    async def ping(self) -> bool: ...
