"""Till messages for simulation tests: authorize requests and final results built from a few parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

NS = "urn:returns-gateway:messages:v1"


@dataclass(frozen=True)
class SaleLine:
    """One line to return: the item, its receipt, purchase date and original sale, condition and price."""

    item: str = "100234"
    receipted: bool = True
    bought: date | None = None
    sale: str | None = None
    condition: str = "New"
    price: str = "39.99"
    tender: str = "Credit"
    original_quantity: int = 1


def _header(root: str, message_id: str, day: date, store: str, cashier: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{NS}"><MessageId>{message_id}</MessageId>'
        f"<StoreId>{store}</StoreId><RegisterId>03</RegisterId><CashierId>{cashier}</CashierId>"
        f"<BusinessDate>{day}</BusinessDate><Timestamp>{day}T10:00:00Z</Timestamp><Currency>USD</Currency>"
    )


def _customer(number: str | None, customer_type: str | None) -> str:
    if number is None and customer_type is None:
        return ""
    kind = f"<CustomerType>{customer_type}</CustomerType>" if customer_type else ""
    known = (
        f"<PositiveId><Type>DriversLicense</Type><Issuer>TX</Issuer><Number>{number}</Number></PositiveId>"
        if number
        else ""
    )
    return f"<Customer>{kind}{known}</Customer>"


def _sale(line: SaleLine, store: str) -> str:
    if line.sale is None or line.bought is None:
        return ""
    return (
        f"<OriginalSale><StoreId>{store}</StoreId><RegisterId>02</RegisterId><BusinessDate>{line.bought}</BusinessDate>"
        f"<TransactionSequence>{line.sale}</TransactionSequence></OriginalSale>"
    )


def authorize(
    message_id: str,
    day: date,
    lines: list[SaleLine],
    store: str = "01291",
    cashier: str = "E1",
    customer: str | None = None,
    customer_type: str | None = None,
    ticket_id: str | None = None,
) -> bytes:
    """An AuthorizeReturnRequest."""
    body = []
    for number, line in enumerate(lines, 1):
        bought = f"<PurchaseDate>{line.bought}</PurchaseDate>" if line.bought else ""
        original = f"<OriginalQuantity>{line.original_quantity}</OriginalQuantity>" if line.sale else ""
        body.append(
            f"<Line><LineNumber>{number}</LineNumber><ItemId>{line.item}</ItemId><Quantity>1</Quantity>"
            f"<UnitPricePaid>{line.price}</UnitPricePaid><TaxPaid>1.00</TaxPaid>"
            f"<ItemCondition>{line.condition}</ItemCondition><ReasonCode>NOT-WANTED</ReasonCode>"
            f"<Receipted>{str(line.receipted).lower()}</Receipted>{_sale(line, store)}{bought}{original}"
            f'<OriginalTenders><Tender type="{line.tender}" amount="{line.price}"/></OriginalTenders></Line>'
        )
    ticket = f"<TicketId>{ticket_id}</TicketId>" if ticket_id else ""
    return (
        _header("AuthorizeReturnRequest", message_id, day, store, cashier)
        + f"{ticket}<TransactionType>Return</TransactionType>{_customer(customer, customer_type)}"
        + f"<Lines>{''.join(body)}</Lines></AuthorizeReturnRequest>"
    ).encode()


def final(
    message_id: str,
    day: date,
    ticket_id: str,
    lines: list[tuple[SaleLine, bool, bool]],
    store: str = "01291",
    cashier: str = "E1",
    voided: bool = False,
    transaction: str | None = None,
) -> bytes:
    """A ReturnFinalResult for a ticket: each line (returned?, manager override?), or a void."""
    body = []
    for number, (line, returned, override) in enumerate(lines, 1):
        taken = returned and not voided
        manager = (
            "<Override><ManagerId>M1</ManagerId><OverrideObtained>true</OverrideObtained>"
            "<TenderOverride>false</TenderOverride></Override>"
            if override and taken
            else ""
        )
        body.append(
            f"<Line><LineNumber>{number}</LineNumber><ItemId>{line.item}</ItemId>"
            f"<FinalDecision>{'Returned' if taken else 'NotReturned'}</FinalDecision>"
            f"<QuantityReturned>{1 if taken else 0}</QuantityReturned>{manager}{_sale(line, store)}</Line>"
        )
    void = "<Voided>true</Voided>" if voided else ""
    return (
        _header("ReturnFinalResult", message_id, day, store, cashier)
        + f"<TicketId>{ticket_id}</TicketId><ReturnTransactionId>{transaction or 'RT-' + ticket_id}</ReturnTransactionId>"
        + f"{void}<Lines>{''.join(body)}</Lines></ReturnFinalResult>"
    ).encode()
