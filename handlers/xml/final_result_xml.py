"""Mapping of the Return Final Result and its acknowledgement: XML <-> FinalResult, FinalResultAck."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from handlers.models import (
    AckStatus,
    FinalDecision,
    FinalLine,
    FinalResult,
    FinalResultAck,
    LoyaltySummary,
    OverrideInfo,
)
from handlers.xml import authorize_xml
from handlers.xml.adjustments_xml import adjustments_text, read_adjustments
from handlers.xml.xmlcommon import (
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
from handlers.xml.xmltext import container, document, leaf

ROOT = "ReturnFinalResult"
ACK_ROOT = "FinalResultAck"


def from_xml(root: Element) -> FinalResult:
    element = Fields(root)
    offline = child(element, "OfflineRequest")
    lines = child(element, "Lines")
    return FinalResult(
        header=read_header(element),
        return_transaction_id=text(element, "ReturnTransactionId"),
        lines=tuple(_read_line(line) for line in children(lines, "Line")) if lines is not None else (),
        ticket_id=opt_text(element, "TicketId"),
        offline_date=opt(element, "OfflineDate", date.fromisoformat),
        offline_request=authorize_xml.from_xml(offline) if offline is not None else None,
        voided=opt(element, "Voided", parse_bool),
        customer=read_customer(element),
        extensions=read_extensions(element),
    )


def _read_line(line: Element) -> FinalLine:
    element = Fields(line)
    override = child(element, "Override")
    return FinalLine(
        line_number=int(text(element, "LineNumber")),
        item_id=text(element, "ItemId"),
        decision=FinalDecision(text(element, "FinalDecision")),
        quantity_returned=Decimal(text(element, "QuantityReturned")),
        final_result_code=opt_text(element, "FinalResultCode"),
        override=_read_override(override) if override is not None else None,
        original_sale=read_original_sale(element),
        refund_tenders=read_tenders(element, "RefundTenders"),
        extensions=read_extensions(element),
    )


def _read_override(element: Element) -> OverrideInfo:
    return OverrideInfo(
        override_obtained=parse_bool(text(element, "OverrideObtained")),
        tender_override=parse_bool(text(element, "TenderOverride")),
        manager_id=opt_text(element, "ManagerId"),
    )


def to_xml(result: FinalResult) -> Element:
    element = root(ROOT)
    write_header(element, result.header)
    opt_sub(element, "TicketId", result.ticket_id)
    opt_sub(element, "OfflineDate", result.offline_date)
    if result.offline_request is not None:
        authorize_xml.fill(sub(element, "OfflineRequest"), result.offline_request)
    sub(element, "ReturnTransactionId", result.return_transaction_id)
    opt_sub(element, "Voided", result.voided)
    write_customer(element, result.customer)
    lines = sub(element, "Lines")
    for line in result.lines:
        _write_line(sub(lines, "Line"), line)
    write_extensions(element, result.extensions)
    return element


def _write_line(element: Element, line: FinalLine) -> None:
    sub(element, "LineNumber", line.line_number)
    sub(element, "ItemId", line.item_id)
    sub(element, "FinalDecision", line.decision)
    sub(element, "QuantityReturned", line.quantity_returned)
    opt_sub(element, "FinalResultCode", line.final_result_code)
    if line.override is not None:
        holder = sub(element, "Override")
        opt_sub(holder, "ManagerId", line.override.manager_id)
        sub(holder, "OverrideObtained", line.override.override_obtained)
        sub(holder, "TenderOverride", line.override.tender_override)
    write_original_sale(element, line.original_sale)
    write_tenders(element, "RefundTenders", line.refund_tenders)
    write_extensions(element, line.extensions)


def ack_to_bytes(ack: FinalResultAck) -> bytes:
    """The acknowledgement as UTF-8 bytes, written as text."""
    content = (
        leaf("RequestMessageId", ack.request_message_id)
        + leaf("TicketId", ack.ticket_id)
        + leaf("ReturnTransactionId", ack.return_transaction_id)
        + leaf("Status", ack.status)
        + (_loyalty_text(ack.loyalty) if ack.loyalty is not None else "")
    )
    return document(ACK_ROOT, content)


def ack_to_xml(ack: FinalResultAck) -> Element:
    return etree.fromstring(ack_to_bytes(ack))


def _loyalty_text(summary: LoyaltySummary) -> str:
    points = "".join(leaf("Points", points, account=account) for account, points in summary.points)
    content = adjustments_text(summary.adjustments) + points + leaf("BalanceTowardReward", summary.balance)
    return container("Loyalty", content, accountId=summary.account_id)


def _read_loyalty(element: Element) -> LoyaltySummary:
    adjustments = read_adjustments(element)
    points = tuple(
        (item.get("account", ""), Decimal((item.text or "0").strip())) for item in children(element, "Points")
    )
    return LoyaltySummary(
        element.get("accountId", ""), adjustments, points, Decimal(text(element, "BalanceTowardReward"))
    )


def ack_from_xml(element: Element) -> FinalResultAck:
    loyalty = child(element, "Loyalty")
    return FinalResultAck(
        request_message_id=text(element, "RequestMessageId"),
        ticket_id=text(element, "TicketId"),
        return_transaction_id=text(element, "ReturnTransactionId"),
        status=AckStatus(text(element, "Status")),
        loyalty=_read_loyalty(loyalty) if loyalty is not None else None,
    )
