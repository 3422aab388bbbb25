"""The rule inputs of an authorize request as the decision keeps them: everything the engine reads, no personal data.

The positive ID is kept only as "present" (the engine asks nothing else of it); names, addresses, phones, customer
and loyalty account ids are left out. The customer type is the one the request was decided with (a loyalty tier
stands in for a missing type).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from handlers.models import (
    AuthorizeRequest,
    Customer,
    ItemCondition,
    OriginalSale,
    PositiveId,
    ReturnLine,
    TenderAmount,
    TenderType,
    TillHeader,
    TransactionType,
)

KEPT_POSITIVE_ID = PositiveId("kept", "kept", "kept")
_EPOCH = datetime(2000, 1, 1)
_TENDERS = {tender.value: tender for tender in TenderType}
_CONDITIONS = {condition.value: condition for condition in ItemCondition}


def request_json(request: AuthorizeRequest, customer_key: str | None = None) -> dict[str, Any]:
    """The request's rule inputs as plain JSON values, with the customer's positive ID hash when given."""
    header, customer = request.header, request.customer
    keyed = {} if customer_key is None else {"customer_key": customer_key}
    return {
        **keyed,
        "store_id": header.store_id,
        "cashier_id": header.cashier_id,
        "business_date": header.business_date.isoformat(),
        "currency": header.currency,
        "transaction_type": request.transaction_type.value,
        "languages": list(request.languages),
        "customer_type": customer.customer_type if customer else None,
        "positive_id": request.positive_id is not None,
        "lines": [_line_json(line) for line in request.lines],
    }


def _line_json(line: ReturnLine) -> list[Any]:
    sale = line.original_sale
    return [
        line.line_number,
        line.item_id,
        str(line.quantity),
        str(line.unit_price_paid),
        line.receipted,
        list(line.merchandise_hints),
        None if line.tax_paid is None else str(line.tax_paid),
        line.item_condition.value if line.item_condition else None,
        line.reason_code,
        line.manually_entered,
        line.gift_receipt,
        line.receipt_found,
        _sale(sale) if sale else None,
        _day(line.purchase_date),
        _day(line.delivery_date),
        None if line.original_quantity is None else str(line.original_quantity),
        [[tender.tender.value, str(tender.amount)] for tender in line.original_tenders],
    ]


def _sale(sale: OriginalSale) -> list[str]:
    return [sale.store_id, sale.register_id, sale.business_date.isoformat(), sale.transaction_sequence]


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def request_from_json(kept: dict[str, Any]) -> AuthorizeRequest:
    """The request the engine decides again: same rule inputs; no message id, cashier or personal data (the cashier
    counts only through the history, which the caller builds)."""
    today = date.fromisoformat(kept["business_date"])
    header = TillHeader("", kept["store_id"], "", "", today, _EPOCH, kept["currency"])
    has_customer = kept["customer_type"] is not None or kept["positive_id"]
    customer = (
        Customer(kept["customer_type"], KEPT_POSITIVE_ID if kept["positive_id"] else None) if has_customer else None
    )
    return AuthorizeRequest(
        header=header,
        transaction_type=TransactionType(kept["transaction_type"]),
        lines=tuple(_line(values) for values in kept["lines"]),
        languages=tuple(kept["languages"]),
        customer=customer,
    )


def _line(values: list[Any]) -> ReturnLine:
    (number, item, quantity, price, receipted, hints, tax, condition, reason, manual, gift, found, sale, bought,
     delivered, original, tenders) = values  # fmt: skip
    return ReturnLine(
        line_number=number,
        item_id=item,
        quantity=Decimal(quantity),
        unit_price_paid=Decimal(price),
        receipted=receipted,
        merchandise_hints=tuple(hints),
        tax_paid=None if tax is None else Decimal(tax),
        item_condition=None if condition is None else _CONDITIONS[condition],
        reason_code=reason,
        manually_entered=manual,
        gift_receipt=gift,
        receipt_found=found,
        original_sale=None if sale is None else OriginalSale(sale[0], sale[1], date.fromisoformat(sale[2]), sale[3]),
        purchase_date=_parse_day(bought),
        delivery_date=_parse_day(delivered),
        original_quantity=None if original is None else Decimal(original),
        original_tenders=tuple(TenderAmount(_TENDERS[kind], Decimal(amount)) for kind, amount in tenders),
    )


def _parse_day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
