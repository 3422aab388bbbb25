"""Property: returns and voids of one sale in any order, beyond what was bought too; after every step what is taken
back is what the returns still standing call for."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.loyalty.loyalty import Earned, Entry, Program, Purchase, PurchaseLine, Returned, fold, return_entries
from handlers.loyalty.loyalty_returns import settle_entries

ONE_SALE = "01292/06/2026-11-04/20417"


def _taken_so_far(entries: list[tuple[str, Entry]]) -> Decimal:
    return -sum((entry.points for _, entry in entries), Decimal(0))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 7),
    st.integers(1, 999),
    st.lists(st.one_of(st.integers(1, 5), st.integers(-3, -1)), min_size=1, max_size=12),
)
def test_after_every_return_and_void_what_is_taken_is_what_still_stands(
    bought_units: int, cents: int, steps: list[int]
) -> None:
    """Returns (positive steps) and voids of the n-th earlier return (negative steps), in any order and beyond what
    was bought: what is taken back is round(earned x min(standing, bought) / bought) after every step."""
    earned = Decimal(cents) / 100
    program = Program("p", "base", Decimal(1), "deduct", True)
    line = PurchaseLine(1, "410552", Decimal(bought_units), Decimal("10.00"), (Earned("base", "Economy", earned),))
    entries: list[tuple[str, Entry]] = []
    standing: dict[str, Decimal] = {}

    def sale() -> dict[str, Purchase]:
        taken = _taken_so_far(entries)
        return {ONE_SALE: Purchase(ONE_SALE, (line,), taken_points=(("base", "Economy", taken),))}

    for number, step in enumerate(steps):
        earlier = {(ONE_SALE, "410552"): sum(standing.values(), Decimal(0))} if standing else {}
        account = fold(entry for _, entry in entries)
        if step > 0:
            made = return_entries(program, account, sale(), [Returned(ONE_SALE, "410552", Decimal(step))], earlier)
            entries += [(f"T{number}", entry) for entry in made]
            standing[f"T{number}"] = Decimal(step)
        elif standing:
            ticket = list(standing)[(-step - 1) % len(standing)]
            mine = [entry for owner, entry in entries if owner == ticket]
            entries += [(ticket, replace(entry, kind="reversal", points=-entry.points)) for entry in mine]
            del standing[ticket]
            left = {(ONE_SALE, "410552"): sum(standing.values(), Decimal(0))}
            entries += [(ticket, e) for e in settle_entries(program, fold(e for _, e in entries), sale(), left)]
        share = min(sum(standing.values(), Decimal(0)), Decimal(bought_units)) / bought_units
        assert _taken_so_far(entries) == (earned * share).quantize(Decimal("0.01"))
