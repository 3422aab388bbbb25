"""The last day of the calendar, where arithmetic on it overflows: a count frozen until 9999-12-31, the console's
audit up to that day, a purge older than any date; and console forms that cannot be read. Each used to be a 500
(or a crash of the command line)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from gateway.cli import main
from tests.consoleutil import AS_ADMIN, AS_TILL, Client, console_gateway, console_settings, sign_in
from tests.dbcounts import changed, every_table
from tests.serverutil import example, field

ClientFactory = Callable[[web.Application], Awaitable[Client]]
CUSTOMER = {"type": "DriversLicense", "issuer": "TX", "number": "TX77001234"}


@pytest.fixture
async def client(aiohttp_client: ClientFactory, tmp_path: Path) -> Client:
    return await aiohttp_client(console_gateway(console_settings(tmp_path, rate_limit=1e6, rate_burst=1e6)))


async def test_a_count_frozen_until_the_calendars_end_still_decides(client: Client, tmp_path: Path) -> None:
    frozen = {"positive_id": CUSTOMER, "kind": "freeze", "value": 1, "until": "9999-12-31", "reason": "for ever"}
    response = await client.post("/v1/admin/count-overrides", json=frozen, headers=AS_ADMIN)
    assert response.status == 201, await response.text()
    offline = example("final_result_offline_no_ticket")
    response = await client.post("/v1/returns/final-result", data=offline, headers=AS_TILL)
    text = await response.text()
    assert response.status == 200 and field(text, "Status") == "Recorded", text
    authorize = example(
        "authorize_nonreceipted_with_positive_id", ("TX09876543", "TX77001234"), ("<MessageId>", "<MessageId>CAL-")
    )
    response = await client.post("/v1/returns/authorize", data=authorize, headers=AS_TILL)
    assert response.status == 200, await response.text()


@pytest.mark.parametrize(
    ("query", "status"), [("to=9999-12-31", 400), ("offset=" + "9" * 5000, 200), ("offset=%D9%A3", 200)]
)
async def test_the_console_audit_answers_any_typed_period_and_offset(
    client: Client, tmp_path: Path, query: str, status: int
) -> None:
    """A page (with its message when the period was refused), never a 500."""
    assert (await sign_in(client)).status == 303
    before = every_table(tmp_path / "gateway.db")
    response = await client.get(f"/console/audit?{query}")
    assert response.status == status, (await response.text())[:300]
    if status == 400:
        assert "up to 9999-12-30" in await response.text()
    assert changed(before, every_table(tmp_path / "gateway.db")) == {}


def test_purge_older_than_the_calendar_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "gateway.db"
    assert main(["replay", str(tmp_path / "nothing"), "--db", str(db)]) == 2  # no queue: makes nothing either
    capsys.readouterr()
    assert main(["purge", "--older-than", "99999999", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "--older-than 99999999" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("multipart/form-data", b"garbage", 400),  # no boundary
        ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--zz--\r\n", 400),
        ("application/x-www-form-urlencoded", b"csrf=%ff%fe&name=x", 403),  # a token that is not ASCII
    ],
    ids=["multipart-without-boundary", "multipart-field-without-name", "csrf-not-ascii"],
)
async def test_console_forms_that_cannot_be_read_are_refused_not_500(
    client: Client, tmp_path: Path, content_type: str, body: bytes, status: int
) -> None:
    before = every_table(tmp_path / "gateway.db")
    response = await client.post("/console/sign-in", data=body, headers={"Content-Type": content_type})
    assert response.status == status, (await response.text())[:300]
    assert "text/html" in response.headers["Content-Type"]
    assert (await sign_in(client)).status == 303
    response = await client.post("/console/overrides", data=body, headers={"Content-Type": content_type})
    assert response.status == status, (await response.text())[:300]
    assert changed(before, every_table(tmp_path / "gateway.db")) == {"audit_log": (0, 1)}  # the sign-in only
