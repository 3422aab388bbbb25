"""Transaction-level tender limits, exchanges and the returns ratio through the server, with several tenders, both
limits, a fallback and the ratio at and around its boundary."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.settings import load_settings
from handlers.history.history import History, PriorPurchase, PriorReturn
from handlers.policy.policy_model import PolicySet
from tests.policyutil import PASS_RULE, line, load, policy_xml, request, run, with_id
from tests.serverutil import Client, field, post
from tests.tillutil import AUTH, LOYALTY, Back, Line, Sale, answer, authorize, customer, finish, lines_of, purchase

ClientFactory = Callable[[web.Application], Awaitable[Client]]
TENDERS = (
    '<Tender type="Cash" min="20" max="150"/><Tender type="Credit" max="100"/>'
    '<Tender type="Check" min="50" max="60"/><Tender type="StoreCredit"/><Tender type="GiftCard"/>'
)
SOFAS = Sale("01291", "03", "2026-11-18", "5521")


async def started(aiohttp_client: ClientFactory, tmp_path: Path, receipted: str = PASS_RULE) -> Client:
    policy = tmp_path / "policy.xml"
    text = policy_xml(receipted_rules=receipted, tenders=TENDERS).decode()
    text = text.replace("<NonreceiptedFallbackTender>StoreCredit<", "<NonreceiptedFallbackTender>GiftCard<")
    policy.write_text(text)
    settings = load_settings(environ={}, db_path=tmp_path / "gateway.db", policy_path=policy)
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def tills(aiohttp_client: ClientFactory, tmp_path: Path) -> Client:
    return await started(aiohttp_client, tmp_path)


def splits(text: str) -> list[dict[str, str]]:
    found = []
    for part in lines_of(text):
        inner = part.split("<RefundSplit>")[1].split("</RefundSplit>")[0] if "<RefundSplit>" in part else ""
        found.append(dict(re.findall(r'<Tender type="(\w+)" amount="([0-9.]+)"/>', inner)))
    return found


def sofa(number: int, price: str) -> Line:
    return Line(number, f"88000{number}", "1", price, SOFAS, "1")


async def test_maximums_fill_in_line_order_and_a_short_tender_gives_way(tills: Client) -> None:
    """Cash 80, then cash to its 150 and credit, then credit, then credit to its 100 and the 35 left for check,
    which stays under the check minimum of 50: it cannot be paid in cash either (cash is full), so store credit."""
    text = await answer(tills, authorize(sofa(1, "80.00"), sofa(2, "90.00"), sofa(3, "15.00"), sofa(4, "100.00")))
    assert splits(text) == [
        {"Cash": "80.00"},
        {"Cash": "70.00", "Credit": "20.00"},
        {"Credit": "15.00"},
        {"Credit": "65.00", "StoreCredit": "35.00"},
    ]
    paid: dict[str, Decimal] = {}
    for split in splits(text):
        for tender, amount in split.items():
            paid[tender] = paid.get(tender, Decimal(0)) + Decimal(amount)
    assert paid["Cash"] <= 150 and paid["Credit"] <= 100
    assert sum(paid.values()) == Decimal("285.00")


async def test_a_small_transaction_below_the_cash_minimum_and_a_nonreceipted_line(tills: Client) -> None:
    text = await answer(tills, authorize(sofa(1, "12.00"), Line(2, "880009", "1", "30.00")))
    assert [sum(Decimal(a) for a in split.values()) for split in splits(text)] == [Decimal("12.00"), Decimal("30.00")]
    assert splits(text)[0] == {"Cash": "12.00"}


async def test_a_check_above_its_minimum_over_the_transaction_stays_a_check(tills: Client) -> None:
    text = await answer(tills, authorize(sofa(1, "150.00"), sofa(2, "100.00"), sofa(3, "30.00"), sofa(4, "25.00")))
    assert splits(text) == [{"Cash": "150.00"}, {"Credit": "100.00"}, {"Check": "30.00"}, {"Check": "25.00"}]


async def test_a_denied_line_takes_nothing_from_the_limits(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    price = '<Rule id="price" question="UnitPrice"><Answer below="500"/><Answer from="500" code="D2"/></Rule>'
    client = await started(aiohttp_client, tmp_path, price)
    text = await answer(client, authorize(sofa(1, "600.00"), sofa(2, "140.00")))
    assert splits(text) == [{}, {"Cash": "140.00"}]


EXCHANGE = (
    '<Rule id="kind" question="TransactionType"><Answer in="Return"/>'
    '<Answer in="Exchange" code="M1" messages="MSG2"/></Rule>'
)


async def test_an_exchange_meets_its_own_answer(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await started(aiohttp_client, tmp_path, EXCHANGE)
    exchange = await answer(client, authorize(sofa(1, "45.00"), kind="Exchange"))
    assert (field(exchange, "Type"), field(exchange, "Code")) == ("ManagerOverrideableDenial", "M1")
    assert 'question="TransactionType" answer="Exchange"' in exchange
    plain = await answer(client, authorize(sofa(1, "45.00")))
    assert field(plain, "Type") == "Authorization"
    status, fault = await post(client, AUTH, authorize(sofa(1, "45.00"), kind="EvenExchange"))
    assert status == 400 and "TransactionType" in fault


ACCOUNT = "LY-5550012"
NUMBER = "OK4471190"


def limit(ratio: str) -> str:
    return (
        '<Rule id="limit" question="CustomerReturns"><Param name="windowDays" value="20"/>'
        f'<Param name="measure" value="items"/><Param name="ratio" value="{ratio}"/>'
        '<Answer below="4"/><Answer from="4" code="D1"/><Answer missing="true"/></Rule>'
    )


async def ratio_seen(aiohttp_client: ClientFactory, tmp_path: Path, ratio: str, back: int) -> str:
    """Bought 4 + 6 items in the window (and 30 before it), returned `back` of them: the limit rule's answer."""
    client = await started(aiohttp_client, tmp_path, limit(ratio))
    who = customer(ACCOUNT, NUMBER)
    first, second, old = (
        Sale("01292", "05", "2026-11-20", "801"),
        Sale("01291", "05", "2026-11-24", "802"),
        Sale("01291", "05", "2026-10-01", "700"),
    )
    for sale, quantity in ((first, "4"), (second, "6"), (old, "30")):
        body = purchase(
            ACCOUNT, sale, ("910001", quantity, "100.00", '<Points account="base" source="Economy">5</Points>')
        )
        assert (await post(client, LOYALTY, body))[0] == 200
    for returned_from, count in ((first, min(back, 4)), (second, back - min(back, 4))):
        if count:
            text = await answer(client, authorize(Line(1, "910001", str(count), "10.00", returned_from, "10"), who=who))
            await finish(client, text, Back(1, "910001", str(count), returned_from), who=who)
    text = await answer(client, authorize(Line(1, "910001", "1", "10.00", second, "10"), who=who))
    detail = await (await client.get(f"/v1/tickets/{field(text, 'TicketId')}")).json()
    steps = detail["attempts"][0]["decision"]["lines"][0]["trace"]["steps"]
    return f"{field(text, 'Type')} {next(step for step in steps if step['rule'] == 'limit')['input_value']}"


@pytest.mark.parametrize(
    ("ratio", "back", "expected"),
    [
        ("0.5", 5, "Denial 5"),
        ("0.49", 5, "Authorization 0"),
        ("0.51", 5, "Denial 5"),
        ("0.5", 4, "Authorization 0"),
        ("0.6", 4, "Denial 4"),
        ("1", 4, "Denial 4"),
    ],
)
async def test_the_ratio_at_and_around_its_boundary(
    aiohttp_client: ClientFactory, tmp_path: Path, ratio: str, back: int, expected: str
) -> None:
    assert await ratio_seen(aiohttp_client, tmp_path, ratio, back) == expected


def test_the_kept_share_counts_every_return_whichever_the_limit_counts() -> None:
    """Ten bought; three receipted and four nonreceipted items back: 30% kept, whatever returns the limit counts."""
    policy_set = load(
        receipted_rules=limit("0.5").replace('value="items"/>', 'value="items"/><Param name="receipted" value="true"/>')
    )
    day = date(2026, 11, 20)
    history = History(
        customer_returns=(
            PriorReturn(day, True, Decimal(3), Decimal(30)),
            PriorReturn(day, False, Decimal(4), Decimal(40)),
        ),
        customer_purchases=(PriorPurchase(date(2026, 11, 10), Decimal(10)),),
    )

    assert limit_input(policy_set, history) == "3"
    kept = History(customer_returns=history.customer_returns[:1], customer_purchases=history.customer_purchases)
    assert limit_input(policy_set, kept) == "0"


def limit_input(policy_set: PolicySet, history: History) -> str:
    trace = run(policy_set, request(line(), customer=with_id()), history).lines[0].trace
    assert trace is not None
    return next(step.input_value for step in trace.steps if step.rule == "limit")


async def test_a_nonreceipted_line_falls_to_its_own_fallback(tills: Client) -> None:
    """Cash is full after the receipted sofa; the nonreceipted line takes credit to its maximum, and its 20.00 left
    for check stays under the check minimum with cash full: the nonreceipted fallback (gift card) takes it."""
    text = await answer(tills, authorize(sofa(1, "150.00"), Line(2, "880009", "1", "120.00")))
    assert splits(text) == [{"Cash": "150.00"}, {"Credit": "100.00", "GiftCard": "20.00"}]


async def test_a_nearly_full_cash_drawer_and_a_short_check_keep_cents(tills: Client) -> None:
    """Cash 130 of its 150: the second sofa takes the 20.00 cash leaves, credit's 100.00, and its 25.50 for check
    (under the check minimum, with cash full) goes to store credit; every amount in cents."""
    text = await answer(tills, authorize(sofa(1, "130.00"), sofa(2, "145.50")))
    assert splits(text) == [{"Cash": "130.00"}, {"Credit": "100.00", "Cash": "20.00", "StoreCredit": "25.50"}]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 30000), min_size=1, max_size=6), st.booleans())
def test_every_split_amount_is_in_cents_and_within_its_maximum(cents: list[int], receipted: bool) -> None:
    policy_set = load(tenders=TENDERS)
    lines = [
        line(line_number=n + 1, item_id=f"77{n}", unit_price_paid=Decimal(c) / 100, receipted=receipted)
        for n, c in enumerate(cents)
    ]
    decided = run(policy_set, request(*lines))
    paid: dict[str, Decimal] = {}
    for decision in decided.lines:
        assert sum((part.amount for part in decision.refund_split), Decimal(0)) == decision.refund_amount
        for part in decision.refund_split:
            assert part.amount.as_tuple().exponent == -2
            paid[part.tender.value] = paid.get(part.tender.value, Decimal(0)) + part.amount
    assert paid.get("Cash", Decimal(0)) <= 150 and paid.get("Credit", Decimal(0)) <= 100
    assert paid.get("Check", Decimal(0)) <= 60
