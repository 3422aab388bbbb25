"""Typed values of a decision: per-line and transaction responses, reasons and the trace."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from handlers.models import LoyaltyAdjustment, ResponseType, TenderAmount, TenderType


@dataclass(frozen=True, slots=True)
class Description:
    """A code's short and optional long description in one language."""

    lang: str
    short: str
    long: str | None = None


@dataclass(frozen=True, slots=True)
class ReceiptMessage:
    """A receipt message in each of its languages: (lang, text) pairs."""

    message_id: str
    texts: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CodedResponse:
    """A response type with its code and descriptions."""

    response_type: ResponseType
    code: str
    descriptions: tuple[Description, ...]


class Reason(NamedTuple):
    """Machine-readable reason: the rule, its question, the answer matched and the code it set."""

    rule: str
    question: str
    answer: str
    code: str | None = None


class TraceStep(NamedTuple):
    """One rule asked: its input, the answer matched, the outcome and whether the line's code changed."""

    rule: str
    question: str
    input_value: str
    answer: str
    action: str
    code: str | None
    changed_code: bool


@dataclass(frozen=True, slots=True)
class LineTrace:
    """How a line was decided: candidate policies, why the chosen one won, then every rule step."""

    candidates: tuple[str, ...]
    selection: str
    steps: tuple[TraceStep, ...]


@dataclass(frozen=True, slots=True)
class LineDecision:
    line_number: int
    approved_quantity: Decimal
    response: CodedResponse
    refund_tenders: tuple[TenderType, ...]
    restocking_fee: Decimal
    refund_amount: Decimal
    policy_id: str
    reasons: tuple[Reason, ...]
    receipt_messages: tuple[ReceiptMessage, ...] = ()
    disposition_code: str | None = None
    customer_information_required: bool = False
    trace: LineTrace | None = None
    loyalty_preview: tuple[LoyaltyAdjustment, ...] = ()
    refund_split: tuple[TenderAmount, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthorizeResponse:
    """The answer to an authorize request; `response` is the most severe line's."""

    request_message_id: str
    ticket_id: str
    policy_version: str
    response: CodedResponse
    overrides_available: int
    override_used: bool
    customer_information_required: bool
    lines: tuple[LineDecision, ...]
    receipt_messages: tuple[ReceiptMessage, ...] = ()


@dataclass(frozen=True, slots=True)
class Fault:
    """A refusal as data: code, message and issues (message, line, column, xpath)."""

    code: str
    message: str
    issues: tuple[tuple[str, int | None, int | None, str | None], ...] = ()
