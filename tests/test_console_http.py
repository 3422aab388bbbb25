"""The console over HTTP: sign-in and sessions (cookie flags, idle expiry, sign-out), CSRF refusals, the till
credential refused, ticket search by positive ID and the audited reveal, and personal data kept masked."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from gateway.console.base import CONSOLE
from gateway.settings import Settings
from tests.consoleutil import (
    ADMIN,
    AS_TILL,
    TILL,
    TILL_SECRET,
    Client,
    console_gateway,
    console_settings,
    csrf_of,
    page_csrf,
    sign_in,
)
from tests.dbaccess import database
from tests.serverutil import example, field

ClientFactory = Callable[[web.Application], Awaitable[Client]]
NUMBER = "TX09876543"
CLEAR_DATA = (NUMBER, "Dana Whitfield", "Whitfield", "512-555-0147", "Barton Springs", "C-7781204")

pytestmark = pytest.mark.both_backends


@pytest.fixture
def settings(tmp_path: Path, db_location: str) -> Settings:
    return console_settings(tmp_path, db_path=db_location)


@pytest.fixture
async def client(aiohttp_client: ClientFactory, settings: Settings) -> Client:
    return await aiohttp_client(console_gateway(settings))


async def till_ticket(client: Client) -> str:
    response = await client.post(
        "/v1/returns/authorize", data=example("authorize_nonreceipted_with_positive_id"), headers=AS_TILL
    )
    assert response.status == 200
    return field(await response.text(), "TicketId")


def audit_actions(db: str | Path) -> list[tuple[str, str, str]]:
    with database(db) as connection:
        found = connection.execute("SELECT actor, action, target FROM audit_log ORDER BY entry_id").fetchall()
        return [(str(actor), str(action), str(target)) for actor, action, target in found]


async def test_signing_in_sets_a_strict_httponly_cookie_and_audits_it(client: Client, settings: Settings) -> None:
    response = await sign_in(client)
    assert response.status == 303 and response.headers["Location"] == "/console/today"
    cookie = next(c for c in response.headers.getall("Set-Cookie") if c.startswith("rg_console="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over TLS the flag is set (request.secure)
    assert (ADMIN.name, "console.sign-in", "console") in audit_actions(settings.db_path)


async def test_wrong_secret_and_till_credential_are_refused(client: Client) -> None:
    wrong = await sign_in(client, secret="not-the-secret")
    assert wrong.status == 401 and "do not match" in await wrong.text()
    till = await sign_in(client, TILL.name, TILL_SECRET)
    assert till.status == 403 and "till credential" in await till.text()
    assert "rg_console=" not in "".join(till.headers.getall("Set-Cookie", []))
    assert (await client.get("/console/tickets", allow_redirects=False)).status == 303


async def test_pages_need_a_session(client: Client) -> None:
    for path in ("/console/today", "/console/tickets", "/console/policies", "/console/audit"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/console/")


async def test_a_session_expires_after_idle_time(client: Client) -> None:
    moment = [1_000_000.0]
    client.app[CONSOLE].clock = lambda: moment[0]
    client.app[CONSOLE].idle_seconds = 600
    await sign_in(client)
    moment[0] += 590
    assert (await client.get("/console/tickets", allow_redirects=False)).status == 200
    moment[0] += 590  # each request renews the session: still within 600 s of the last one
    assert (await client.get("/console/tickets", allow_redirects=False)).status == 200
    moment[0] += 601
    expired = await client.get("/console/tickets", allow_redirects=False)
    assert expired.status == 303 and "expired" in expired.headers["Location"]


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(client: Client, settings: Settings) -> None:
    await sign_in(client)
    before = audit_actions(settings.db_path)
    for token in ("", "0" * 64):
        response = await client.post("/console/overrides", data={"csrf": token, "reason": "x"})
        assert response.status == 403 and "CSRF" in await response.text()
    assert audit_actions(settings.db_path) == before
    signin = await client.post("/console/sign-in", data={"csrf": "forged", "name": ADMIN.name, "secret": "x"})
    assert signin.status == 403


async def test_sign_out_ends_the_session(client: Client, settings: Settings) -> None:
    await sign_in(client)
    token = await page_csrf(client)
    out = await client.post("/console/sign-out", data={"csrf": token}, allow_redirects=False)
    assert out.status == 303
    assert (await client.get("/console/tickets", allow_redirects=False)).status == 303
    assert (ADMIN.name, "console.sign-out", "console") in audit_actions(settings.db_path)


async def test_positive_id_search_finds_the_ticket_without_echoing_the_number(client: Client) -> None:
    ticket = await till_ticket(client)
    await sign_in(client)
    token = await page_csrf(client, "/console/tickets")
    typed = {"csrf": token, "pid_type": "DriversLicense", "pid_issuer": "TX", "pid_number": NUMBER}
    found = await (await client.post("/console/tickets", data=typed)).text()
    assert ticket in found and NUMBER not in found
    other = await (await client.post("/console/tickets", data={**typed, "pid_number": "TX00000000"})).text()
    assert ticket not in other and "No ticket matches" in other
    by_store = await (await client.get("/console/tickets?store_id=99999")).text()
    assert ticket not in by_store


async def test_ticket_page_shows_the_trace_masked_and_reveal_is_audited(client: Client, settings: Settings) -> None:
    ticket = await till_ticket(client)
    await sign_in(client)
    page = await (await client.get(f"/console/tickets/{ticket}")).text()
    assert "Rule trace of line 1" in page and "2026.11-1" in page
    assert not [data for data in CLEAR_DATA if data in page]
    assert "****6543" in page
    token = await page_csrf(client, f"/console/tickets/{ticket}")
    revealed = await client.post(f"/console/tickets/{ticket}/reveal", data={"csrf": token, "reason": "fraud case"})
    assert revealed.status == 200 and "Dana Whitfield" in await revealed.text()
    assert (ADMIN.name, "ticket.reveal", f"ticket/{ticket}") in audit_actions(settings.db_path)
    again = await (await client.get(f"/console/tickets/{ticket}")).text()
    assert "Dana Whitfield" not in again


async def test_unknown_ticket_and_bad_dates_are_explained(client: Client) -> None:
    await sign_in(client)
    missing = await client.get("/console/tickets/T-NOPE")
    assert missing.status == 404 and "does not exist" in await missing.text()
    bad = await client.get("/console/tickets?from=yesterday")
    assert bad.status == 400 and "YYYY-MM-DD" in await bad.text()
    assert not re.search(r"Traceback|File \"", await bad.text())


PAGES = (
    "/console/",
    "/console/today",
    "/console/today?from=2026-01-01&to=2026-12-31",
    "/console/today?from=bad",
    "/console/tickets",
    "/console/tickets?status=decided&from=2026-11-01&to=2026-11-30",
    "/console/customers",
    "/console/overrides",
    "/console/cashiers",
    "/console/cashiers?cashier_id=C-1",
    "/console/watches",
    "/console/policies",
    "/console/policies/diff",
    "/console/policies/diff?a=2026.11-1&b=2026.11-1&all=1",
    "/console/policies/simulate",
    "/console/policies/simulate?version=2026.11-1",
    "/console/audit",
    "/console/audit?actor=x&action=override.&from=2026-01-01&to=2026-12-31&offset=50",
    "/console/static/console.css",
    "/console/static/console.js",
)


async def test_every_page_answers_on_an_empty_database(client: Client) -> None:
    await sign_in(client)
    for path in PAGES:
        response = await client.get(path)
        text = await response.text()
        assert response.status < 500, path
        assert "Traceback" not in text, path
        if response.content_type == "text/html":
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'"), path
            assert response.headers["Cache-Control"] == "no-store", path


async def test_no_page_shows_personal_data_unless_revealed(client: Client) -> None:
    ticket = await till_ticket(client)
    await sign_in(client)
    token = await page_csrf(client, "/console/tickets")
    typed = {"csrf": token, "pid_type": "DriversLicense", "pid_issuer": "TX", "pid_number": NUMBER}
    pages = [await (await client.get(path)).text() for path in (*PAGES, f"/console/tickets/{ticket}")]
    pages.append(await (await client.post("/console/tickets", data=typed)).text())
    pages.append(await (await client.post("/console/customers", data=typed)).text())
    pages.append(await (await client.post("/console/overrides", data={**typed, "reason": "test"})).text())
    pages.append(await (await client.get("/console/audit")).text())
    for page in pages:
        assert not [data for data in CLEAR_DATA if data in page]


async def test_audit_is_filtered_and_paged(client: Client) -> None:
    await sign_in(client)
    token = await page_csrf(client, "/console/watches")
    for number in range(53):
        watch = {"csrf": token, "watch_id": f"W{number}", "description": "d", "item_id": "I"}
        dates = dict.fromkeys(("purchase_from", "purchase_to", "return_from", "return_to"), "2026-12-01")
        assert (await client.post("/console/watches", data={**watch, **dates}, allow_redirects=False)).status == 303
    first = await (await client.get("/console/audit?action=watch.")).text()
    assert "W52" in first and "watch/W0<" not in first and "Next page" in first
    second = await (await client.get("/console/audit?action=watch.&offset=50")).text()
    assert "watch/W0<" in second and "Next page" not in second and "Previous page" in second
    signins = await (await client.get("/console/audit?action=console.sign")).text()
    assert "console.sign-in" in signins and "watch.create" not in signins
    nobody = await (await client.get("/console/audit?actor=nobody")).text()
    assert "No audit entry matches" in nobody


async def test_today_counts_returns_denials_and_refunds_of_the_period(client: Client) -> None:
    ticket = await till_ticket(client)
    final = example(
        "final_result_approved",
        ("T01291-20261120-000001", ticket),
        ("01291-03-20261120-0412", "RT-CONSOLE-1"),
        ("<StoreId>01291</StoreId>", "<StoreId>00455</StoreId>"),
    )
    response = await client.post("/v1/returns/final-result", data=final, headers=AS_TILL)
    assert response.status == 200, await response.text()
    await sign_in(client)
    page = await (await client.get("/console/today?from=2026-11-20&to=2026-11-20")).text()
    kpis = re.findall(r'<div class="value">([^<]+)</div>', page)
    assert kpis[:3] == ["1", "1", "0"] and kpis[3].startswith("$") and kpis[3] != "$0.00"
    assert "<svg" in page and 'role="img"' in page
    other = await (await client.get("/console/today?from=2026-11-21&to=2026-11-30")).text()
    assert re.findall(r'<div class="value">([^<]+)</div>', other) == ["0", "0", "0", "$0.00", "0"]
    assert "No return was recorded in this period" in other


async def test_every_page_answers_on_a_filled_database(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """Synthetic tickets (bench/fill_db.py: no attempts, thousands of exceptions per cashier) on every page."""
    from bench.fill_db import fill

    settings = console_settings(tmp_path)
    fill(Path(settings.db_path), 3_000)
    client = await aiohttp_client(console_gateway(settings))
    await sign_in(client)
    token = await page_csrf(client, "/console/tickets")
    extra = ("/console/tickets/TFILL-000000007", "/console/cashiers?cashier_id=E7", "/console/today?from=2026-01-01")
    for path in (*PAGES, *extra):
        response = await client.get(path)
        assert response.status < 500 and "Traceback" not in await response.text(), path
    found = await (await client.post("/console/tickets", data={"csrf": token, "status": "completed"})).text()
    assert found.count("/console/tickets/TFILL-") == 50 and "Next page" in found
    page = await (await client.get("/console/today?from=2026-01-01&to=2026-12-31")).text()
    assert re.findall(r'<div class="value">([^<]+)</div>', page)[0] == "3,000"


async def test_the_ticket_leads_to_its_customers_history(client: Client) -> None:
    ticket = await till_ticket(client)
    await sign_in(client)
    page = await (await client.get(f"/console/tickets/{ticket}")).text()
    assert f"/console/tickets/{ticket}/customer" in page
    history = await client.get(f"/console/tickets/{ticket}/customer")
    text = await history.text()
    assert history.status == 200 and "DriversLicense/TX ****6543" in text and "type the positive ID" in text
    assert not [data for data in CLEAR_DATA if data in text]
    assert (await client.get("/console/tickets/T-NONE/customer")).status == 404


async def test_without_credentials_the_local_user_signs_in(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    from gateway.settings import load_settings

    client = await aiohttp_client(console_gateway(load_settings(environ={}, db_path=tmp_path / "open.db")))
    page = await (await client.get("/console/")).text()
    assert "you sign in as <strong>local</strong>" in page
    response = await client.post(
        "/console/sign-in", data={"csrf": csrf_of(page), "name": "local"}, allow_redirects=False
    )
    assert response.status == 303
    assert "Signed in as <strong>local</strong>" in await (await client.get("/console/today")).text()
