"""Schema-valid values at the edges of what the model holds: accepted and handled, or refused with 400 naming the
path; never a 500 (tills retry a 5xx for ever)."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from gateway.http.schemas import default_registry
from gateway.settings import Settings
from tests.conftest import EXAMPLES, POLICY
from tests.dbcounts import changed, every_table
from tests.serverutil import Client, example, field, post

STAMP = "<Timestamp>2026-11-20T10:15:00Z</Timestamp>"


async def test_end_of_day_24_00_is_the_next_midnight_and_is_accepted(client: Client) -> None:
    status, text = await post(
        client,
        "/v1/messages",
        example("authorize_receipted_single", (STAMP, "<Timestamp>2026-11-20T24:00:00Z</Timestamp>")),
    )
    assert status == 200 and field(text, "TicketId")


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T24:00:00Z"])
async def test_instants_outside_the_calendar_are_400_naming_the_path(client: Client, stamp: str) -> None:
    status, text = await post(
        client, "/v1/messages", example("authorize_receipted_single", (STAMP, f"<Timestamp>{stamp}</Timestamp>"))
    )
    assert (status, field(text, "Code")) == (400, "VALUE_OUT_OF_RANGE")
    assert 'xpath="/AuthorizeReturnRequest/Timestamp"' in text and 'line="8"' in text


async def test_a_long_store_id_still_gets_a_ticket_id_the_till_can_send_back(client: Client) -> None:
    store = "S" * 40
    body = example(
        "authorize_receipted_single",
        ("<StoreId>01291</StoreId>\n  <RegisterId>", f"<StoreId>{store}</StoreId>\n  <RegisterId>"),
    )
    status, text = await post(client, "/v1/messages", body)
    assert status == 200
    ticket = field(text, "TicketId")
    assert len(ticket) <= 40
    default_registry().validate(etree.fromstring(text.encode()))
    final = example(
        "final_result_approved",
        ("T01291-20261120-000001", ticket),
        ("<StoreId>01291</StoreId>\n  <RegisterId>", f"<StoreId>{store}</StoreId>\n  <RegisterId>"),
    )
    status, ack = await post(client, "/v1/returns/final-result", final)
    assert (status, field(ack, "Status")) == (200, "Recorded")


async def test_a_refund_no_answer_could_carry_is_400_naming_the_line(client: Client) -> None:
    body = example(
        "authorize_receipted_single",
        ("<Quantity>1</Quantity>", "<Quantity>99999</Quantity>"),
        ("<UnitPricePaid>39.99</UnitPricePaid>", "<UnitPricePaid>999999999999.999</UnitPricePaid>"),
    )
    status, text = await post(client, "/v1/messages", body)
    assert (status, field(text, "Code")) == (400, "VALUE_OUT_OF_RANGE")
    assert 'xpath="/AuthorizeReturnRequest/Lines/Line"' in text


async def test_a_loyalty_date_with_a_zone_is_400_not_500(client: Client) -> None:
    body = (EXAMPLES.parent / "loyalty" / "purchase_two_ties.xml").read_text(encoding="utf-8")
    found = body.index("<BusinessDate>") + len("<BusinessDate>")
    body = body[:found] + body[found : found + 10] + "Z" + body[found + 10 :]
    status, text = await post(client, "/v1/loyalty/activity", body.encode())
    assert (status, field(text, "Code")) == (400, "VALUE_OUT_OF_RANGE")


async def test_a_policy_date_with_a_zone_is_refused_not_a_500(client: Client, settings: Settings) -> None:
    chain = POLICY.read_text(encoding="utf-8").replace('version="2026.11-1"', 'version="edge-1"', 1)
    zoned = re.sub(r'purchaseFrom="([0-9-]{10})"', r'purchaseFrom="\1Z"', chain, count=1)
    assert zoned != chain
    before = every_table(settings.db_path)
    response = await client.put("/v1/admin/policies/edge-1", data=zoned.encode("utf-8"))
    assert response.status == 400 and "POLICY_INVALID" in await response.text()
    assert changed(before, every_table(settings.db_path)) == {}
