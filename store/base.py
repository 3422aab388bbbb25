"""The store interface the gateway and the handlers use: named async operations, nothing about SQL or connections.

Two backends implement it on the same shared jobs (store.jobstore): SQLite (store.sqlite), the embedded default,
and PostgreSQL (store.postgres), for several gateways sharing one database. `store.open.open_store` picks one from
a path or URL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from handlers.loyalty.loyalty import Account, Entry
from store.console_queries import AuditFilter
from store.loyalty_sql import ActivityPlan
from store.queries import TicketFilter
from store.records import (
    Authorized,
    DecisionRecord,
    FinalOutcome,
    FinalSubmission,
    HistoryQuery,
    Opened,
    Stamp,
    TicketOpening,
)
from store.simulation_sql import SimulationInputs
from store.stats import StoreStats


class Store(Protocol):
    """Durable storage of tickets, decisions, final results, exception history, administration and loyalty."""

    # Life cycle and health
    async def open(self) -> None:
        """Connect, and bring the schema up to date."""
        ...

    async def close(self) -> None:
        """Finish what was queued, then let go of every connection."""
        ...

    async def ping(self) -> bool:
        """Whether the database answers now."""
        ...

    def stats(self) -> StoreStats:
        """Commit latency and operations per commit, for /metrics."""
        ...

    async def secret(self) -> bytes:
        """The key for hashing positive IDs when settings give none: made once, kept in the database."""
        ...

    # Tills
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

    # Tickets
    async def get_ticket(self, ticket_id: str) -> dict[str, Any] | None: ...

    async def search_tickets(self, search: TicketFilter) -> list[dict[str, Any]]: ...

    async def ticket_stores(self, ticket_ids: frozenset[str]) -> dict[str, str]:
        """The store of each of these tickets that exists."""
        ...

    async def purge_personal_data(self, before: str) -> int:
        """Clear personal fields of tickets whose business date is before `before`, in batches; how many."""
        ...

    async def simulation_inputs(self, first: date, last: date, stores: tuple[str, ...] = ()) -> SimulationInputs:
        """The attempts of tickets dated `first` to `last` (of `stores` when given) in time order, and every row
        their history is rebuilt from, in one read transaction (see store.simulation_sql)."""
        ...

    # Administration (every change audited)
    async def grant_override(self, grant: dict[str, Any], stamp: Stamp, maximum: int, display: str) -> dict[str, Any]:
        """Grant a customer service override unless the customer already had `maximum`."""
        ...

    async def revoke_override(self, override_id: int, stamp: Stamp) -> dict[str, Any]: ...

    async def list_overrides(self, customer: str | None) -> list[dict[str, Any]]: ...

    async def set_count_override(self, values: dict[str, Any], stamp: Stamp) -> dict[str, Any]: ...

    async def customer_history(self, customer: str) -> dict[str, Any]: ...

    async def cashier_history(self, cashier_id: str) -> dict[str, Any]: ...

    async def add_watch(self, watch: dict[str, Any], stamp: Stamp) -> dict[str, Any]: ...

    async def retire_watch(self, watch_id: str, stamp: Stamp) -> dict[str, Any]: ...

    async def list_watches(self) -> list[dict[str, Any]]: ...

    async def audit_entries(self, limit: int, offset: int) -> list[dict[str, Any]]: ...

    # Policy versions
    async def register_policy(self, version: str, content: bytes, etag: str, at: str) -> dict[str, Any]:
        """At start-up: keep the served policy as a version; make it active when it is new or none is."""
        ...

    async def put_policy(
        self, version: str, content: bytes, etag: str, stamp: Stamp, if_match: str | None
    ) -> dict[str, Any]:
        """Store a policy version; replacing one needs its current ETag."""
        ...

    async def activate_policy(self, version: str, stamp: Stamp, if_match: str | None) -> dict[str, Any]: ...

    async def list_policies(self) -> list[dict[str, Any]]: ...

    async def get_policy(self, version: str) -> dict[str, Any] | None: ...

    async def active_policy(self) -> dict[str, Any] | None: ...

    # Loyalty
    async def loyalty_activity(
        self,
        message_id: str,
        digest: str,
        account_id: str,
        plan: ActivityPlan,
        render: Callable[[Account], bytes],
        at: str,
    ) -> tuple[bytes, bool]:
        """Apply a purchase or event once by message id: the acknowledgement, and whether it was a repeat."""
        ...

    async def loyalty_account(self, account_id: str) -> dict[str, Any] | None: ...

    async def loyalty_account_ids(self) -> list[str]: ...

    async def maintain_loyalty(
        self, accounts: list[str], plan: Callable[[Account], list[Entry]], at: str
    ) -> list[tuple[str, str]]:
        """Tier maintenance of these accounts, in one transaction: (account, new tier) of each demotion."""
        ...

    # Console
    async def record_event(self, stamp: Stamp, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        """Audit something done in the console that changes no table (signing in, revealing data)."""
        ...

    async def sign_out_session(self, session_id: str, signed_out_at: str, forget_after: str) -> None:
        """Record a console session as signed out, for every gateway sharing the database, until `forget_after`
        (ISO instants: its cookie cannot be used after that anyway)."""
        ...

    async def session_signed_out(self, session_id: str) -> bool:
        """Whether a console session was signed out, by this gateway or another."""
        ...

    async def ticket_extras(self, ticket_id: str) -> dict[str, list[dict[str, Any]]]: ...

    async def ticket_customer_key(self, ticket_id: str) -> str | None: ...

    async def ticket_lines(self, ticket_id: str) -> list[dict[str, Any]]: ...

    async def dashboard(self, day_from: str, day_to: str, store_id: str | None = None) -> dict[str, Any]: ...

    async def audit_page(self, search: AuditFilter) -> list[dict[str, Any]]: ...

    async def audit_actors(self) -> list[str]: ...
