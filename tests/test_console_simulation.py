"""Simulating a policy version from the console: the form on the policies page, the answer (summary, counts before
and after, transitions, refund value, what could not be re-decided, a chart) and the changed tickets paged and
linked to their ticket pages; refusals are plain page messages; each run is audited and nothing else is written."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from gateway.settings import Settings
from tests.consoleutil import page_csrf, sign_in
from tests.dbaccess import database
from tests.serverutil import Client, table_counts
from tests.test_simulation import DAY, SHORT_WINDOW, draft, publish, store_traffic

SHORT = "2026.12-short"
SAME = "2026.12-same"
PERIOD = {"from": DAY.isoformat(), "to": DAY.isoformat()}

pytestmark = pytest.mark.both_backends


async def signed_in(client: Client) -> str:
    """Sign in as the loopback admin (no credential is configured); the CSRF token of the policies page."""
    assert (await sign_in(client, "local", "")).status == 303
    return await page_csrf(client, "/console/policies")


async def run(client: Client, token: str, **fields: str) -> tuple[int, str]:
    response = await client.post("/console/policies/simulate", data={"csrf": token, **PERIOD, **fields})
    return response.status, await response.text()


def linked_tickets(page: str) -> list[str]:
    return re.findall(r'<a href="/console/tickets/([^"]+)">', page)


def audit_runs(db: str | Path) -> list[tuple[str, str, str]]:
    with database(db) as connection:
        return list(
            connection.execute(
                "SELECT actor, target, after_json FROM audit_log WHERE action = 'policy.simulate' ORDER BY entry_id"
            )
        )


async def test_the_policies_page_offers_a_labelled_simulate_form_for_versions_not_active(client: Client) -> None:
    await publish(client, draft(SHORT, *SHORT_WINDOW), SHORT)
    await signed_in(client)
    page = await (await client.get("/console/policies")).text()
    form = page.split('aria-label="Simulate a policy version"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrf"' in form and f"<option>{SHORT}</option>" in form and "<option>2026.11-1</option>" not in form
    for field_id in ("sim_version", "sim_from", "sim_to", "sim_stores"):
        assert f'<label for="{field_id}">' in form and f'id="{field_id}"' in form
    assert f'href="/console/policies/simulate?version={SHORT}" aria-label="Simulate version {SHORT}"' in page
    chosen = await client.get(f"/console/policies/simulate?version={SHORT}")
    assert chosen.status == 200 and f"<option selected>{SHORT}</option>" in await chosen.text()


async def test_a_shorter_window_shows_exactly_the_changed_tickets_linked(client: Client, settings: Settings) -> None:
    receipted = await store_traffic(client)
    await publish(client, draft(SHORT, *SHORT_WINDOW), SHORT)
    token = await signed_in(client)
    before = table_counts(settings.db_path)

    status, page = await run(client, token, version=SHORT)

    assert status == 200, page
    expected = {ticket for ticket, days in receipted.items() if 15 <= days < 31}
    assert 0 < len(expected) <= 50 and set(linked_tickets(page)) == expected
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert re.search(rf"Decided differently\s+{len(expected)}\b", text)
    assert re.search(r"Attempts in the period\s+300\b", text) and re.search(r"Re-decided\s+300\b", text)
    assert re.search(rf"Authorization\s+ManagerOverrideableDenial\s+{len(expected)}\b", text)
    assert "Every attempt of the period was re-decided" in text
    assert "DEFAULT-RECEIPTED/window" in text and "window (DaysSincePurchase = " in text
    assert '<svg class="chart"' in page and "Transactions by response type, before and after" in page
    refunds = re.search(r"USD\s+\$([\d,.]+)\s+\$([\d,.]+)\s+-\$([\d,.]+)", text)
    assert refunds is not None
    assert float(refunds.group(3).replace(",", "")) == round(len(expected) * 40.99, 2)
    ticket = await client.get(f"/console/tickets/{sorted(expected)[0]}")
    assert ticket.status == 200
    assert table_counts(settings.db_path) == before
    detail = {"attempts": 300, "changed": len(expected), "from": DAY.isoformat(), "to": DAY.isoformat(), "stores": []}
    assert [(who, target, json.loads(after)) for who, target, after in audit_runs(settings.db_path)] == [
        ("local", f"policy/{SHORT}", detail)
    ]


async def test_changed_tickets_are_paged_and_a_version_that_changes_nothing_says_so(client: Client) -> None:
    await store_traffic(client)
    await publish(client, draft(SHORT, *SHORT_WINDOW), SHORT)
    await publish(client, draft(SAME), SAME)
    token = await signed_in(client)
    _, first = await run(client, token, version=SHORT)
    _, later = await run(client, token, version=SHORT, offset="10")
    assert linked_tickets(later) == linked_tickets(first)[10:]
    assert "Lines 11 to" in later and 'name="offset" value="0"' in later

    status, same = await run(client, token, version=SAME)
    assert status == 200 and linked_tickets(same) == []
    assert (
        f"Version {SAME} would have decided every re-decided attempt of this period exactly as it was decided" in same
    )
    assert "No ticket would have been decided differently." in same

    _, elsewhere = await run(client, token, version=SHORT, stores="09999")
    assert "No return attempt was stored in this period for these stores" in elsewhere


async def test_an_empty_database_answers_with_its_empty_state(client: Client) -> None:
    await publish(client, draft(SHORT, *SHORT_WINDOW), SHORT)
    token = await signed_in(client)
    status, page = await run(client, token, version=SHORT)
    assert status == 200 and "No return attempt was stored in this period." in page
    assert "Every attempt of the period was re-decided" in page


async def test_refusals_are_page_messages_and_write_nothing(client: Client, settings: Settings) -> None:
    await publish(client, draft(SHORT, *SHORT_WINDOW), SHORT)
    token = await signed_in(client)
    before = table_counts(settings.db_path)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"version": SHORT, "from": "2026-13-01"}, 400, "Dates are written YYYY-MM-DD"),
        ({"version": SHORT, "from": "2026-10-21", "to": "2026-10-20"}, 400, "The period runs forwards"),
        ({"version": SHORT, "from": "2000-01-01", "to": "2026-10-20"}, 400, "at most 3660 days"),
        ({"version": SHORT, "stores": "01291, <b>"}, 400, "Stores are store ids"),
        ({"version": "2026.11-1"}, 409, "Version 2026.11-1 is the active version"),
        ({"version": "missing"}, 404, "Version missing is not stored"),
        ({"version": ""}, 400, "Choose the policy version to simulate"),
    ]
    for fields, status, message in cases:
        answered, page = await run(client, token, **fields)
        assert answered == status and message in html.unescape(page), (fields, page[-2000:])
        assert 'role="alert"' in page and "Traceback" not in page
        assert 'aria-label="Simulate a policy version"' in page
    stale = await client.post("/console/policies/simulate", data={"csrf": "forged", **PERIOD, "version": SHORT})
    assert stale.status == 403 and "CSRF" in await stale.text()
    assert table_counts(settings.db_path) == before and audit_runs(settings.db_path) == []
    active = await client.get("/console/policies/simulate?version=2026.11-1")
    assert active.status == 409 and "is the active version" in await active.text()
    unknown = await client.get("/console/policies/simulate?version=missing")
    assert unknown.status == 404 and "is not stored" in await unknown.text()


async def test_simulating_needs_a_session(client: Client) -> None:
    response = await client.post("/console/policies/simulate", data={**PERIOD, "version": SHORT})
    assert response.status == 401 and "Sign in again" in await response.text()
    page = await client.get("/console/policies/simulate", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"] == "/console/"
