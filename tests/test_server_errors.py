"""Refusals over HTTP: the right status, one fault shape, and nothing written to the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.http.keys import SERVICE
from gateway.http.xmlio import parse_xml
from gateway.settings import Settings, load_settings
from handlers.xml import fault_xml
from tests.conftest import CORPUS
from tests.serverutil import EMPTY, Client, count, example, field, post, table_counts

ClientFactory = Callable[[web.Application], Awaitable[Client]]
pytestmark = pytest.mark.both_backends


@pytest.fixture
def settings(db_location: str) -> Settings:
    return load_settings(environ={}, db_path=db_location, max_body_bytes=200_000)


@pytest.fixture
async def client(aiohttp_client: ClientFactory, settings: Settings) -> Client:
    return await aiohttp_client(create_app(settings))


def fault_code(text: str) -> str:
    return fault_xml.from_xml(parse_xml(text.encode())).code


@pytest.mark.parametrize("path", sorted((CORPUS / "invalid").glob("*.xml")), ids=lambda p: p.stem)
async def test_invalid_messages_get_400_fault_and_write_nothing(client: Client, settings: Settings, path: Path) -> None:
    status, text = await post(client, "/v1/messages", path.read_bytes())
    assert status == 400
    fault = fault_xml.from_xml(parse_xml(text.encode()))
    assert fault.code.startswith(("XML_", "SCHEMA_", "MESSAGE_"))
    assert table_counts(settings.db_path) == EMPTY
    assert (await client.get("/healthz")).status == 200


async def test_schema_fault_lists_every_issue_with_position(client: Client) -> None:
    status, text = await post(
        client, "/v1/returns/authorize", (CORPUS / "invalid" / "negative_quantity.xml").read_bytes()
    )
    fault = fault_xml.from_xml(parse_xml(text.encode()))
    assert status == 400 and fault.code == "SCHEMA_INVALID"
    assert fault.issues[0][1:] == (19, 7, "/AuthorizeReturnRequest/Lines/Line/Quantity")


async def test_wrong_message_for_the_url_is_refused(client: Client, settings: Settings) -> None:
    status, text = await post(client, "/v1/returns/final-result", example("authorize_gift_receipt"))
    assert (status, fault_code(text)) == (400, "MESSAGE_UNKNOWN")
    status, text = await post(client, "/v1/messages", example("final_result_ack"))
    assert (status, fault_code(text)) == (400, "MESSAGE_UNKNOWN")
    assert table_counts(settings.db_path) == EMPTY


async def test_unknown_ticket_is_404(client: Client, settings: Settings) -> None:
    response = await client.get("/v1/tickets/T00000-20260101-000000000000")
    assert response.status == 404 and response.content_type == "application/problem+json"
    assert (await response.json())["code"] == "NOT_FOUND"
    status, text = await post(client, "/v1/returns/final-result", example("final_result_approved"))
    assert (status, fault_code(text)) == (404, "TICKET_NOT_FOUND")
    status, text = await post(client, "/v1/returns/authorize", example("authorize_reevaluation_with_ticket"))
    assert (status, fault_code(text)) == (404, "TICKET_NOT_FOUND")
    assert table_counts(settings.db_path) == EMPTY


async def test_reused_message_id_with_other_content_is_409(client: Client, settings: Settings) -> None:
    await post(client, "/v1/returns/authorize", example("authorize_receipted_single"))
    before = table_counts(settings.db_path)
    status, text = await post(
        client, "/v1/returns/authorize", example("authorize_receipted_single", ("39.99", "29.99"))
    )
    assert (status, fault_code(text)) == (409, "DUPLICATE_CONFLICT")
    assert table_counts(settings.db_path) == before


async def test_final_result_for_a_completed_ticket_under_another_transaction_is_409(client: Client) -> None:
    _, text = await post(client, "/v1/returns/authorize", example("authorize_receipted_single"))
    ticket = field(text, "TicketId")
    await post(client, "/v1/returns/final-result", example("final_result_approved", ("T01291-20261120-000001", ticket)))
    other = example(
        "final_result_approved",
        ("T01291-20261120-000001", ticket),
        ("FINAL-0001-APPROVED", "FINAL-0001-OTHER"),
        ("01291-03-20261120-0412", "01291-03-20261120-0999"),
    )
    status, text = await post(client, "/v1/returns/final-result", other)
    assert (status, fault_code(text)) == (409, "DUPLICATE_CONFLICT")


async def test_too_large_is_413(client: Client, settings: Settings) -> None:
    body = example("authorize_gift_receipt").replace(
        b"<TransactionType>", b"<!--" + b"x" * 300_000 + b"--><TransactionType>"
    )
    status, text = await post(client, "/v1/returns/authorize", body)
    assert (status, fault_code(text)) == (413, "XML_TOO_LARGE")
    assert table_counts(settings.db_path) == EMPTY


async def test_wrong_content_type_is_415(client: Client) -> None:
    status, text = await post(client, "/v1/returns/authorize", example("authorize_gift_receipt"), "application/json")
    assert (status, fault_code(text)) == (415, "CONTENT_TYPE_UNSUPPORTED")


async def test_unknown_route_and_wrong_method(client: Client) -> None:
    response = await client.get("/v1/nothing-here")
    assert response.status == 404 and fault_code(await response.text()) == "NOT_FOUND"
    response = await client.get("/v1/returns/authorize")
    assert response.status == 405 and fault_code(await response.text()) == "METHOD_NOT_ALLOWED"


async def test_bad_search_parameter_is_400(client: Client) -> None:
    response = await client.get("/v1/tickets?from=yesterday")
    assert response.status == 400 and response.content_type == "application/problem+json"
    problem = await response.json()
    assert problem["code"] == "PARAMETER_INVALID" and problem["issues"][0]["xpath"] == "from"


async def test_unexpected_error_is_500_without_internals(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = client.app[SERVICE]

    async def explode(*_: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(service, "authorize", explode)
    status, text = await post(client, "/v1/returns/authorize", example("authorize_gift_receipt"))
    assert (status, fault_code(text)) == (500, "INTERNAL")
    assert "hunter2" not in text and "Traceback" not in text
    assert count(settings.db_path, "SELECT COUNT(*) FROM tickets") == 0


async def test_a_ticket_of_another_store_cannot_be_continued(client: Client, settings: Settings) -> None:
    _, answer = await post(client, "/v1/returns/authorize", example("authorize_receipted_single"))
    ticket = field(answer, "TicketId")
    before = table_counts(settings.db_path)
    final = example(
        "final_result_approved",
        ("T01291-20261120-000001", ticket),
        ("<StoreId>01291</StoreId>\n  <RegisterId>", "<StoreId>00455</StoreId>\n  <RegisterId>"),
    )
    status, text = await post(client, "/v1/returns/final-result", final)
    assert (status, fault_code(text)) == (409, "STORE_MISMATCH")
    reask = example("authorize_reevaluation_with_ticket", ("T00455-20261120-000017", ticket))
    status, text = await post(client, "/v1/returns/authorize", reask)
    assert (status, fault_code(text)) == (409, "STORE_MISMATCH")
    assert table_counts(settings.db_path) == before
