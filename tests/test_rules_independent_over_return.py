"""Over-return across the lines of one request, through the server: several lines from one sale line, lines from
two sale lines, receipted and nonreceipted lines mixed, earlier partial returns, voids and returns by two tills."""

from __future__ import annotations

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
from handlers.history.history import History
from handlers.models import OriginalSale
from handlers.policy.engine import evaluate
from tests.policyutil import line, load, policy_xml, request
from tests.serverutil import SOAP11, Client, field, post, soap
from tests.tillutil import Back, Line, Sale, answer, approved, authorize, finish, lines_of

ClientFactory = Callable[[web.Application], Awaitable[Client]]
pytestmark = pytest.mark.both_backends
KNIVES = Sale("01292", "04", "2026-11-10", "9031")
PANS = Sale("00455", "02", "2026-11-12", "1187")


async def test_three_lines_from_one_sale_line_after_an_earlier_partial_return(client: Client) -> None:
    """Five bought, two already back: of three lines of one, one and two the first two fit, the third does not."""
    first = await answer(client, authorize(Line(1, "100234", "2", "17.25", KNIVES, "5")))
    await finish(client, first, Back(1, "100234", "2", KNIVES))
    text = await answer(
        client,
        authorize(
            Line(1, "100234", "1", "17.25", KNIVES, "5"),
            Line(2, "100234", "2", "17.25", KNIVES, "5"),
            Line(3, "100234", "1", "17.25", KNIVES, "5"),
        ),
    )
    assert approved(text) == ["1", "2", "0"]
    assert 'question="QuantityAboveReturnable" answer="true"' in lines_of(text)[2]
    assert field(text, "Type") == "Denial"


async def test_lines_from_two_sales_of_one_item_do_not_share(client: Client) -> None:
    text = await answer(
        client,
        authorize(
            Line(1, "100234", "3", "9.40", KNIVES, "3"),
            Line(2, "100234", "2", "9.40", PANS, "2"),
            Line(3, "100234", "1", "9.40", PANS, "2"),
        ),
    )
    assert approved(text) == ["3", "2", "0"]


async def test_a_nonreceipted_line_of_the_same_item_takes_nothing_from_the_sale(client: Client) -> None:
    text = await answer(
        client,
        authorize(
            Line(1, "100234", "2", "21.00", KNIVES, "4"),
            Line(2, "100234", "1", "21.00"),
            Line(3, "100234", "2", "21.00", KNIVES, "4"),
        ),
    )
    assert approved(text)[0] == "2" and approved(text)[2] == "2"
    over = await answer(
        client,
        authorize(Line(1, "100234", "3", "21.00", KNIVES, "4"), Line(2, "100234", "2", "21.00", KNIVES, "4")),
    )
    assert approved(over) == ["3", "0"]


async def test_a_void_gives_back_what_its_return_took(client: Client) -> None:
    first = await answer(client, authorize(Line(1, "100234", "3", "5.05", PANS, "3")))
    await finish(client, first, Back(1, "100234", "3", PANS))
    assert approved(await answer(client, authorize(Line(1, "100234", "1", "5.05", PANS, "3")))) == ["0"]
    await finish(client, first, Back(1, "100234", "3", PANS), voided=True)
    again = await answer(
        client, authorize(Line(1, "100234", "2", "5.05", PANS, "3"), Line(2, "100234", "1", "5.05", PANS, "3"))
    )
    assert approved(again) == ["2", "1"]


async def test_two_tills_completing_over_the_sale_leave_nothing_to_return(client: Client) -> None:
    one = await answer(client, authorize(Line(1, "100234", "2", "8.00", KNIVES, "3"), store="01291"))
    two = await answer(client, authorize(Line(1, "100234", "2", "8.00", KNIVES, "3"), store="01292"))
    assert approved(one) == approved(two) == ["2"]
    await finish(client, one, Back(1, "100234", "2", KNIVES), store="01291")
    await finish(client, two, Back(1, "100234", "2", KNIVES), store="01292")
    assert approved(await answer(client, authorize(Line(1, "100234", "1", "8.00", KNIVES, "3")))) == ["0"]


@pytest.fixture
async def lenient(aiohttp_client: ClientFactory, tmp_path: Path, db_location: str) -> Client:
    """A policy that never asks about quantities: the cap still holds."""
    policy = tmp_path / "policy.xml"
    policy.write_bytes(policy_xml())
    settings_ = load_settings(environ={}, db_path=db_location, policy_path=policy)
    return await aiohttp_client(create_app(settings_))


async def test_a_policy_that_never_asks_still_approves_only_what_is_left(lenient: Client) -> None:
    text = await answer(
        lenient,
        authorize(
            Line(1, "700001", "2", "12.10", KNIVES, "3", tax="1.00"),
            Line(2, "700001", "2", "12.10", KNIVES, "3", tax="1.00"),
            Line(3, "700001", "2", "12.10", KNIVES, "3", tax="1.00"),
        ),
    )
    assert approved(text) == ["2", "1", "0"]
    assert [field(part, "RefundAmount") for part in lines_of(text)] == ["25.20", "12.60", "0.00"]


SALES = [OriginalSale("01292", "04", date(2026, 11, d), str(d)) for d in (3, 4)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(1, 4)), min_size=1, max_size=6),
    st.tuples(st.integers(1, 5), st.integers(1, 5)),
    st.tuples(st.integers(0, 5), st.integers(0, 5)),
)
def test_approved_never_exceeds_what_is_left(
    picks: list[tuple[int, int]], bought: tuple[int, int], before: tuple[int, int]
) -> None:
    policy_set = load()
    lines = [
        line(
            line_number=n + 1,
            item_id="700001",
            quantity=Decimal(q),
            original_sale=SALES[s],
            original_quantity=Decimal(bought[s]),
        )
        for n, (s, q) in enumerate(picks)
    ]
    returned = {(SALES[s].key, "700001"): Decimal(before[s]) for s in (0, 1)}
    result = evaluate(request(*lines), policy_set, History(returned_quantities=returned), date(2026, 11, 20))
    for s in (0, 1):
        total = sum((d.approved_quantity for d, (p, _) in zip(result.lines, picks, strict=True) if p == s), Decimal(0))
        assert total <= max(bought[s] - before[s], 0)


async def test_a_soap_till_meets_the_same_over_return_and_refund_split(client: Client) -> None:
    body = authorize(Line(1, "100234", "2", "17.25", PANS, "3"), Line(2, "100234", "2", "17.25", PANS, "3"))
    status, text = await post(client, "/v1/messages", soap(body, SOAP11), "text/xml")
    assert status == 200 and SOAP11 in text
    assert approved(text) == ["2", "0"]
    assert '<RefundSplit><Tender type="Credit" amount="34.50"/></RefundSplit>' in text
