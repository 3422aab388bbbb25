"""Security: hostile requests, credentials on every endpoint, store binding, rate limits, personal data."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.http.credentials import Credential, new_credential
from gateway.settings import Settings, load_settings
from tests.dbaccess import database
from tests.hostile import Hostile, hostile_requests
from tests.serverutil import EMPTY, Client, example, field, post, table_counts

ClientFactory = Callable[[web.Application], Awaitable[Client]]
HOSTILE = hostile_requests()

pytestmark = pytest.mark.both_backends


def test_the_hostile_corpus_is_large_enough() -> None:
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
async def test_hostile_request_is_refused_and_writes_nothing(
    aiohttp_client: ClientFactory, tmp_path: Path, db_location: str, hostile: Hostile
) -> None:
    settings = load_settings(environ={}, db_path=db_location)
    client = await aiohttp_client(create_app(settings))
    headers = {key: value for key, value in hostile.headers.items() if value} | {"Connection": "close"}
    response = await client.post("/v1/messages", data=io.BytesIO(hostile.body), headers=headers)
    text = await response.read()
    assert response.status in hostile.statuses and 400 <= response.status < 500
    assert b"<Code>" in text
    assert table_counts(settings.db_path) == EMPTY
    assert (await client.get("/healthz")).status == 200


async def test_sql_metacharacters_in_free_text_are_stored_verbatim(
    aiohttp_client: ClientFactory, tmp_path: Path, db_location: str
) -> None:
    settings = load_settings(environ={}, db_path=db_location)
    client = await aiohttp_client(create_app(settings))
    text = "Robert'); DROP TABLE tickets;--"
    status, answer = await post(
        client, "/v1/messages", example("authorize_nonreceipted_with_positive_id", ("Whitfield", text))
    )
    assert status == 200
    ticket = await (await client.get(f"/v1/tickets/{field(answer, 'TicketId')}")).json()
    assert ticket["customer_clear"]["name"] == f"Dana {text}"
    assert table_counts(settings.db_path)["tickets"] == 1


# --- credentials -------------------------------------------------------------------------------------------

TILL, TILL_SECRET = new_credential("till-dallas", "api-key", ("01291", "01292"), False, "")
BASIC, BASIC_SECRET = new_credential("till-austin", "basic", ("00455",), False, "")
ADMIN, ADMIN_SECRET = new_credential("loss-prevention", "api-key", ("*",), True, "")


def key(credential: Credential, secret: str) -> dict[str, str]:
    return {"X-API-Key": f"{credential.name}.{secret}"}


@pytest.fixture
def secured(tmp_path: Path, db_location: str) -> Settings:
    return load_settings(
        environ={},
        db_path=db_location,
        credentials=(TILL, BASIC, ADMIN),
        rate_limit=1000.0,
        rate_burst=1000.0,
    )


@pytest.fixture
async def client(aiohttp_client: ClientFactory, secured: Settings) -> Client:
    return await aiohttp_client(create_app(secured))


MESSAGE_ENDPOINTS = [
    ("/v1/returns/authorize", "authorize_receipted_single"),
    ("/v1/returns/final-result", "final_result_offline_no_ticket"),
    ("/v1/messages", "authorize_receipted_single"),
    ("/v1/returns/final-results", "batch_offline_queue"),
]


async def send(client: Client, path: str, name: str, headers: dict[str, str]) -> tuple[int, str]:
    response = await client.post(path, data=example(name), headers={"Content-Type": "application/xml", **headers})
    return response.status, await response.text()


@pytest.mark.parametrize(("path", "name"), MESSAGE_ENDPOINTS)
async def test_missing_or_wrong_credential_is_401_everywhere(
    client: Client, secured: Settings, path: str, name: str
) -> None:
    status, text = await send(client, path, name, {})
    assert status == 401 and "UNAUTHENTICATED" in text
    assert (await send(client, path, name, key(TILL, "wrong")))[0] == 401
    assert (await send(client, path, name, {"Authorization": "Basic !!!"}))[0] == 401
    for url in ("/v1/tickets", "/v1/tickets/T1", "/metrics", "/v1/admin/audit", "/v1/loyalty/accounts/LY-1"):
        response = await client.get(url)
        assert response.status == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    assert table_counts(secured.db_path) == EMPTY


@pytest.mark.parametrize(("path", "name"), MESSAGE_ENDPOINTS[:3])
async def test_message_for_another_store_is_403_and_written_nowhere(
    client: Client, secured: Settings, path: str, name: str
) -> None:
    basic = base64.b64encode(f"{BASIC.name}:{BASIC_SECRET}".encode()).decode()
    status, text = await send(client, path, name, {"Authorization": f"Basic {basic}"})
    assert status == 403 and "FORBIDDEN" in text
    assert table_counts(secured.db_path) == EMPTY


async def test_batch_members_of_another_store_are_refused_one_by_one(client: Client, secured: Settings) -> None:
    batch = example("batch_offline_queue").replace(b"<StoreId>01292</StoreId>", b"<StoreId>00455</StoreId>", 2)
    response = await client.post(
        "/v1/returns/final-results", data=batch, headers={"Content-Type": "application/xml", **key(TILL, TILL_SECRET)}
    )
    text = await response.text()
    assert response.status == 200 and text.count('status="403"') == 1 and text.count('status="200"') == 1
    assert table_counts(secured.db_path)["final_results"] == 1


async def test_tickets_of_another_store_are_refused_and_filtered(client: Client) -> None:
    austin = {"Authorization": "Basic " + base64.b64encode(f"{BASIC.name}:{BASIC_SECRET}".encode()).decode()}
    _, answer = await send(client, "/v1/messages", "authorize_receipted_single", key(TILL, TILL_SECRET))
    ticket = field(answer, "TicketId")
    assert (await client.get(f"/v1/tickets/{ticket}", headers=key(TILL, TILL_SECRET))).status == 200
    assert (await client.get(f"/v1/tickets/{ticket}", headers=austin)).status == 403
    assert (await client.get("/v1/tickets?store_id=01291", headers=austin)).status == 403
    assert (await (await client.get("/v1/tickets", headers=austin)).json())["count"] == 0
    assert (await (await client.get("/v1/tickets", headers=key(TILL, TILL_SECRET))).json())["count"] == 1


async def test_admin_paths_refuse_till_credentials(client: Client) -> None:
    response = await client.get("/metrics", headers=key(TILL, TILL_SECRET))
    assert response.status == 403 and "FORBIDDEN" in await response.text()
    assert (await client.get("/v1/admin/anything", headers=key(TILL, TILL_SECRET))).status == 403
    assert (await client.get("/metrics", headers=key(ADMIN, ADMIN_SECRET))).status == 200
    assert (await client.get("/healthz")).status == 200


async def test_personal_data_is_masked_except_for_admins(client: Client) -> None:
    headers = {"Authorization": "Basic " + base64.b64encode(f"{BASIC.name}:{BASIC_SECRET}".encode()).decode()}
    _, answer = await send(client, "/v1/messages", "authorize_nonreceipted_with_positive_id", headers)
    ticket = field(answer, "TicketId")
    till_view = await (await client.get(f"/v1/tickets/{ticket}", headers=headers)).text()
    for clear in ("Whitfield", "555-0147", "512-555", "Barton", "TX09876543"):
        assert clear not in till_view.replace("****6543", "")
    assert "W********" in till_view
    admin_view = await (await client.get(f"/v1/tickets/{ticket}", headers=key(ADMIN, ADMIN_SECRET))).json()
    assert admin_view["customer_clear"]["name"] == "Dana Whitfield"
    assert admin_view["customer_clear"]["phone"] == "+1 512-555-0147"


async def test_rate_limit_answers_429_with_retry_after(
    aiohttp_client: ClientFactory, tmp_path: Path, db_location: str
) -> None:
    settings = load_settings(environ={}, db_path=db_location, credentials=(TILL,), rate_limit=0.05, rate_burst=2.0)
    client = await aiohttp_client(create_app(settings))
    statuses = [(await client.get("/v1/tickets", headers=key(TILL, TILL_SECRET))).status for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429
    response = await client.get("/v1/tickets", headers=key(TILL, TILL_SECRET))
    assert response.status == 429 and int(response.headers["Retry-After"]) >= 1
    assert response.content_type == "application/problem+json"
    assert (await response.json())["code"] == "RATE_LIMITED"


def test_purge_keeps_counts_and_drops_personal_data(
    tmp_path: Path, db_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from gateway.cli import main

    db = db_location
    assert main(["replay", str(tmp_path.parent / "none"), "--db", str(db)]) == 2
    queue = tmp_path / "queue"
    queue.mkdir()
    (queue / "one.xml").write_bytes(example("final_result_offline_no_ticket"))
    assert main(["replay", str(queue), "--db", str(db)]) == 0
    with database(db) as connection:
        connection.execute(
            "UPDATE tickets SET positive_id_display = 'x', customer_masked = '{}', customer_sealed = 'x'"
        )
    assert main(["purge", "--older-than", "0", "--db", str(db)]) == 0
    assert "removed personal data from 1 tickets" in capsys.readouterr().out
    with database(db) as connection:
        row = connection.execute("SELECT positive_id_display, customer_masked, customer_sealed FROM tickets").fetchone()
        assert row == (None, None, None)
        assert connection.execute("SELECT COUNT(*) FROM exceptions WHERE subject_kind = 'customer'").fetchone()[0] == 1


def test_credentials_add_writes_only_a_salted_hash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.cli import main

    config = tmp_path / "gateway.toml"
    assert main(["credentials", "add", "till-9", "--stores", "01291,01292", "--config", str(config)]) == 0
    printed = capsys.readouterr().out
    secret = printed.split("X-API-Key): till-9.", 1)[1].split()[0]
    assert secret not in config.read_text()
    [credential] = load_settings(config, {}).credentials
    assert credential.stores == ("01291", "01292") and credential.matches(secret) and not credential.matches("nope")


async def test_slow_upload_times_out_with_408(aiohttp_client: ClientFactory, tmp_path: Path, db_location: str) -> None:
    settings = load_settings(environ={}, db_path=db_location, body_timeout=0.5)
    client = await aiohttp_client(create_app(settings))
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(
        b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 5000\r\n\r\n<Author"
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(4096), timeout=10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408") and b"BODY_TIMEOUT" in answer
    assert table_counts(settings.db_path) == EMPTY
