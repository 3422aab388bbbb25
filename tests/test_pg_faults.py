"""PostgreSQL down or restarting: tills get 503 with Retry-After and an XML fault (JSON callers a problem), /readyz
says not ready, the console shows a 503 page, nothing is written, and once the server is back the pool reconnects by itself and the same message
is answered exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.app import create_app
from gateway.settings import load_settings
from tests.consoleutil import ADMIN, TILL, page_csrf, sign_in
from tests.pgcluster import PgCluster
from tests.serverutil import Client, count, example, field, post

ClientFactory = Callable[[web.Application], Awaitable[Client]]
AUTH = "/v1/returns/authorize"


async def test_a_stopped_database_answers_503_with_a_fault_then_the_gateway_serves_again(
    aiohttp_client: ClientFactory, pg_cluster: PgCluster, pg_url: str
) -> None:
    settings = load_settings(environ={}, db_path=pg_url, db_pool_timeout=1.0)
    client = await aiohttp_client(create_app(settings))
    body = example("authorize_receipted_single")
    assert (await client.get("/readyz")).status == 200

    await asyncio.to_thread(pg_cluster.stop)
    status, text = await post(client, AUTH, body)
    assert status == 503 and "Traceback" not in text
    assert field(text, "Code") == "UNAVAILABLE"
    response = await client.post(AUTH, data=body, headers={"Content-Type": "application/xml"})
    assert response.status == 503 and int(response.headers["Retry-After"]) > 0
    ready = await client.get("/readyz")
    assert ready.status == 503 and (await ready.json())["database"] is False
    problem = await client.get("/v1/tickets/T-NONE")
    assert problem.status == 503 and problem.content_type == "application/problem+json"
    assert (await problem.json())["code"] == "UNAVAILABLE" and "Retry-After" in problem.headers

    await asyncio.to_thread(pg_cluster.start)
    deadline = time.monotonic() + 30
    while True:
        status, first = await post(client, AUTH, body)
        if status == 200:
            break
        assert status == 503 and time.monotonic() < deadline, first
        await asyncio.sleep(0.2)
    status, again = await post(client, AUTH, body)
    assert (status, again) == (200, first)
    assert count(pg_url, "SELECT COUNT(*) FROM tickets") == 1
    assert (await client.get("/readyz")).status == 200


async def test_the_console_on_a_stopped_database_shows_a_503_page_with_retry_after(
    aiohttp_client: ClientFactory, pg_cluster: PgCluster, pg_url: str
) -> None:
    settings = load_settings(environ={}, db_path=pg_url, db_pool_timeout=1.0, credentials=(ADMIN, TILL))
    client = await aiohttp_client(create_app(settings))
    assert (await sign_in(client)).status == 303
    assert (await client.get("/console/today")).status == 200
    csrf = await page_csrf(client, "/console/watches")

    await asyncio.to_thread(pg_cluster.stop)
    for method, path, data in (
        ("GET", "/console/today", None),
        ("GET", "/console/tickets", None),
        ("POST", "/console/watches/W-DOWN/retire", {"csrf": csrf}),
    ):
        response = await client.request(method, path, data=data, allow_redirects=False)
        page = await response.text()
        assert response.status == 503, (path, page[:300])
        assert int(response.headers["Retry-After"]) > 0 and response.content_type == "text/html"
        assert "database is unavailable" in page and "Traceback" not in page and "psycopg" not in page

    await asyncio.to_thread(pg_cluster.start)
    deadline = time.monotonic() + 30
    while (response := await client.get("/console/today")).status != 200:
        assert response.status == 503 and time.monotonic() < deadline
        await asyncio.sleep(0.2)
