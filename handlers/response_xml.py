"""Mapping of the authorize response: AuthorizeResponse <-> XML."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal

from handlers.adjustments_xml import read_adjustments, write_adjustments
from handlers.decision import AuthorizeResponse, CodedResponse, LineDecision, Reason
from handlers.models import ResponseType, TenderType
from handlers.texts_xml import read_descriptions, read_receipt_messages, write_descriptions, write_receipt_messages
from handlers.xmlcommon import (
    Element,
    child,
    children,
    opt_sub,
    opt_text,
    parse_bool,
    root,
    standalone,
    sub,
    text,
)

ROOT = "AuthorizeReturnResponse"


def to_xml(response: AuthorizeResponse) -> Element:
    element = root(ROOT)
    sub(element, "RequestMessageId", response.request_message_id)
    sub(element, "TicketId", response.ticket_id)
    sub(element, "PolicyVersion", response.policy_version)
    _write_response(element, response.response)
    write_receipt_messages(element, response.receipt_messages)
    sub(element, "CustomerServiceOverridesAvailable", response.overrides_available)
    sub(element, "CustomerServiceOverrideUsed", response.override_used)
    sub(element, "CustomerInformationRequired", response.customer_information_required)
    lines = sub(element, "Lines")
    for line in response.lines:
        _write_line(sub(lines, "Line"), line)
    return element


_SUBTREES: dict[object, Element] = {}
_SUBTREE_LIMIT = 1_000


def _subtree(key: object, build: Callable[[], Element]) -> Element:
    """A copy (lxml copies are deep) of a subtree built once per distinct value: lines share codes and reasons."""
    found = _SUBTREES.get(key)
    if found is None:
        if len(_SUBTREES) >= _SUBTREE_LIMIT:
            _SUBTREES.clear()
        found = _SUBTREES[key] = build()
    return copy.copy(found)


def _write_response(parent: Element, response: CodedResponse) -> None:
    parent.append(_subtree(("response", response), lambda: _response(response)))


def _response(response: CodedResponse) -> Element:
    holder = standalone("Response")
    sub(holder, "Type", response.response_type)
    sub(holder, "Code", response.code)
    write_descriptions(holder, response.descriptions)
    return holder


def _tenders(tenders: tuple[TenderType, ...]) -> Element:
    holder = standalone("RefundTenders")
    for tender in tenders:
        sub(holder, "Tender", tender)
    return holder


def _reasons(reasons: tuple[Reason, ...]) -> Element:
    holder = standalone("Reasons")
    for reason in reasons:
        attributes = {"rule": reason.rule, "question": reason.question, "answer": reason.answer}
        if reason.code is not None:
            attributes["code"] = reason.code
        sub(holder, "Reason", **attributes)
    return holder


def _write_line(element: Element, line: LineDecision) -> None:
    sub(element, "LineNumber", line.line_number)
    sub(element, "ApprovedQuantity", line.approved_quantity)
    _write_response(element, line.response)
    write_receipt_messages(element, line.receipt_messages)
    element.append(_subtree(("tenders", line.refund_tenders), lambda: _tenders(line.refund_tenders)))
    opt_sub(element, "DispositionCode", line.disposition_code)
    sub(element, "RestockingFee", line.restocking_fee)
    sub(element, "RefundAmount", line.refund_amount)
    sub(element, "PolicyId", line.policy_id)
    element.append(_subtree(("reasons", line.reasons), lambda: _reasons(line.reasons)))
    if line.loyalty_preview:
        write_adjustments(sub(element, "LoyaltyPreview"), line.loyalty_preview)


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
    )
