"""Through the server as a till meets them: transaction-level tender limits, exchanges, and the returns ratio weighed
against the customer's sales history from the loyalty ledger."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from lxml import etree

from gateway.app import create_app
from gateway.http.schemas import default_registry
from gateway.settings import Settings, load_settings
from tests.policyutil import policy_xml
from tests.serverutil import Client, example, field, post

ClientFactory = Callable[[web.Application], Awaitable[Client]]
pytestmark = pytest.mark.both_backends
AUTH, FINAL = "/v1/returns/authorize", "/v1/returns/final-result"
EXCHANGES = (
    '<Rule id="exchange" question="TransactionType"><Answer in="Return"/><Answer in="Exchange" code="D2"/></Rule>'
)
TENDERS = '<Tender type="Cash" max="300"/><Tender type="Credit"/><Tender type="StoreCredit"/>'
CUSTOMER = (
    "<Customer><PositiveId><Type>DriversLicense</Type><Issuer>TX</Issuer><Number>TX09876543</Number></PositiveId>"
    "<LoyaltyAccountId>LY-0048812</LoyaltyAccountId></Customer>"
)
ORIGINAL = (
    "<RegisterId>02</RegisterId>\n        <BusinessDate>2026-11-08</BusinessDate>\n"
    "        <TransactionSequence>4471</TransactionSequence>"
)
SALE_3120 = (
    "<RegisterId>01</RegisterId>\n        <BusinessDate>2026-11-02</BusinessDate>\n"
    "        <TransactionSequence>3120</TransactionSequence>"
)


def limit_rule(ratio: str) -> str:
    return (
        '<Rule id="limit" question="CustomerReturns"><Param name="windowDays" value="30"/>'
        f'<Param name="measure" value="items"/><Param name="ratio" value="{ratio}"/>'
        '<Answer below="3"/><Answer from="3" code="D1"/><Answer missing="true"/></Rule>'
    )


def settings_with(tmp_path: Path, db_location: str, ratio: str) -> Settings:
    policy = tmp_path / "policy.xml"
    policy.write_bytes(policy_xml(receipted_rules=EXCHANGES + limit_rule(ratio), tenders=TENDERS))
    return load_settings(environ={}, db_path=db_location, policy_path=policy)


@pytest.fixture
def settings(tmp_path: Path, db_location: str) -> Settings:
    return settings_with(tmp_path, db_location, "0.3")


def valid(text: str) -> str:
    """The answer, once it is known to match the contract."""
    data = text.encode()
    default_registry().validate(etree.fromstring(data), data)
    return text


def two_lines_of_200() -> bytes:
    single = example(
        "authorize_receipted_single",
        ("<UnitPricePaid>39.99</UnitPricePaid>", "<UnitPricePaid>200.00</UnitPricePaid>"),
        ("<TaxPaid>3.30</TaxPaid>", ""),
        ("<OriginalQuantity>1</OriginalQuantity>", "<OriginalQuantity>5</OriginalQuantity>"),
    ).decode()
    line = single[single.index("<Line>") : single.index("</Lines>")]
    second = line.replace("<LineNumber>1</LineNumber>", "<LineNumber>2</LineNumber>")
    return single.replace("</Lines>", f"{second}</Lines>").encode()


async def test_a_tender_maximum_bounds_the_whole_transaction(client: Client) -> None:
    status, text = await post(client, AUTH, two_lines_of_200())
    assert status == 200, text
    splits = [part.split("</RefundSplit>")[0] for part in valid(text).split("<RefundSplit>")[1:]]
    assert splits == [
        '<Tender type="Cash" amount="200.00"/>',
        '<Tender type="Cash" amount="100.00"/><Tender type="Credit" amount="100.00"/>',
    ]
    detail = await (await client.get(f"/v1/tickets/{field(text, 'TicketId')}")).json()
    assert detail["attempts"][0]["decision"]["lines"][1]["refund_split"] == [["Cash", "100.00"], ["Credit", "100.00"]]


async def test_an_exchange_is_answered_by_the_transaction_type_rule(client: Client) -> None:
    body = example("authorize_receipted_single", ("<TransactionType>Return", "<TransactionType>Exchange"))
    status, text = await post(client, AUTH, body)
    assert status == 200 and (field(text, "Type"), field(text, "Code")) == ("Denial", "D2")
    plain = example("authorize_receipted_single", ("AUTH-0001-20261120-001", "AUTH-PLAIN"))
    assert field((await post(client, AUTH, plain))[1], "Type") == "Authorization"


def returning(number: int, quantity: int) -> bytes:
    return example(
        "authorize_receipted_single",
        ("AUTH-0001-20261120-001", f"AUTH-RATIO-{number}"),
        ("<ItemId>100234</ItemId>", "<ItemId>100235</ItemId>"),
        ("<TransactionType>Return</TransactionType>", f"<TransactionType>Return</TransactionType>{CUSTOMER}"),
        (ORIGINAL, SALE_3120),
        ("<Quantity>1</Quantity>", f"<Quantity>{quantity}</Quantity>"),
        ("<OriginalQuantity>1</OriginalQuantity>", "<OriginalQuantity>10</OriginalQuantity>"),
    )


async def half_bought_back(client: Client) -> str:
    """Ten bought (the loyalty ledger has the sale), five returned: the next return's limit rule answer."""
    purchase = example("../loyalty/purchase_two_ties", ("<Quantity>2</Quantity>", "<Quantity>10</Quantity>"))
    assert (await post(client, "/v1/loyalty/activity", purchase))[0] == 200
    answer = (await post(client, AUTH, returning(1, 5)))[1]
    final = example(
        "final_result_approved",
        ("T01291-20261120-000001", field(answer, "TicketId")),
        ("<ItemId>100234</ItemId>", "<ItemId>100235</ItemId>"),
        ("<QuantityReturned>1</QuantityReturned>", "<QuantityReturned>5</QuantityReturned>"),
        (ORIGINAL, SALE_3120),
    )
    assert field((await post(client, FINAL, final))[1], "Status") == "Recorded"
    text = (await post(client, AUTH, returning(2, 1)))[1]
    detail = await (await client.get(f"/v1/tickets/{field(text, 'TicketId')}")).json()
    steps = detail["attempts"][0]["decision"]["lines"][0]["trace"]["steps"]
    seen = next(step for step in steps if step["rule"] == "limit")["input_value"]
    return f"{field(text, 'Type')} {seen}"


async def test_a_customer_who_kept_more_than_the_ratio_keeps_returning(client: Client) -> None:
    """Ratio 0.3: half of the ten items bought were kept, more than 30%: the limit does not bite."""
    assert await half_bought_back(client) == "Authorization 0"


async def test_a_customer_who_kept_less_than_the_ratio_meets_the_limit(
    aiohttp_client: ClientFactory, tmp_path: Path, db_location: str
) -> None:
    """Ratio 0.8: half kept is less than 80%: the five items returned count and the limit denies."""
    client = await aiohttp_client(create_app(settings_with(tmp_path, db_location, "0.8")))
    assert await half_bought_back(client) == "Denial 5"
