"""Count overrides from the instant they were made, through the server: resets and freezes against returns
completed earlier and later the same day, in the same second, and voided after the override."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.http.keys import ADMIN as ADMIN_SERVICE
from gateway.http.keys import SERVICE as RETURNS_SERVICE
from gateway.settings import Settings, load_settings
from tests.policyutil import policy_xml
from tests.serverutil import Client
from tests.test_admin import ADMIN, COUNT_RULE, CUSTOMER, FRAUD_RULE, OTHER, TILL, WATCH_RULE, admin, attempt
from tests.test_admin import count_seen as seen
from tests.test_admin import finish as complete

ClientFactory = Callable[[web.Application], Awaitable[Client]]
pytestmark = pytest.mark.both_backends


@pytest.fixture
def settings(tmp_path: Path, db_location: str) -> Settings:
    policy = tmp_path / "policy.xml"
    policy.write_bytes(policy_xml(receipted_rules=WATCH_RULE, nonreceipted_rules=FRAUD_RULE + COUNT_RULE))
    return load_settings(environ={}, db_path=db_location, policy_path=policy, credentials=(ADMIN, OTHER, TILL))


@pytest.fixture
async def client(aiohttp_client: ClientFactory, settings: Settings) -> Client:
    return await aiohttp_client(create_app(settings))


def at(client: Client, day: str, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Both services' clocks at this moment of `day`."""
    moment = datetime.combine(date.fromisoformat(day), time(hour, minute, second), UTC)
    client.app[ADMIN_SERVICE].clock = lambda: moment
    client.app[RETURNS_SERVICE].clock = lambda: moment
    return moment


async def override(client: Client, kind: str, value: int, until: str | None = None) -> None:
    body = {"positive_id": CUSTOMER, "kind": kind, "value": value, "reason": "reviewed with the customer"}
    if until:
        body["until"] = until
    status, text = await admin(client, "POST", "/v1/admin/count-overrides", body)
    assert status == 201, text


async def done(client: Client, day: str, hour: int, voided_answer: str | None = None) -> str:
    """A return completed on `day` at `hour` (the helper stamps the returns clock with it)."""
    answer = voided_answer or await attempt(client, day)
    await complete(client, answer, day, voided=voided_answer is not None, hour=hour)
    return answer


async def test_a_reset_in_the_evening_keeps_the_morning_and_counts_the_night(client: Client) -> None:
    for hour in (8, 9, 10, 11):
        await done(client, "2026-12-03", hour)
    at(client, "2026-12-03", 18, 30)
    await override(client, "reset", 1)
    assert await seen(client, "2026-12-03") == "1"
    await done(client, "2026-12-03", 19)
    await done(client, "2026-12-03", 21)
    assert await seen(client, "2026-12-03") == "3"
    assert await seen(client, "2026-12-04") == "3"


async def test_a_return_recorded_in_the_same_second_after_a_reset_counts(client: Client) -> None:
    await done(client, "2026-12-05", 9)
    at(client, "2026-12-05", 14, 0, 0)
    await override(client, "reset", 0)
    await done(client, "2026-12-05", 14)
    assert await seen(client, "2026-12-05") == "1"


async def test_a_return_recorded_in_the_same_second_before_a_reset_does_not(client: Client) -> None:
    await done(client, "2026-12-05", 14)
    at(client, "2026-12-05", 14, 0, 0)
    await override(client, "reset", 0)
    assert await seen(client, "2026-12-05") == "0"


async def test_a_freeze_then_its_end(client: Client) -> None:
    for hour in (9, 10):
        await done(client, "2026-12-07", hour)
    at(client, "2026-12-07", 11)
    await override(client, "freeze", 7, until="2026-12-09")
    await done(client, "2026-12-07", 12)
    await done(client, "2026-12-09", 16)
    assert await seen(client, "2026-12-09") == "7"
    assert await seen(client, "2026-12-10") == "7"
    await done(client, "2026-12-10", 9)
    assert await seen(client, "2026-12-10") == "8"


async def test_a_void_after_a_reset_of_a_return_before_it_changes_nothing(client: Client) -> None:
    before = await done(client, "2026-12-11", 9)
    after = await done(client, "2026-12-11", 9)
    at(client, "2026-12-11", 10)
    await override(client, "reset", 4)
    await done(client, "2026-12-11", 11, voided_answer=before)
    assert await seen(client, "2026-12-11") == "4"
    later = await done(client, "2026-12-11", 12)
    assert await seen(client, "2026-12-11") == "5"
    await done(client, "2026-12-11", 13, voided_answer=later)
    assert await seen(client, "2026-12-11") == "4"
    assert after != later


async def test_the_instants_decide_whatever_order_the_messages_came_in(client: Client) -> None:
    """A return stamped 15:00 reached the gateway before a reset stamped noon: the instants say it came after."""
    await done(client, "2026-12-12", 9)
    await done(client, "2026-12-12", 15)
    at(client, "2026-12-12", 12)
    await override(client, "reset", 3)
    assert await seen(client, "2026-12-12") == "4"
