"""Administration: customer service overrides, count overrides, pattern watches, policy versions, histories."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from handlers.errors import MessageInvalid, NotFoundError
from handlers.models import PositiveId
from handlers.policy.policy_model import PolicySet
from handlers.privacy import positive_id_display, positive_id_hash
from handlers.service import PolicyHolder
from store.base import Store
from store.records import Stamp

COUNT_KINDS = ("freeze", "reset")


def policy_etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


@dataclass
class AdminService:
    """What loss prevention and customer service staff may change; every change is audited with who and when."""

    store: Store
    policies: PolicyHolder
    secret: bytes
    override_days: int = 30
    max_overrides: int = 2
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def _stamp(self, actor: str) -> Stamp:
        return Stamp(self.clock().isoformat(), actor)

    def _today(self) -> date:
        return self.clock().date()

    def customer_key(self, positive_id: PositiveId) -> str:
        return positive_id_hash(self.secret, positive_id)

    async def grant_override(self, positive_id: PositiveId, reason: str, actor: str) -> dict[str, Any]:
        grant = {
            "positive_id_hash": self.customer_key(positive_id),
            "reason": reason,
            "granted_on": self._today().isoformat(),
            "expires_on": (self._today() + timedelta(days=self.override_days)).isoformat(),
        }
        display = positive_id_display(positive_id)
        return await self.store.grant_override(grant, self._stamp(actor), self.max_overrides, display)

    async def revoke_override(self, override_id: int, actor: str) -> dict[str, Any]:
        return await self.store.revoke_override(override_id, self._stamp(actor))

    async def overrides(self, positive_id: PositiveId | None) -> list[dict[str, Any]]:
        customer = self.customer_key(positive_id) if positive_id else None
        return await self.store.list_overrides(customer)

    async def set_count(
        self, positive_id: PositiveId, kind: str, value: int, until: date | None, reason: str, actor: str
    ) -> dict[str, Any]:
        if kind not in COUNT_KINDS or value < 0 or (kind == "freeze" and until is None):
            raise MessageInvalid("kind is freeze (with until) or reset, and value is 0 or more")
        values = {
            "positive_id_hash": self.customer_key(positive_id),
            "customer": positive_id_display(positive_id),
            "kind": kind,
            "value": value,
            "set_on": self._today().isoformat(),
            "until": until.isoformat() if until else None,
            "reason": reason,
        }
        return await self.store.set_count_override(values, self._stamp(actor))

    async def customer_history(self, positive_id: PositiveId) -> dict[str, Any]:
        history = await self.store.customer_history(self.customer_key(positive_id))
        return {"customer": positive_id_display(positive_id), **history}

    async def cashier_history(self, cashier_id: str) -> dict[str, Any]:
        return {"cashier_id": cashier_id, **await self.store.cashier_history(cashier_id)}

    async def add_watch(self, watch: dict[str, Any], actor: str) -> dict[str, Any]:
        if (watch.get("item_id") is None) == (watch.get("node_id") is None):
            raise MessageInvalid("a pattern watch names an item_id or a node_id")
        for start, end in (("purchase_from", "purchase_to"), ("return_from", "return_to")):
            if date.fromisoformat(watch[start]) > date.fromisoformat(watch[end]):
                raise MessageInvalid(f"{start} is after {end}")
        return await self.store.add_watch(watch, self._stamp(actor))

    async def retire_watch(self, watch_id: str, actor: str) -> dict[str, Any]:
        return await self.store.retire_watch(watch_id, self._stamp(actor))

    async def watches(self) -> list[dict[str, Any]]:
        return await self.store.list_watches()

    async def upload_policy(
        self, policy_set: PolicySet, content: bytes, if_match: str | None, actor: str
    ) -> dict[str, Any]:
        version, etag = policy_set.version, policy_etag(content)
        return await self.store.put_policy(version, content, etag, self._stamp(actor), if_match)

    async def policy_versions(self) -> list[dict[str, Any]]:
        return await self.store.list_policies()

    async def policy(self, version: str) -> dict[str, Any]:
        found = await self.store.get_policy(version)
        if found is None:
            raise NotFoundError(f"policy version {version} does not exist")
        return dict(found)

    async def active_policy(self) -> dict[str, Any]:
        found = await self.store.active_policy()
        if found is None:
            raise NotFoundError("no policy version is active")
        return {"version": found["version"], "etag": found["etag"]}

    async def activate(self, policy_set: PolicySet, if_match: str | None, actor: str) -> dict[str, Any]:
        """Make a stored version active here at once (other workers switch at their next request)."""
        activated = await self.store.activate_policy(policy_set.version, self._stamp(actor), if_match)
        self.policies.current = policy_set
        return activated

    async def audit(self, limit: int, offset: int) -> list[dict[str, Any]]:
        return await self.store.audit_entries(limit, offset)
