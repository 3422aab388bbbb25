"""Mapping of the Authorize Items for Return request: XML <-> AuthorizeRequest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from handlers.models import (
    AuthorizeRequest,
    ItemCondition,
    LoyaltyOutcome,
    LoyaltyPoints,
    PointsSource,
    ReturnLine,
    TransactionType,
)
from handlers.xml.xmlcommon import (
    Element,
    Fields,
    child,
    children,
    extensions_of,
    opt_sub,
    opt_text,
    original_sale_of,
    parse_bool,
    q,
    read_customer,
    read_extensions,
    read_header,
    root,
    sub,
    tenders_of,
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


def _hints(element: Element) -> tuple[str, ...]:
    return tuple((node.text or "").strip() for node in element)


# A line's children, read in one pass over them: the field each text fills and how its text converts (None: kept as
# text), and the children read as elements. The first of a tag counts, as everywhere in the reading.
_LINE_TEXTS: dict[str, tuple[str, Callable[[str], object] | None]] = {
    q("LineNumber"): ("line_number", int),
    q("ItemId"): ("item_id", None),
    q("Quantity"): ("quantity", Decimal),
    q("UnitPricePaid"): ("unit_price_paid", Decimal),
    q("Receipted"): ("receipted", parse_bool),
    q("Description"): ("description", None),
    q("TaxPaid"): ("tax_paid", Decimal),
    q("SerialNumber"): ("serial_number", None),
    q("ItemCondition"): ("item_condition", ItemCondition),
    q("ReasonCode"): ("reason_code", None),
    q("ManuallyEntered"): ("manually_entered", parse_bool),
    q("GiftReceipt"): ("gift_receipt", parse_bool),
    q("ReceiptFound"): ("receipt_found", parse_bool),
    q("PurchaseDate"): ("purchase_date", date.fromisoformat),
    q("DeliveryDate"): ("delivery_date", date.fromisoformat),
    q("OriginalQuantity"): ("original_quantity", Decimal),
}
_LINE_ELEMENTS: dict[str, tuple[str, Callable[[Element], object]]] = {
    q("MerchandiseHierarchy"): ("merchandise_hints", _hints),
    q("OriginalSale"): ("original_sale", original_sale_of),
    q("OriginalTenders"): ("original_tenders", tenders_of),
    q("Loyalty"): ("loyalty", lambda element: _loyalty_of(element)),
    q("Extensions"): ("extensions", extensions_of),
}
_LINE_REQUIRED = (
    ("line_number", "LineNumber"),
    ("item_id", "ItemId"),
    ("quantity", "Quantity"),
    ("unit_price_paid", "UnitPricePaid"),
    ("receipted", "Receipted"),
)


def _read_line(line: Element) -> ReturnLine:
    found: dict[str, Any] = {}
    texts, elements = _LINE_TEXTS, _LINE_ELEMENTS
    for item in line:
        tag = item.tag
        spec = texts.get(tag)  # type: ignore[arg-type]
        if spec is not None:
            name, convert = spec
            if name not in found:
                value = item.text
                if value is not None:
                    value = value.strip()
                    found[name] = value if convert is None else convert(value)
                else:
                    found[name] = None
            continue
        reader = elements.get(tag)  # type: ignore[arg-type]
        if reader is not None and reader[0] not in found:
            found[reader[0]] = reader[1](item)
    for name, tag in _LINE_REQUIRED:
        if found.get(name) is None:
            raise ValueError(f"{tag} is missing")
    return ReturnLine(**found)


def _loyalty_of(found: Element) -> LoyaltyOutcome:
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
