"""Console page times on a large database: every page's median and slowest answer, signed in as an admin, on
100,000 synthetic tickets (bench/fill_db.py) plus a few real ones from the till API (target: well under a second)."""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bench.fill_db import fill
from gateway.app import create_app
from gateway.http.credentials import new_credential
from gateway.settings import load_settings

EXAMPLE = (
    Path(__file__).resolve().parent.parent / "examples" / "messages" / "authorize_nonreceipted_with_positive_id.xml"
)
POLICY = Path(__file__).resolve().parent.parent / "examples" / "policies" / "chain.xml"
ADMIN, ADMIN_SECRET = new_credential("bench-admin", "api-key", ("*",), True, "")
TILL, TILL_SECRET = new_credential("bench-till", "api-key", ("*",), False, "")
PID = {"pid_type": "DriversLicense", "pid_issuer": "TX", "pid_number": "TX09876543"}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, page[:300]
    return found.group(1)


async def _sign_in(client: TestClient) -> str:  # type: ignore[type-arg]
    page = await (await client.get("/console/")).text()
    data = {"csrf": _csrf(page), "name": ADMIN.name, "secret": ADMIN_SECRET}
    response = await client.post("/console/sign-in", data=data)
    return _csrf(await response.text())


def _pages(ticket: str, csrf: str) -> list[tuple[str, str, str, dict[str, str] | None]]:
    return [
        ("Today (last 7 days)", "GET", "/console/today", None),
        ("Today (a month)", "GET", "/console/today?from=2026-06-01&to=2026-06-30", None),
        ("Today (a year)", "GET", "/console/today?from=2026-01-01&to=2026-12-31", None),
        ("Today (one store, a month)", "GET", "/console/today?from=2026-06-01&to=2026-06-30&store_id=01291", None),
        ("Tickets (newest)", "GET", "/console/tickets", None),
        (
            "Tickets (store and dates)",
            "POST",
            "/console/tickets",
            {"csrf": csrf, "store_id": "01292", "from": "2026-05-01", "to": "2026-05-31"},
        ),
        (
            "Tickets (status, page 20)",
            "POST",
            "/console/tickets",
            {"csrf": csrf, "status": "completed", "offset": "1000"},
        ),
        ("Tickets (cashier)", "POST", "/console/tickets", {"csrf": csrf, "cashier_id": "E42"}),
        ("Tickets (item)", "POST", "/console/tickets", {"csrf": csrf, "item_id": "100234"}),
        (
            "Tickets (original sale)",
            "POST",
            "/console/tickets",
            {"csrf": csrf, "original_sale": "01291/02/2026-03-04/77"},
        ),
        ("Tickets (positive ID)", "POST", "/console/tickets", {"csrf": csrf, **PID}),
        ("Ticket page", "GET", f"/console/tickets/{ticket}", None),
        ("Customer history", "POST", "/console/customers", {"csrf": csrf, **PID}),
        ("Cashier history (~200 exceptions)", "GET", "/console/cashiers?cashier_id=E42", None),
        ("Overrides", "GET", "/console/overrides", None),
        ("Pattern watches", "GET", "/console/watches", None),
        ("Policies", "GET", "/console/policies", None),
        ("Policy difference", "GET", "/console/policies/diff?a=2026.11-1&b=2026.11-1&all=1", None),
        ("Audit", "GET", "/console/audit", None),
        ("Simulate (form)", "GET", "/console/policies/simulate?version=bench-draft", None),
        (
            "Simulate a version (a year)",
            "POST",
            "/console/policies/simulate",
            {"csrf": csrf, "version": "bench-draft", "from": "2026-01-01", "to": "2026-12-31"},
        ),
    ]


async def _measure(db: Path, rounds: int) -> None:
    settings = load_settings(environ={}, db_path=db, credentials=(ADMIN, TILL))
    async with TestClient(TestServer(create_app(settings))) as client:
        headers = {"X-API-Key": f"{TILL.name}.{TILL_SECRET}", "Content-Type": "application/xml"}
        answer = await (await client.post("/v1/returns/authorize", data=EXAMPLE.read_bytes(), headers=headers)).text()
        ticket = re.search(r"<TicketId>(.*?)</TicketId>", answer).group(1)  # type: ignore[union-attr]
        draft = POLICY.read_bytes().replace(b'version="2026.11-1"', b'version="bench-draft"')
        admin = {"X-API-Key": f"{ADMIN.name}.{ADMIN_SECRET}", "Content-Type": "application/xml"}
        assert (await client.put("/v1/admin/policies/bench-draft", data=draft, headers=admin)).status == 201
        csrf = await _sign_in(client)
        print(f"{'page':38} {'median ms':>10} {'max ms':>8}  status")
        for name, method, path, data in _pages(ticket, csrf):
            times, status = [], 0
            for _ in range(rounds):
                started = time.perf_counter()
                response = await client.request(method, path, data=data)
                await response.read()
                times.append((time.perf_counter() - started) * 1000)
                status = response.status
            print(f"{name:38} {statistics.median(times):10.1f} {max(times):8.1f}  {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000, help="synthetic tickets to fill")
    parser.add_argument("--rounds", type=int, default=5, help="requests per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "console.db"
        started = time.perf_counter()
        fill(db, args.tickets)
        print(f"filled {args.tickets:,} tickets in {time.perf_counter() - started:.1f} s")
        asyncio.run(_measure(db, args.rounds))


if __name__ == "__main__":
    main()
