"""Rules that hold across the lines of one request: what is left to return of a sale line, and tender limits on the
transaction as a whole."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.history.history import History
from handlers.models import ItemCondition, OriginalSale, ReturnLine, TenderAmount, TenderType
from tests.policyutil import line, load, request, run

SALE = OriginalSale("01291", "02", date(2026, 11, 1), "77")
OTHER = OriginalSale("01291", "02", date(2026, 11, 2), "78")
OVER = (
    '<Rule id="over" question="QuantityAboveReturnable"><Answer is="true" action="Stop" code="D2"/>'
    '<Answer is="false"/><Answer missing="true"/></Rule>'
)


def sale_line(number: int, quantity: int, bought: int = 3, sale: OriginalSale = SALE, **changes: object) -> ReturnLine:
    return line(
        line_number=number,
        quantity=Decimal(quantity),
        original_quantity=Decimal(bought),
        original_sale=sale,
        **changes,
    )


def test_two_lines_of_one_sale_line_share_what_is_returnable_in_line_order() -> None:
    """Bought 3: two lines of 2 each; the first is within what is left, the second is not."""
    evaluation = run(load(receipted_rules=OVER), req=request(sale_line(1, 2), sale_line(2, 2)))
    first, second = evaluation.lines
    assert (first.approved_quantity, first.response.code) == (Decimal(2), "A3")
    assert (second.approved_quantity, second.response.code) == (Decimal(0), "D2")
    assert second.trace is not None and second.trace.steps[0].input_value == "true"


def test_earlier_returns_and_earlier_lines_both_count() -> None:
    history = History(returned_quantities={(SALE.key, "123456"): Decimal(1)})
    evaluation = run(
        load(receipted_rules=OVER), req=request(sale_line(1, 1), sale_line(2, 1), sale_line(3, 1)), history=history
    )
    assert [(d.approved_quantity, d.response.code) for d in evaluation.lines] == [
        (Decimal(1), "A3"),
        (Decimal(1), "A3"),
        (Decimal(0), "D2"),
    ]


def test_a_denied_line_leaves_its_quantity_to_the_next() -> None:
    """A line denied for another reason takes nothing: the line after it may have it."""
    rules = (
        OVER
        + '<Rule id="cond" question="ItemCondition"><Answer in="Damaged" code="D1"/><Answer otherwise="true"/><Answer missing="true"/></Rule>'
    )
    damaged = sale_line(1, 3, item_condition=ItemCondition.DAMAGED)
    evaluation = run(load(receipted_rules=rules), req=request(damaged, sale_line(2, 3)))
    assert [d.approved_quantity for d in evaluation.lines] == [Decimal(0), Decimal(3)]


def test_lines_of_different_sales_or_items_do_not_share() -> None:
    lines = (sale_line(1, 3), sale_line(2, 3, sale=OTHER), sale_line(3, 3, item_id="700001"))
    evaluation = run(load(receipted_rules=OVER), req=request(*lines))
    assert [d.approved_quantity for d in evaluation.lines] == [Decimal(3)] * 3


def test_without_the_rule_the_approved_quantity_is_still_capped() -> None:
    """A policy that never asks still never approves more than is left: the second line gets the one unit left."""
    evaluation = run(load(), req=request(sale_line(1, 2), sale_line(2, 2)))
    assert [d.approved_quantity for d in evaluation.lines] == [Decimal(2), Decimal(1)]
    assert [d.refund_amount for d in evaluation.lines] == [Decimal("200.00"), Decimal("100.00")]


def test_an_override_never_approves_beyond_what_was_bought() -> None:
    history = History(overrides_available=1)
    evaluation = run(load(receipted_rules=OVER), req=request(sale_line(1, 2), sale_line(2, 2)), history=history)
    assert evaluation.override_used
    assert [d.approved_quantity for d in evaluation.lines] == [Decimal(2), Decimal(1)]


CASH_300 = '<Tender type="Cash" max="300"/><Tender type="Credit"/><Tender type="StoreCredit"/>'


def test_tender_maximum_bounds_the_transaction_not_each_line() -> None:
    """Two cash lines of 200.00 with a cash maximum of 300.00: 300.00 in cash, the rest in the next tender."""
    lines = (
        line(line_number=1, unit_price_paid=Decimal("200.00")),
        line(line_number=2, unit_price_paid=Decimal("200.00")),
    )
    first, second = run(load(tenders=CASH_300), req=request(*lines)).lines
    assert first.refund_split == (TenderAmount(TenderType.CASH, Decimal("200.00")),)
    assert second.refund_split == (
        TenderAmount(TenderType.CASH, Decimal("100.00")),
        TenderAmount(TenderType.CREDIT, Decimal("100.00")),
    )
    assert second.refund_tenders[:2] == (TenderType.CASH, TenderType.CREDIT)


def test_what_no_allowed_tender_can_take_falls_to_the_fallback() -> None:
    rules = '<Rule id="t" question="ReceiptPresent"><Answer otherwise="true" tenders="Cash"/></Rule>'
    lines = (
        line(line_number=1, unit_price_paid=Decimal("250.00")),
        line(line_number=2, unit_price_paid=Decimal("250.00")),
    )
    first, second = run(load(tenders=CASH_300, receipted_rules=rules), req=request(*lines)).lines
    assert first.refund_split == (TenderAmount(TenderType.CASH, Decimal("250.00")),)
    assert second.refund_split == (
        TenderAmount(TenderType.CASH, Decimal("50.00")),
        TenderAmount(TenderType.STORE_CREDIT, Decimal("200.00")),
    )


def test_tender_minimum_applies_to_the_transaction_total() -> None:
    """MailCheck from 25.00: two lines of 15.00 make 30.00 and stay in MailCheck; one line of 15.00 goes to cash."""
    tenders = '<Tender type="MailCheck" min="25"/><Tender type="StoreCredit"/>'
    two = (line(line_number=1, unit_price_paid=Decimal("15.00")), line(line_number=2, unit_price_paid=Decimal("15.00")))
    both = run(load(tenders=tenders), req=request(*two)).lines
    assert [d.refund_split for d in both] == [(TenderAmount(TenderType.MAIL_CHECK, Decimal("15.00")),)] * 2
    [alone] = run(load(tenders=tenders), req=request(two[0])).lines
    assert alone.refund_split == (TenderAmount(TenderType.CASH, Decimal("15.00")),)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 5), st.sampled_from(["123456", "700001"])), min_size=1, max_size=8
    ),
    st.dictionaries(st.integers(0, 2), st.integers(0, 5), max_size=3),
    st.booleans(),
    st.booleans(),
)
def test_approved_quantities_never_exceed_what_is_left(
    wanted: list[tuple[int, int, str]], earlier: dict[int, int], ask: bool, override: bool
) -> None:
    """For any request: approved quantities per original sale line never exceed bought less already returned."""
    sales = [OriginalSale("01291", "02", date(2026, 11, day + 1), str(day)) for day in range(3)]
    bought = 5
    lines = tuple(
        sale_line(number, quantity, bought, sales[sale], item_id=item)
        for number, (sale, quantity, item) in enumerate(wanted, start=1)
    )
    returned = {(sales[sale].key, "123456"): Decimal(min(count, bought)) for sale, count in earlier.items()}
    history = History(returned_quantities=returned, overrides_available=int(override))
    evaluation = run(
        load(
            receipted_rules=OVER if ask else "<Rule id='p' question='ReceiptPresent'><Answer otherwise='true'/></Rule>"
        ),
        req=request(*lines),
        history=history,
    )
    approved: dict[tuple[str, str], Decimal] = {}
    for request_line, decision in zip(lines, evaluation.lines, strict=True):
        assert request_line.original_sale is not None
        key = (request_line.original_sale.key, request_line.item_id)
        approved[key] = approved.get(key, Decimal(0)) + decision.approved_quantity
        assert decision.approved_quantity <= request_line.quantity
    for key, total in approved.items():
        assert total <= bought - returned.get(key, Decimal(0))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900"), places=2), min_size=1, max_size=8),
    st.integers(1, 1000),
    st.integers(1, 1000),
)
def test_every_refund_is_split_in_full_within_each_tender_maximum(
    prices: list[Decimal], cash_max: int, credit_max: int
) -> None:
    tenders = (
        f'<Tender type="Cash" max="{cash_max}"/><Tender type="Credit" max="{credit_max}"/><Tender type="StoreCredit"/>'
    )
    lines = tuple(line(line_number=n, unit_price_paid=price) for n, price in enumerate(prices, start=1))
    evaluation = run(load(tenders=tenders), req=request(*lines))
    used: dict[TenderType, Decimal] = {}
    for decision in evaluation.lines:
        assert sum((part.amount for part in decision.refund_split), Decimal(0)) == decision.refund_amount
        assert [part.tender for part in decision.refund_split] == list(
            decision.refund_tenders[: len(decision.refund_split)]
        )
        for part in decision.refund_split:
            used[part.tender] = used.get(part.tender, Decimal(0)) + part.amount
    assert used.get(TenderType.CASH, Decimal(0)) <= cash_max
    assert used.get(TenderType.CREDIT, Decimal(0)) <= credit_max
