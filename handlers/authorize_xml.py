"""Mapping of the Authorize Items for Return request: XML <-> AuthorizeRequest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from handlers.models import (
    AuthorizeRequest,
    ItemCondition,
    LoyaltyOutcome,
    LoyaltyPoints,
    PointsSource,
    ReturnLine,
    TransactionType,
)
from handlers.xmlcommon import (
    Element,
    Fields,
    child,
    children,
    opt,
    opt_sub,
    opt_text,
    parse_bool,
    read_customer,
    read_extensions,
    read_header,
    read_original_sale,
    read_tenders,
    root,
    sub,
    text,
    write_customer,
    write_extensions,
    write_header,
    write_original_sale,
    write_tenders,
)

ROOT = "AuthorizeReturnRequest"


def from_xml(root: Element) -> AuthorizeRequest:
    """Read a validated request element (or an OfflineRequest of the same type)."""
    element = Fields(root)
    languages = child(element, "Languages")
    return AuthorizeRequest(
        header=read_header(element),
        transaction_type=TransactionType(text(element, "TransactionType")),
        lines=tuple(_read_line(line) for line in children(_lines(element), "Line")),
        languages=tuple((lang.text or "").strip() for lang in languages) if languages is not None else (),
        ticket_id=opt_text(element, "TicketId"),
        customer=read_customer(element),
        extensions=read_extensions(element),
    )


def _lines(element: Fields) -> Element:
    lines = child(element, "Lines")
    if lines is None:
        raise ValueError("Lines is missing")
    return lines


def _read_line(line: Element) -> ReturnLine:
    element = Fields(line)
    hints = child(element, "MerchandiseHierarchy")
    return ReturnLine(
        line_number=int(text(element, "LineNumber")),
        item_id=text(element, "ItemId"),
        quantity=Decimal(text(element, "Quantity")),
        unit_price_paid=Decimal(text(element, "UnitPricePaid")),
        receipted=parse_bool(text(element, "Receipted")),
        description=opt_text(element, "Description"),
        merchandise_hints=tuple((node.text or "").strip() for node in hints) if hints is not None else (),
        tax_paid=opt(element, "TaxPaid", Decimal),
        serial_number=opt_text(element, "SerialNumber"),
        item_condition=opt(element, "ItemCondition", ItemCondition),
        reason_code=opt_text(element, "ReasonCode"),
        manually_entered=opt(element, "ManuallyEntered", parse_bool),
        gift_receipt=opt(element, "GiftReceipt", parse_bool),
        receipt_found=opt(element, "ReceiptFound", parse_bool),
        original_sale=read_original_sale(element),
        purchase_date=opt(element, "PurchaseDate", date.fromisoformat),
        delivery_date=opt(element, "DeliveryDate", date.fromisoformat),
        original_quantity=opt(element, "OriginalQuantity", Decimal),
        original_tenders=read_tenders(element, "OriginalTenders"),
        loyalty=_read_loyalty(element),
        extensions=read_extensions(element),
    )


def _read_loyalty(element: Fields) -> LoyaltyOutcome | None:
    found = child(element, "Loyalty")
    if found is None:
        return None
    points = tuple(
        LoyaltyPoints(
            account=item.get("account", ""),
            source=PointsSource(item.get("source", "")),
            points=Decimal((item.text or "").strip()),
            campaign=item.get("campaign"),
        )
        for item in children(found, "Points")
    )
    return LoyaltyOutcome(points, opt_text(found, "OfferRedeemed"))


def to_xml(request: AuthorizeRequest, tag: str = ROOT) -> Element:
    """Write a request as its root element."""
    element = root(tag)
    fill(element, request)
    return element


def fill(element: Element, request: AuthorizeRequest) -> None:
    """Write the request content into an element of the request type."""
    write_header(element, request.header)
    if request.languages:
        languages = sub(element, "Languages")
        for lang in request.languages:
            sub(languages, "Language", lang)
    sub(element, "TransactionType", request.transaction_type)
    opt_sub(element, "TicketId", request.ticket_id)
    write_customer(element, request.customer)
    lines = sub(element, "Lines")
    for line in request.lines:
        _write_line(sub(lines, "Line"), line)
    write_extensions(element, request.extensions)


def _write_line(element: Element, line: ReturnLine) -> None:
    sub(element, "LineNumber", line.line_number)
    sub(element, "ItemId", line.item_id)
    opt_sub(element, "Description", line.description)
    if line.merchandise_hints:
        hints = sub(element, "MerchandiseHierarchy")
        for node in line.merchandise_hints:
            sub(hints, "Node", node)
    sub(element, "Quantity", line.quantity)
    sub(element, "UnitPricePaid", line.unit_price_paid)
    for name, value in (
        ("TaxPaid", line.tax_paid),
        ("SerialNumber", line.serial_number),
        ("ItemCondition", line.item_condition),
        ("ReasonCode", line.reason_code),
        ("ManuallyEntered", line.manually_entered),
        ("Receipted", line.receipted),
        ("GiftReceipt", line.gift_receipt),
        ("ReceiptFound", line.receipt_found),
    ):
        opt_sub(element, name, value)
    write_original_sale(element, line.original_sale)
    opt_sub(element, "PurchaseDate", line.purchase_date)
    opt_sub(element, "DeliveryDate", line.delivery_date)
    opt_sub(element, "OriginalQuantity", line.original_quantity)
    write_tenders(element, "OriginalTenders", line.original_tenders)
    _write_loyalty(element, line.loyalty)
    write_extensions(element, line.extensions)


def _write_loyalty(element: Element, loyalty: LoyaltyOutcome | None) -> None:
    if loyalty is None:
        return
    holder = sub(element, "Loyalty")
    for points in loyalty.points:
        attributes = {"account": points.account, "source": points.source.value}
        if points.campaign is not None:
            attributes["campaign"] = points.campaign
        sub(holder, "Points", points.points, **attributes)
    opt_sub(holder, "OfferRedeemed", loyalty.offer_redeemed)
