"""Helpers for console tests: credentials, a gateway with them, signing in through the form, reading CSRF tokens."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.http.credentials import new_credential
from gateway.settings import Settings, load_settings

Client = TestClient[web.Request, web.Application]
ADMIN, ADMIN_SECRET = new_credential("loss-prevention", "api-key", ("*",), True, "")
TILL, TILL_SECRET = new_credential("till-7", "api-key", ("*",), False, "")
AS_TILL = {"X-API-Key": f"{TILL.name}.{TILL_SECRET}", "Content-Type": "application/xml"}
AS_ADMIN = {"X-API-Key": f"{ADMIN.name}.{ADMIN_SECRET}"}


def console_settings(tmp_path: Path, **changes: Any) -> Settings:
    """Settings with an admin and a till credential, on a SQLite file under `tmp_path` unless `db_path` is given
    (a path or a postgresql:// URL)."""
    return load_settings(environ={}, **{"db_path": tmp_path / "gateway.db", **changes}, credentials=(ADMIN, TILL))


def console_gateway(settings: Settings) -> web.Application:
    return create_app(settings)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1)


async def sign_in(client: Client, name: str = ADMIN.name, secret: str = ADMIN_SECRET) -> ClientResponse:
    """Open the sign-in page and post its form; the response of the post (redirects not followed)."""
    page = await (await client.get("/console/")).text()
    return await client.post(
        "/console/sign-in", data={"csrf": csrf_of(page), "name": name, "secret": secret}, allow_redirects=False
    )


async def page_csrf(client: Client, path: str = "/console/today") -> str:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return csrf_of(await response.text())
