"""Amounts a message may carry only as far as the answers can hold them.

Each value of a line is within its XSD type, but the refund a line makes (unit price x quantity + tax) and the sum
of a message's lines must fit the money type of the response too (15 digits, 3 of them decimals): a larger request
is refused up front (OutOfRange), rather than answered with an amount the till cannot read.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from handlers.models import AuthorizeRequest, FinalResult
from handlers.xml.instants import OutOfRange
from handlers.xml.xmlcommon import child, children

MONEY_LIMIT = Decimal(10) ** 12


def check_amounts(message: AuthorizeRequest | FinalResult, element: etree._Element) -> None:
    """OutOfRange, naming the line, when a request's refund amounts could not be answered."""
    if isinstance(message, AuthorizeRequest):
        _check_request(message, element)
    elif message.offline_request is not None:
        found = child(element, "OfflineRequest")
        _check_request(message.offline_request, found if found is not None else element)


def _check_request(request: AuthorizeRequest, element: etree._Element) -> None:
    lines_element = child(element, "Lines")
    line_elements = children(lines_element, "Line") if lines_element is not None else []
    total = Decimal(0)
    for position, line in enumerate(request.lines):
        gross = line.unit_price_paid * line.quantity + (line.tax_paid or 0)
        total += gross
        where = line_elements[position] if position < len(line_elements) else element
        if gross >= MONEY_LIMIT or total >= MONEY_LIMIT:
            raise OutOfRange(
                f"line {line.line_number} brings the refund to {total:,.2f}, beyond the {MONEY_LIMIT:,.0f} an answer"
                " can carry",
                where,
            )
