"""The engine's untraced path (what a simulation decides with) gives exactly the traced verdict without its trace,
with or without lines sharing one run of the rules, and the traces it builds afterwards are the traced ones, over
random requests, histories and dates (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.history.history import History, PriorReturn
from handlers.models import AuthorizeRequest, Customer, ItemCondition, OriginalSale, PositiveId, ReturnLine
from handlers.policy.engine import Evaluation, LineMemo, evaluate, evaluate_untraced
from handlers.policy.policy_model import PolicySet
from tests.policyutil import request
from tests.test_engine_properties import CHAIN, ITEMS, STORES, days, money, tenders
from tests.test_simulation_properties import POLICY_SET as SENSITIVE

SETS = {"shipped": CHAIN, "sensitive": SENSITIVE}
# One memo per policy set for the whole run: lines of earlier examples are shared with later ones.
MEMOS = {name: LineMemo(policy_set) for name, policy_set in SETS.items()}
SALES = [OriginalSale("01291", "02", date(2026, 11, 1), f"S{n}") for n in range(3)]
TODAY = date(2026, 11, 20)
near = st.integers(0, 120).map(lambda back: TODAY - timedelta(days=back))


@st.composite
def lines(draw: st.DrawFn, number: int) -> ReturnLine:
    """A line with everything a rule may read: dates near the return day, a sale line shared with other lines of
    the request, tenders, condition, reason, keyed entry and gift receipt."""
    sale = draw(st.none() | st.sampled_from(SALES))
    return ReturnLine(
        line_number=number,
        item_id=draw(st.sampled_from(ITEMS)),
        quantity=Decimal(draw(st.integers(1, 3))),
        unit_price_paid=draw(st.sampled_from([Decimal("39.99"), Decimal("150.00"), Decimal("150.0")]) | money),
        receipted=draw(st.booleans()),
        tax_paid=draw(st.none() | money),
        item_condition=draw(st.none() | st.sampled_from(list(ItemCondition))),
        reason_code=draw(st.none() | st.sampled_from(["NOT-WANTED", "DAMAGED"])),
        gift_receipt=draw(st.none() | st.booleans()),
        manually_entered=draw(st.none() | st.booleans()),
        receipt_found=draw(st.none() | st.booleans()),
        original_sale=sale,
        purchase_date=draw(st.none() | near | days),
        delivery_date=draw(st.none() | near),
        original_quantity=None if sale is None else Decimal(draw(st.integers(1, 4))),
        original_tenders=draw(tenders),
    )


@st.composite
def requests(draw: st.DrawFn) -> AuthorizeRequest:
    count = draw(st.integers(1, 5))
    customer = draw(
        st.none()
        | st.builds(
            Customer,
            customer_type=st.none() | st.sampled_from(["gold", "regular"]),
            positive_id=st.none() | st.just(PositiveId("DriversLicense", "TX", "TX1234")),
        )
    )
    return request(
        *(draw(lines(n)) for n in range(1, count + 1)),
        store=draw(st.sampled_from(STORES)),
        customer=customer,
        languages=draw(st.sampled_from([(), ("en",), ("es", "en")])),
    )


prior_returns = st.builds(PriorReturn, near, st.booleans(), st.integers(1, 4).map(Decimal), money, st.booleans())
sale_items = st.tuples(st.sampled_from(SALES), st.sampled_from(ITEMS)).map(lambda pair: (pair[0].key, pair[1]))


@st.composite
def histories(draw: st.DrawFn) -> History:
    """What the store could hand the engine: returns, counts, cashier exceptions, returned quantities, overrides."""
    return History(
        customer_returns=tuple(draw(st.lists(prior_returns, max_size=4))),
        customer_exception_total=draw(st.none() | st.integers(0, 12)),
        cashier_exceptions_by_day=draw(st.dictionaries(near, st.integers(0, 30), max_size=3)),
        returned_quantities=draw(st.dictionaries(sale_items, st.integers(0, 3).map(Decimal), max_size=4)),
        overrides_available=draw(st.integers(0, 2)),
    )


def untraced(evaluation: Evaluation) -> Evaluation:
    return replace(evaluation, lines=tuple(replace(line, trace=None) for line in evaluation.lines))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(SETS)), requests(), histories(), st.one_of(st.just(TODAY), days))
def test_the_untraced_verdict_is_the_traced_one_without_its_trace(
    name: str, req: AuthorizeRequest, history: History, today: date
) -> None:
    policy_set: PolicySet = SETS[name]
    full = evaluate(req, policy_set, history, today)
    assert all(line.trace is not None for line in full.lines)
    expected = untraced(full)
    assert evaluate_untraced(req, policy_set, history, today) == expected
    memo = MEMOS[name]
    assert evaluate_untraced(req, policy_set, history, today, memo) == expected
    assert [memo.trace(index) for index in range(len(req.lines))] == [line.trace for line in full.lines]


def test_lines_whose_rules_select_the_same_answers_share_one_run_and_a_memo_serves_one_policy_set() -> None:
    memo = LineMemo(CHAIN)
    bought = TODAY - timedelta(days=5)

    def decide(days_back: int, price: str) -> None:
        req = request(
            ReturnLine(1, "100234", Decimal(1), Decimal(price), True, purchase_date=TODAY - timedelta(days_back))
        )
        assert evaluate_untraced(req, CHAIN, History(), TODAY, memo) == untraced(evaluate(req, CHAIN, History(), TODAY))

    decide(5, "20.00")
    runs = memo.runs
    decide(5, "20.00")
    decide(6, "20.50")  # the same window answer, another price below every amount rule's threshold
    assert memo.runs == runs
    decide(70, "20.00")  # outside the window
    assert memo.runs == runs + 1
    with pytest.raises(ValueError, match="another policy set"):
        evaluate_untraced(
            request(ReturnLine(1, "100234", Decimal(1), Decimal(1), True, purchase_date=bought)),
            SENSITIVE,
            History(),
            TODAY,
            memo,
        )
