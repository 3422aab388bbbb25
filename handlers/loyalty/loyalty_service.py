"""Loyalty activity in (purchases and events), account views, and tier maintenance, over the store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from handlers.errors import AmountOutOfRange
from handlers.loyalty.loyalty import Account, Entry, Program, Purchase, event_entries, maintenance, purchase_entries
from handlers.service import Answer, serialize
from handlers.xml.loyalty_xml import ack_to_xml
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
            _check_ack_range(account)
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


ACK_LIMIT = Decimal(10) ** 12  # the acknowledgement's amounts: 14 digits, 2 of them decimals


def _check_ack_range(account: Account) -> None:
    """Refuse an activity after which the acknowledgement could not carry the account (its transaction is undone)."""
    figures = {**{f"points {name}": value for name, value in account.points.items()}}
    figures.update({"balance toward reward": account.balance, "rewards issued": account.rewards})
    for name, value in figures.items():
        if abs(value) >= ACK_LIMIT:
            raise AmountOutOfRange(
                f"the account's {name} would be {value:,.2f}, beyond the {ACK_LIMIT:,.0f} an acknowledgement can carry"
            )
