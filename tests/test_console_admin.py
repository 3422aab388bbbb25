"""Console changes end to end: an override granted in the console is used by the next denied authorize, count
freeze, pattern watches added and retired, revocation, and every change audited under the signed-in name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from gateway.settings import Settings
from tests.consoleutil import ADMIN, AS_TILL, Client, console_gateway, console_settings, page_csrf, sign_in
from tests.dbaccess import database
from tests.policyutil import policy_xml
from tests.serverutil import example, field

ClientFactory = Callable[[web.Application], Awaitable[Client]]
FRAUD_RULE = (
    '<Rule id="reason" question="ReturnReason"><Answer in="FRAUD" action="Stop" code="D1"/>'
    '<Answer otherwise="true"/><Answer missing="true"/></Rule>'
)
TYPED = {"pid_type": "DriversLicense", "pid_issuer": "TX", "pid_number": "TX09876543"}

pytestmark = pytest.mark.both_backends


@pytest.fixture
def settings(tmp_path: Path, db_location: str) -> Settings:
    policy = tmp_path / "policy.xml"
    policy.write_bytes(policy_xml(nonreceipted_rules=FRAUD_RULE))
    return console_settings(tmp_path, db_path=db_location, policy_path=policy)


@pytest.fixture
async def client(aiohttp_client: ClientFactory, settings: Settings) -> Client:
    started = await aiohttp_client(console_gateway(settings))
    await sign_in(started)
    return started


async def authorize(client: Client, message_id: str, reason: str) -> str:
    body = example("authorize_nonreceipted_with_positive_id", ("AUTH-0006-ID", message_id), ("WRONG-SIZE", reason))
    response = await client.post("/v1/returns/authorize", data=body, headers=AS_TILL)
    assert response.status == 200
    return await response.text()


def audit(db: str | Path) -> list[tuple[str, str]]:
    with database(db) as connection:
        found = connection.execute(
            "SELECT actor, action FROM audit_log WHERE action NOT LIKE 'console.%' ORDER BY entry_id"
        ).fetchall()
        return [(str(actor), str(action)) for actor, action in found]


async def test_granted_override_is_used_by_the_next_denied_return(client: Client, settings: Settings) -> None:
    assert field(await authorize(client, "AUTH-C-1", "FRAUD"), "Type") == "Denial"
    token = await page_csrf(client, "/console/overrides")
    granted = await client.post("/console/overrides", data={"csrf": token, "reason": "victim of theft", **TYPED})
    page = await granted.text()
    assert granted.status == 200 and "The override was granted" in page and "TX09876543" not in page
    answer = await authorize(client, "AUTH-C-2", "FRAUD")
    assert field(answer, "CustomerServiceOverrideUsed") == "true" and field(answer, "Type") != "Denial"
    assert (ADMIN.name, "override.grant") in audit(settings.db_path)


async def test_override_revoked_from_the_list(client: Client, settings: Settings) -> None:
    token = await page_csrf(client, "/console/overrides")
    await client.post("/console/overrides", data={"csrf": token, "reason": "agreed", **TYPED})
    revoked = await client.post("/console/overrides/1/revoke", data={"csrf": token})
    assert revoked.status == 200 and "The override was revoked" in await revoked.text()
    assert field(await authorize(client, "AUTH-C-3", "FRAUD"), "Type") == "Denial"
    assert (ADMIN.name, "override.revoke") in audit(settings.db_path)
    missing = await client.post("/console/overrides/99/revoke", data={"csrf": token})
    assert missing.status == 404 and "does not exist" in await missing.text()


async def test_customer_history_count_freeze_and_grant_limits(client: Client, settings: Settings) -> None:
    token = await page_csrf(client, "/console/customers")
    page = await client.post("/console/customers", data={"csrf": token, **TYPED})
    text = await page.text()
    assert page.status == 200 and "DriversLicense/TX ****6543" in text and "TX09876543" not in text
    sealed = text.split('name="pid_token" value="', 1)[1].split('"', 1)[0]
    frozen = await client.post(
        "/console/customers/count",
        data={"csrf": token, "pid_token": sealed, "kind": "freeze", "value": "1", "until": "2026-12-31", "reason": "x"},
    )
    assert frozen.status == 200 and "freeze at 1" in await frozen.text()
    no_date = await client.post(
        "/console/customers/count",
        data={"csrf": token, "pid_token": sealed, "kind": "freeze", "value": "1", "reason": "x"},
    )
    assert no_date.status == 400 and "needs the date" in await no_date.text()
    for expected in (200, 200, 409):
        grant = await client.post(
            "/console/customers/override", data={"csrf": token, "pid_token": sealed, "reason": "r"}
        )
        assert grant.status == expected
    assert [a for _, a in audit(settings.db_path)] == ["count.freeze", "override.grant", "override.grant"]


async def test_pattern_watch_added_and_retired(client: Client, settings: Settings) -> None:
    token = await page_csrf(client, "/console/watches")
    watch = {
        "csrf": token,
        "watch_id": "W-CONSOLE",
        "description": "Gift cards after the holidays",
        "item_id": "SKU-1",
        "purchase_from": "2026-12-01",
        "purchase_to": "2026-12-24",
        "return_from": "2026-12-26",
        "return_to": "2027-01-15",
    }
    added = await client.post("/console/watches", data=watch)
    assert added.status == 200 and "W-CONSOLE" in await added.text()
    both = await client.post("/console/watches", data={**watch, "watch_id": "W-2", "node_id": "N1"})
    assert both.status == 400 and "not both" in await both.text()
    retired = await client.post("/console/watches/W-CONSOLE/retire", data={"csrf": token})
    assert retired.status == 200 and "was retired" in await retired.text()
    assert [a for _, a in audit(settings.db_path)] == ["watch.create", "watch.retire"]


async def test_cashier_history_page(client: Client) -> None:
    empty = await (await client.get("/console/cashiers?cashier_id=C-NOBODY")).text()
    assert "No exception is recorded for this cashier" in empty
