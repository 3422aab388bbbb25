"""Typed values of the till messages: authorize request, final result and acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum


class Symbol(Enum):
    """An enumeration hashed by identity: members are singletons, and identity hashing is exact and fast."""

    __hash__ = object.__hash__


class ResponseType(Symbol):
    """Engine outcomes; `severity` orders them, Authorization least severe, Denial most."""

    AUTHORIZATION = "Authorization"
    CONTINGENT_AUTHORIZATION = "ContingentAuthorization"
    MANAGER_OVERRIDEABLE_DENIAL = "ManagerOverrideableDenial"
    DENIAL = "Denial"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def approves(self) -> bool:
        return self is ResponseType.AUTHORIZATION or self is ResponseType.CONTINGENT_AUTHORIZATION


_SEVERITY = {kind: rank for rank, kind in enumerate(ResponseType)}


class ItemCondition(Symbol):
    NEW = "New"
    UNOPENED = "Unopened"
    OPENED = "Opened"
    USED = "Used"
    DAMAGED = "Damaged"
    DEFECTIVE = "Defective"


class TenderType(Symbol):
    CASH = "Cash"
    CHECK = "Check"
    CREDIT = "Credit"
    DEBIT = "Debit"
    GIFT_CARD = "GiftCard"
    GIFT_CERTIFICATE = "GiftCertificate"
    STORE_CREDIT = "StoreCredit"
    MAIL_CHECK = "MailCheck"
    MONEY_ORDER = "MoneyOrder"
    COUPON = "Coupon"
    TRAVEL_CHECK = "TravelCheck"
    PURCHASE_ORDER = "PurchaseOrder"
    E_CHECK = "ECheck"
    MALL_CERTIFICATE = "MallCertificate"


class TransactionType(Symbol):
    RETURN = "Return"
    EXCHANGE = "Exchange"


class PointsSource(Symbol):
    ECONOMY = "Economy"
    CAMPAIGN = "Campaign"


class FinalDecision(Symbol):
    RETURNED = "Returned"
    NOT_RETURNED = "NotReturned"


class AckStatus(Symbol):
    RECORDED = "Recorded"
    DUPLICATE = "Duplicate"
    VOIDED = "Voided"


@dataclass(frozen=True, slots=True)
class Extension:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class PositiveId:
    id_type: str
    issuer: str
    number: str
    effective_date: date | None = None
    expiry_date: date | None = None


@dataclass(frozen=True, slots=True)
class PersonName:
    first: str
    last: str


@dataclass(frozen=True, slots=True)
class Address:
    lines: tuple[str, ...]
    city: str
    country: str
    region: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    customer_type: str | None = None
    positive_id: PositiveId | None = None
    customer_id: str | None = None
    name: PersonName | None = None
    address: Address | None = None
    phone: str | None = None
    loyalty_account_id: str | None = None


@dataclass(frozen=True, slots=True)
class OriginalSale:
    store_id: str
    register_id: str
    business_date: date
    transaction_sequence: str

    @property
    def key(self) -> str:
        """One string naming the sale, for history look-ups."""
        return f"{self.store_id}/{self.register_id}/{self.business_date.isoformat()}/{self.transaction_sequence}"


@dataclass(frozen=True, slots=True)
class TenderAmount:
    tender: TenderType
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LoyaltyPoints:
    account: str
    source: PointsSource
    points: Decimal
    campaign: str | None = None


@dataclass(frozen=True, slots=True)
class LoyaltyOutcome:
    points: tuple[LoyaltyPoints, ...] = ()
    offer_redeemed: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnLine:
    """One line of an authorize request."""

    line_number: int
    item_id: str
    quantity: Decimal
    unit_price_paid: Decimal
    receipted: bool
    description: str | None = None
    merchandise_hints: tuple[str, ...] = ()
    tax_paid: Decimal | None = None
    serial_number: str | None = None
    item_condition: ItemCondition | None = None
    reason_code: str | None = None
    manually_entered: bool | None = None
    gift_receipt: bool | None = None
    receipt_found: bool | None = None
    original_sale: OriginalSale | None = None
    purchase_date: date | None = None
    delivery_date: date | None = None
    original_quantity: Decimal | None = None
    original_tenders: tuple[TenderAmount, ...] = ()
    loyalty: LoyaltyOutcome | None = None
    extensions: tuple[Extension, ...] = ()


@dataclass(frozen=True, slots=True)
class TillHeader:
    """Who sent a till message, from where and when."""

    message_id: str
    store_id: str
    register_id: str
    cashier_id: str
    business_date: date
    timestamp: datetime
    currency: str


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    """Authorize Items for Return."""

    header: TillHeader
    transaction_type: TransactionType
    lines: tuple[ReturnLine, ...]
    languages: tuple[str, ...] = ()
    ticket_id: str | None = None
    customer: Customer | None = None
    extensions: tuple[Extension, ...] = ()

    @property
    def positive_id(self) -> PositiveId | None:
        return self.customer.positive_id if self.customer else None


@dataclass(frozen=True, slots=True)
class OverrideInfo:
    override_obtained: bool
    tender_override: bool
    manager_id: str | None = None


@dataclass(frozen=True, slots=True)
class FinalLine:
    """The outcome of one line at the till."""

    line_number: int
    item_id: str
    decision: FinalDecision
    quantity_returned: Decimal
    final_result_code: str | None = None
    override: OverrideInfo | None = None
    original_sale: OriginalSale | None = None
    refund_tenders: tuple[TenderAmount, ...] = ()
    extensions: tuple[Extension, ...] = ()


@dataclass(frozen=True, slots=True)
class FinalResult:
    """Return Final Result."""

    header: TillHeader
    return_transaction_id: str
    lines: tuple[FinalLine, ...]
    ticket_id: str | None = None
    offline_date: date | None = None
    offline_request: AuthorizeRequest | None = None
    voided: bool | None = None
    customer: Customer | None = None
    extensions: tuple[Extension, ...] = ()

    @property
    def is_void(self) -> bool:
        return bool(self.voided)


@dataclass(frozen=True, slots=True)
class LoyaltyAdjustment:
    """One loyalty ledger entry a return appended."""

    kind: str
    account: str | None = None
    source: PointsSource | None = None
    points: Decimal | None = None
    balance: Decimal | None = None
    offer_id: str | None = None
    basis: str | None = None


@dataclass(frozen=True, slots=True)
class LoyaltySummary:
    """A return's loyalty adjustments and the account's points and balance afterwards."""

    account_id: str
    adjustments: tuple[LoyaltyAdjustment, ...]
    points: tuple[tuple[str, Decimal], ...]
    balance: Decimal


@dataclass(frozen=True, slots=True)
class FinalResultAck:
    request_message_id: str
    ticket_id: str
    return_transaction_id: str
    status: AckStatus
    loyalty: LoyaltySummary | None = None
