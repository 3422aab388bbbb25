"""Policy selection: the seed's two worked examples of ties, and every specificity rule."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from handlers.models import Customer
from tests.policyutil import PASS_RULE, decide_line, line, load, request


def exception(policy_id: str, assignment: str, attributes: str = 'receipted="true"') -> str:
    return f'<Policy id="{policy_id}" kind="Exception" {attributes}>{assignment}{PASS_RULE}</Policy>'


def chosen(
    exceptions: str,
    store: str = "01291",
    item: str = "123456",
    today: date = date(2026, 11, 20),
    line_changes: dict[str, Any] | None = None,
    customer: Customer | None = None,
) -> str:
    policy_set = load(exceptions=exceptions)
    req = request(line(item_id=item, **(line_changes or {})), store=store, customer=customer)
    return decide_line(policy_set, req=req, today=today).policy_id


def test_seed_example_1_item_supersedes_store() -> None:
    """Texas x item 123456 beats store 01291 x Kitchen Appliances for item 123456 returned in store 01291."""
    policies = exception("EXC-1", '<Location node="TEXAS"/><Merchandise item="123456"/>') + exception(
        "EXC-2", '<Location store="01291"/><Merchandise node="KITCHEN"/>'
    )
    assert chosen(policies) == "EXC-1"


@pytest.mark.parametrize("all_stores", ['<Location node="ALL-STORES"/>', '<Location all="true"/>'])
def test_seed_example_2_deeper_store_node_wins_when_items_tie(all_stores: str) -> None:
    """Dallas x Kitchen Appliances beats All Stores x Kitchen Appliances for item 123456 in store 01291."""
    policies = exception("EXC-1", '<Location node="DALLAS"/><Merchandise node="KITCHEN"/>') + exception(
        "EXC-2", all_stores + '<Merchandise node="KITCHEN"/>'
    )
    assert chosen(policies) == "EXC-1"


def test_exact_store_beats_group_beats_node() -> None:
    store = exception("STORE", '<Location store="01292"/>')
    group = exception("GROUP", '<Location storeGroup="OUTLETS"/>')
    node = exception("NODE", '<Location node="DALLAS"/>')
    assert chosen(store + group + node, store="01292") == "STORE"
    assert chosen(group + node, store="01292") == "GROUP"
    assert chosen(node, store="01292") == "NODE"


def test_deeper_merchandise_node_beats_shallower_and_item_beats_node() -> None:
    shallow = exception("KITCHEN", '<Merchandise node="KITCHEN"/>')
    deep = exception("GAS", '<Merchandise node="GAS"/>')
    item = exception("ITEM", '<Merchandise item="123456"/>')
    assert chosen(shallow + deep) == "GAS"
    assert chosen(shallow + deep + item) == "ITEM"


def test_merchandise_outranks_location() -> None:
    policies = exception("STORE-ALL-ITEMS", '<Location store="01291"/>') + exception(
        "ANY-STORE-KITCHEN", '<Merchandise node="KITCHEN"/>'
    )
    assert chosen(policies) == "ANY-STORE-KITCHEN"


def test_dates_customer_type_and_receipted_flag_filter() -> None:
    holiday = exception("HOLIDAY", "", 'receipted="true" effective="2026-11-01" expires="2026-12-31"')
    assert chosen(holiday) == "HOLIDAY"
    assert chosen(holiday, today=date(2027, 1, 1)) == "DEFAULT-R"
    assert chosen(holiday, today=date(2026, 10, 31)) == "DEFAULT-R"
    assert chosen(holiday, line_changes={"receipted": False}) == "DEFAULT-N"
    gold = exception("GOLD", "<CustomerTypes>gold silver</CustomerTypes>")
    assert chosen(gold, customer=Customer(customer_type="silver")) == "GOLD"
    assert chosen(gold, customer=Customer(customer_type="bronze")) == "DEFAULT-R"
    assert chosen(gold) == "DEFAULT-R"


def test_unknown_item_uses_the_tills_hierarchy_hints() -> None:
    policies = exception("STOVES", '<Merchandise node="STOVES"/>')
    assert chosen(policies, item="999999") == "DEFAULT-R"
    assert (
        chosen(policies, item="999999", line_changes={"merchandise_hints": ("KITCHEN", "STOVES", "NOT-IN-POLICY")})
        == "STOVES"
    )


def test_trace_lists_candidates_and_why() -> None:
    policy_set = load(
        exceptions=exception("KITCHEN", '<Merchandise node="KITCHEN"/>') + exception("GAS", '<Merchandise node="GAS"/>')
    )
    decision = decide_line(policy_set)
    assert decision.trace is not None
    assert [name.split("(")[0] for name in decision.trace.candidates] == ["GAS", "KITCHEN"]
    assert decision.trace.selection.startswith("GAS: most specific")
