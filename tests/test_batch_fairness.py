"""A batch of queued messages shares the event loop: other requests get in while its members are read."""

from __future__ import annotations

import asyncio

import pytest
from lxml import etree

from gateway.admin.policies import load_policy_file
from gateway.http import dispatch
from gateway.http.schemas import MESSAGES_NS, default_registry
from gateway.settings import Settings
from handlers.service import PolicyHolder, ReturnsService
from store.sqlite import SqliteStore

MEMBERS = 40


async def test_other_requests_run_while_a_batch_reads_its_members(
    store: SqliteStore, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = ReturnsService(store, PolicyHolder(load_policy_file(settings.policy_path)), b"k" * 32)
    events: list[str] = []
    validate = dispatch.validate_member

    def recorded(*args: object) -> str:
        events.append("member")
        return validate(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(dispatch, "validate_member", recorded)
    batch = etree.Element(f"{{{MESSAGES_NS}}}MessageBatch")
    for _ in range(MEMBERS):
        etree.SubElement(batch, f"{{{MESSAGES_NS}}}ReturnFinalResult")

    async def till_request() -> None:
        events.append("till")

    till = asyncio.ensure_future(till_request())
    outcomes = await dispatch.apply_batch(service, default_registry(), batch)
    await till
    assert [outcome.status for outcome in outcomes] == [400] * MEMBERS
    assert events.index("till") <= dispatch.READ_BETWEEN_YIELDS
