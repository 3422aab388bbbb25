"""Cumulative loyalty take-back and line figures through the server, with odd point figures: partial returns by
several tills, several lines of one request from one sale line, campaign points, over-returns, voids, offline
final results."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.serverutil import Client, post
from tests.tillutil import (
    FINAL,
    LOYALTY,
    Back,
    Line,
    Sale,
    answer,
    authorize,
    customer,
    finish,
    lines_of,
    points,
    purchase,
)

ACCOUNT = "LY-3300917"
WHO = customer(ACCOUNT)
STOCKPOTS = Sale("01292", "06", "2026-11-04", "20417")
BANKED = Sale("00455", "01", "2026-10-30", "20001")


async def balance(client: Client) -> Decimal:
    found = await (await client.get(f"/v1/loyalty/accounts/{ACCOUNT}")).json()
    return Decimal(dict(found["points"])["base"])


async def bought(client: Client, sale: Sale, *lines: tuple[str, str, str, str]) -> Decimal:
    """The purchase on the ledger, over 500 points banked earlier so that no floor hides a take-back."""
    status, text = await post(client, LOYALTY, purchase(ACCOUNT, BANKED, ("300117", "1", "500.00", points("500"))))
    assert status == 200, text
    status, text = await post(client, LOYALTY, purchase(ACCOUNT, sale, *lines))
    assert status == 200, text
    return await balance(client)


def taken(text: str, source: str = "Economy") -> list[str]:
    """The points figures of `earn` adjustments from `source`, in order."""
    return re.findall(rf'kind="earn" account="base" source="{source}" points="([-0-9.]+)"', text)


async def test_seven_units_earning_thirteen_come_back_one_one_two_three(client: Client) -> None:
    before = await bought(client, STOCKPOTS, ("410552", "7", "69.93", points("13")))
    seen = []
    for number, (quantity, store) in enumerate(zip("1123", ("01292", "01291", "00455", "01292"), strict=True)):
        text = await answer(
            client, authorize(Line(1, "410552", quantity, "9.99", STOCKPOTS, "7"), store=store, who=WHO)
        )
        ack = await finish(client, text, Back(1, "410552", quantity, STOCKPOTS), store=store, who=WHO)
        seen.append((taken(text), taken(ack), number))
    assert [(preview, ack) for preview, ack, _ in seen] == [
        (["-1.86"], ["-1.86"]),
        (["-1.85"], ["-1.85"]),
        (["-3.72"], ["-3.72"]),
        (["-5.57"], ["-5.57"]),
    ]
    assert await balance(client) == before - 13


async def test_lines_of_one_request_from_one_sale_line_preview_what_the_result_takes(client: Client) -> None:
    before = await bought(client, STOCKPOTS, ("410552", "3", "29.97", points("100")))
    lines = [Line(n, "410552", "1", "9.99", STOCKPOTS, "3") for n in (1, 2, 3)]
    text = await answer(client, authorize(*lines, who=WHO))
    previews = [taken(part) for part in lines_of(text)]
    ack = await finish(client, text, *(Back(n, "410552", "1", STOCKPOTS) for n in (1, 2, 3)), who=WHO)
    assert sum(Decimal(p) for p in taken(ack)) == Decimal(-100)
    assert sum(Decimal(p) for preview in previews for p in preview) == Decimal(-100)
    assert await balance(client) == before - 100


async def test_a_line_beyond_what_was_bought_previews_no_take_back(client: Client) -> None:
    await bought(client, STOCKPOTS, ("410552", "2", "19.98", points("40")))
    text = await answer(
        client,
        authorize(
            Line(1, "410552", "2", "9.99", STOCKPOTS, "2"), Line(2, "410552", "1", "9.99", STOCKPOTS, "2"), who=WHO
        ),
    )
    first, second = lines_of(text)
    assert taken(first) == ["-40.00"] and taken(second) == []


async def test_campaign_points_come_back_with_the_units(client: Client) -> None:
    before = await bought(client, STOCKPOTS, ("410552", "4", "30.00", points("30", "7")))
    text = await answer(client, authorize(Line(1, "410552", "3", "7.50", STOCKPOTS, "4"), who=WHO))
    ack = await finish(client, text, Back(1, "410552", "3", STOCKPOTS), who=WHO)
    assert (taken(ack), taken(ack, "Campaign")) == (["-22.50"], ["-5.25"])
    text = await answer(client, authorize(Line(1, "410552", "1", "7.50", STOCKPOTS, "4"), who=WHO))
    assert (taken(text), taken(text, "Campaign")) == (["-7.50"], ["-1.75"])
    ack = await finish(client, text, Back(1, "410552", "1", STOCKPOTS), who=WHO)
    assert (taken(ack), taken(ack, "Campaign")) == (["-7.50"], ["-1.75"])
    assert await balance(client) == before - 37


async def test_two_tills_approved_at_once_take_back_the_line_once(client: Client) -> None:
    before = await bought(client, STOCKPOTS, ("410552", "2", "25.00", points("25")))
    one = await answer(client, authorize(Line(1, "410552", "2", "12.50", STOCKPOTS, "2"), store="01291", who=WHO))
    two = await answer(client, authorize(Line(1, "410552", "2", "12.50", STOCKPOTS, "2"), store="01292", who=WHO))
    first = await finish(client, one, Back(1, "410552", "2", STOCKPOTS), store="01291", who=WHO)
    second = await finish(client, two, Back(1, "410552", "2", STOCKPOTS), store="01292", who=WHO)
    assert (taken(first), taken(second)) == (["-25.00"], [])
    assert await balance(client) == before - 25
    void = await finish(client, one, Back(1, "410552", "2", STOCKPOTS), store="01291", who=WHO, voided=True)
    assert 'kind="reversal"' in void and await balance(client) == before - 25 + 25


LINE_13 = f"<Loyalty>{points('13')}</Loyalty>"
UNKNOWN = Sale("01291", "09", "2026-11-15", "77120")


async def test_line_figures_follow_the_same_arithmetic_and_say_so(client: Client) -> None:
    before = await bought(client, STOCKPOTS, ("410552", "1", "9.99", points("10")))
    acks = []
    for quantity in "1123":
        line = Line(1, "520004", quantity, "9.99", UNKNOWN, "7", loyalty=LINE_13)
        text = await answer(client, authorize(line, who=WHO))
        assert 'basis="line"' in text
        acks.append(taken(await finish(client, text, Back(1, "520004", quantity, UNKNOWN), who=WHO)))
    assert acks == [["-1.86"], ["-1.85"], ["-3.72"], ["-5.57"]]
    assert await balance(client) == before - 13


async def test_two_lines_with_figures_from_one_sale_line_share_it(client: Client) -> None:
    before = await bought(client, STOCKPOTS, ("410552", "1", "9.99", points("10")))
    lines = [Line(n, "520004", "1", "9.99", UNKNOWN, "3", loyalty=f"<Loyalty>{points('10')}</Loyalty>") for n in (1, 2)]
    text = await answer(client, authorize(*lines, who=WHO))
    ack = await finish(client, text, *(Back(n, "520004", "1", UNKNOWN) for n in (1, 2)), who=WHO)
    assert sum(Decimal(p) for p in taken(ack)) == Decimal("-6.67")
    previews = [Decimal(p) for part in lines_of(text) for p in taken(part)]
    assert sum(previews) == Decimal("-6.67")
    assert await balance(client) == before - Decimal("6.67")


async def test_an_offline_result_with_figures_then_a_void(client: Client) -> None:
    before = await bought(client, STOCKPOTS, ("410552", "1", "9.99", points("10")))
    request = authorize(Line(1, "520004", "2", "9.99", UNKNOWN, "7", loyalty=LINE_13), who=WHO).decode()
    inner = (
        request.split("?>", 1)[1]
        .replace("AuthorizeReturnRequest", "OfflineRequest")
        .replace(' xmlns="urn:returns-gateway:messages:v1"', "")
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><ReturnFinalResult xmlns="urn:returns-gateway:messages:v1">'
        "<MessageId>IND-OFFLINE-1</MessageId><StoreId>00455</StoreId><RegisterId>07</RegisterId>"
        "<CashierId>E7781</CashierId><BusinessDate>2026-11-27</BusinessDate><Timestamp>2026-11-27T17:00:00Z</Timestamp>"
        f"<Currency>USD</Currency><OfflineDate>2026-11-27</OfflineDate>{inner}"
        f"<ReturnTransactionId>IND-RT-OFF-1</ReturnTransactionId>{WHO}<Lines>{Back(1, '520004', '2', UNKNOWN).xml()}"
        "</Lines></ReturnFinalResult>"
    )
    status, ack = await post(client, FINAL, body.encode())
    assert status == 200, ack
    assert taken(ack) == ["-3.71"] and 'basis="line"' in ack
    assert await balance(client) == before - Decimal("3.71")
