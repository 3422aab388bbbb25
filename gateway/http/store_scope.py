"""Which stores a message speaks for, checked against the caller's credential before anything is written.

A message names stores three ways: its own StoreId, the StoreId of the OfflineRequest a final result carries, and
the store of any ticket it refers to (its TicketId, or the TicketId of its OfflineRequest). A credential bound to
stores must cover every one (403 otherwise), before anything else is looked at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from gateway.http.auth import Forbidden
from gateway.http.errors import Issue
from handlers.models import AuthorizeRequest, FinalResult

Message = AuthorizeRequest | FinalResult
Permitted = Callable[[str], bool]
TicketStores = Callable[[frozenset[str]], Awaitable[dict[str, str]]]


def named_stores(message: Message) -> list[str]:
    """The stores a message names for itself."""
    stores = [message.header.store_id]
    if isinstance(message, FinalResult) and message.offline_request is not None:
        stores.append(message.offline_request.header.store_id)
    return stores


def referred_tickets(message: Message) -> list[str]:
    """The tickets a message refers to: its own TicketId, and that of the OfflineRequest it carries."""
    tickets = [message.ticket_id]
    if isinstance(message, FinalResult) and message.offline_request is not None:
        tickets.append(message.offline_request.ticket_id)
    return [ticket for ticket in tickets if ticket is not None]


def check_named(message: Message, permitted: Permitted) -> None:
    """Refuse a message naming a store the credential does not cover (no database needed)."""
    for store in named_stores(message):
        if not permitted(store):
            raise _forbidden(store)


async def ticket_refusals(
    messages: Sequence[Message], permitted: Permitted, ticket_stores: TicketStores
) -> list[Forbidden | None]:
    """For each message, the refusal of a ticket it refers to in a store the credential does not cover, or None.

    One look-up serves every message; a credential for every store needs none.
    """
    if permitted("*"):
        return [None] * len(messages)
    tickets = frozenset(ticket for message in messages for ticket in referred_tickets(message))
    owners = await ticket_stores(tickets) if tickets else {}
    refusals: list[Forbidden | None] = []
    for message in messages:
        foreign = [(owners[t], t) for t in referred_tickets(message) if t in owners and not permitted(owners[t])]
        refusals.append(_forbidden(*foreign[0]) if foreign else None)
    return refusals


async def require_stores(message: Message, permitted: Permitted, ticket_stores: TicketStores) -> None:
    """Every store the message names or refers to is covered by the credential; Forbidden (403) otherwise."""
    check_named(message, permitted)
    refusal = (await ticket_refusals([message], permitted, ticket_stores))[0]
    if refusal is not None:
        raise refusal


def _forbidden(store: str, ticket: str | None = None) -> Forbidden:
    where = f"ticket {ticket} is of store {store}" if ticket else f"the message names store {store}"
    return Forbidden(f"the credential may not speak for store {store}", (Issue(where),))
