"""End to end through HTTP and a real database, SQLite and PostgreSQL: the seed's journeys, retries, SOAP, restart,
concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.settings import Settings
from tests.serverutil import SOAP11, SOAP12, Client, count, example, field, post, soap, table_counts

ClientFactory = Callable[[web.Application], Awaitable[Client]]
AUTH, FINAL = "/v1/returns/authorize", "/v1/returns/final-result"
pytestmark = pytest.mark.both_backends


async def authorize(client: Client, body: bytes) -> str:
    status, text = await post(client, AUTH, body)
    assert status == 200, text
    return text


async def test_receipted_approval_then_final_result(client: Client, settings: Settings) -> None:
    text = await authorize(client, example("authorize_receipted_single"))
    assert (field(text, "Type"), field(text, "CustomerInformationRequired")) == ("Authorization", "false")
    ticket = field(text, "TicketId")
    assert count(settings.db_path, "SELECT COUNT(*) FROM exceptions") == 0
    status, ack = await post(client, FINAL, example("final_result_approved", ("T01291-20261120-000001", ticket)))
    assert (status, field(ack, "Status"), field(ack, "TicketId")) == (200, "Recorded", ticket)
    detail = await (await client.get(f"/v1/tickets/{ticket}")).json()
    assert detail["status"] == "completed" and detail["attempts"][0]["decision"]["lines"][0]["trace"]["steps"]
    assert detail["final_results"][0]["return_transaction_id"] == "01291-03-20261120-0412"
    as_xml = await client.get(f"/v1/tickets/{ticket}", headers={"Accept": "application/xml"})
    xml_text = await as_xml.text()
    assert as_xml.content_type == "application/xml" and f"<TicketId>{ticket}</TicketId>" in xml_text
    assert "<Steps>" in xml_text and "<Rule>window</Rule>" in xml_text
    assert count(settings.db_path, "SELECT COUNT(*) FROM exceptions WHERE subject_kind = 'cashier'") == 1


async def test_positive_id_required_then_reasked_on_the_same_ticket(client: Client, settings: Settings) -> None:
    first = await authorize(client, example("authorize_nonreceipted_without_positive_id"))
    assert field(first, "CustomerInformationRequired") == "true"
    assert field(first, "Code") == "330"
    ticket = field(first, "TicketId")
    second = await authorize(client, example("authorize_reevaluation_with_ticket", ("T00455-20261120-000017", ticket)))
    assert field(second, "TicketId") == ticket
    assert field(second, "CustomerInformationRequired") == "false"
    assert field(second, "Code") == "110"
    detail = await (await client.get(f"/v1/tickets/{ticket}")).json()
    assert [attempt["response_code"] for attempt in detail["attempts"]] == ["330", "110"]
    assert detail["positive_id_display"] == "StateId/TX ****0022"
    assert "TX55510022" not in (await (await client.get(f"/v1/tickets/{ticket}")).text())


async def test_worst_line_decides_the_transaction(client: Client) -> None:
    body = example("authorize_mixed_receipted_nonreceipted", ("<ItemId>100235</ItemId>", "<ItemId>900001</ItemId>"))
    text = await authorize(client, body)
    assert field(text, "Type") == "Denial" and field(text, "Code") == "400"
    assert text.count("<Type>Authorization</Type>") == 1


async def test_authorize_without_final_result_records_no_exceptions(client: Client, settings: Settings) -> None:
    await authorize(client, example("authorize_nonreceipted_with_positive_id"))
    counts = table_counts(settings.db_path)
    assert counts["tickets"] == 1 and counts["exceptions"] == 0 and counts["customer_returns"] == 0


async def test_offline_final_result_creates_ticket_and_exceptions(client: Client, settings: Settings) -> None:
    status, ack = await post(client, "/v1/messages", example("final_result_offline_no_ticket"))
    assert status == 200 and field(ack, "Status") == "Recorded"
    ticket = field(ack, "TicketId")
    detail = await (await client.get(f"/v1/tickets/{ticket}")).json()
    assert (detail["origin"], detail["status"]) == ("offline", "completed")
    assert detail["attempts"][0]["decision"]["lines"][0]["policy_id"] == "DEFAULT-NONRECEIPTED"
    customer = count(settings.db_path, "SELECT COUNT(*) FROM exceptions WHERE subject_kind = 'customer'")
    assert customer == 1


async def test_void_reverses_exceptions_and_voids_the_ticket(client: Client, settings: Settings) -> None:
    ticket = field(await authorize(client, example("authorize_mixed_receipted_nonreceipted")), "TicketId")
    partial = example("final_result_partially_approved", ("T01291-20261120-000002", ticket))
    assert field((await post(client, FINAL, partial))[1], "Status") == "Recorded"
    active = "SELECT COUNT(*) FROM exceptions WHERE reversed_at IS NULL"
    assert count(settings.db_path, active) == 2
    void = example(
        "final_result_voided",
        ("T01291-20261120-000001", ticket),
        ("01291-03-20261120-0412", "01291-03-20261120-0415"),
    )
    status, ack = await post(client, FINAL, void)
    assert (status, field(ack, "Status")) == (200, "Voided")
    assert count(settings.db_path, active) == 0
    assert count(settings.db_path, "SELECT COUNT(*) FROM customer_returns") == 0
    assert (await (await client.get(f"/v1/tickets/{ticket}")).json())["status"] == "voided"
    late = example("final_result_approved", ("T01291-20261120-000001", ticket), ("FINAL-0001", "FINAL-0099"))
    assert (await post(client, FINAL, late))[0] == 409


async def test_every_retry_answers_identically_and_changes_nothing(client: Client, settings: Settings) -> None:
    first = await authorize(client, example("authorize_receipted_single"))
    ticket = field(first, "TicketId")
    final = example("final_result_approved", ("T01291-20261120-000001", ticket))
    ack = (await post(client, FINAL, final))[1]
    offline = (await post(client, FINAL, example("final_result_offline_no_ticket")))[1]
    before = table_counts(settings.db_path)
    assert await authorize(client, example("authorize_receipted_single")) == first
    assert (await post(client, FINAL, final))[1] == ack
    assert (await post(client, FINAL, example("final_result_offline_no_ticket")))[1] == offline
    assert table_counts(settings.db_path) == before


async def test_same_transaction_under_a_new_message_id_is_a_duplicate(client: Client, settings: Settings) -> None:
    ticket = field(await authorize(client, example("authorize_receipted_single")), "TicketId")
    final = example("final_result_approved", ("T01291-20261120-000001", ticket))
    await post(client, FINAL, final)
    exceptions = count(settings.db_path, "SELECT COUNT(*) FROM exceptions")
    again = final.replace(b"FINAL-0001-APPROVED", b"FINAL-0001-RESENT")
    status, ack = await post(client, FINAL, again)
    assert (status, field(ack, "Status"), field(ack, "TicketId")) == (200, "Duplicate", ticket)
    assert count(settings.db_path, "SELECT COUNT(*) FROM exceptions") == exceptions


async def test_a_transaction_recorded_on_another_ticket_is_a_conflict_that_names_no_ticket(
    client: Client, settings: Settings
) -> None:
    """A final result for a second ticket under a return transaction id already recorded on the first is no
    duplicate of it: answering Duplicate would name the first ticket and drop this result. 409, nothing written."""
    first = field(await authorize(client, example("authorize_receipted_single")), "TicketId")
    await post(client, FINAL, example("final_result_approved", ("T01291-20261120-000001", first)))
    asked = example("authorize_receipted_single", ("<MessageId>", "<MessageId>AGAIN-"))
    second = field(await authorize(client, asked), "TicketId")
    assert second != first
    before = table_counts(settings.db_path)
    other = example(
        "final_result_approved", ("T01291-20261120-000001", second), ("FINAL-0001-APPROVED", "FINAL-0001-OTHER")
    )
    status, text = await post(client, FINAL, other)
    assert (status, field(text, "Code")) == (409, "DUPLICATE_CONFLICT")
    assert first not in text
    assert table_counts(settings.db_path) == before


@pytest.mark.parametrize(("namespace", "content_type"), [(SOAP11, "text/xml"), (SOAP12, "application/soap+xml")])
async def test_soap_wrapped_messages(client: Client, namespace: str, content_type: str) -> None:
    status, text = await post(
        client, "/v1/messages", soap(example("authorize_receipted_single"), namespace), content_type
    )
    assert status == 200 and f'xmlns:soap="{namespace}"' in text and "<AuthorizeReturnResponse" in text
    ticket = field(text, "TicketId")
    final = soap(example("final_result_approved", ("T01291-20261120-000001", ticket)), namespace)
    status, text = await post(client, "/v1/returns/final-result", final, content_type)
    assert status == 200 and "<Status>Recorded</Status>" in text
    plain = await authorize(client, example("authorize_receipted_single"))
    assert field(plain, "TicketId") == ticket
    status, fault = await post(
        client, "/v1/messages", soap(example("authorize_gift_receipt", ("USD", "usd")), namespace), content_type
    )
    assert status == 400
    assert "Fault" in fault and "<Code>SCHEMA_INVALID</Code>" in fault
    assert 'xpath="/Envelope/Body/AuthorizeReturnRequest/Currency"' in fault and 'column="' in fault


async def test_data_survives_a_restart(aiohttp_client: ClientFactory, settings: Settings) -> None:
    first = await aiohttp_client(create_app(settings))
    ticket = field(await authorize(first, example("authorize_receipted_single")), "TicketId")
    await first.close()
    second = await aiohttp_client(create_app(settings))
    status, ack = await post(second, FINAL, example("final_result_approved", ("T01291-20261120-000001", ticket)))
    assert (status, field(ack, "Status")) == (200, "Recorded")
    assert (await (await second.get(f"/v1/tickets/{ticket}")).json())["status"] == "completed"


async def test_returned_quantity_feeds_the_over_return_rule(client: Client) -> None:
    ticket = field(await authorize(client, example("authorize_receipted_single")), "TicketId")
    await post(client, FINAL, example("final_result_approved", ("T01291-20261120-000001", ticket)))
    again = await authorize(
        client, example("authorize_receipted_single", ("AUTH-0001-20261120-001", "AUTH-0001-AGAIN"))
    )
    assert (field(again, "Type"), field(again, "Code")) == ("Denial", "440")


async def test_two_lines_of_one_sale_line_share_what_is_left_to_return(client: Client, settings: Settings) -> None:
    """Bought 3, 1 already returned: of two lines of 2 each, the first takes the 2 left and the second is refused
    as more than was bought; the final result records only what was approved."""
    bought_three = ("<OriginalQuantity>1</OriginalQuantity>", "<OriginalQuantity>3</OriginalQuantity>")
    ticket = field(await authorize(client, example("authorize_receipted_single", bought_three)), "TicketId")
    await post(client, FINAL, example("final_result_approved", ("T01291-20261120-000001", ticket)))
    single = example(
        "authorize_receipted_single",
        bought_three,
        ("AUTH-0001-20261120-001", "AUTH-0001-TWO-LINES"),
        ("<Quantity>1</Quantity>", "<Quantity>2</Quantity>"),
    ).decode()
    line = single[single.index("<Line>") : single.index("</Lines>")]
    second = line.replace("<LineNumber>1</LineNumber>", "<LineNumber>2</LineNumber>")
    text = await authorize(client, single.replace("</Lines>", f"{second}</Lines>").encode())
    assert _codes(text) == ["440", "100", "440"]
    assert [part.split("<")[0] for part in text.split("<ApprovedQuantity>")[1:]] == ["2", "0"]
    stored = count(settings.db_path, "SELECT COUNT(*) FROM ticket_lines WHERE approved_quantity = '0'")
    assert stored == 1


async def test_two_lines_of_one_sale_line_without_earlier_returns(client: Client) -> None:
    """Bought 3, nothing returned yet: lines of 2 and 2 are not both authorized (2 + 2 > 3)."""
    single = example(
        "authorize_receipted_single",
        ("<OriginalQuantity>1</OriginalQuantity>", "<OriginalQuantity>3</OriginalQuantity>"),
        ("<Quantity>1</Quantity>", "<Quantity>2</Quantity>"),
    ).decode()
    line = single[single.index("<Line>") : single.index("</Lines>")]
    second = line.replace("<LineNumber>1</LineNumber>", "<LineNumber>2</LineNumber>")
    text = await authorize(client, single.replace("</Lines>", f"{second}</Lines>").encode())
    assert _codes(text) == ["440", "100", "440"]


def _codes(text: str) -> list[str]:
    """Every response code in an answer: the transaction's, then each line's."""
    return [part.split("</Code>", 1)[0] for part in text.split("<Code>")[1:]]


async def test_two_hundred_concurrent_final_results_count_exactly(client: Client, settings: Settings) -> None:
    tickets = []
    for number in range(200):
        body = example(
            "authorize_nonreceipted_with_positive_id", ("AUTH-0006-ID", f"AUTH-C-{number:03d}"), ("00455", "01291")
        )
        tickets.append(field(await authorize(client, body), "TicketId"))
    finals = [
        example(
            "final_result_offline_no_ticket",
            ("FINAL-0006-OFFLINE", f"FINAL-C-{number:03d}"),
            ("01292-03-20261119-0660", f"RT-{number:03d}"),
            ("<OfflineDate>2026-11-19</OfflineDate>", f"<TicketId>{ticket}</TicketId>"),
            ("<StoreId>01292</StoreId>", "<StoreId>01291</StoreId>"),
        )
        for number, ticket in enumerate(tickets)
    ]
    finals = [_without_offline_request(body) for body in finals]
    results = await asyncio.gather(*(post(client, FINAL, body) for body in finals))
    assert all(status == 200 for status, _ in results)
    db = settings.db_path
    assert count(db, "SELECT COUNT(*) FROM exceptions WHERE subject_kind = 'customer'") == 200
    assert count(db, "SELECT COUNT(DISTINCT subject) FROM exceptions WHERE subject_kind = 'customer'") == 1
    assert count(db, "SELECT COUNT(*) FROM customer_returns") == 200
    assert count(db, "SELECT COUNT(*) FROM tickets WHERE status = 'completed'") == 200


def _without_offline_request(body: bytes) -> bytes:
    start, end = body.index(b"  <OfflineRequest>"), body.index(b"</OfflineRequest>\n") + len(b"</OfflineRequest>\n")
    return body[:start] + body[end:]


async def test_ticket_search(client: Client) -> None:
    await authorize(client, example("authorize_nonreceipted_with_positive_id"))
    await authorize(client, example("authorize_receipted_single"))
    by_id = await (
        await client.get(
            "/v1/tickets?positive_id_type=DriversLicense&positive_id_issuer=TX&positive_id_number=TX09876543"
        )
    ).json()
    assert by_id["count"] == 1 and by_id["tickets"][0]["store_id"] == "00455"
    assert by_id["tickets"][0]["customer"]["name"] == "D*** W********"
    assert (await (await client.get("/v1/tickets?store_id=01291&item_id=100234")).json())["count"] == 1
    assert (await (await client.get("/v1/tickets?cashier_id=E1042&limit=1")).json())["count"] == 1
    assert (await (await client.get("/v1/tickets?cashier_id=E1042&limit=1&offset=1")).json())["count"] == 1
    assert (await (await client.get("/v1/tickets?from=2026-11-21")).json())["count"] == 0
    assert (await (await client.get("/v1/tickets?status=decided&original_sale=01291/02/2026-11-08/4471")).json())[
        "count"
    ] == 1
    xml = await client.get("/v1/tickets?store_id=00455", headers={"Accept": "application/xml"})
    assert xml.content_type == "application/xml" and "<StoreId>00455</StoreId>" in await xml.text()


async def test_ticket_search_by_a_partial_positive_id_is_refused(client: Client) -> None:
    await authorize(client, example("authorize_nonreceipted_with_positive_id"))
    reply = await client.get("/v1/tickets?positive_id_number=TX09876543")
    assert reply.status == 400
    problem = await reply.json(content_type="application/problem+json")
    assert problem["code"] == "PARAMETER_INVALID" and problem["issues"][0]["xpath"] == "positive_id_type"


async def test_metrics_in_prometheus_format(client: Client) -> None:
    await authorize(client, example("authorize_receipted_single"))
    await authorize(client, example("authorize_receipted_single"))
    await post(client, AUTH, b"<nope/>")
    text = await (await client.get("/metrics")).text()
    assert 'returns_gateway_requests_total{type="authorize",status="200"} 2' in text
    assert 'returns_gateway_requests_total{type="authorize",status="400"} 1' in text
    assert 'returns_gateway_decisions_total{response_type="Authorization"} 1' in text
    assert 'returns_gateway_request_seconds_bucket{type="authorize",status="200",le="+Inf"} 2' in text
    assert "returns_gateway_commit_seconds_count " in text and "returns_gateway_commit_batch_size_bucket{le=" in text


async def test_batch_endpoint_answers_each_member(client: Client, settings: Settings) -> None:
    batch = example("batch_offline_queue").replace(b"<Currency>USD</Currency>", b"<Currency>usd</Currency>", 1)
    members = batch.count(b"<ReturnFinalResult")
    status, text = await post(client, "/v1/returns/final-results", batch)
    assert status == 200 and text.count("<Result ") == members == 2
    assert 'status="400"' in text and "<Code>SCHEMA_INVALID</Code>" in text
    assert 'status="200"' in text and "<Status>Recorded</Status>" in text
    assert count(settings.db_path, "SELECT COUNT(*) FROM final_results") == 1
