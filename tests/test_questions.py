"""Every question of the rule catalogue, asked for real: the input value it reads and the answer it picks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from handlers.history.history import (
    CountOverride,
    CountOverrideKind,
    History,
    PriorPurchase,
    PriorReturn,
    history_reach,
)
from handlers.models import Customer, ItemCondition, OriginalSale, TenderAmount, TenderType, TransactionType
from handlers.policy.questions import CATALOGUE
from tests.policyutil import TODAY, decide_line, line, load, request, run, with_id

BOOL = '<Answer is="true" code="D2"/><Answer is="false"/>'
BOOL_MISSING = BOOL + '<Answer missing="true" code="C1"/>'
NUMBER = '<Answer below="10"/><Answer from="10" below="30" code="M2"/><Answer from="30" code="D2"/>'
NUMBER_MISSING = NUMBER + '<Answer missing="true" code="C1"/>'
CONDITIONS = '<Answer in="New Unopened"/><Answer in="Opened Used" code="M2"/><Answer in="Damaged Defective" code="D2"/>'
TENDERS = '<Answer in="Cash"/><Answer in="Check ECheck" code="M2"/><Answer otherwise="true" code="C1"/>'
EXCHANGES = '<Answer in="Return"/><Answer in="Exchange" code="D2"/>'
SALE_HOME = OriginalSale("01291", "02", date(2026, 11, 1), "77")
SALE_AWAY = OriginalSale("00455", "02", date(2026, 11, 1), "77")
RETURNS = (
    PriorReturn(date(2026, 11, 10), False, Decimal(2), Decimal("40.00")),
    PriorReturn(date(2026, 10, 1), False, Decimal(1), Decimal("15.00"), pattern_watch=True),
    PriorReturn(date(2026, 11, 15), True, Decimal(3), Decimal("90.00")),
    PriorReturn(date(2025, 1, 1), False, Decimal(5), Decimal("500.00")),
)


def rule(question: str, answers: str, params: str = "") -> str:
    return f'<Rule id="q" question="{question}">{params}{answers}</Rule>'


def window(days: int, **extra: str) -> str:
    params = {"windowDays": str(days), **extra}
    return "".join(f'<Param name="{name}" value="{value}"/>' for name, value in params.items())


# (case id, question, answers, params, line changes, request changes, history, expected input, expected answer)
CASES: list[tuple[str, str, str, str, dict[str, Any], dict[str, Any], History, str, str]] = [
    ("receipt-yes", "ReceiptPresent", BOOL, "", {}, {}, History(), "true", "true"),
    ("gift-no", "GiftReceipt", BOOL, "", {}, {}, History(), "false", "false"),
    ("gift-yes", "GiftReceipt", BOOL, "", {"gift_receipt": True}, {}, History(), "true", "true"),
    ("found-yes", "ReceiptFound", BOOL, "", {"receipt_found": True}, {}, History(), "true", "true"),
    (
        "days-5",
        "DaysSincePurchase",
        NUMBER_MISSING,
        "",
        {"purchase_date": date(2026, 11, 15)},
        {},
        History(),
        "5",
        "0..<10",
    ),
    (
        "days-10",
        "DaysSincePurchase",
        NUMBER_MISSING,
        "",
        {"purchase_date": date(2026, 11, 10)},
        {},
        History(),
        "10",
        "10..<30",
    ),
    (
        "days-45",
        "DaysSincePurchase",
        NUMBER_MISSING,
        "",
        {"purchase_date": date(2026, 10, 6)},
        {},
        History(),
        "45",
        ">=30",
    ),
    (
        "days-future",
        "DaysSincePurchase",
        NUMBER_MISSING,
        "",
        {"purchase_date": date(2026, 12, 1)},
        {},
        History(),
        "0",
        "0..<10",
    ),
    ("days-missing", "DaysSincePurchase", NUMBER_MISSING, "", {}, {}, History(), "(missing)", "missing"),
    (
        "delivery-12",
        "DaysSinceDelivery",
        NUMBER_MISSING,
        "",
        {"delivery_date": date(2026, 11, 8)},
        {},
        History(),
        "12",
        "10..<30",
    ),
    (
        "condition-used",
        "ItemCondition",
        CONDITIONS + '<Answer missing="true"/>',
        "",
        {"item_condition": ItemCondition.USED},
        {},
        History(),
        "Used",
        "Opened Used",
    ),
    (
        "condition-missing",
        "ItemCondition",
        CONDITIONS + '<Answer missing="true" code="C1"/>',
        "",
        {},
        {},
        History(),
        "(missing)",
        "missing",
    ),
    (
        "reason-defect",
        "ReturnReason",
        '<Answer in="DEFECT"/><Answer otherwise="true" code="M2"/><Answer missing="true"/>',
        "",
        {"reason_code": "DEFECT"},
        {},
        History(),
        "DEFECT",
        "DEFECT",
    ),
    (
        "reason-other",
        "ReturnReason",
        '<Answer in="DEFECT"/><Answer otherwise="true" code="M2"/><Answer missing="true"/>',
        "",
        {"reason_code": "CHANGED-MIND"},
        {},
        History(),
        "CHANGED-MIND",
        "otherwise",
    ),
    (
        "tender-check",
        "OriginalTender",
        TENDERS + '<Answer missing="true"/>',
        "",
        {"original_tenders": (TenderAmount(TenderType.CHECK, Decimal(100)),)},
        {},
        History(),
        "Check",
        "Check ECheck",
    ),
    (
        "tender-any-of",
        "OriginalTender",
        TENDERS + '<Answer missing="true"/>',
        "",
        {
            "original_tenders": (
                TenderAmount(TenderType.CREDIT, Decimal(50)),
                TenderAmount(TenderType.CASH, Decimal(50)),
            )
        },
        {},
        History(),
        "Cash Credit",
        "Cash",
    ),
    (
        "tender-otherwise",
        "OriginalTender",
        TENDERS + '<Answer missing="true"/>',
        "",
        {"original_tenders": (TenderAmount(TenderType.GIFT_CARD, Decimal(100)),)},
        {},
        History(),
        "GiftCard",
        "otherwise",
    ),
    (
        "tender-missing",
        "OriginalTender",
        TENDERS + '<Answer missing="true" code="C1"/>',
        "",
        {},
        {},
        History(),
        "(missing)",
        "missing",
    ),
    (
        "split-yes",
        "SplitTender",
        BOOL_MISSING,
        "",
        {
            "original_tenders": (
                TenderAmount(TenderType.CREDIT, Decimal(50)),
                TenderAmount(TenderType.CASH, Decimal(50)),
            )
        },
        {},
        History(),
        "true",
        "true",
    ),
    (
        "split-no",
        "SplitTender",
        BOOL_MISSING,
        "",
        {"original_tenders": (TenderAmount(TenderType.CASH, Decimal(100)),)},
        {},
        History(),
        "false",
        "false",
    ),
    (
        "customer-type",
        "CustomerType",
        '<Answer in="gold"/><Answer otherwise="true" code="M2"/><Answer missing="true" code="C1"/>',
        "",
        {},
        {"customer": Customer(customer_type="gold")},
        History(),
        "gold",
        "gold",
    ),
    (
        "customer-type-missing",
        "CustomerType",
        '<Answer in="gold"/><Answer otherwise="true" code="M2"/><Answer missing="true" code="C1"/>',
        "",
        {},
        {},
        History(),
        "(missing)",
        "missing",
    ),
    ("positive-id-no", "PositiveIdPresent", BOOL, "", {}, {}, History(), "false", "false"),
    ("positive-id-yes", "PositiveIdPresent", BOOL, "", {}, {"customer": with_id()}, History(), "true", "true"),
    (
        "cumulative-12",
        "CustomerCumulativeExceptionCount",
        NUMBER_MISSING,
        "",
        {},
        {"customer": with_id()},
        History(customer_exceptions_by_day={date(2026, 1, 1): 12}),
        "12",
        "10..<30",
    ),
    (
        "cumulative-frozen",
        "CustomerCumulativeExceptionCount",
        NUMBER_MISSING,
        "",
        {},
        {"customer": with_id()},
        History(
            customer_exceptions_by_day={date(2026, 11, 1): 12},
            count_override=CountOverride(CountOverrideKind.FREEZE, 2, date(2026, 10, 1), date(2026, 12, 31)),
        ),
        "2",
        "0..<10",
    ),
    (
        "cumulative-freeze-over",
        "CustomerCumulativeExceptionCount",
        NUMBER_MISSING,
        "",
        {},
        {"customer": with_id()},
        History(
            customer_exceptions_by_day={date(2026, 11, 1): 12},
            count_override=CountOverride(CountOverrideKind.FREEZE, 2, date(2026, 9, 1), date(2026, 10, 1)),
        ),
        "14",
        "10..<30",
    ),
    (
        "cumulative-reset",
        "CustomerCumulativeExceptionCount",
        NUMBER_MISSING,
        "",
        {},
        {"customer": with_id()},
        History(
            customer_exceptions_by_day={date(2026, 9, 1): 20, date(2026, 11, 10): 1},
            count_override=CountOverride(CountOverrideKind.RESET, 0, date(2026, 10, 1)),
        ),
        "1",
        "0..<10",
    ),
    (
        "cumulative-no-id",
        "CustomerCumulativeExceptionCount",
        NUMBER_MISSING,
        "",
        {},
        {},
        History(customer_exceptions_by_day={date(2026, 1, 1): 12}),
        "(missing)",
        "missing",
    ),
    (
        "returns-transactions",
        "CustomerReturns",
        '<Answer below="2"/><Answer from="2" code="D2"/><Answer missing="true"/>',
        window(90),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS),
        "3",
        ">=2",
    ),
    (
        "returns-nonreceipted",
        "CustomerReturns",
        '<Answer below="2"/><Answer from="2" code="D2"/><Answer missing="true"/>',
        window(90, receipted="false"),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS),
        "2",
        ">=2",
    ),
    (
        "returns-items",
        "CustomerReturns",
        NUMBER + '<Answer missing="true"/>',
        window(30, measure="items"),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS),
        "5",
        "0..<10",
    ),
    (
        "returns-amount",
        "CustomerReturns",
        NUMBER + '<Answer missing="true"/>',
        window(30, measure="amount"),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS),
        "130.00",
        ">=30",
    ),
    (
        "returns-ratio-exempt",
        "CustomerReturns",
        NUMBER + '<Answer missing="true"/>',
        window(30, measure="amount", ratio="0.5"),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS, customer_purchases=(PriorPurchase(date(2026, 11, 1), Decimal(20)),)),
        "0",
        "0..<10",
    ),
    (
        "returns-ratio-bites",
        "CustomerReturns",
        NUMBER + '<Answer missing="true"/>',
        window(30, measure="amount", ratio="0.5"),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS, customer_purchases=(PriorPurchase(date(2026, 11, 1), Decimal(6)),)),
        "130.00",
        ">=30",
    ),
    (
        "returns-ratio-kept-half-above-0.3-exempt",
        "CustomerReturns",
        NUMBER + '<Answer missing="true"/>',
        window(30, measure="items", ratio="0.3"),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS, customer_purchases=(PriorPurchase(date(2026, 11, 1), Decimal(10)),)),
        "0",
        "0..<10",
    ),
    (
        "returns-ratio-kept-half-below-0.8-bites",
        "CustomerReturns",
        NUMBER + '<Answer missing="true"/>',
        window(30, measure="items", ratio="0.8"),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS, customer_purchases=(PriorPurchase(date(2026, 11, 1), Decimal(10)),)),
        "5",
        "0..<10",
    ),
    (
        "returns-ratio-kept-exactly-the-ratio-bites",
        "CustomerReturns",
        NUMBER + '<Answer missing="true"/>',
        window(30, measure="items", ratio="0.5"),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS, customer_purchases=(PriorPurchase(date(2026, 11, 1), Decimal(10)),)),
        "5",
        "0..<10",
    ),
    (
        "returns-ratio-unknown",
        "CustomerReturns",
        NUMBER + '<Answer missing="true"/>',
        window(30, measure="amount", ratio="0.5"),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS),
        "130.00",
        ">=30",
    ),
    (
        "returns-no-id",
        "CustomerReturns",
        NUMBER + '<Answer missing="true" code="M1"/>',
        window(30),
        {},
        {},
        History(customer_returns=RETURNS),
        "(missing)",
        "missing",
    ),
    (
        "cashier-window",
        "CashierExceptionCount",
        NUMBER,
        window(30),
        {},
        {},
        History(cashier_exceptions_by_day={date(2026, 11, 1): 11, date(2026, 9, 1): 50}),
        "11",
        "10..<30",
    ),
    (
        "pattern-returns",
        "CustomerPatternWatchReturns",
        NUMBER + '<Answer missing="true"/>',
        window(365),
        {},
        {"customer": with_id()},
        History(customer_returns=RETURNS),
        "1",
        "0..<10",
    ),
    ("unit-price", "UnitPrice", NUMBER, "", {"unit_price_paid": Decimal("29.99")}, {}, History(), "29.99", "10..<30"),
    (
        "line-amount",
        "LineAmount",
        NUMBER,
        "",
        {"unit_price_paid": Decimal("12.50"), "quantity": Decimal(3)},
        {},
        History(),
        "37.50",
        ">=30",
    ),
    ("keyed", "ManuallyEntered", BOOL, "", {"manually_entered": True}, {}, History(), "true", "true"),
    (
        "over-return",
        "QuantityAboveReturnable",
        BOOL_MISSING,
        "",
        {"quantity": Decimal(2), "original_quantity": Decimal(3), "original_sale": SALE_HOME},
        {},
        History(returned_quantities={(SALE_HOME.key, "123456"): Decimal(2)}),
        "true",
        "true",
    ),
    (
        "within-returnable",
        "QuantityAboveReturnable",
        BOOL_MISSING,
        "",
        {"quantity": Decimal(1), "original_quantity": Decimal(3), "original_sale": SALE_HOME},
        {},
        History(returned_quantities={(SALE_HOME.key, "123456"): Decimal(2)}),
        "false",
        "false",
    ),
    ("returnable-unknown", "QuantityAboveReturnable", BOOL_MISSING, "", {}, {}, History(), "(missing)", "missing"),
    ("cross-store", "CrossStore", BOOL_MISSING, "", {"original_sale": SALE_AWAY}, {}, History(), "true", "true"),
    ("same-store", "CrossStore", BOOL_MISSING, "", {"original_sale": SALE_HOME}, {}, History(), "false", "false"),
    ("transaction-return", "TransactionType", EXCHANGES, "", {}, {}, History(), "Return", "Return"),
    (
        "transaction-exchange",
        "TransactionType",
        EXCHANGES,
        "",
        {},
        {"transaction_type": TransactionType.EXCHANGE},
        History(),
        "Exchange",
        "Exchange",
    ),
]


@pytest.mark.parametrize(
    ("question", "answers", "params", "line_changes", "request_changes", "history", "value", "answer"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_question(
    question: str,
    answers: str,
    params: str,
    line_changes: dict[str, Any],
    request_changes: dict[str, Any],
    history: History,
    value: str,
    answer: str,
) -> None:
    policy_set = load(receipted_rules=rule(question, answers, params))
    decision = decide_line(policy_set, req=request(line(**line_changes), **request_changes), history=history)
    assert decision.trace is not None
    [step] = decision.trace.steps
    assert (step.input_value, step.answer) == (value, answer)


def test_every_question_is_tested() -> None:
    assert {case[1] for case in CASES} | {"PatternWatchHit"} == set(CATALOGUE)


WATCH = (
    '<PatternWatch id="BIG-GAME" node="TV" purchaseFrom="2027-01-31" purchaseTo="2027-02-06" '
    'returnFrom="2027-02-08" returnTo="2027-02-14" description="TVs around the big game"/>'
)


@pytest.mark.parametrize(
    ("item", "bought", "returned", "expected"),
    [
        ("200100", date(2027, 2, 1), date(2027, 2, 9), "true"),
        ("200100", date(2027, 1, 20), date(2027, 2, 9), "false"),
        ("200100", date(2027, 2, 1), date(2027, 2, 20), "false"),
        ("123456", date(2027, 2, 1), date(2027, 2, 9), "false"),
        ("200100", None, date(2027, 2, 9), "missing"),
    ],
)
def test_pattern_watch_hit_needs_both_windows(item: str, bought: date | None, returned: date, expected: str) -> None:
    policy_set = load(receipted_rules=rule("PatternWatchHit", BOOL_MISSING), watches=WATCH)
    decision = decide_line(policy_set, req=request(line(item_id=item, purchase_date=bought)), today=returned)
    assert decision.trace is not None and decision.trace.steps[0].answer == expected


def test_history_question_without_positive_id_asks_for_customer_information() -> None:
    answers = '<Answer below="3"/><Answer from="3" code="D2"/><Answer missing="true" action="Stop" code="M1"/>'
    policy_set = load(receipted_rules=rule("CustomerReturns", answers, window(90)))
    evaluation = run(policy_set)
    assert evaluation.customer_information_required
    assert evaluation.lines[0].response.code == "M1"


def test_positive_id_required_flag_sets_customer_information_required() -> None:
    policy_set = load(receipted_rules=rule("ReceiptPresent", '<Answer otherwise="true" positiveIdRequired="true"/>'))
    assert decide_line(policy_set).customer_information_required
    assert not decide_line(policy_set, req=request(customer=with_id())).customer_information_required


def test_today_is_an_argument_not_the_clock() -> None:
    policy_set = load(receipted_rules=rule("DaysSincePurchase", NUMBER_MISSING))
    req = request(line(purchase_date=date(2026, 11, 1)))
    early = decide_line(policy_set, req=req, today=date(2026, 11, 5))
    late = decide_line(policy_set, req=req, today=TODAY + (date(2027, 1, 1) - TODAY))
    assert early.trace is not None and late.trace is not None
    assert (early.trace.steps[0].input_value, late.trace.steps[0].input_value) == ("4", "61")


def test_history_reach_is_the_longest_window_each_windowed_history_is_asked_for() -> None:
    returns = (
        '<Rule id="r{0}" question="CustomerReturns"><Param name="windowDays" value="{0}"/>' + NUMBER_MISSING + "</Rule>"
    )
    pattern = (
        '<Rule id="p" question="CustomerPatternWatchReturns"><Param name="windowDays" value="400"/>' + NUMBER_MISSING
    )
    cashier = '<Rule id="c" question="CashierExceptionCount"><Param name="windowDays" value="30"/>' + NUMBER + "</Rule>"
    asked = load(
        receipted_rules=returns.format(90) + cashier, nonreceipted_rules=returns.format(180) + pattern + "</Rule>"
    )
    reach = history_reach(asked)
    assert (reach.customer_days, reach.cashier_days) == (400, 30)
    assert (reach.customer_since(TODAY), reach.cashier_since(TODAY)) == (TODAY - timedelta(399), TODAY - timedelta(29))
    unasked = history_reach(load())
    assert (unasked.customer_since(TODAY), unasked.cashier_since(TODAY)) == (None, None)
