"""The message handlers: authorize and final result, from typed request to stored decision and response bytes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from lxml import etree

from handlers.decision_json import decision_json
from handlers.errors import MessageInvalid, StoreMismatch
from handlers.history.exceptions import ExceptionSettings, planner
from handlers.history.history import history_reach
from handlers.history.kept_records import ack_renderer, line_records, result_json
from handlers.loyalty.loyalty import Program
from handlers.loyalty.loyalty_returns import loyalty_return, with_preview
from handlers.models import AuthorizeRequest, FinalResult
from handlers.policy.engine import Evaluation, evaluate
from handlers.policy.policy_model import PatternWatch, PolicySet
from handlers.policy.respond import authorize_response
from handlers.privacy import masked_customer, positive_id_display, positive_id_hash, sealed_customer
from handlers.xml import response_xml
from store.base import Store
from store.records import (
    DecisionRecord,
    FinalSubmission,
    HistoryQuery,
    OfflineOpening,
    Opened,
    PolicySwitched,
    TicketOpening,
)


def serialize(element: etree._Element) -> bytes:
    """A response as UTF-8 bytes with an XML declaration."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def digest(secret: bytes, message: AuthorizeRequest | FinalResult) -> str:
    """A keyed fingerprint of a message's content (not its layout): tells a retry from another message with its id."""
    return hmac.new(secret, repr(message).encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Answer:
    """Response bytes for the till, and whether they repeat an answer already given (nothing new was written)."""

    body: bytes
    duplicate: bool = False
    response_type: str | None = None


class PolicyHolder:
    """The active policy set; replacing `current` switches every later request to the new version."""

    def __init__(self, policy_set: PolicySet) -> None:
        self.current = policy_set


@dataclass
class ReturnsService:
    """Authorize and final-result handling over a Store; the clock is injected, the engine stays pure."""

    store: Store
    policies: PolicyHolder
    secret: bytes
    exception_settings: ExceptionSettings = field(default_factory=ExceptionSettings)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    policy_source: Callable[[str], Awaitable[PolicySet]] | None = None
    loyalty_program: Program | None = None

    async def authorize(self, request: AuthorizeRequest) -> Answer:
        """Open the ticket and commit it, read history, evaluate, store the decision, answer."""
        return (await self._authorize(request, "online"))[1]

    async def _authorize(self, request: AuthorizeRequest, origin: str) -> tuple[str, Answer]:
        """One transaction opens the ticket, reads the history the policy asks for and stores the decision.

        When another worker activated a policy version meanwhile, the opened ticket is committed undecided and the
        same transaction runs again under that version, reading the history it asks for; it finds the ticket it
        opened (by message id), so nothing is opened twice.
        """
        opening = self._opening(request, origin)
        policy_set = self.policies.current
        while True:
            query = self._history_query(request, opening.positive_id_hash, policy_set)
            done = await self.store.authorize(opening, query, self._decider(request, policy_set))
            opened, record = done.opened, done.record
            if opened.stored_response is not None:
                return opened.ticket_id, Answer(opened.stored_response, duplicate=True)
            if record is not None:
                return opened.ticket_id, Answer(record.response, response_type=record.response_type)
            policy_set = await self._switch(opened.active_policy or policy_set.version)

    def _decider(self, request: AuthorizeRequest, policy_set: PolicySet) -> Callable[[Opened], DecisionRecord | None]:
        """Decide an opened ticket under `policy_set`, unless the database says another version is active."""

        def decide(opened: Opened) -> DecisionRecord | None:
            switching = self.policy_source is not None and not _is_active(policy_set, opened)
            return None if switching else self._decide(request, policy_set, opened)

        return decide

    def _decide(self, request: AuthorizeRequest, policy_set: PolicySet, opened: Opened) -> DecisionRecord:
        """Evaluate an opened ticket (pure: no I/O) and make the record and response of the decision."""
        request = _tier_as_customer_type(request, opened)
        evaluation = evaluate(request, policy_set, opened.history, request.header.business_date)
        if self.loyalty_program is not None and opened.loyalty is not None:
            returned = opened.history.returned_quantities
            evaluation = with_preview(evaluation, request, self.loyalty_program, opened.loyalty, returned)
        response = authorize_response(
            evaluation,
            request.header.message_id,
            opened.ticket_id,
            policy_set.version,
            opened.history.overrides_available,
        )
        body = response_xml.to_bytes(response)
        watches = policy_set.pattern_watches + opened.history.pattern_watches
        return self._decision_record(request, opened, evaluation, policy_set, body, watches)

    async def _switch(self, version: str) -> PolicySet:
        """Another worker activated a policy version: load it once, then every later request uses it."""
        if self.policy_source is None:
            return self.policies.current
        self.policies.current = await self.policy_source(version)
        return self.policies.current

    async def final_result(self, result: FinalResult) -> Answer:
        """Record what happened at the till: exceptions only here, reversed by a void.

        A final result without a TicketId opens its ticket from the OfflineRequest it carries, evaluates it and
        records the result in one transaction: all of it is written, or none of it.
        """
        _check_offline(result)
        policy_set = self.policies.current
        while True:
            try:
                outcome = await self.store.record_final(self._submission(result, policy_set))
            except PolicySwitched as switched:
                policy_set = await self._switch(switched.active or policy_set.version)
                continue
            return Answer(outcome.response, duplicate=outcome.status in ("Replayed", "Duplicate"))

    def _submission(self, result: FinalResult, policy_set: PolicySet) -> FinalSubmission:
        customer = result.customer.positive_id if result.customer else None
        request = result.offline_request if result.ticket_id is None else None
        return FinalSubmission(
            message_id=result.header.message_id,
            digest=digest(self.secret, result),
            ticket_id=result.ticket_id or (_ticket_id(request, "offline") if request else ""),
            store_id=result.header.store_id,
            return_transaction_id=result.return_transaction_id,
            voided=result.is_void,
            business_date=result.header.business_date,
            received_at=self._now(),
            result_json=result_json(result),
            plan=planner(
                result, positive_id_hash(self.secret, customer) if customer else None, self.exception_settings
            ),
            render_ack=ack_renderer(result),
            loyalty=loyalty_return(self.loyalty_program, result) if self.loyalty_program else None,
            offline=None if request is None else self._offline_opening(request, policy_set),
        )

    def _offline_opening(self, request: AuthorizeRequest, policy_set: PolicySet) -> OfflineOpening:
        """How to open and decide the ticket of an offline final result, inside the final result's transaction."""
        opening = self._opening(request, "offline")
        query = self._history_query(request, opening.positive_id_hash, policy_set)
        return OfflineOpening(opening, query, self._decider(request, policy_set))

    def _opening(self, request: AuthorizeRequest, origin: str) -> TicketOpening:
        header, customer = request.header, request.customer
        positive_id = request.positive_id
        return TicketOpening(
            message_id=header.message_id,
            digest=digest(self.secret, request),
            ticket_id=_ticket_id(request, origin),
            store_id=header.store_id,
            register_id=header.register_id,
            cashier_id=header.cashier_id,
            business_date=header.business_date,
            received_at=self._now(),
            origin=origin,
            existing_ticket_id=request.ticket_id,
            positive_id_hash=positive_id_hash(self.secret, positive_id) if positive_id else None,
            positive_id_display=positive_id_display(positive_id) if positive_id else None,
            customer_id=customer.customer_id if customer else None,
            customer_type=customer.customer_type if customer else None,
            customer_masked=masked_customer(customer),
            customer_sealed=sealed_customer(self.secret, customer),
            loyalty_account_id=customer.loyalty_account_id if customer else None,
        )

    def _history_query(self, request: AuthorizeRequest, customer: str | None, policy_set: PolicySet) -> HistoryQuery:
        """What to read for the rules; `customer` is the positive ID hash the ticket opening already made."""
        today, reach = request.header.business_date, history_reach(policy_set)
        return HistoryQuery(
            positive_id_hash=customer,
            cashier_id=request.header.cashier_id,
            sale_items=tuple(
                (line.original_sale.key, line.item_id) for line in request.lines if line.original_sale is not None
            ),
            customer_since=reach.customer_since(today),
            cashier_since=reach.cashier_since(today),
            today=today,
            loyalty_account_id=request.customer.loyalty_account_id if request.customer else None,
        )

    def _decision_record(
        self,
        request: AuthorizeRequest,
        opened: Opened,
        evaluation: Evaluation,
        policy_set: PolicySet,
        body: bytes,
        watches: tuple[PatternWatch, ...],
    ) -> DecisionRecord:
        return DecisionRecord(
            ticket_id=opened.ticket_id,
            attempt_no=opened.attempt_no,
            message_id=request.header.message_id,
            responded_at=self._now(),
            policy_version=policy_set.version,
            response_type=evaluation.response.response_type.value,
            response_code=evaluation.response.code,
            customer_information_required=evaluation.customer_information_required,
            override_used=evaluation.override_used,
            decision_json=decision_json(
                evaluation, request, positive_id_hash(self.secret, request.positive_id) if request.positive_id else None
            ),
            lines=line_records(request, evaluation, policy_set, watches),
            response=body,
        )

    def _now(self) -> str:
        return self.clock().isoformat()


def _check_offline(result: FinalResult) -> None:
    """A final result names its ticket, or (not and) carries the OfflineRequest of the same store to open one from;
    the OfflineRequest is a message of its own, under another message id."""
    request = result.offline_request
    if request is not None and request.header.message_id == result.header.message_id:
        raise MessageInvalid(
            f"the OfflineRequest needs a message id of its own; {request.header.message_id} is the final result's"
        )
    if result.ticket_id is not None and request is not None:
        raise MessageInvalid(
            f"the final result names ticket {result.ticket_id} and carries an OfflineRequest: the OfflineRequest is"
            " for a return done offline, without a ticket; send one or the other"
        )
    if result.ticket_id is not None:
        return
    if request is None:
        raise MessageInvalid("a final result without a TicketId must carry its OfflineRequest")
    if request.header.store_id != result.header.store_id:
        raise StoreMismatch(
            f"the OfflineRequest is of store {request.header.store_id}, the final result of {result.header.store_id}"
        )


def _is_active(policy_set: PolicySet, opened: Opened) -> bool:
    """Whether `policy_set` is the version the database says is active (or the database names none)."""
    return opened.active_policy is None or opened.active_policy == policy_set.version


def _tier_as_customer_type(request: AuthorizeRequest, opened: Opened) -> AuthorizeRequest:
    """A loyalty account but no customer type: the account's tier is the customer type for policy and rules."""
    customer = request.customer
    tier = opened.loyalty[0].tier if opened.loyalty else None
    if customer is None or customer.customer_type or tier is None:
        return request
    return replace(request, customer=replace(customer, customer_type=tier))


STORE_IN_TICKET = 17  # a ticket id is an IdType (40 characters): prefix, store, "-", date, "-", 12 hex digits


def _ticket_id(request: AuthorizeRequest, origin: str) -> str:
    """Store, business date and a random part; an offline ticket's last part derives from its message id.

    A store id too long for the ticket id is cut, and then an offline ticket's last part derives from the whole
    store id too, so that two stores sharing the cut part never share an offline ticket.
    """
    header = request.header
    store = header.store_id
    if origin == "offline":
        seed = header.message_id if len(store) <= STORE_IN_TICKET else f"{store}/{header.message_id}"
        tail = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:12]
    else:
        tail = secrets.token_hex(6)
    prefix = "O" if origin == "offline" else "T"
    return f"{prefix}{store[:STORE_IN_TICKET]}-{header.business_date:%Y%m%d}-{tail}"
