"""Which exceptions a completed return records for the customer and the cashier (the retailer picks the types)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from handlers.models import FinalDecision, FinalLine, FinalResult
from store.records import CustomerReturnRecord, ExceptionRecord, FinalPlan, LineRecord, TicketState

EXCEPTION_TYPES = (
    "nonreceipted-return",
    "receipted-return",
    "gift-receipt-return",
    "pattern-watch-return",
    "manager-override",
    "tender-override",
    "overridden-denial",
    "high-value-return",
)
_DENIALS = ("ManagerOverrideableDenial", "Denial")


@dataclass(frozen=True, slots=True)
class ExceptionSettings:
    tracked: frozenset[str] = frozenset(EXCEPTION_TYPES)
    high_value: Decimal = Decimal(500)


def planner(
    result: FinalResult, positive_id_hash: str | None, settings: ExceptionSettings
) -> Callable[[TicketState], FinalPlan]:
    """The pure function the store calls with the ticket's state to learn what the final result writes."""

    def plan(state: TicketState) -> FinalPlan:
        by_number = {line.line_number: line for line in state.lines}
        customer = positive_id_hash or state.positive_id_hash
        exceptions: list[ExceptionRecord] = []
        groups: dict[bool, CustomerReturnRecord] = {}
        returned: list[tuple[str, str, Decimal]] = []
        for final in result.lines:
            line = by_number.get(final.line_number)
            if final.decision is not FinalDecision.RETURNED or final.quantity_returned <= 0 or line is None:
                continue
            amount = _amount(final, line)
            day = result.header.business_date
            for kind in _types(final, line, amount, settings):
                exceptions.append(ExceptionRecord("cashier", result.header.cashier_id, kind, day, amount))
                if customer is not None:
                    exceptions.append(ExceptionRecord("customer", customer, kind, day, amount))
            groups[line.receipted] = _add(groups.get(line.receipted), line, final.quantity_returned, amount)
            sale = final.original_sale.key if final.original_sale else line.original_sale
            if sale is not None:
                returned.append((sale, line.item_id, final.quantity_returned))
        return FinalPlan(tuple(exceptions), tuple(groups.values()), tuple(returned), customer)

    return plan


def _amount(final: FinalLine, line: LineRecord) -> Decimal:
    if final.refund_tenders:
        return sum((tender.amount for tender in final.refund_tenders), Decimal(0))
    return line.unit_price * final.quantity_returned


def _types(final: FinalLine, line: LineRecord, amount: Decimal, settings: ExceptionSettings) -> list[str]:
    override = final.override
    found = [
        ("receipted-return" if line.receipted else "nonreceipted-return", True),
        ("gift-receipt-return", line.gift_receipt),
        ("pattern-watch-return", line.pattern_watch),
        ("manager-override", bool(override and override.override_obtained)),
        ("tender-override", bool(override and override.tender_override)),
        ("overridden-denial", line.response_type in _DENIALS),
        ("high-value-return", amount > settings.high_value),
    ]
    return [kind for kind, applies in found if applies and kind in settings.tracked]


def _add(
    record: CustomerReturnRecord | None, line: LineRecord, items: Decimal, amount: Decimal
) -> CustomerReturnRecord:
    """The customer's return record for one receipted flag, with this line added."""
    if record is None:
        return CustomerReturnRecord(line.receipted, items, amount, line.pattern_watch)
    return CustomerReturnRecord(
        line.receipted, record.items + items, record.amount + amount, record.pattern_watch or line.pattern_watch
    )
