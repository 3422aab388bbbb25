"""Properties of the engine over generated requests and dates (hypothesis)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.admin.policies import load_policy_bytes, load_policy_file
from handlers.history.history import EMPTY_HISTORY
from handlers.models import AuthorizeRequest, Customer, ItemCondition, PositiveId, ReturnLine, TenderAmount, TenderType
from handlers.policy.engine import evaluate
from handlers.policy.policy_model import PolicyKind, PolicySet
from tests.conftest import POLICY
from tests.policyutil import request

CHAIN = load_policy_file(POLICY)
ITEMS = ["100234", "100300", "200100", "200200", "200300", "123456", "900001", "555555"]
STORES = ["01291", "01292", "00455", "02001", "02002", "77777"]

days = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2500"), places=2)
tenders = st.lists(st.builds(TenderAmount, st.sampled_from(list(TenderType)), money), max_size=3).map(tuple)


@st.composite
def lines(draw: st.DrawFn, number: int) -> ReturnLine:
    bought = draw(st.none() | days)
    return ReturnLine(
        line_number=number,
        item_id=draw(st.sampled_from(ITEMS)),
        quantity=Decimal(draw(st.integers(1, 4))),
        unit_price_paid=draw(money),
        receipted=draw(st.booleans()),
        tax_paid=draw(st.none() | money),
        item_condition=draw(st.none() | st.sampled_from(list(ItemCondition))),
        gift_receipt=draw(st.none() | st.booleans()),
        manually_entered=draw(st.none() | st.booleans()),
        purchase_date=bought,
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
        *(draw(lines(n)) for n in range(1, count + 1)), store=draw(st.sampled_from(STORES)), customer=customer
    )


@settings(max_examples=150, deadline=None)
@given(requests(), days)
def test_evaluation_is_deterministic(req: AuthorizeRequest, today: date) -> None:
    assert evaluate(req, CHAIN, EMPTY_HISTORY, today) == evaluate(req, CHAIN, EMPTY_HISTORY, today)


@settings(max_examples=150, deadline=None)
@given(requests(), days)
def test_transaction_response_is_the_most_severe_line(req: AuthorizeRequest, today: date) -> None:
    evaluation = evaluate(req, CHAIN, EMPTY_HISTORY, today)
    ranks = [CHAIN.codes[line.response.code].rank for line in evaluation.lines]
    assert CHAIN.codes[evaluation.response.code].rank == max(ranks)


def _with_denial_rule(position: int) -> PolicySet:
    """The shipped policy with an always-Denial rule inserted at `position` in every policy."""
    text = POLICY.read_text(encoding="utf-8")
    deny = '<Rule id="always-deny" question="ReceiptPresent"><Answer otherwise="true" code="405"/></Rule>'

    def insert(match: re.Match[str]) -> str:
        body = match.group(2)
        starts = [m.start() for m in re.finditer(r"<Rule ", body)]
        at = starts[min(position, len(starts) - 1)] if position < len(starts) else body.rindex("</Policy>")
        return match.group(1) + body[:at] + deny + body[at:]

    changed = re.sub(r"(<Policy [^>]*>)(.*?</Policy>)", insert, text, flags=re.S)
    return load_policy_bytes(changed.encode("utf-8"))


WITH_DENIAL = [_with_denial_rule(position) for position in range(4)]


@settings(max_examples=150, deadline=None)
@given(requests(), days, st.integers(0, 3))
def test_an_all_denial_rule_never_makes_a_line_less_severe(req: AuthorizeRequest, today: date, position: int) -> None:
    before = evaluate(req, CHAIN, EMPTY_HISTORY, today)
    after = evaluate(req, WITH_DENIAL[position], EMPTY_HISTORY, today)
    for old, new in zip(before.lines, after.lines, strict=True):
        assert CHAIN.codes[new.response.code].rank >= CHAIN.codes[old.response.code].rank


@settings(max_examples=200, deadline=None)
@given(requests(), days, days, st.integers(0, 60))
def test_selection_never_picks_a_policy_outside_its_dates(
    req: AuthorizeRequest, today: date, start: date, length: int
) -> None:
    text = POLICY.read_text(encoding="utf-8").replace(
        'effective="2026-11-01" expires="2027-01-15"',
        f'effective="{start.isoformat()}" expires="{(start + timedelta(days=length)).isoformat()}"',
    )
    policy_set = load_policy_bytes(text.encode("utf-8"))
    by_id = {policy.policy_id: policy for policy in policy_set.policies}
    for line in evaluate(req, policy_set, EMPTY_HISTORY, today).lines:
        policy = by_id[line.policy_id]
        assert policy.kind is not PolicyKind.EXCEPTION or policy.in_effect(today)


@settings(max_examples=100, deadline=None)
@given(requests(), days)
def test_refund_never_exceeds_price_plus_tax(req: AuthorizeRequest, today: date) -> None:
    for line, decision in zip(req.lines, evaluate(req, CHAIN, EMPTY_HISTORY, today).lines, strict=True):
        ceiling = line.unit_price_paid * line.quantity + (line.tax_paid or 0) + Decimal("0.01")
        assert Decimal(0) <= decision.refund_amount <= ceiling
        assert replace(decision, trace=None).approved_quantity in (Decimal(0), line.quantity)
