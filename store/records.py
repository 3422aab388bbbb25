"""Plain values the store reads and writes; the domain decides what they contain, the store only persists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from handlers.history.history import History
from handlers.loyalty.loyalty import Account, Entry, Purchase


@dataclass(frozen=True, slots=True)
class TicketOpening:
    """A ticket to open (or an attempt to add to `existing_ticket_id`) for one authorize message."""

    message_id: str
    digest: str
    ticket_id: str
    store_id: str
    register_id: str
    cashier_id: str
    business_date: date
    received_at: str
    origin: str = "online"
    existing_ticket_id: str | None = None
    positive_id_hash: str | None = None
    positive_id_display: str | None = None
    customer_id: str | None = None
    customer_type: str | None = None
    customer_masked: str | None = None
    customer_sealed: str | None = None
    loyalty_account_id: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """What to read for the rules: a customer, a cashier, original sale lines, and how far back the rules look at
    the customer's returns and the cashier's exceptions (None: no rule does, so nothing is read)."""

    positive_id_hash: str | None
    cashier_id: str
    sale_items: tuple[tuple[str, str], ...]
    customer_since: date | None
    cashier_since: date | None
    today: date
    loyalty_account_id: str | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    """A ticket and attempt ready for evaluation, or the stored response of an already answered message."""

    ticket_id: str
    attempt_no: int
    history: History
    stored_response: bytes | None = None
    active_policy: str | None = None
    loyalty: tuple[Account, dict[str, Purchase]] | None = None


@dataclass(frozen=True, slots=True)
class Authorized:
    """What an authorize transaction did: the opened ticket, and the decision stored with it (if it was made)."""

    opened: Opened
    record: DecisionRecord | None = None


@dataclass(frozen=True, slots=True)
class LineRecord:
    line_number: int
    item_id: str
    original_sale: str | None
    receipted: bool
    gift_receipt: bool
    quantity: Decimal
    unit_price: Decimal
    response_type: str
    response_code: str
    approved_quantity: Decimal
    refund_amount: Decimal
    policy_id: str
    pattern_watch: bool


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """An evaluated attempt, its lines and the exact response bytes sent."""

    ticket_id: str
    attempt_no: int
    message_id: str
    responded_at: str
    policy_version: str
    response_type: str
    response_code: str
    customer_information_required: bool
    override_used: bool
    decision_json: str
    lines: tuple[LineRecord, ...]
    response: bytes


@dataclass(frozen=True, slots=True)
class TicketState:
    """What the store knows of a ticket when a final result arrives: its header and latest decided lines."""

    ticket_id: str
    status: str
    store_id: str
    cashier_id: str
    positive_id_hash: str | None
    lines: tuple[LineRecord, ...]
    loyalty_account_id: str | None = None


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    subject_kind: str
    subject: str
    exception_type: str
    occurred_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CustomerReturnRecord:
    receipted: bool
    items: Decimal
    amount: Decimal
    pattern_watch: bool


@dataclass(frozen=True, slots=True)
class FinalPlan:
    """What a completed return writes: exceptions, the customer's return record and quantities returned."""

    exceptions: tuple[ExceptionRecord, ...]
    customer_returns: tuple[CustomerReturnRecord, ...]
    returned: tuple[tuple[str, str, Decimal], ...]
    positive_id_hash: str | None


@dataclass(frozen=True, slots=True)
class LoyaltyReturn:
    """How a completed return adjusts loyalty: which sales to read, then the entries to append (pure); `settle`: after
    a void, what the returns still standing must take back of these sales (pure)."""

    account_id: str | None
    sales: Callable[[TicketState], set[str]]
    plan: Callable[[Account, dict[str, Purchase], dict[tuple[str, str], Decimal], TicketState], list[Entry]]
    settle: Callable[[Account, dict[str, Purchase], dict[tuple[str, str], Decimal]], list[Entry]] | None = None


@dataclass(frozen=True, slots=True)
class LoyaltyOutcome:
    """The adjustments a return made to an account, and the account afterwards."""

    account_id: str
    entries: tuple[Entry, ...]
    account: Account


@dataclass(frozen=True, slots=True)
class OfflineOpening:
    """The ticket a final result without a TicketId opens from its OfflineRequest, in the final result's own
    transaction: opened, evaluated (by `decide`) and recorded together, or not at all."""

    opening: TicketOpening
    query: HistoryQuery
    decide: Callable[[Opened], DecisionRecord | None]


class PolicySwitched(Exception):
    """The offline ticket could not be decided under the caller's policy version: `active` is the one to use.

    Raised inside the final result's transaction, so that nothing it wrote is kept."""

    def __init__(self, active: str | None) -> None:
        super().__init__(f"policy version {active} is active")
        self.active = active


@dataclass(frozen=True, slots=True)
class FinalSubmission:
    """A final result to record; `plan` (pure domain logic) turns the ticket's state into what to write."""

    message_id: str
    digest: str
    ticket_id: str
    store_id: str
    return_transaction_id: str
    voided: bool
    business_date: date
    received_at: str
    result_json: str
    plan: Callable[[TicketState], FinalPlan]
    render_ack: Callable[[str, str, LoyaltyOutcome | None], bytes]
    loyalty: LoyaltyReturn | None = None
    offline: OfflineOpening | None = None


@dataclass(frozen=True, slots=True)
class FinalOutcome:
    ticket_id: str
    status: str
    response: bytes


@dataclass(frozen=True, slots=True)
class Stamp:
    """Who makes an administrative change, and when: every audited job carries one."""

    at: str
    actor: str
