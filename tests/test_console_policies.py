"""Policies in the console: versions with check results, the side-by-side difference, activation with the ETag,
and a stale page's activation refused with the 412 explained and nothing changed."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from gateway.settings import Settings
from tests.consoleutil import AS_ADMIN, Client, console_gateway, console_settings, page_csrf, sign_in
from tests.dbaccess import database
from tests.policyutil import policy_xml

ClientFactory = Callable[[web.Application], Awaitable[Client]]
FRAUD_RULE = (
    '<Rule id="reason" question="ReturnReason"><Answer in="FRAUD" action="Stop" code="D1"/>'
    '<Answer otherwise="true"/><Answer missing="true"/></Rule>'
)

pytestmark = pytest.mark.both_backends


@pytest.fixture
def settings(tmp_path: Path, db_location: str) -> Settings:
    policy = tmp_path / "policy.xml"
    policy.write_bytes(policy_xml())
    return console_settings(tmp_path, db_path=db_location, policy_path=policy)


@pytest.fixture
async def client(aiohttp_client: ClientFactory, settings: Settings) -> Client:
    started = await aiohttp_client(console_gateway(settings))
    second = policy_xml(nonreceipted_rules=FRAUD_RULE).replace(b'version="test-1"', b'version="test-2"')
    uploaded = await started.put("/v1/admin/policies/test-2", data=second, headers=AS_ADMIN)
    assert uploaded.status == 201
    await sign_in(started)
    return started


def active_version(db: str | Path) -> str:
    with database(db) as connection:
        return str(connection.execute("SELECT value FROM meta WHERE key = 'active_policy'").fetchone()[0])


async def test_versions_are_listed_with_checks_and_a_place_to_simulate(client: Client) -> None:
    page = await (await client.get("/console/policies")).text()
    assert "test-1" in page and "test-2" in page and "passes every check" in page
    assert "Simulate version test-2" in page


async def test_side_by_side_difference_shows_the_changed_rules(client: Client) -> None:
    page = await (await client.get("/console/policies/diff?a=test-1&b=test-2")).text()
    assert "rule reason: answer" in page and "code D1" in page and 'class="added"' in page
    same = await (await client.get("/console/policies/diff?a=test-1&b=test-1")).text()
    assert "decide alike" in same


async def test_activation_with_the_etag_and_the_stale_page_refused(client: Client, settings: Settings) -> None:
    stale_page = await (await client.get("/console/policies")).text()
    etag = html.unescape(stale_page.split('name="etag" value="', 1)[1].split('"', 1)[0])
    token = await page_csrf(client, "/console/policies")
    activated = await client.post("/console/policies/activate", data={"csrf": token, "version": "test-2", "etag": etag})
    assert activated.status == 200 and "Version test-2 is now active" in await activated.text()
    assert active_version(settings.db_path) == "test-2"
    stale = await client.post("/console/policies/activate", data={"csrf": token, "version": "test-1", "etag": etag})
    text = await stale.text()
    assert stale.status == 412 and "changed since this page was drawn" in text and "Nothing was changed" in text
    assert active_version(settings.db_path) == "test-2"


async def test_upload_checks_the_file_and_stores_a_new_version(client: Client, settings: Settings) -> None:
    token = await page_csrf(client, "/console/policies")
    third = policy_xml(nonreceipted_rules=FRAUD_RULE).replace(b'version="test-1"', b'version="test-3"')
    form = aiohttp.FormData({"csrf": token})
    form.add_field("policy", third, filename="policy.xml", content_type="application/xml")
    stored = await client.post("/console/policies/upload", data=form)
    assert stored.status == 200 and "Version test-3 passed every check" in await stored.text()
    again = aiohttp.FormData({"csrf": token})
    again.add_field("policy", third, filename="policy.xml", content_type="application/xml")
    refused = await client.post("/console/policies/upload", data=again)
    assert refused.status == 409 and "already stored" in await refused.text()
    broken = aiohttp.FormData({"csrf": token})
    broken.add_field("policy", third.replace(b'code="D1"', b'code="NOPE"'), filename="p.xml")
    invalid = await client.post("/console/policies/upload", data=broken)
    assert invalid.status == 400 and "Not stored" in await invalid.text()
    with database(settings.db_path) as connection:
        versions = [row[0] for row in connection.execute("SELECT version FROM policy_versions ORDER BY version")]
    assert versions == ["test-1", "test-2", "test-3"]
