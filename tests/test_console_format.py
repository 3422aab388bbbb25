"""Dates and money in a store's locale, and the console's locale settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from gateway.console import console_state
from gateway.console.formatting import LOCALES, Locales, format_day, format_moment, format_money, format_number
from tests.consoleutil import AS_TILL, Client, console_gateway, console_settings, sign_in
from tests.serverutil import example, field

ClientFactory = Callable[[web.Application], Awaitable[Client]]


@pytest.mark.parametrize(
    ("tag", "day", "money"),
    [
        ("en-US", "11/20/2026", "$1,234.50"),
        ("en-GB", "20/11/2026", "\u00a31,234.50"),
        ("de-DE", "20.11.2026", "1.234,50\u00a0\u20ac"),
        ("fr-FR", "20/11/2026", "1\u202f234,50\u00a0\u20ac"),
        ("fr-CA", "2026-11-20", "1\u00a0234,50\u00a0$"),
    ],
)
def test_days_and_money_follow_the_locale(tag: str, day: str, money: str) -> None:
    locale = LOCALES[tag]
    assert format_day("2026-11-20", locale) == day
    assert format_money("1234.5", locale) == money


def test_edge_values() -> None:
    us = LOCALES["en-US"]
    assert format_money("-12.345", us) == "-$12.35"
    assert format_money(None, us) == "\u2014" and format_money("n/a", us) == "n/a"
    assert format_number(1234567, us, 0) == "1,234,567"
    assert format_day("not a day", us) == "not a day" and format_day(None, us) == "\u2014"
    assert format_moment("2026-11-20T17:05:09+00:00", us) == "11/20/2026 17:05:09"


def test_settings_name_the_stores_locales(tmp_path: Path) -> None:
    settings = console_settings(tmp_path, console_store_locales=("00455=de-DE",), console_locale="xx-XX")
    locales = console_state(settings).locales
    assert locales == Locales({"00455": "de-DE"}, "en-US")
    assert locales.of("00455").tag == "de-DE" and locales.of("01291").tag == "en-US"


async def test_ticket_page_writes_the_stores_format(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    settings = console_settings(tmp_path, console_store_locales=("00455=de-DE",))
    client = await aiohttp_client(console_gateway(settings))
    body = example("authorize_nonreceipted_with_positive_id")
    ticket = field(await (await client.post("/v1/returns/authorize", data=body, headers=AS_TILL)).text(), "TicketId")
    await sign_in(client)
    page = await (await client.get(f"/console/tickets/{ticket}")).text()
    assert "20.11.2026" in page and "39,99\u00a0\u20ac" in page


def test_the_session_cookie_is_secure_over_tls() -> None:
    import ssl

    from aiohttp.test_utils import make_mocked_request

    from gateway.console.base import set_cookie
    from gateway.console.session import COOKIE

    for context, secure in ((None, False), (ssl.create_default_context(), True)):
        response = web.Response()
        set_cookie(make_mocked_request("GET", "/console/today", sslcontext=context), response, "value")
        morsel = response.cookies[COOKIE]
        assert bool(morsel["secure"]) is secure and morsel["httponly"] is True and morsel["samesite"] == "Strict"
