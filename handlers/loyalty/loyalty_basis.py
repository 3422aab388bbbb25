"""What an original sale line earned, from the till's own figures when the loyalty ledger does not hold the sale.

A return line may carry `<Loyalty>`: the points its original line earned. When the ledger has no record of that
sale (or of that line of a sale it holds), those figures are the basis of the preview and of the take-back; they are
kept with the ticket's decision (`loyalty_basis`) so that the final result, which carries no figures, uses the same
ones. The figures of a sale are gathered from every return of it still standing, so that returns of its other items
by other tickets weigh what was already taken back against every line it is known to have.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from handlers.loyalty.loyalty import Earned, Purchase, PurchaseLine
from handlers.models import AuthorizeRequest, ReturnLine


def line_basis(line: ReturnLine) -> dict[str, Any] | None:
    """A return line's own loyalty figures as JSON data, or None when it carries none (or no original sale)."""
    if line.loyalty is None or not line.loyalty.points or line.original_sale is None:
        return None
    bought = line.original_quantity if line.original_quantity is not None else line.quantity
    return {
        "sale": line.original_sale.key,
        "line_number": line.line_number,
        "item_id": line.item_id,
        "quantity": str(bought),
        "amount": str(line.unit_price_paid * bought),
        "earned": [[points.account, points.source.value, str(points.points)] for points in line.loyalty.points],
    }


def request_purchases(request: AuthorizeRequest) -> dict[str, Purchase]:
    """The sales a request's lines carry figures for."""
    return _purchases([basis for line in request.lines if (basis := line_basis(line)) is not None])


def carried_purchases(decision: dict[str, Any]) -> dict[str, Purchase]:
    """The sales whose figures a stored decision kept."""
    return _purchases([line["loyalty_basis"] for line in decision.get("lines", []) if line.get("loyalty_basis")])


def _purchases(bases: list[dict[str, Any]]) -> dict[str, Purchase]:
    lines: dict[str, list[PurchaseLine]] = {}
    for basis in bases:
        earned = tuple(Earned(account, source, Decimal(points)) for account, source, points in basis["earned"])
        line = PurchaseLine(
            basis["line_number"], basis["item_id"], Decimal(basis["quantity"]), Decimal(basis["amount"]), earned
        )
        kept = lines.setdefault(basis["sale"], [])
        if all(other.item_id != line.item_id for other in kept):
            kept.append(line)
    return {sale: Purchase(sale, tuple(found), recorded=False) for sale, found in lines.items()}


def merged(first: Purchase | None, second: Purchase | None) -> Purchase | None:
    """One sale's carried figures from two sources: the lines of `first`, then those of `second` for other items."""
    if first is None or second is None:
        return first or second
    known = {line.item_id for line in first.lines}
    return replace(first, lines=first.lines + tuple(line for line in second.lines if line.item_id not in known))


def with_carried_lines(recorded: Purchase, carried: Purchase | None) -> Purchase:
    """A sale the ledger holds, with the carried lines of items it holds no line of (said in `carried_items`)."""
    if carried is None:
        return recorded
    known = {line.item_id for line in recorded.lines}
    extra = tuple(line for line in carried.lines if line.item_id not in known)
    items = recorded.carried_items | {line.item_id for line in extra}
    return replace(recorded, lines=recorded.lines + extra, carried_items=items) if extra else recorded
