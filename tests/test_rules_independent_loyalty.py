"""Cumulative loyalty take-back and line figures through the server, with odd point figures: partial returns by
several tills, several lines of one request from one sale line, campaign points, over-returns, voids, offline
final results."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.settings import load_settings
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

ClientFactory = Callable[[web.Application], Awaitable[Client]]
pytestmark = pytest.mark.both_backends
ACCOUNT = "LY-3300917"
WHO = customer(ACCOUNT)
STOCKPOTS = Sale("01292", "06", "2026-11-04", "20417")
BANKED = Sale("00455", "01", "2026-10-30", "20001")


async def balance(client: Client) -> Decimal:
    found = await (await client.get(f"/v1/loyalty/accounts/{ACCOUNT}")).json()
    return Decimal(dict(found["points"])["base"])


async def bought(client: Client, sale: Sale, *lines: tuple[str, str, str, str], offer: str = "") -> Decimal:
    """The purchase on the ledger, over 500 points banked earlier so that no floor hides a take-back."""
    status, text = await post(client, LOYALTY, purchase(ACCOUNT, BANKED, ("300117", "1", "500.00", points("500"))))
    assert status == 200, text
    status, text = await post(client, LOYALTY, purchase(ACCOUNT, sale, *lines, offer=offer))
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
    assert 'kind="reversal" account="base" source="Economy" points="25.00"' in void
    assert taken(void) == ["-25.00"]
    assert await balance(client) == before - 25


async def test_voids_and_over_returns_in_any_order_leave_what_still_stands_taken(client: Client) -> None:
    """Three units earning 10: A takes 2, B takes 2 (one beyond the sale), A is voided, C takes 1, B is voided.
    After each step what is taken is round(10 x min(standing, 3) / 3)."""
    before = await bought(client, STOCKPOTS, ("410552", "3", "30.00", points("10")))
    tickets: dict[str, str] = {}

    async def back(name: str, quantity: str) -> None:
        tickets[name] = await answer(client, authorize(Line(1, "410552", quantity, "10.00", STOCKPOTS, "5"), who=WHO))
        await finish(client, tickets[name], Back(1, "410552", quantity, STOCKPOTS), who=WHO)

    async def void(name: str) -> None:
        await finish(client, tickets[name], Back(1, "410552", "1", STOCKPOTS), who=WHO, voided=True)

    expected = {2: Decimal("6.67"), 3: Decimal(10), 4: Decimal(10), 1: Decimal("3.33")}
    for step, standing in ((back("A", "2"), 2), (back("B", "2"), 4), (void("A"), 2), (back("C", "1"), 3)):
        await step
        assert before - await balance(client) == expected[standing], standing
    await void("B")
    assert before - await balance(client) == Decimal("3.33")


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


async def test_an_offline_result_uses_the_figures_its_request_carries(client: Client) -> None:
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


async def test_a_void_of_a_return_that_took_nothing_still_shows_the_account(client: Client) -> None:
    await bought(client, STOCKPOTS, ("410552", "2", "19.98", points("20")))
    one = await answer(client, authorize(Line(1, "410552", "2", "9.99", STOCKPOTS, "2"), store="01291", who=WHO))
    two = await answer(client, authorize(Line(1, "410552", "2", "9.99", STOCKPOTS, "2"), store="01292", who=WHO))
    await finish(client, one, Back(1, "410552", "2", STOCKPOTS), store="01291", who=WHO)
    recorded = await finish(client, two, Back(1, "410552", "2", STOCKPOTS), store="01292", who=WHO)
    voided = await finish(client, two, Back(1, "410552", "2", STOCKPOTS), store="01292", who=WHO, voided=True)
    shown = '<Loyalty accountId="LY-3300917"><Points account="base">500.00</Points>'
    assert shown in recorded and shown in voided and "<Adjustment" not in voided


OFFSET_PROGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<LoyaltyProgram xmlns="urn:returns-gateway:loyalty:v1" id="offset-rewards">
  <Earn account="base" perCurrencyUnit="1"/>
  <RewardPlateau every="1000.00" reward="10.00"/>
  <Returns treatment="offset" allowNegative="true"/>
</LoyaltyProgram>
"""


async def test_the_offset_treatment_carries_fifty_for_seven_back_in_odd_cents(
    aiohttp_client: ClientFactory, tmp_path: Path, db_location: str
) -> None:
    program = tmp_path / "program.xml"
    program.write_text(OFFSET_PROGRAM)
    settings_ = load_settings(environ={}, db_path=db_location, loyalty_program_path=program)
    client = await aiohttp_client(create_app(settings_))
    status, text = await post(client, LOYALTY, purchase(ACCOUNT, STOCKPOTS, ("410552", "7", "50.00", "")))
    assert status == 200, text
    offsets = []
    for quantity in "1123":
        text = await answer(client, authorize(Line(1, "410552", quantity, "7.14", STOCKPOTS, "7"), who=WHO))
        ack = await finish(client, text, Back(1, "410552", quantity, STOCKPOTS), who=WHO)
        offsets.append(re.findall(r'kind="balance" balance="([-0-9.]+)"', ack))
    assert offsets == [["-7.14"], ["-7.15"], ["-14.28"], ["-21.43"]]


async def test_lines_from_two_sales_interleaved_preview_and_take_each_sale(client: Client) -> None:
    kettles = Sale("01291", "02", "2026-11-06", "30555")
    before = await bought(client, STOCKPOTS, ("410552", "3", "29.97", points("100")))
    assert (await post(client, LOYALTY, purchase(ACCOUNT, kettles, ("410999", "2", "50.00", points("25")))))[0] == 200
    lines = (
        Line(1, "410552", "1", "9.99", STOCKPOTS, "3"),
        Line(2, "410999", "2", "25.00", kettles, "2"),
        Line(3, "410552", "2", "9.99", STOCKPOTS, "3"),
    )
    text = await answer(client, authorize(*lines, who=WHO))
    assert [taken(part) for part in lines_of(text)] == [["-33.33"], ["-25.00"], ["-66.67"]]
    ack = await finish(
        client,
        text,
        Back(1, "410552", "1", STOCKPOTS),
        Back(2, "410999", "2", kettles),
        Back(3, "410552", "2", STOCKPOTS),
        who=WHO,
    )
    assert sorted(taken(ack)) == ["-100.00", "-25.00"]
    assert await balance(client) == before + 25 - 125


async def test_items_of_one_sale_returned_by_different_tickets_each_take_their_own(client: Client) -> None:
    """The ledger holds one sale of two items, and does not hold another whose lines carry their figures: returning
    one item, then the other, previews and takes each item's own points."""
    before = await bought(
        client, STOCKPOTS, ("410552", "2", "19.98", points("20")), ("410553", "1", "15.00", points("15"))
    )
    a = Line(1, "520001", "1", "20.00", UNKNOWN, "1", loyalty=f"<Loyalty>{points('20')}</Loyalty>")
    b = Line(1, "520002", "1", "30.00", UNKNOWN, "1", loyalty=f"<Loyalty>{points('30')}</Loyalty>")
    steps = (
        (Line(1, "410553", "1", "15.00", STOCKPOTS, "1"), STOCKPOTS, ["-15.00"]),
        (Line(1, "410552", "2", "9.99", STOCKPOTS, "2"), STOCKPOTS, ["-20.00"]),
        (a, UNKNOWN, ["-20.00"]),
        (b, UNKNOWN, ["-30.00"]),
    )
    for line, sale, expected in steps:
        text = await answer(client, authorize(line, who=WHO))
        ack = await finish(client, text, Back(1, line.item, line.quantity, sale), who=WHO)
        assert (taken(text), taken(ack)) == (expected, expected), line.item
    assert await balance(client) == before - 85


async def test_a_line_the_ledger_has_not_seen_of_a_sale_it_holds_uses_its_own_figures(client: Client) -> None:
    """The ledger holds the sale's stockpots (with their offer) but not its lids: the lids' own figures are used,
    cumulatively, bringing two of the three lids back does not reinstate the stockpots' offer, and the stockpots
    still take their own points afterwards and reinstate the offer once both are back (the lids left count for
    nothing in it)."""
    offer = '<Offer id="FALL-PROMO" qualifyingQuantity="1"/>'
    before = await bought(client, STOCKPOTS, ("410552", "2", "19.98", points("20", "6")), offer=offer)
    lids = f"<Loyalty>{points('45')}</Loyalty>"
    for quantity, expected in (("1", ["-15.00"]), ("1", ["-15.00"])):
        line = Line(1, "520777", quantity, "30.00", STOCKPOTS, "3", loyalty=lids)
        text = await answer(client, authorize(line, who=WHO))
        assert taken(text) == expected and 'basis="line"' in text
        ack = await finish(client, text, Back(1, "520777", quantity, STOCKPOTS), who=WHO)
        assert taken(ack) == expected and 'basis="line"' in ack and "offer-reinstated" not in ack
    assert await balance(client) == before - 30
    text = await answer(client, authorize(Line(1, "410552", "2", "9.99", STOCKPOTS, "2"), who=WHO))
    assert taken(text) == ["-20.00"] and 'basis="ledger"' in text
    ack = await finish(client, text, Back(1, "410552", "2", STOCKPOTS), who=WHO)
    assert (taken(ack), taken(ack, "Campaign")) == (["-20.00"], ["-6.00"])
    assert 'kind="offer-reinstated"' in ack
