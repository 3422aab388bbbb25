"""The engine's actions, combination, tenders, refund arithmetic, languages and customer service override."""

from __future__ import annotations

from decimal import Decimal

import pytest

from handlers.history.history import History
from handlers.models import ResponseType, TenderAmount, TenderType
from tests.policyutil import decide_line, line, load, request, run, with_id


def rules(*bodies: str) -> str:
    return "".join(f'<Rule id="r{i}" question="ReceiptPresent">{body}</Rule>' for i, body in enumerate(bodies, 1))


def asked(policy_rules: str) -> list[str]:
    decision = decide_line(load(receipted_rules=policy_rules))
    assert decision.trace is not None
    return [step.rule for step in decision.trace.steps]


def test_continue_asks_every_rule_in_order() -> None:
    assert asked(rules('<Answer otherwise="true"/>', '<Answer otherwise="true"/>', '<Answer otherwise="true"/>')) == [
        "r1",
        "r2",
        "r3",
    ]


def test_stop_ends_the_policy() -> None:
    assert asked(rules('<Answer otherwise="true" action="Stop"/>', '<Answer otherwise="true"/>')) == ["r1"]


def test_continue_at_skips_to_a_later_rule() -> None:
    body = rules('<Answer otherwise="true" action="ContinueAt" next="r3"/>', '<Answer otherwise="true"/>', "")
    body = body.replace(
        '<Rule id="r3" question="ReceiptPresent"></Rule>',
        '<Rule id="r3" question="ReceiptPresent"><Answer otherwise="true"/></Rule>',
    )
    assert asked(body) == ["r1", "r3"]


@pytest.mark.parametrize(
    ("codes", "winner"),
    [
        (["A2", "C1"], "C1"),
        (["C1", "A2"], "C1"),
        (["M1", "D2"], "D2"),
        (["D2", "M1", "A2"], "D2"),
        (["A3", "A2"], "A2"),
        (["A2", "A3"], "A2"),
        (["D2", "D1"], "D1"),
        (["M2", "M1", "C1"], "M1"),
    ],
)
def test_most_severe_code_wins_type_first_then_priority_one(codes: list[str], winner: str) -> None:
    decision = decide_line(load(receipted_rules=rules(*(f'<Answer otherwise="true" code="{c}"/>' for c in codes))))
    assert decision.response.code == winner
    assert decision.trace is not None
    changed = [step.code for step in decision.trace.steps if step.changed_code]
    assert changed[-1] == winner


def test_no_code_set_uses_the_default_code() -> None:
    assert decide_line(load()).response.code == "A3"


def test_transaction_response_is_the_worst_line() -> None:
    policy_set = load(
        receipted_rules=rules('<Answer otherwise="true" code="A2"/>'),
        nonreceipted_rules=rules('<Answer otherwise="true" code="M1"/>'),
    )
    evaluation = run(policy_set, req=request(line(), line(line_number=2, receipted=False), line(line_number=3)))
    assert [d.response.code for d in evaluation.lines] == ["A2", "M1", "A2"]
    assert evaluation.response.code == "M1"
    assert [d.approved_quantity for d in evaluation.lines] == [Decimal(1), Decimal(0), Decimal(1)]


def test_tenders_are_the_intersection_in_policy_order() -> None:
    policy_set = load(
        receipted_rules=rules(
            '<Answer otherwise="true" tenders="StoreCredit Credit Cash"/>',
            '<Answer otherwise="true" tenders="Credit StoreCredit GiftCard"/>',
        )
    )
    assert decide_line(policy_set).refund_tenders == (TenderType.CREDIT, TenderType.STORE_CREDIT)


def test_empty_intersection_falls_back() -> None:
    policy_set = load(
        receipted_rules=rules(
            '<Answer otherwise="true" tenders="Cash"/>', '<Answer otherwise="true" tenders="Credit"/>'
        )
    )
    assert decide_line(policy_set).refund_tenders == (TenderType.STORE_CREDIT,)


def test_tender_minimum_gives_way_to_cash_and_maximum_passes_the_rest_on() -> None:
    tenders = '<Tender type="Cash" max="50"/><Tender type="MailCheck" min="25"/><Tender type="StoreCredit"/>'
    policy_set = load(tenders=tenders)
    small = decide_line(policy_set, req=request(line(unit_price_paid=Decimal("10.00"))))
    large = decide_line(policy_set, req=request(line(unit_price_paid=Decimal("80.00"))))
    assert small.refund_tenders == (TenderType.CASH, TenderType.STORE_CREDIT)
    assert small.refund_split == (TenderAmount(TenderType.CASH, Decimal("10.00")),)
    assert large.refund_tenders == (TenderType.CASH, TenderType.MAIL_CHECK, TenderType.STORE_CREDIT)
    assert large.refund_split == (
        TenderAmount(TenderType.CASH, Decimal("50")),
        TenderAmount(TenderType.MAIL_CHECK, Decimal("30.00")),
    )


def test_denied_line_gets_no_tenders_and_no_refund() -> None:
    decision = decide_line(load(receipted_rules=rules('<Answer otherwise="true" code="D2"/>')))
    assert decision.refund_tenders == ()
    assert decision.refund_amount == Decimal("0.00")
    assert decision.response.response_type is ResponseType.DENIAL


@pytest.mark.parametrize(
    ("price", "quantity", "tax", "fee", "currency", "expected_fee", "expected_refund"),
    [
        ("19.99", "2", "3.30", "", "USD", "0.00", "43.28"),
        ("10.00", "3", "2.40", 'feePercent="15"', "USD", "4.50", "27.90"),
        ("10.00", "1", None, 'feeFixed="25.00"', "USD", "10.00", "0.00"),
        ("0.125", "1", None, "", "USD", "0.00", "0.12"),
        ("0.135", "1", None, "", "USD", "0.00", "0.14"),
        ("1000", "1", "100", 'feePercent="10"', "JPY", "100", "1000"),
        ("1.2345", "1", None, "", "KWD", "0.000", "1.234"),
    ],
)
def test_refund_amount_is_exact_decimal_half_even(
    price: str, quantity: str, tax: str | None, fee: str, currency: str, expected_fee: str, expected_refund: str
) -> None:
    policy_set = load(receipted_rules=rules(f'<Answer otherwise="true" {fee}/>'))
    item = line(unit_price_paid=Decimal(price), quantity=Decimal(quantity), tax_paid=Decimal(tax) if tax else None)
    decision = decide_line(policy_set, req=request(item, currency=currency))
    assert (str(decision.restocking_fee), str(decision.refund_amount)) == (expected_fee, expected_refund)


def test_largest_restocking_fee_applies() -> None:
    policy_set = load(
        receipted_rules=rules('<Answer otherwise="true" feePercent="5"/>', '<Answer otherwise="true" feeFixed="7.00"/>')
    )
    assert decide_line(policy_set).restocking_fee == Decimal("7.00")


def test_messages_disposition_and_languages() -> None:
    policy_set = load(
        receipted_rules=rules(
            '<Answer otherwise="true" code="A2" messages="MSG1" disposition="DMG"/>',
            '<Answer otherwise="true" messages="MSG2 MSG1"/>',
        )
    )
    french = decide_line(policy_set, req=request(languages=("fr",)))
    assert [m.message_id for m in french.receipt_messages] == ["MSG1", "MSG2"]
    assert french.receipt_messages[0].texts == (("fr", "Premier message"),)
    assert french.receipt_messages[1].texts == (("en", "Second message"),)
    assert [d.lang for d in french.response.descriptions] == ["fr"]
    assert french.disposition_code == "DMG"
    both = decide_line(policy_set, req=request(languages=("en", "fr")))
    assert [d.lang for d in both.response.descriptions] == ["en", "fr"]


def test_reasons_name_rule_question_answer_and_code() -> None:
    decision = decide_line(load(receipted_rules=rules('<Answer is="true" code="C1"/><Answer is="false"/>')))
    [reason] = decision.reasons
    assert (reason.rule, reason.question, reason.answer, reason.code) == ("r1", "ReceiptPresent", "true", "C1")


def test_customer_service_override_approves_a_denied_attempt_in_full() -> None:
    policy_set = load(receipted_rules=rules('<Answer otherwise="true" code="D2" tenders="Cash"/>'))
    item = line(original_tenders=(TenderAmount(TenderType.CASH, Decimal(100)),), tax_paid=Decimal("8.25"))
    evaluation = run(policy_set, req=request(item, customer=with_id()), history=History(overrides_available=1))
    assert evaluation.override_used
    [decision] = evaluation.lines
    assert decision.response.code == "A1" and decision.response.response_type is ResponseType.AUTHORIZATION
    assert decision.approved_quantity == Decimal(1) and decision.refund_amount == Decimal("108.25")
    assert decision.reasons[-1].question == "CustomerServiceOverride"
    assert evaluation.response.code == "A1"


def test_override_is_not_used_by_an_approved_attempt() -> None:
    evaluation = run(load(), req=request(customer=with_id()), history=History(overrides_available=1))
    assert not evaluation.override_used
    assert evaluation.response.code == "A3"
