"""Loyalty on a completed return: which original sales it touches, its ledger entries, and the summary for the till."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from handlers.loyalty.loyalty import Account, Entry, Program, Purchase, Returned, fold, return_entries
from handlers.loyalty.loyalty_basis import merged, request_purchases, with_carried_lines
from handlers.models import (
    AuthorizeRequest,
    FinalDecision,
    FinalResult,
    LoyaltyAdjustment,
    LoyaltySummary,
    PointsSource,
)
from handlers.policy.engine import Evaluation
from store.records import LoyaltyOutcome, LoyaltyReturn, TicketState


def _returned(result: FinalResult, state: TicketState) -> list[Returned]:
    by_number = {line.line_number: line for line in state.lines}
    found = []
    for final in result.lines:
        line = by_number.get(final.line_number)
        sale = final.original_sale.key if final.original_sale else (line.original_sale if line else None)
        if final.decision is FinalDecision.RETURNED and final.quantity_returned > 0 and sale is not None:
            found.append(Returned(sale, line.item_id if line else final.item_id, final.quantity_returned))
    return found


def loyalty_return(program: Program, result: FinalResult) -> LoyaltyReturn:
    """The loyalty part of a final result, for the store to run inside the result's transaction."""
    account_id = result.customer.loyalty_account_id if result.customer else None

    def sales(state: TicketState) -> set[str]:
        return {item.sale for item in _returned(result, state)}

    def plan(
        account: Account, purchases: dict[str, Purchase], earlier: dict[tuple[str, str], Decimal], state: TicketState
    ) -> list[Entry]:
        return return_entries(program, account, purchases, _returned(result, state), earlier)

    def settle(
        account: Account, purchases: dict[str, Purchase], earlier: dict[tuple[str, str], Decimal]
    ) -> list[Entry]:
        return settle_entries(program, account, purchases, earlier)

    return LoyaltyReturn(account_id, sales, plan, settle)


def settle_entries(
    program: Program, account: Account, purchases: dict[str, Purchase], earlier: dict[tuple[str, str], Decimal]
) -> list[Entry]:
    """After a void, what the returns still standing of these sales call for: a return whose take-back was cut short
    because the voided one had taken the points first takes them now, points taken beyond what the standing returns
    call for are given back, and an offer they bring below its qualifying quantity is reinstated again."""
    standing = [Returned(sale, found.lines[0].item_id, Decimal(0)) for sale, found in purchases.items() if found.lines]
    return return_entries(program, account, purchases, standing, earlier, give_back=True)


def adjustments(entries: tuple[Entry, ...] | list[Entry]) -> tuple[LoyaltyAdjustment, ...]:
    return tuple(
        LoyaltyAdjustment(
            kind=entry.kind,
            account=entry.point_account,
            source=PointsSource(entry.source) if entry.source else None,
            points=entry.points if entry.point_account else None,
            balance=entry.balance if entry.balance else None,
            offer_id=entry.offer_id,
            basis=entry.basis,
        )
        for entry in entries
    )


def summary(outcome: LoyaltyOutcome | None) -> LoyaltySummary | None:
    """What the acknowledgement tells the till about the loyalty account."""
    if outcome is None:
        return None
    points = tuple(sorted(outcome.account.points.items()))
    return LoyaltySummary(outcome.account_id, adjustments(outcome.entries), points, outcome.account.balance)


def with_preview(
    evaluation: Evaluation,
    request: AuthorizeRequest,
    program: Program,
    loyalty: tuple[Account, dict[str, Purchase]],
    earlier: Mapping[tuple[str, str], Decimal],
) -> Evaluation:
    """Each line's loyalty adjustment if it comes back, so that the cashier can tell the customer: from the sale
    as the ledger holds it, else from the figures the line carries (each adjustment says which). Lines are taken
    in order, each on top of what the approved lines before it take back, so the previews of a request add up to
    what its final result takes."""
    account, recorded = loyalty
    purchases = _with_carried(recorded, request_purchases(request))
    returned_so_far = dict(earlier)
    lines = []
    for line, decision in zip(request.lines, evaluation.lines, strict=True):
        sale = line.original_sale.key if line.original_sale else None
        if sale is None or sale not in purchases or not purchases[sale].lines:
            lines.append(decision)
            continue
        approves = decision.response.response_type.approves and decision.approved_quantity > 0
        quantity = decision.approved_quantity if approves else line.quantity
        returned = [Returned(sale, line.item_id, quantity)]
        entries = return_entries(program, account, purchases, returned, dict(returned_so_far))
        lines.append(replace(decision, loyalty_preview=adjustments(entries)))
        if approves:
            key = (sale, line.item_id)
            returned_so_far[key] = returned_so_far.get(key, Decimal(0)) + quantity
            purchases[sale] = _taken_with(purchases[sale], entries)
            account = fold(entries, account)
    return replace(evaluation, lines=tuple(lines))


def _taken_with(purchase: Purchase, entries: list[Entry]) -> Purchase:
    """The sale with these entries counted among what was taken back of it."""
    taken = {(account, source): points for account, source, points in purchase.taken_points}
    balance = purchase.taken_balance
    for entry in entries:
        if entry.sale != purchase.sale:
            continue
        if entry.kind == "earn" and entry.point_account is not None:
            key = (entry.point_account, entry.source or "")
            taken[key] = taken.get(key, Decimal(0)) - entry.points
        balance -= entry.balance
    points = tuple((account, source, value) for (account, source), value in taken.items())
    return replace(purchase, taken_points=points, taken_balance=balance)


def _with_carried(recorded: dict[str, Purchase], carried: dict[str, Purchase]) -> dict[str, Purchase]:
    """The ledger's sales, and the carried figures of the sales it does not hold (keeping what was taken back)."""
    found = dict(recorded)
    for sale, purchase in carried.items():
        known = found.get(sale)
        if known is None:
            found[sale] = purchase
        elif known.recorded:
            found[sale] = with_carried_lines(known, purchase)
        else:
            lines = merged(purchase, known) or purchase
            found[sale] = replace(lines, taken_points=known.taken_points, taken_balance=known.taken_balance)
    return found
