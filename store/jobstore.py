"""Every named operation of the `Store` protocol, written once over two primitives a backend supplies.

An operation builds a job (a plain function of a `Db`, see store.db) from the shared SQL modules and hands it to
`_write` (a write transaction: SQLite's group commit; a pooled PostgreSQL transaction, retried on serialization
failure) or `_read` (a read-only snapshot). The backends differ only in how a job runs.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from handlers.loyalty.loyalty import Account, Entry
from store import admin_jobs, admin_queries, console_queries, loyalty_sql, queries
from store.authorize_jobs import authorize_job
from store.console_queries import AuditFilter
from store.db import Db
from store.final_jobs import record_final_job
from store.loyalty_sql import ActivityPlan
from store.purge_sql import purge_batch
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
from store.simulation_sql import SimulationInputs, simulation_inputs
from store.stats import StoreStats

T = TypeVar("T")
PURGE_CHUNK = 1_000


class JobStore(ABC):
    """The shared half of a store: named operations as jobs. A backend implements `_write`, `_read`, `open`,
    `close`, `ping` and `stats`."""

    @abstractmethod
    async def _write(self, job: Callable[[Db], T]) -> T:
        """Run a job in a write transaction; return its result once committed (its exception rolls it back)."""

    @abstractmethod
    async def _read(self, job: Callable[[Db], T]) -> T:
        """Run a read-only job in one consistent snapshot."""

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def ping(self) -> bool: ...

    @abstractmethod
    def stats(self) -> StoreStats: ...

    async def secret(self) -> bytes:
        return await self._write(_secret(secrets.token_bytes(32)))

    async def authorize(
        self, opening: TicketOpening, query: HistoryQuery, decide: Callable[[Opened], DecisionRecord | None]
    ) -> Authorized:
        return await self._write(authorize_job(opening, query, decide))

    async def record_final(self, submission: FinalSubmission) -> FinalOutcome:
        return await self._write(record_final_job(submission))

    async def get_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        return await self._read(queries.get_ticket(ticket_id))

    async def search_tickets(self, search: TicketFilter) -> list[dict[str, Any]]:
        return await self._read(queries.search_tickets(search))

    async def ticket_stores(self, ticket_ids: frozenset[str]) -> dict[str, str]:
        return await self._read(admin_queries.ticket_stores(ticket_ids))

    async def purge_personal_data(self, before: str) -> int:
        """Clear personal fields of tickets whose business date is before `before`; return how many. A thousand
        tickets a transaction, so that a running gateway's writes never wait long behind it."""
        purged, after = 0, ""
        while True:
            count, last = await self._write(purge_batch(before, after, PURGE_CHUNK))
            purged += count
            if last is None:
                return purged
            after = last

    async def simulation_inputs(self, first: date, last: date, stores: tuple[str, ...] = ()) -> SimulationInputs:
        return await self._read(simulation_inputs(first, last, stores))

    async def grant_override(self, grant: dict[str, Any], stamp: Stamp, maximum: int, display: str) -> dict[str, Any]:
        return dict(await self._write(admin_jobs.grant_override(grant, stamp, maximum, display)))

    async def revoke_override(self, override_id: int, stamp: Stamp) -> dict[str, Any]:
        return dict(await self._write(admin_jobs.revoke_override(override_id, stamp)))

    async def list_overrides(self, customer: str | None) -> list[dict[str, Any]]:
        return list(await self._read(admin_queries.list_overrides(customer)))

    async def set_count_override(self, values: dict[str, Any], stamp: Stamp) -> dict[str, Any]:
        return dict(await self._write(admin_jobs.set_count_override(values, stamp)))

    async def customer_history(self, customer: str) -> dict[str, Any]:
        return dict(await self._read(admin_queries.customer_history(customer)))

    async def cashier_history(self, cashier_id: str) -> dict[str, Any]:
        return dict(await self._read(admin_queries.cashier_history(cashier_id)))

    async def add_watch(self, watch: dict[str, Any], stamp: Stamp) -> dict[str, Any]:
        return dict(await self._write(admin_jobs.add_watch(watch, stamp)))

    async def retire_watch(self, watch_id: str, stamp: Stamp) -> dict[str, Any]:
        return dict(await self._write(admin_jobs.retire_watch(watch_id, stamp)))

    async def list_watches(self) -> list[dict[str, Any]]:
        return await self._read(admin_queries.list_watches)

    async def audit_entries(self, limit: int, offset: int) -> list[dict[str, Any]]:
        return list(await self._read(admin_queries.audit_entries(limit, offset)))

    async def register_policy(self, version: str, content: bytes, etag: str, at: str) -> dict[str, Any]:
        return dict(await self._write(admin_queries.register_policy(version, content, etag, at)))

    async def put_policy(
        self, version: str, content: bytes, etag: str, stamp: Stamp, if_match: str | None
    ) -> dict[str, Any]:
        return dict(await self._write(admin_jobs.put_policy(version, content, etag, stamp, if_match)))

    async def activate_policy(self, version: str, stamp: Stamp, if_match: str | None) -> dict[str, Any]:
        return dict(await self._write(admin_jobs.activate_policy(version, stamp, if_match)))

    async def list_policies(self) -> list[dict[str, Any]]:
        return await self._read(admin_queries.list_policies)

    async def get_policy(self, version: str) -> dict[str, Any] | None:
        found = await self._read(admin_queries.get_policy(version))
        return None if found is None else dict(found)

    async def active_policy(self) -> dict[str, Any] | None:
        return await self._read(admin_jobs.active_policy)

    async def loyalty_activity(
        self,
        message_id: str,
        digest: str,
        account_id: str,
        plan: ActivityPlan,
        render: Callable[[Account], bytes],
        at: str,
    ) -> tuple[bytes, bool]:
        return await self._write(loyalty_sql.activity_job(message_id, digest, account_id, plan, render, at))

    async def loyalty_account(self, account_id: str) -> dict[str, Any] | None:
        return await self._read(loyalty_sql.account_view(account_id))

    async def loyalty_account_ids(self) -> list[str]:
        return await self._read(loyalty_sql.account_ids)

    async def maintain_loyalty(
        self, accounts: list[str], plan: Callable[[Account], list[Entry]], at: str
    ) -> list[tuple[str, str]]:
        return await self._write(loyalty_sql.maintain_job(accounts, plan, at))

    async def record_event(self, stamp: Stamp, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        await self._write(console_queries.record_event(stamp, action, target, detail))

    async def sign_out_session(self, session_id: str, signed_out_at: str, forget_after: str) -> None:
        await self._write(console_queries.sign_out_session(session_id, signed_out_at, forget_after))

    async def session_signed_out(self, session_id: str) -> bool:
        return bool(await self._read(console_queries.session_signed_out(session_id)))

    async def ticket_extras(self, ticket_id: str) -> dict[str, list[dict[str, Any]]]:
        return dict(await self._read(console_queries.ticket_extras(ticket_id)))

    async def ticket_customer_key(self, ticket_id: str) -> str | None:
        found = await self._read(console_queries.ticket_customer_key(ticket_id))
        return None if found is None else str(found)

    async def ticket_lines(self, ticket_id: str) -> list[dict[str, Any]]:
        return list(await self._read(console_queries.ticket_lines(ticket_id)))

    async def dashboard(self, day_from: str, day_to: str, store_id: str | None = None) -> dict[str, Any]:
        return dict(await self._read(console_queries.dashboard(day_from, day_to, store_id)))

    async def audit_page(self, search: AuditFilter) -> list[dict[str, Any]]:
        return list(await self._read(console_queries.audit_page(search)))

    async def audit_actors(self) -> list[str]:
        return await self._read(console_queries.audit_actors)


def _secret(candidate: bytes) -> Callable[[Db], bytes]:
    """The kept secret; `candidate` becomes it when none is kept yet (the first of several gateways starting at
    once to commit wins, the others read it)."""

    def job(db: Db) -> bytes:
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('pii_secret', ?) ON CONFLICT (key) DO NOTHING", (candidate.hex(),)
        )
        return bytes.fromhex(db.execute("SELECT value FROM meta WHERE key = 'pii_secret'").fetchone()[0])

    return job


def answers(db: Db) -> bool:
    """The job a backend's `ping` runs: whether the database answers a trivial statement."""
    return bool(db.execute("SELECT 1").fetchone() == (1,))
