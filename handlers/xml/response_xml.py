"""Mapping of the authorize response: AuthorizeResponse <-> XML."""

from __future__ import annotations

import functools
from decimal import Decimal

from lxml import etree

from handlers.decision import AuthorizeResponse, CodedResponse, LineDecision, Reason
from handlers.models import ResponseType, TenderAmount, TenderType
from handlers.xml.adjustments_xml import adjustments_text, read_adjustments
from handlers.xml.texts_xml import descriptions_text, read_descriptions, read_receipt_messages, receipt_messages_text
from handlers.xml.xmlcommon import (
    Element,
    child,
    children,
    opt_text,
    parse_bool,
    text,
)
from handlers.xml.xmltext import container, document, leaf, opt_leaf

ROOT = "AuthorizeReturnResponse"


def to_bytes(response: AuthorizeResponse) -> bytes:
    """The response message as UTF-8 bytes, written as text (the hot path of every authorize)."""
    lines = "".join(_line(line) for line in response.lines)
    content = (
        leaf("RequestMessageId", response.request_message_id)
        + leaf("TicketId", response.ticket_id)
        + leaf("PolicyVersion", response.policy_version)
        + _response(response.response)
        + receipt_messages_text(response.receipt_messages)
        + leaf("CustomerServiceOverridesAvailable", response.overrides_available)
        + leaf("CustomerServiceOverrideUsed", response.override_used)
        + leaf("CustomerInformationRequired", response.customer_information_required)
        + container("Lines", lines)
    )
    return document(ROOT, content)


def to_xml(response: AuthorizeResponse) -> Element:
    return etree.fromstring(to_bytes(response))


@functools.lru_cache(maxsize=1024)
def _response(response: CodedResponse) -> str:
    """Lines share a handful of codes, tender lists and reasons: each is written once and reused."""
    content = leaf("Type", response.response_type) + leaf("Code", response.code)
    return container("Response", content + descriptions_text(response.descriptions))


@functools.lru_cache(maxsize=1024)
def _tenders(tenders: tuple[TenderType, ...]) -> str:
    return container("RefundTenders", "".join(leaf("Tender", tender) for tender in tenders))


def _split(split: tuple[TenderAmount, ...]) -> str:
    if not split:
        return ""
    return container("RefundSplit", "".join(container("Tender", type=t.tender, amount=t.amount) for t in split))


@functools.lru_cache(maxsize=1024)
def _reasons(reasons: tuple[Reason, ...]) -> str:
    items = "".join(
        container("Reason", rule=reason.rule, question=reason.question, answer=reason.answer, code=reason.code)
        for reason in reasons
    )
    return container("Reasons", items)


def _line(line: LineDecision) -> str:
    preview = container("LoyaltyPreview", adjustments_text(line.loyalty_preview)) if line.loyalty_preview else ""
    content = (
        leaf("LineNumber", line.line_number)
        + leaf("ApprovedQuantity", line.approved_quantity)
        + _response(line.response)
        + receipt_messages_text(line.receipt_messages)
        + _tenders(line.refund_tenders)
        + _split(line.refund_split)
        + opt_leaf("DispositionCode", line.disposition_code)
        + leaf("RestockingFee", line.restocking_fee)
        + leaf("RefundAmount", line.refund_amount)
        + leaf("PolicyId", line.policy_id)
        + _reasons(line.reasons)
        + preview
    )
    return container("Line", content)


def from_xml(element: Element) -> AuthorizeResponse:
    lines = child(element, "Lines")
    return AuthorizeResponse(
        request_message_id=text(element, "RequestMessageId"),
        ticket_id=text(element, "TicketId"),
        policy_version=text(element, "PolicyVersion"),
        response=_read_response(element),
        overrides_available=int(text(element, "CustomerServiceOverridesAvailable")),
        override_used=parse_bool(text(element, "CustomerServiceOverrideUsed")),
        customer_information_required=parse_bool(text(element, "CustomerInformationRequired")),
        lines=tuple(_read_line(line) for line in children(lines, "Line")) if lines is not None else (),
        receipt_messages=read_receipt_messages(element),
    )


def _read_response(element: Element) -> CodedResponse:
    holder = child(element, "Response")
    if holder is None:
        raise ValueError("Response is missing")
    return CodedResponse(ResponseType(text(holder, "Type")), text(holder, "Code"), read_descriptions(holder))


def _read_line(element: Element) -> LineDecision:
    tenders = child(element, "RefundTenders")
    reasons = child(element, "Reasons")
    preview = child(element, "LoyaltyPreview")
    split = child(element, "RefundSplit")
    return LineDecision(
        line_number=int(text(element, "LineNumber")),
        approved_quantity=Decimal(text(element, "ApprovedQuantity")),
        response=_read_response(element),
        refund_tenders=tuple(TenderType((t.text or "").strip()) for t in tenders) if tenders is not None else (),
        restocking_fee=Decimal(text(element, "RestockingFee")),
        refund_amount=Decimal(text(element, "RefundAmount")),
        policy_id=text(element, "PolicyId"),
        reasons=tuple(
            Reason(r.get("rule", ""), r.get("question", ""), r.get("answer", ""), r.get("code"))
            for r in (children(reasons, "Reason") if reasons is not None else [])
        ),
        receipt_messages=read_receipt_messages(element),
        disposition_code=opt_text(element, "DispositionCode"),
        loyalty_preview=read_adjustments(preview) if preview is not None else (),
        refund_split=tuple(
            TenderAmount(TenderType(t.get("type", "")), Decimal(t.get("amount", "")))
            for t in (children(split, "Tender") if split is not None else [])
        ),
    )
