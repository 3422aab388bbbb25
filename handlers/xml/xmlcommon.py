"""Reading and writing the shared pieces of the message contract (header, customer, tenders, texts)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from lxml import etree

from handlers.models import (
    Address,
    Customer,
    Extension,
    OriginalSale,
    PersonName,
    PositiveId,
    TenderAmount,
    TenderType,
    TillHeader,
)
from handlers.xml.instants import OutOfRange, parse_timestamp

NS = "urn:returns-gateway:messages:v1"
NSMAP = {None: NS}
T = TypeVar("T")
Element = etree._Element


@functools.cache
def q(name: str) -> str:
    """The qualified tag of a contract element."""
    return f"{{{NS}}}{name}"


# --- reading -------------------------------------------------------------------------------------


class Fields:
    """An element with its children indexed by tag: one pass over them, then every look-up is a dict access."""

    __slots__ = ("element", "first")

    def __init__(self, element: Element) -> None:
        self.element = element
        first: dict[object, Element] = {}
        for item in element:
            first.setdefault(item.tag, item)
        self.first = first


Source = Element | Fields


def child(source: Source, name: str) -> Element | None:
    fields = source if isinstance(source, Fields) else Fields(source)
    return fields.first.get(q(name))


def children(source: Source, name: str) -> list[Element]:
    element = source.element if isinstance(source, Fields) else source
    return element.findall(q(name))


def text(source: Source, name: str) -> str:
    value = opt_text(source, name)
    if value is None:
        raise ValueError(f"{name} is missing")
    return value


def opt_text(source: Source, name: str) -> str | None:
    found = child(source, name)
    value = None if found is None else found.text
    return None if value is None else value.strip()


def _child_fields(source: Source, name: str) -> Fields | None:
    found = child(source, name)
    return None if found is None else Fields(found)


def opt(source: Source, name: str, convert: Callable[[str], T]) -> T | None:
    value = opt_text(source, name)
    return None if value is None else convert(value)


def required(element: Element, tag: str) -> Element:
    """The first child with this qualified tag, in any of the project's namespaces; ValueError naming it if absent."""
    found = element.find(tag)
    if found is None:
        raise ValueError(f"{tag.rpartition('}')[2]} is missing")
    return found


def required_text(element: Element, tag: str) -> str:
    return (required(element, tag).text or "").strip()


def parse_bool(value: str) -> bool:
    return value in ("true", "1")


def read_timestamp(source: Source, name: str = "Timestamp") -> datetime:
    """A timestamp child, or OutOfRange naming it when the model cannot hold it."""
    value = text(source, name)
    try:
        return parse_timestamp(value)
    except (ValueError, OverflowError):
        message = f"{name} {value} is outside the calendar the gateway can hold (years 1 to 9999 in UTC)"
        raise OutOfRange(message, child(source, name)) from None


def read_header(element: Source) -> TillHeader:
    return TillHeader(
        message_id=text(element, "MessageId"),
        store_id=text(element, "StoreId"),
        register_id=text(element, "RegisterId"),
        cashier_id=text(element, "CashierId"),
        business_date=date.fromisoformat(text(element, "BusinessDate")),
        timestamp=read_timestamp(element),
        currency=text(element, "Currency"),
    )


def read_extensions(element: Source) -> tuple[Extension, ...]:
    found = child(element, "Extensions")
    return () if found is None else extensions_of(found)


def extensions_of(found: Element) -> tuple[Extension, ...]:
    """The Extension children of an Extensions element."""
    return tuple(Extension(item.get("name", ""), item.get("value", "")) for item in children(found, "Extension"))


def read_original_sale(element: Source) -> OriginalSale | None:
    found = child(element, "OriginalSale")
    return None if found is None else original_sale_of(found)


def original_sale_of(element: Element) -> OriginalSale:
    """An OriginalSale element's sale."""
    found = Fields(element)
    return OriginalSale(
        store_id=text(found, "StoreId"),
        register_id=text(found, "RegisterId"),
        business_date=date.fromisoformat(text(found, "BusinessDate")),
        transaction_sequence=text(found, "TransactionSequence"),
    )


def read_tenders(element: Source, name: str) -> tuple[TenderAmount, ...]:
    found = child(element, name)
    return () if found is None else tenders_of(found)


def tenders_of(found: Element) -> tuple[TenderAmount, ...]:
    """The Tender children of a tenders element."""
    return tuple(
        TenderAmount(TenderType(item.get("type", "")), Decimal(item.get("amount", "")))
        for item in children(found, "Tender")
    )


def read_customer(element: Source) -> Customer | None:
    found = _child_fields(element, "Customer")
    if found is None:
        return None
    return Customer(
        customer_type=opt_text(found, "CustomerType"),
        positive_id=_read_positive_id(found),
        customer_id=opt_text(found, "CustomerId"),
        name=_read_name(found),
        address=_read_address(found),
        phone=opt_text(found, "Phone"),
        loyalty_account_id=opt_text(found, "LoyaltyAccountId"),
    )


def _read_positive_id(element: Source) -> PositiveId | None:
    found = _child_fields(element, "PositiveId")
    if found is None:
        return None
    return PositiveId(
        id_type=text(found, "Type"),
        issuer=text(found, "Issuer"),
        number=text(found, "Number"),
        effective_date=opt(found, "EffectiveDate", date.fromisoformat),
        expiry_date=opt(found, "ExpiryDate", date.fromisoformat),
    )


def _read_name(element: Source) -> PersonName | None:
    found = child(element, "Name")
    return None if found is None else PersonName(text(found, "First"), text(found, "Last"))


def _read_address(element: Source) -> Address | None:
    found = child(element, "Address")
    if found is None:
        return None
    return Address(
        lines=tuple((line.text or "").strip() for line in children(found, "Line")),
        city=text(found, "City"),
        country=text(found, "Country"),
        region=opt_text(found, "Region"),
        postal_code=opt_text(found, "PostalCode"),
    )


# --- writing -------------------------------------------------------------------------------------


def format_value(value: object) -> str:
    """The contract's lexical form of a value: booleans, dates, timestamps, decimals, enums."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    enum_value = getattr(value, "value", None)
    return str(enum_value if enum_value is not None else value)


def _format_timestamp(value: datetime) -> str:
    if value.utcoffset() == timedelta(0):
        return value.replace(tzinfo=None).isoformat() + "Z"
    return value.isoformat()


def root(name: str) -> Element:
    return etree.Element(q(name), nsmap=NSMAP)


def sub(parent: Element, name: str, value: object = None, /, **attributes: str) -> Element:
    """Append a contract element with an optional text value and attributes."""
    element = etree.SubElement(parent, q(name), attributes)
    if value is not None:
        element.text = format_value(value)
    return element


def opt_sub(parent: Element, name: str, value: object) -> None:
    """Write an optional element only when it has a value."""
    if value is not None:
        sub(parent, name, value)


def write_header(parent: Element, header: TillHeader) -> None:
    sub(parent, "MessageId", header.message_id)
    sub(parent, "StoreId", header.store_id)
    sub(parent, "RegisterId", header.register_id)
    sub(parent, "CashierId", header.cashier_id)
    sub(parent, "BusinessDate", header.business_date)
    sub(parent, "Timestamp", header.timestamp)
    sub(parent, "Currency", header.currency)


def write_extensions(parent: Element, extensions: tuple[Extension, ...]) -> None:
    if extensions:
        holder = sub(parent, "Extensions")
        for extension in extensions:
            sub(holder, "Extension", name=extension.name, value=extension.value)


def write_original_sale(parent: Element, sale: OriginalSale | None) -> None:
    if sale is not None:
        holder = sub(parent, "OriginalSale")
        sub(holder, "StoreId", sale.store_id)
        sub(holder, "RegisterId", sale.register_id)
        sub(holder, "BusinessDate", sale.business_date)
        sub(holder, "TransactionSequence", sale.transaction_sequence)


def write_tenders(parent: Element, name: str, tenders: tuple[TenderAmount, ...]) -> None:
    if tenders:
        holder = sub(parent, name)
        for tender in tenders:
            sub(holder, "Tender", type=tender.tender.value, amount=format_value(tender.amount))


def write_customer(parent: Element, customer: Customer | None) -> None:
    if customer is None:
        return
    holder = sub(parent, "Customer")
    opt_sub(holder, "CustomerType", customer.customer_type)
    if customer.positive_id is not None:
        _write_positive_id(holder, customer.positive_id)
    opt_sub(holder, "CustomerId", customer.customer_id)
    if customer.name is not None:
        name = sub(holder, "Name")
        sub(name, "First", customer.name.first)
        sub(name, "Last", customer.name.last)
    if customer.address is not None:
        _write_address(holder, customer.address)
    opt_sub(holder, "Phone", customer.phone)
    opt_sub(holder, "LoyaltyAccountId", customer.loyalty_account_id)


def _write_positive_id(parent: Element, positive_id: PositiveId) -> None:
    holder = sub(parent, "PositiveId")
    sub(holder, "Type", positive_id.id_type)
    sub(holder, "Issuer", positive_id.issuer)
    sub(holder, "Number", positive_id.number)
    opt_sub(holder, "EffectiveDate", positive_id.effective_date)
    opt_sub(holder, "ExpiryDate", positive_id.expiry_date)


def _write_address(parent: Element, address: Address) -> None:
    holder = sub(parent, "Address")
    for line in address.lines:
        sub(holder, "Line", line)
    sub(holder, "City", address.city)
    opt_sub(holder, "Region", address.region)
    opt_sub(holder, "PostalCode", address.postal_code)
    sub(holder, "Country", address.country)
