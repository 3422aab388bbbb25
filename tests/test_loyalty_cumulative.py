"""Loyalty take-backs are cumulative per original sale: partial returns, over-returns and voids in any order leave
exactly what was earned taken back after a full return, never more; a sale the ledger does not hold is figured from
the line's own Loyalty figures; a void's acknowledgement lists its reversal."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.loyalty.loyalty import Earned, Entry, Program, Purchase, PurchaseLine, Returned, fold, return_entries
from tests.serverutil import Client, example, field, post

SALE = "01291/01/2026-11-02/5000"
CENT = Decimal("0.01")
DEDUCT = Program("p", "base", Decimal(1), "deduct", True)
OFFSET = Program("p", "base", Decimal(1), "offset", True)
pytestmark = pytest.mark.both_backends


class Ledger:
    """A ledger as the store keeps it: entries by ticket, returned quantities of tickets not voided."""

    def __init__(self, program: Program, purchase: Purchase) -> None:
        self.program, self.purchase = program, purchase
        self.entries: list[tuple[str | None, Entry]] = []
        self.returned: dict[str, Decimal] = {}

    def return_(self, ticket: str, quantity: Decimal, item: str = "100234") -> list[Entry]:
        taken: dict[tuple[str, str], Decimal] = {}
        for owner, entry in self.entries:
            if owner is not None and entry.point_account is not None:
                key = (entry.point_account, entry.source or "")
                taken[key] = taken.get(key, Decimal(0)) - entry.points
        balance = -sum((entry.balance for owner, entry in self.entries if owner is not None), Decimal(0))
        purchase = replace(
            self.purchase, taken_points=tuple((a, s, p) for (a, s), p in taken.items()), taken_balance=balance
        )
        earlier = {(SALE, item): sum(self.returned.values(), Decimal(0))} if self.returned else {}
        account = fold(entry for _, entry in self.entries)
        made = return_entries(self.program, account, {SALE: purchase}, [Returned(SALE, item, quantity)], earlier)
        self.entries += [(ticket, entry) for entry in made]
        self.returned[ticket] = quantity
        return made

    def void(self, ticket: str) -> None:
        mine = [entry for owner, entry in self.entries if owner == ticket and entry.kind != "reversal"]
        self.entries += [
            (ticket, Entry("reversal", e.point_account, e.source, -e.points, -e.balance, sale=e.sale)) for e in mine
        ]
        self.returned.pop(ticket, None)

    def taken(self, source: str = "Economy") -> Decimal:
        return -sum((e.points for o, e in self.entries if o is not None and e.source == source), Decimal(0))

    def offset(self) -> Decimal:
        return -sum((e.balance for o, e in self.entries if o is not None), Decimal(0))


def bought(quantity: int, amount: str, *earned: tuple[str, str]) -> Purchase:
    points = tuple(Earned("base", source, Decimal(value)) for source, value in earned)
    return Purchase(SALE, (PurchaseLine(1, "100234", Decimal(quantity), Decimal(amount), points),))


def test_a_full_return_one_unit_at_a_time_takes_back_exactly_what_was_earned() -> None:
    ledger = Ledger(DEDUCT, bought(3, "50.00", ("Economy", "100")))
    taken = [ledger.return_(f"T{n}", Decimal(1))[0].points for n in range(3)]
    assert taken == [Decimal("-33.33"), Decimal("-33.34"), Decimal("-33.33")]
    assert ledger.taken() == Decimal(100)


def test_an_over_return_never_takes_points_earned_elsewhere() -> None:
    ledger = Ledger(DEDUCT, bought(2, "40.00", ("Economy", "40")))
    assert ledger.return_("T1", Decimal(2))[0].points == Decimal("-40.00")
    assert ledger.return_("T2", Decimal(1)) == []
    assert ledger.taken() == Decimal(40)


def test_campaign_points_and_offsets_are_cumulative_too() -> None:
    ledger = Ledger(DEDUCT, bought(3, "50.00", ("Economy", "100"), ("Campaign", "10")))
    for number in range(3):
        ledger.return_(f"T{number}", Decimal(1))
    assert (ledger.taken(), ledger.taken("Campaign")) == (Decimal(100), Decimal(10))
    offset = Ledger(OFFSET, bought(3, "50.00"))
    for number in range(3):
        offset.return_(f"T{number}", Decimal(1))
    assert offset.offset() == Decimal("50.00")


def test_a_void_between_partial_returns_still_ends_at_exactly_what_was_earned() -> None:
    ledger = Ledger(DEDUCT, bought(3, "50.00", ("Economy", "100")))
    ledger.return_("A", Decimal(1))
    ledger.return_("B", Decimal(1))
    ledger.void("A")
    ledger.return_("C", Decimal(1))
    ledger.return_("D", Decimal(1))
    assert ledger.taken() == Decimal(100)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 500),
    st.lists(st.one_of(st.integers(1, 4), st.just(0)), min_size=1, max_size=10),
    st.sampled_from([DEDUCT, OFFSET]),
)
def test_any_sequence_of_partial_returns_and_voids(
    quantity: int, points: int, steps: list[int], program: Program
) -> None:
    """Taken back never exceeds what was earned, and equals it exactly once everything bought is back."""
    earned, amount = (Decimal(points) / 7).quantize(CENT), (Decimal(points) / 3).quantize(CENT)
    ledger = Ledger(program, bought(quantity, str(amount), ("Economy", str(earned))))
    total = earned if program is DEDUCT else amount
    for number, step in enumerate(steps):
        if step == 0 and ledger.returned:
            ledger.void(next(iter(ledger.returned)))
        elif step:
            ledger.return_(f"T{number}", Decimal(step))
        taken = ledger.taken() if program is DEDUCT else ledger.offset()
        assert Decimal(0) <= taken <= total
    ledger.return_("LAST", Decimal(quantity))
    assert (ledger.taken() if program is DEDUCT else ledger.offset()) == total


ACCOUNT_XML = "<Customer><LoyaltyAccountId>LY-0048812</LoyaltyAccountId></Customer>"
THREE_FOR_FIFTY = (
    ("<Quantity>2</Quantity>", "<Quantity>3</Quantity>"),
    ("<Amount>60.00</Amount>", "<Amount>50.00</Amount>"),
    ('source="Economy">60<', 'source="Economy">100<'),
    ('<Points account="base" source="Campaign" campaign="TIE-BONUS">40</Points>', ""),
    ('<Offer id="TIE-BONUS" qualifyingQuantity="1"/>', ""),
)
ORIGINAL = (
    "<RegisterId>02</RegisterId>\n        <BusinessDate>2026-11-08</BusinessDate>\n"
    "        <TransactionSequence>4471</TransactionSequence>"
)
SALE_3120 = (
    "<RegisterId>01</RegisterId>\n        <BusinessDate>2026-11-02</BusinessDate>\n"
    "        <TransactionSequence>3120</TransactionSequence>"
)


def one_back(number: int, bought_quantity: str, loyalty: str = "") -> bytes:
    return example(
        "authorize_receipted_single",
        ("AUTH-0001-20261120-001", f"AUTH-CUM-{number}"),
        ("<ItemId>100234</ItemId>", "<ItemId>100235</ItemId>"),
        ("<TransactionType>Return</TransactionType>", f"<TransactionType>Return</TransactionType>{ACCOUNT_XML}"),
        (ORIGINAL, SALE_3120),
        ("<OriginalQuantity>1</OriginalQuantity>", f"<OriginalQuantity>{bought_quantity}</OriginalQuantity>"),
        ("</OriginalTenders>", f"</OriginalTenders>{loyalty}"),
    )


def final(answer: str, number: int, voided: bool = False) -> bytes:
    body = example(
        "final_result_approved",
        ("T01291-20261120-000001", field(answer, "TicketId")),
        ("FINAL-0001-APPROVED", f"FINAL-CUM-{number}{'-VOID' if voided else ''}"),
        ("01291-03-20261120-0412", f"RT-CUM-{number}"),
        ("<ItemId>100234</ItemId>", "<ItemId>100235</ItemId>"),
        (ORIGINAL, SALE_3120),
    )
    return body.replace(b"<Lines>", b"<Voided>true</Voided><Lines>", 1) if voided else body


async def points(client: Client) -> dict[str, str]:
    return dict((await (await client.get("/v1/loyalty/accounts/LY-0048812")).json())["points"])


async def return_one(client: Client, number: int, bought_quantity: str = "3", loyalty: str = "") -> tuple[str, str]:
    status, answer = await post(client, "/v1/returns/authorize", one_back(number, bought_quantity, loyalty))
    assert status == 200, answer
    status, ack = await post(client, "/v1/returns/final-result", final(answer, number))
    assert status == 200, ack
    return answer, ack


async def test_three_tills_each_return_one_of_three_units_and_leave_nothing_behind(client: Client) -> None:
    purchase = example("../loyalty/purchase_two_ties", *THREE_FOR_FIFTY)
    assert (await post(client, "/v1/loyalty/activity", purchase))[0] == 200
    before = Decimal((await points(client))["base"])
    acks = [(await return_one(client, number))[1] for number in (1, 2, 3)]
    assert ['points="-33.33"' in acks[0], 'points="-33.34"' in acks[1], 'points="-33.33"' in acks[2]] == [True] * 3
    assert Decimal((await points(client))["base"]) == before - 100


async def test_an_over_return_by_two_tills_takes_back_only_what_the_line_earned(client: Client) -> None:
    two_for_forty = (
        ("<Amount>60.00</Amount>", "<Amount>40.00</Amount>"),
        ('source="Economy">60<', 'source="Economy">40<'),
        ('<Points account="base" source="Campaign" campaign="TIE-BONUS">40</Points>', ""),
    )
    purchase = example("../loyalty/purchase_two_ties", *two_for_forty)
    assert (await post(client, "/v1/loyalty/activity", purchase))[0] == 200
    before = Decimal((await points(client))["base"])
    body = one_back(1, "2").replace(b"<Quantity>1</Quantity>", b"<Quantity>2</Quantity>")
    answer = (await post(client, "/v1/returns/authorize", body))[1]
    first = final(answer, 1).replace(b"<QuantityReturned>1<", b"<QuantityReturned>2<")
    assert 'points="-40.00"' in (await post(client, "/v1/returns/final-result", first))[1]
    _, second = await return_one(client, 2, "2")
    assert 'kind="earn"' not in second
    assert Decimal((await points(client))["base"]) == before - 40


LINE_FIGURES = '<Loyalty><Points account="base" source="Economy">90</Points></Loyalty>'


async def test_a_sale_the_ledger_does_not_hold_uses_the_line_figures_and_a_void_lists_its_reversal(
    client: Client,
) -> None:
    other_sale = example("../loyalty/purchase_two_ties", ("<TransactionSequence>3120<", "<TransactionSequence>7777<"))
    assert (await post(client, "/v1/loyalty/activity", other_sale))[0] == 200
    assert (await points(client))["base"] == "100"
    answer, ack = await return_one(client, 1, "3", LINE_FIGURES)
    assert 'kind="earn" account="base" source="Economy" points="-30.00" basis="line"' in answer
    assert 'points="-30.00" basis="line"' in ack
    _, ack_two = await return_one(client, 2, "3", LINE_FIGURES)
    assert 'points="-30.00" basis="line"' in ack_two
    void = final(answer, 1, voided=True)
    status, voided = await post(client, "/v1/returns/final-result", void)
    assert status == 200 and field(voided, "Status") == "Voided"
    assert 'kind="reversal" account="base" source="Economy" points="30.00"' in voided
    _, ack_three = await return_one(client, 3, "3", LINE_FIGURES)
    assert 'points="-30.00" basis="line"' in ack_three
    assert (await points(client))["base"] == "40.00"


async def test_an_offline_final_result_uses_the_figures_its_request_line_carries(client: Client) -> None:
    other_sale = example("../loyalty/purchase_two_ties", ("<TransactionSequence>3120<", "<TransactionSequence>7777<"))
    assert (await post(client, "/v1/loyalty/activity", other_sale))[0] == 200
    offline = example(
        "final_result_offline_no_ticket",
        ("</PositiveId>", "</PositiveId><LoyaltyAccountId>LY-0048812</LoyaltyAccountId>"),
        (
            "<Receipted>false</Receipted>",
            "<Receipted>true</Receipted><OriginalSale><StoreId>01292</StoreId><RegisterId>01</RegisterId>"
            "<BusinessDate>2026-11-01</BusinessDate><TransactionSequence>8800</TransactionSequence></OriginalSale>"
            f"<OriginalQuantity>4</OriginalQuantity>{LINE_FIGURES}",
        ),
    )
    status, ack = await post(client, "/v1/returns/final-result", offline)
    assert status == 200, ack
    assert 'kind="earn" account="base" source="Economy" points="-45.00" basis="line"' in ack
    assert (await points(client))["base"] == "55.00"
