"""Signing out holds on every gateway worker: the session is revoked in the database, so a worker that did not
handle the sign-out refuses the cookie too (two applications on one database, and two processes of `serve`)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from gateway.cli import main
from gateway.console.session import COOKIE
from gateway.settings import Settings
from tests.consoleutil import Client, console_gateway, console_settings, csrf_of, sign_in
from tests.serverproc import serving

CONFIG = "returns-gateway.toml"
ClientFactory = Callable[[web.Application], Awaitable[Client]]


def cookie_of(client: Client) -> str:
    return next(cookie.value for cookie in client.session.cookie_jar if cookie.key == COOKIE)


@pytest.mark.both_backends
async def test_a_session_signed_out_on_one_worker_is_refused_by_another(
    aiohttp_client: ClientFactory, tmp_path: Path, db_location: str
) -> None:
    settings: Settings = console_settings(tmp_path, db_path=db_location)
    first = await aiohttp_client(console_gateway(settings))
    second = await aiohttp_client(console_gateway(settings))
    assert (await sign_in(first)).status == 303
    cookie = cookie_of(first)
    other = {"Cookie": f"{COOKIE}={cookie}"}
    assert (await second.get("/console/today", headers=other, allow_redirects=False)).status == 200

    token = csrf_of(await (await first.get("/console/today")).text())
    assert (await first.post("/console/sign-out", data={"csrf": token}, allow_redirects=False)).status == 303

    refused = await second.get("/console/today", headers=other, allow_redirects=False)
    assert refused.status == 303 and refused.headers["Location"] == "/console/?expired=1"
    posted = await second.post("/console/policies/simulate", headers=other, data={"csrf": token})
    assert posted.status == 401
    again = await first.get("/console/today", headers=other, allow_redirects=False)
    assert again.status == 303


@pytest.mark.both_backends
async def test_sign_out_holds_across_the_processes_of_serve(
    tmp_path: Path, db_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["credentials", "add", "lp", "--stores", "*", "--admin", "--config", str(tmp_path / CONFIG)]) == 0
    secret = re.search(r"X-API-Key\): lp\.(\S+)", capsys.readouterr().out)
    assert secret is not None
    with serving(tmp_path, "--workers", "2", "--db", db_location) as (base, _):
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            page = await (await browser.get(f"{base}/console/")).text()
            data = {"csrf": csrf_of(page), "name": "lp", "secret": secret.group(1)}
            signed_in = await browser.post(f"{base}/console/sign-in", data=data)
            text = await signed_in.text()
            assert signed_in.status == 200 and "Returns per day" in text
            cookie = next(c.value for c in browser.cookie_jar if c.key == COOKIE)
            signed_out = await browser.post(f"{base}/console/sign-out", data={"csrf": csrf_of(text)})
            assert signed_out.status == 200

        async def fresh_connection() -> int:
            connector = aiohttp.TCPConnector(force_close=True)
            async with aiohttp.ClientSession(connector=connector, cookies={COOKIE: cookie}) as visitor:
                answer = await visitor.get(f"{base}/console/today", allow_redirects=False)
                return answer.status

        assert [await fresh_connection() for _ in range(16)] == [303] * 16
