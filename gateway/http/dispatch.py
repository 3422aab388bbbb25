"""Applying validated messages through the handlers: one message, or a batch with one result per message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from gateway.http.errors import GatewayError, Issue, Unavailable, UnknownMessage, ValueOutOfRange
from gateway.http.faults import from_domain_error, from_gateway_error, placed
from gateway.http.schemas import MESSAGES_NS, SchemaRegistry
from gateway.http.store_scope import TicketStores, check_named, ticket_refusals
from handlers.decision import Fault
from handlers.errors import DomainError
from handlers.models import AuthorizeRequest, FinalResult
from handlers.replay_order import business_order, ordering, windows
from handlers.service import Answer, ReturnsService, serialize
from handlers.value_ranges import check_amounts
from handlers.xml import authorize_xml, fault_xml, final_result_xml
from handlers.xml.instants import OutOfRange
from store.errors import StoreUnavailable

AUTHORIZE = "AuthorizeReturnRequest"
FINAL_RESULT = "ReturnFinalResult"
CONCURRENT = 64
READ_BETWEEN_YIELDS = 8


async def apply_message(service: ReturnsService, name: str, element: etree._Element) -> Answer:
    """Hand a validated message to its handler: the one code path for HTTP, batches and direct replay."""
    return await apply_model(service, read_model(name, element))


async def apply_model(service: ReturnsService, message: AuthorizeRequest | FinalResult) -> Answer:
    if isinstance(message, AuthorizeRequest):
        return await service.authorize(message)
    return await service.final_result(message)


def read_model(name: str, element: etree._Element) -> AuthorizeRequest | FinalResult:
    """The typed model of a validated authorize request or final result.

    A value the schema admits but the model cannot hold is refused (400 VALUE_OUT_OF_RANGE, naming its path).
    """
    try:
        model = authorize_xml.from_xml(element) if name == AUTHORIZE else final_result_xml.from_xml(element)
        check_amounts(model, element)
        return model
    except OutOfRange as exc:
        where = exc.element if exc.element is not None else element
        issue = Issue(str(exc), where.sourceline, None, local_path(where))
        raise ValueOutOfRange(str(exc), (issue,)) from None
    except (ValueError, ArithmeticError) as exc:
        issue = Issue(str(exc), element.sourceline, None, local_path(element))
        raise ValueOutOfRange(f"a value of the {name} cannot be held", (issue,)) from None


# Where in a message each domain refusal points: the first of these (paths below the message) that is present and
# whose text the refusal names, else the first present, else the message itself.
_DOMAIN_PLACES = {
    "DUPLICATE_CONFLICT": ("MessageId", "OfflineRequest/MessageId", "TicketId", "ReturnTransactionId"),
    "TICKET_NOT_FOUND": ("TicketId", "OfflineRequest/TicketId"),
    "TICKET_VOIDED": ("TicketId", "OfflineRequest/TicketId"),
    "STORE_MISMATCH": ("TicketId", "OfflineRequest/TicketId", "OfflineRequest/StoreId"),
    "MESSAGE_INVALID": ("OfflineRequest/MessageId", "TicketId", "OfflineRequest"),
}


class DomainRefusal(GatewayError):
    """A domain refusal of a message, with its status and the place in the message it concerns."""

    def __init__(self, error: DomainError, element: etree._Element) -> None:
        status, fault = from_domain_error(error)
        where = _place(error, element)
        issues = tuple(Issue(message, line, column, xpath) for message, line, column, xpath in fault.issues)
        super().__init__(error.message, (*issues, Issue(error.message, where.sourceline, None, local_path(where))))
        self.code, self.http_status = error.code, status


def _place(error: DomainError, element: etree._Element) -> etree._Element:
    found = [
        place
        for path in _DOMAIN_PLACES.get(error.code, ())
        if (place := element.find("/".join(f"{{{MESSAGES_NS}}}{step}" for step in path.split("/")))) is not None
    ]
    named = [place for place in found if (place.text or "").strip() and (place.text or "").strip() in error.message]
    return (named or found or [element])[0]


def local_path(element: etree._Element) -> str:
    """The element's path from the document root by local names, with a position where siblings share a name."""
    steps = []
    current: etree._Element | None = element
    while current is not None:
        parent = current.getparent()
        step = etree.QName(current).localname
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == current.tag]
            step += f"[{same.index(current) + 1}]" if len(same) > 1 else ""
        steps.append(step)
        current = parent
    return "/" + "/".join(reversed(steps))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one message: the HTTP status it would get, the answer bytes, and whether it repeated."""

    status: int
    body: bytes
    duplicate: bool = False
    message_id: str | None = None


def refusal(status: int, fault: Fault, message_id: str | None = None) -> Outcome:
    return Outcome(status, serialize(fault_xml.to_xml(placed(fault, status))), False, message_id)


async def apply_safely(
    service: ReturnsService, message: AuthorizeRequest | FinalResult, element: etree._Element | None = None
) -> Outcome:
    """Apply one message, turning a refusal into a fault outcome instead of an exception (a domain refusal names
    its place in `element`, the message as it came, when given)."""
    message_id = message.header.message_id
    try:
        answer = await apply_model(service, message)
    except GatewayError as error:
        return refusal(error.http_status, from_gateway_error(error), message_id)
    except DomainError as error:
        if element is not None:
            placed = DomainRefusal(error, element)
            return refusal(placed.http_status, from_gateway_error(placed), message_id)
        return refusal(*from_domain_error(error), message_id)
    except StoreUnavailable as error:
        return refusal(503, from_gateway_error(Unavailable.of(error)), message_id)
    return Outcome(200, answer.body, answer.duplicate, message_id)


def validate_member(registry: SchemaRegistry, element: etree._Element, source: bytes | None = None) -> str:
    """The message type of one batch member, validated on its own."""
    name = registry.validate(element, source).name
    if name not in (AUTHORIZE, FINAL_RESULT):
        raise UnknownMessage(f"{name} cannot be applied; send AuthorizeReturnRequest or ReturnFinalResult")
    return name


async def apply_batch(
    service: ReturnsService,
    registry: SchemaRegistry,
    batch: etree._Element,
    permitted: Callable[[str], bool] = lambda store: True,
    ticket_stores: TicketStores | None = None,
) -> list[Outcome]:
    """Every member in business order, each in its own transaction; a bad member never sinks the others.

    A member naming (or referring to a ticket of) a store the caller may not speak for is refused (403) and writes
    nothing; `ticket_stores` finds the stores of the tickets members refer to.
    """
    members = [child for child in batch if isinstance(child.tag, str)]
    outcomes: list[Outcome | None] = [None] * len(members)
    models = await _read_members(registry, members, permitted, outcomes)
    if ticket_stores is not None:
        refused = await ticket_refusals(list(models.values()), permitted, ticket_stores)
        for position, forbidden in zip(list(models), refused, strict=True):
            if forbidden is not None:
                outcomes[position] = refusal(forbidden.http_status, from_gateway_error(forbidden))
                del models[position]
    orderings = [ordering(model, position) for position, model in models.items()]
    by_position = {o.position: o for o in orderings}
    ordered = [by_position[p] for p in business_order(orderings)]
    for window in windows(ordered, CONCURRENT):
        results = await asyncio.gather(
            *(apply_safely(service, models[o.position], members[o.position]) for o in window)
        )
        for item, result in zip(window, results, strict=True):
            outcomes[item.position] = result
    return [outcome for outcome in outcomes if outcome is not None]


async def _read_members(
    registry: SchemaRegistry,
    members: list[etree._Element],
    permitted: Callable[[str], bool],
    outcomes: list[Outcome | None],
) -> dict[int, AuthorizeRequest | FinalResult]:
    """The model of each acceptable member by position; each refused one gets its outcome instead."""
    models: dict[int, AuthorizeRequest | FinalResult] = {}
    for position, element in enumerate(members):
        if position and position % READ_BETWEEN_YIELDS == 0:
            await asyncio.sleep(0)  # members are read on the event loop: let the tills' requests in between
        try:
            model = read_model(validate_member(registry, element), element)
            check_named(model, permitted)
        except GatewayError as error:
            outcomes[position] = refusal(error.http_status, from_gateway_error(error))
            continue
        models[position] = model
    return models
