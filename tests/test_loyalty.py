"""Loyalty outcomes on returns: the seed journeys (POSitive offset, SessionM claw-back and offers, tiers)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web

from gateway.admin.policies import EXAMPLE_LOYALTY, load_loyalty_program
from gateway.app import create_app
from gateway.cli import main
from gateway.settings import Settings, load_settings
from handlers.loyalty import loyalty_service
from handlers.loyalty.loyalty import (
    Entry,
    Program,
    Purchase,
    PurchaseLine,
    Returned,
    fold,
    purchase_entries,
    return_entries,
)
from handlers.loyalty.loyalty_service import LoyaltyService
from store.jobstore import JobStore
from store.loyalty_sql import account_entries, account_of, append
from tests.conftest import EXAMPLES
from tests.dbaccess import store_db
from tests.serverutil import Client, example, field, post

ClientFactory = Callable[[web.Application], Awaitable[Client]]
SALE = "01291/01/2026-11-02/3120"
ACCOUNT = "LY-0048812"
POSITIVE = Program("frequent-buyer", "base", Decimal(0), "offset", True, Decimal("45.00"), Decimal("25.90"))

pytestmark = pytest.mark.both_backends


def buy(amount: str, sale: str = SALE) -> Purchase:
    return Purchase(sale, (PurchaseLine(1, "100235", Decimal(1), Decimal(amount), ()),))


def test_positive_frequent_buyer_keeps_rewards_and_carries_a_negative_balance() -> None:
    """Seed 003: 45.06 bought, 45.00 makes a reward of 25.90 and 0.06 is left; the 45.06 return goes negative.

    The seed says the balance becomes -44.92, but 0.06 - 45.06 is -45.00: we keep exact arithmetic.
    """
    entries = purchase_entries(POSITIVE, fold([]), buy("45.06"))
    account = fold(entries)
    assert (account.balance, account.rewards) == (Decimal("0.06"), Decimal("25.90"))
    entries += return_entries(POSITIVE, account, {SALE: buy("45.06")}, [Returned(SALE, "100235", Decimal(1))], {})
    account = fold(entries)
    assert (account.balance, account.rewards) == (Decimal("-45.00"), Decimal("25.90"))
    for amount, expected_balance, expected_rewards in (
        ("30.00", "-15.00", "25.90"),
        ("40.00", "25.00", "25.90"),
        ("25.00", "5.00", "51.80"),
    ):
        entries += purchase_entries(POSITIVE, account, buy(amount, f"S-{amount}"))
        account = fold(entries)
        assert (account.balance, account.rewards) == (Decimal(expected_balance), Decimal(expected_rewards))


async def activity(client: Client, body: bytes) -> str:
    status, text = await post(client, "/v1/loyalty/activity", body)
    assert status == 200, text
    return text


def tie_return(number: int) -> bytes:
    """One tie of the two bought on sale 3120, returned with the receipt by the loyalty customer."""
    return example(
        "authorize_receipted_single",
        ("AUTH-0001-20261120-001", f"AUTH-TIE-{number}"),
        ("<ItemId>100234</ItemId>", "<ItemId>100235</ItemId>"),
        (
            "<TransactionType>Return</TransactionType>",
            "<TransactionType>Return</TransactionType><Customer><LoyaltyAccountId>LY-0048812</LoyaltyAccountId></Customer>",
        ),
        (
            "<RegisterId>02</RegisterId>\n        <BusinessDate>2026-11-08</BusinessDate>\n        <TransactionSequence>4471</TransactionSequence>",
            "<RegisterId>01</RegisterId>\n        <BusinessDate>2026-11-02</BusinessDate>\n        <TransactionSequence>3120</TransactionSequence>",
        ),
        ("<OriginalQuantity>1</OriginalQuantity>", "<OriginalQuantity>2</OriginalQuantity>"),
    )


async def return_one_tie(client: Client, number: int) -> tuple[str, bytes]:
    _, answer = await post(client, "/v1/returns/authorize", tie_return(number))
    final = example(
        "final_result_approved",
        ("T01291-20261120-000001", field(answer, "TicketId")),
        ("FINAL-0001-APPROVED", f"FINAL-TIE-{number}"),
        ("01291-03-20261120-0412", f"RT-TIE-{number}"),
        ("<ItemId>100234</ItemId>", "<ItemId>100235</ItemId>"),
        (
            "<RegisterId>02</RegisterId>\n        <BusinessDate>2026-11-08</BusinessDate>\n        <TransactionSequence>4471</TransactionSequence>",
            "<RegisterId>01</RegisterId>\n        <BusinessDate>2026-11-02</BusinessDate>\n        <TransactionSequence>3120</TransactionSequence>",
        ),
    )
    return answer, final


async def account(client: Client) -> dict[str, object]:
    return dict(await (await client.get("/v1/loyalty/accounts/LY-0048812")).json())


async def test_sessionm_ties_claw_back_and_offer_reinstatement(client: Client) -> None:
    await activity(client, example("../loyalty/purchase_two_ties"))
    assert (await account(client))["points"] == {"base": "100"}
    first, final = await return_one_tie(client, 1)
    assert 'kind="earn" account="base" source="Economy" points="-30.00"' in first
    assert 'source="Campaign" points="-20.00"' in first
    status, ack = await post(client, "/v1/returns/final-result", final)
    assert status == 200 and 'points="-30.00"' in ack and "offer-reinstated" not in ack
    assert '<Points account="base">50.00</Points>' in ack
    assert (await post(client, "/v1/returns/final-result", final))[1] == ack
    assert (await account(client))["points"] == {"base": "50.00"}
    second, final_two = await return_one_tie(client, 2)
    assert 'kind="offer-reinstated"' in second and 'offer="TIE-BONUS"' in second
    ack_two = (await post(client, "/v1/returns/final-result", final_two))[1]
    assert '<Points account="base">0.00</Points>' in ack_two and 'offer="TIE-BONUS"' in ack_two
    assert (await post(client, "/v1/returns/final-result", final_two))[1] == ack_two
    state = await account(client)
    assert state["points"] == {"base": "0.00"} and state["offers_reinstated"] == ["TIE-BONUS"]
    void = final_two.replace(b"<Lines>", b"<Voided>true</Voided>\n  <Lines>", 1).replace(b"FINAL-TIE-2", b"VOID-TIE-2")
    assert field((await post(client, "/v1/returns/final-result", void))[1], "Status") == "Voided"
    state = await account(client)
    assert state["points"] == {"base": "50.00"} and state["offers_reinstated"] == []


async def test_tier_promotion_at_once_and_demotion_only_at_maintenance(
    client: Client, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    for number in (1, 2):
        text = await activity(client, example("../loyalty/web_sign_in", ("LOY-SIGNIN-0001", f"LOY-SIGNIN-{number}")))
    assert "<Tier>member</Tier>" in text and '<Points account="base">20</Points>' in text
    purchase = example(
        "../loyalty/purchase_two_ties",
        ("<Amount>60.00</Amount>", "<Amount>15.00</Amount>"),
        (
            '<Points account="base" source="Economy">60</Points>\n      <Points account="base" source="Campaign" campaign="TIE-BONUS">40</Points>\n',
            "",
        ),
    )
    assert "<Tier>silver</Tier>" in await activity(client, purchase)
    for number in (1, 2):
        _, final = await return_one_tie(client, number)
        await post(client, "/v1/returns/final-result", final)
    state = await account(client)
    assert state["points"] == {"base": "20.00"} and state["tier"] == "silver"
    assert await asyncio.to_thread(main, ["loyalty", "maintain-tiers", "--db", str(settings.db_path)]) == 0
    assert "LY-0048812: demoted to member" in capsys.readouterr().out
    assert (await account(client))["tier"] == "member"


async def test_tier_is_the_customer_type_when_the_till_sends_none(
    aiohttp_client: ClientFactory, tmp_path: Path, db_location: str
) -> None:
    """A 'gold' tier makes the shipped policy's gold-member exception policy decide the line."""
    program = tmp_path / "program.xml"
    text = (EXAMPLES.parent / "loyalty" / "program.xml").read_text()
    program.write_text(text.replace('name="gold"', 'name="platinum"').replace('name="silver"', 'name="gold"'))
    client = await aiohttp_client(
        create_app(load_settings(environ={}, db_path=db_location, loyalty_program_path=program))
    )
    before = (await post(client, "/v1/returns/authorize", tie_return(8)))[1]
    assert field(before, "PolicyId") == "HOLIDAY-RECEIPTED"
    for number in range(1, 4):
        await activity(client, example("../loyalty/web_sign_in", ("LOY-SIGNIN-0001", f"LOY-SIGNIN-{number}")))
    after = (await post(client, "/v1/returns/authorize", tie_return(9)))[1]
    assert field(after, "PolicyId") == "GOLD-RECEIPTED" and field(after, "Code") == "120"


async def test_loyalty_activity_is_idempotent_and_validated(client: Client) -> None:
    body = example("../loyalty/web_sign_in")
    first = await activity(client, body)
    response = await client.post("/v1/loyalty/activity", data=body, headers={"Content-Type": "application/xml"})
    assert await response.text() == first and response.headers["X-Returns-Duplicate"] == "true"
    unknown = body.replace(b"web-sign-in", b"moon-landing").replace(b"LOY-SIGNIN-0001", b"LOY-X")
    assert (await post(client, "/v1/loyalty/activity", unknown))[0] == 400
    assert (await client.get("/v1/loyalty/accounts/NOBODY")).status == 404


async def test_kept_sums_equal_the_whole_ledger_after_purchases_returns_and_a_void(
    client: Client, settings: Settings
) -> None:
    await activity(client, example("../loyalty/purchase_two_ties"))
    finals = [(await return_one_tie(client, number))[1] for number in (1, 2)]
    for final in finals:
        await post(client, "/v1/returns/final-result", final)
    void = finals[1].replace(b"<Lines>", b"<Voided>true</Voided>\n  <Lines>", 1).replace(b"FINAL-TIE-2", b"VOID-TIE-2")
    assert field((await post(client, "/v1/returns/final-result", void))[1], "Status") == "Voided"
    with store_db(settings.db_path) as db:
        ledger = account_entries(db, ACCOUNT)
        kept = account_of(db, ACCOUNT)
        assert kept == fold(ledger) and kept.reinstated == frozenset() and len(ledger) > 5
        last, newest = db.execute(
            "SELECT last_entry_id, (SELECT MAX(entry_id) FROM loyalty_entries) FROM loyalty_accounts"
        ).fetchone()
        assert last == newest
        db.execute("DELETE FROM loyalty_accounts")
        assert account_of(db, ACCOUNT) == kept


async def test_tier_maintenance_runs_a_few_accounts_a_transaction(
    store: JobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    silver_with_few_points = [Entry("tier", tier="silver"), Entry("earn", "base", "Economy", Decimal(5))]
    for account_id in ("LY-1", "LY-2", "LY-3"):
        setup = functools.partial(
            append, account_id=account_id, message_id=f"setup-{account_id}", ticket_id=None, at="then"
        )
        await store._write(functools.partial(setup, entries=silver_with_few_points, before=fold([])))
    batches = store.stats().batch_size.count
    monkeypatch.setattr(loyalty_service, "MAINTENANCE_CHUNK", 2)
    service = LoyaltyService(store, load_loyalty_program(EXAMPLE_LOYALTY))
    assert await service.maintain_tiers() == [("LY-1", "member"), ("LY-2", "member"), ("LY-3", "member")]
    assert store.stats().batch_size.count - batches == 2
