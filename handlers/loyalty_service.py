"""Loyalty activity in (purchases and events), account views, and tier maintenance, over the store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from handlers.loyalty import Account, Entry, Program, Purchase, event_entries, maintenance, purchase_entries
from handlers.loyalty_xml import ack_to_xml
from handlers.service import Answer, serialize
from store.base import Store

MAINTENANCE_CHUNK = 500


@dataclass
class LoyaltyService:
    store: Store
    program: Program
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def activity(self, message_id: str, account_id: str, purchase: Purchase | None, event: str | None) -> Answer:
        """Apply a purchase or an event once; a retry gets the same acknowledgement."""
        program = self.program

        def plan(account: Account) -> tuple[list[Entry], Purchase | None]:
            if purchase is not None:
                return purchase_entries(program, account, purchase), purchase
            return event_entries(program, account, event or ""), None

        def render(account: Account) -> bytes:
            return serialize(ack_to_xml(message_id, account_id, account))

        fingerprint = hashlib.sha256(repr((account_id, purchase, event)).encode("utf-8")).hexdigest()
        at = self.clock().isoformat()
        body, duplicate = await self.store.loyalty_activity(message_id, fingerprint, account_id, plan, render, at)
        return Answer(body, duplicate)

    async def account(self, account_id: str) -> dict[str, Any] | None:
        found = await self.store.loyalty_account(account_id)
        return dict(found) if found else None

    async def maintain_tiers(self) -> list[tuple[str, str]]:
        """Demote every account below its tier's maintenance threshold (the only place demotion happens), a few
        hundred accounts a transaction, so that the tills' writes never wait long behind it."""
        program = self.program
        at = self.clock().isoformat()
        accounts = await self.store.loyalty_account_ids()
        demoted: list[tuple[str, str]] = []
        for start in range(0, len(accounts), MAINTENANCE_CHUNK):
            chunk = accounts[start : start + MAINTENANCE_CHUNK]
            demoted += await self.store.maintain_loyalty(chunk, lambda account: maintenance(program, account), at)
        return demoted
