"""The rule catalogue: every question a rule may ask, its answer kind, its parameters and how it is answered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from handlers.history.history import History, count_since, window_start
from handlers.models import AuthorizeRequest, ItemCondition, ReturnLine, Symbol, TenderType, TransactionType
from handlers.policy.policy_model import PatternWatch, PolicySet

Value = bool | Decimal | str | frozenset[str] | None


class Kind(Symbol):
    """How a question's answers are written: is=, from/below, in= (one value), in= (any of several)."""

    BOOL = "bool"
    NUMBER = "number"
    CHOICE = "choice"
    ANY_OF = "any-of"


@dataclass(slots=True)
class LineContext:
    """What a question may look at for one line."""

    request: AuthorizeRequest
    line: ReturnLine
    history: History
    today: date
    policy_set: PolicySet
    item_nodes: tuple[str, ...]
    params: dict[str, str]
    has_positive_id: bool = False
    claimed: dict[tuple[str, str], Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Question:
    name: str
    kind: Kind
    ask: Callable[[LineContext], Value]
    may_be_missing: bool = False
    needs_positive_id: bool = False
    domain: frozenset[str] | None = None
    params: tuple[str, ...] = ()
    optional_params: tuple[str, ...] = ()


def _days_since(day: date | None, today: date) -> Decimal | None:
    return None if day is None else Decimal(max((today - day).days, 0))


def _tenders(ctx: LineContext) -> frozenset[str] | None:
    tenders = frozenset(tender.tender.value for tender in ctx.line.original_tenders)
    return tenders or None


def _split_tender(ctx: LineContext) -> bool | None:
    count = len(ctx.line.original_tenders)
    return None if count == 0 else count > 1


def _customer_type(ctx: LineContext) -> str | None:
    return ctx.request.customer.customer_type if ctx.request.customer else None


def _window(ctx: LineContext) -> date:
    return window_start(ctx.today, int(ctx.params["windowDays"]))


def _customer_returns(ctx: LineContext) -> Decimal:
    """Prior returns in the window by the chosen measure; zero when the ratio override applies."""
    start, wanted = _window(ctx), ctx.params.get("receipted", "any")
    in_window = [prior for prior in ctx.history.customer_returns if prior.return_date >= start]
    chosen = [prior for prior in in_window if wanted in ("any", str(prior.receipted).lower())]
    if _ratio_exempt(ctx, start, sum((prior.items for prior in in_window), Decimal(0))):
        return Decimal(0)
    measure = ctx.params.get("measure", "transactions")
    if measure == "items":
        return sum((prior.items for prior in chosen), Decimal(0))
    if measure == "amount":
        return sum((prior.amount for prior in chosen), Decimal(0))
    return Decimal(len(chosen))


def _ratio_exempt(ctx: LineContext, start: date, returned_items: Decimal) -> bool:
    """JumpMind's ratio: with known purchases in the window, a share of items *kept* (bought and not returned, by
    every return in the window, receipted or not, whichever returns the limit counts) greater than the ratio means
    the limit does not bite, whatever the counts."""
    ratio, purchases = ctx.params.get("ratio"), ctx.history.customer_purchases
    if ratio is None or purchases is None:
        return False
    bought = sum((p.items for p in purchases if p.purchase_date >= start), Decimal(0))
    return bought > 0 and (bought - returned_items) / bought > Decimal(ratio)


def _cashier_count(ctx: LineContext) -> Decimal:
    start = _window(ctx)
    return Decimal(count_since(ctx.history.cashier_exceptions_by_day, start))


def _pattern_returns(ctx: LineContext) -> Decimal:
    start = _window(ctx)
    return Decimal(sum(1 for p in ctx.history.customer_returns if p.pattern_watch and p.return_date >= start))


def pattern_watch_hits(
    watches: tuple[PatternWatch, ...], item_id: str, item_nodes: tuple[str, ...], bought: date, today: date
) -> list[PatternWatch]:
    """The watches an item bought on `bought` and returned `today` falls in."""
    return [
        watch
        for watch in watches
        if (watch.item_id == item_id or (watch.node_id is not None and watch.node_id in item_nodes))
        and watch.purchase_from <= bought <= watch.purchase_to
        and watch.return_from <= today <= watch.return_to
    ]


def _pattern_hit(ctx: LineContext) -> bool | None:
    bought = ctx.line.purchase_date
    if bought is None:
        return None
    watches = ctx.policy_set.pattern_watches + ctx.history.pattern_watches
    return bool(pattern_watch_hits(watches, ctx.line.item_id, ctx.item_nodes, bought, ctx.today))


def returnable(line: ReturnLine, history: History, claimed: dict[tuple[str, str], Decimal]) -> Decimal | None:
    """What is left to return of the line's original sale line: bought, less earlier returns, less what earlier
    lines of the same request take of it; None when the original sale or quantity is not given."""
    if line.original_quantity is None or line.original_sale is None:
        return None
    key = (line.original_sale.key, line.item_id)
    return line.original_quantity - history.returned_quantities.get(key, Decimal(0)) - claimed.get(key, Decimal(0))


def _above_returnable(ctx: LineContext) -> bool | None:
    left = returnable(ctx.line, ctx.history, ctx.claimed)
    return None if left is None else ctx.line.quantity > left


def _cross_store(ctx: LineContext) -> bool | None:
    sale = ctx.line.original_sale
    return None if sale is None else sale.store_id != ctx.request.header.store_id


_CONDITIONS = frozenset(condition.value for condition in ItemCondition)
_TRANSACTIONS = frozenset(kind.value for kind in TransactionType)
_TENDERS = frozenset(tender.value for tender in TenderType)
_WINDOW = ("windowDays",)

CATALOGUE: dict[str, Question] = {
    question.name: question
    for question in (
        Question("ReceiptPresent", Kind.BOOL, lambda c: c.line.receipted),
        Question("GiftReceipt", Kind.BOOL, lambda c: bool(c.line.gift_receipt)),
        Question("ReceiptFound", Kind.BOOL, lambda c: bool(c.line.receipt_found)),
        Question("DaysSincePurchase", Kind.NUMBER, lambda c: _days_since(c.line.purchase_date, c.today), True),
        Question("DaysSinceDelivery", Kind.NUMBER, lambda c: _days_since(c.line.delivery_date, c.today), True),
        Question(
            "ItemCondition",
            Kind.CHOICE,
            lambda c: c.line.item_condition.value if c.line.item_condition else None,
            True,
            domain=_CONDITIONS,
        ),
        Question("ReturnReason", Kind.CHOICE, lambda c: c.line.reason_code, True),
        Question("OriginalTender", Kind.ANY_OF, _tenders, True, domain=_TENDERS),
        Question("SplitTender", Kind.BOOL, _split_tender, True),
        Question("CustomerType", Kind.CHOICE, _customer_type, True),
        Question("PositiveIdPresent", Kind.BOOL, lambda c: c.request.positive_id is not None),
        Question(
            "CustomerCumulativeExceptionCount",
            Kind.NUMBER,
            lambda c: Decimal(c.history.cumulative_count(c.today)),
            needs_positive_id=True,
        ),
        Question(
            "CustomerReturns",
            Kind.NUMBER,
            _customer_returns,
            needs_positive_id=True,
            params=_WINDOW,
            optional_params=("receipted", "measure", "ratio"),
        ),
        Question("CashierExceptionCount", Kind.NUMBER, _cashier_count, params=_WINDOW),
        Question("PatternWatchHit", Kind.BOOL, _pattern_hit, True),
        Question("CustomerPatternWatchReturns", Kind.NUMBER, _pattern_returns, needs_positive_id=True, params=_WINDOW),
        Question("UnitPrice", Kind.NUMBER, lambda c: c.line.unit_price_paid),
        Question("LineAmount", Kind.NUMBER, lambda c: c.line.unit_price_paid * c.line.quantity),
        Question("ManuallyEntered", Kind.BOOL, lambda c: bool(c.line.manually_entered)),
        Question("QuantityAboveReturnable", Kind.BOOL, _above_returnable, True),
        Question("CrossStore", Kind.BOOL, _cross_store, True),
        Question("TransactionType", Kind.CHOICE, lambda c: c.request.transaction_type.value, domain=_TRANSACTIONS),
    )
}

PARAM_CHECKS: dict[str, Callable[[str], bool]] = {
    "windowDays": lambda value: value.isdigit() and 0 < int(value) <= 3660,
    "receipted": lambda value: value in ("any", "true", "false"),
    "measure": lambda value: value in ("transactions", "items", "amount"),
    "ratio": lambda value: _is_ratio(value),
}


def _is_ratio(value: str) -> bool:
    try:
        return Decimal(0) < Decimal(value) <= Decimal(1)
    except InvalidOperation:
        return False
