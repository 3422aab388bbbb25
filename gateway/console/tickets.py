"""Tickets: search (a positive ID is typed into a POST form and hashed here, never put in a URL), one ticket in
full with every attempt's line decisions and rule traces, and the audited reveal of its personal data."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from gateway.console.base import allowed_stores, field_text, keeper, render, stamp
from gateway.http.keys import SERVICE, STORE
from handlers.decision_json import expand
from handlers.models import PositiveId
from handlers.privacy import positive_id_hash, unseal
from store.queries import TicketFilter

routes = web.RouteTableDef()
PAGE = 50
STATUSES = ("open", "decided", "completed", "voided")
TEXT_FILTERS = ("store_id", "cashier_id", "item_id", "original_sale")


def _day(text: str, name: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{name} must be a date (YYYY-MM-DD)")
        return None


def typed_positive_id(request: web.Request) -> tuple[PositiveId | None, str]:
    """The positive ID typed into the form (all three parts), or sealed in a previous page; and its sealed form."""
    parts = [field_text(request, name, 40) for name in ("pid_type", "pid_issuer", "pid_number")]
    if not any(parts):
        opened = keeper(request).unseal(field_text(request, "pid_token", 500))
        parts = opened.split("|", 2) if opened else ["", "", ""]
    if not all(parts):
        return None, ""
    return PositiveId(parts[0], parts[1], parts[2]), keeper(request).seal("|".join(parts))


def _filters(request: web.Request, problems: list[str]) -> tuple[TicketFilter, dict[str, str], str]:
    values = {name: field_text(request, name, 40) for name in (*TEXT_FILTERS, "status", "from", "to", "offset")}
    if values["status"] and values["status"] not in STATUSES:
        problems.append("status is one of " + ", ".join(STATUSES))
        values["status"] = ""
    offset = int(values["offset"]) if values["offset"].isdigit() else 0
    positive_id, token = typed_positive_id(request) if request.method == "POST" else (None, "")
    secret = request.config_dict[SERVICE].secret
    search = TicketFilter(
        positive_id_hash=positive_id_hash(secret, positive_id) if positive_id else None,
        stores=allowed_stores(request),
        date_from=_day(values["from"], "from", problems),
        date_to=_day(values["to"], "to", problems),
        limit=PAGE + 1,
        offset=min(offset, 1_000_000),
        **{name: values[name] or None for name in (*TEXT_FILTERS, "status")},
    )
    return search, values, token


async def _search(request: web.Request) -> web.Response:
    problems: list[str] = []
    search, values, token = _filters(request, problems)
    found = [] if problems else await request.config_dict[STORE].search_tickets(search)
    context = {
        "title": "Tickets",
        "tickets": found[:PAGE],
        "more": len(found) > PAGE,
        "offset": search.offset,
        "page": PAGE,
        "values": values,
        "statuses": STATUSES,
        "pid_token": token,
        "by_positive_id": bool(token),
        "problem": "; ".join(problems),
    }
    return render(request, "tickets.html", context, status=400 if problems else 200)


@routes.get("/tickets")
async def tickets_page(request: web.Request) -> web.Response:
    return await _search(request)


@routes.post("/tickets")
async def tickets_search(request: web.Request) -> web.Response:
    return await _search(request)


async def _ticket(request: web.Request, ticket_id: str) -> dict[str, Any]:
    found = await request.config_dict[STORE].get_ticket(ticket_id)
    stores = allowed_stores(request)
    if found is None or (stores is not None and found["store_id"] not in stores):
        raise web.HTTPNotFound(reason=f"Ticket {ticket_id} does not exist (or is not in your stores).")
    return found


def _attempts(ticket: dict[str, Any], lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each attempt with its decision lines joined to the lines the till sent."""
    sent = {(line["attempt_no"], line["line_number"]): line for line in lines}
    for attempt in ticket["attempts"]:
        decision = expand(attempt["decision"]) or {"lines": []}
        attempt["lines"] = [
            {**sent.get((attempt["attempt_no"], line["line_number"]), {}), **line} for line in decision["lines"]
        ]
    return list(ticket["attempts"])


async def _ticket_page(request: web.Request, revealed: dict[str, object] | None) -> web.Response:
    ticket_id = request.match_info["ticket_id"][:80]
    ticket = await _ticket(request, ticket_id)
    sealed = ticket.pop("customer_sealed", None)
    store = request.config_dict[STORE]
    extras = await store.ticket_extras(ticket_id)
    lines = await store.ticket_lines(ticket_id)
    context = {
        "title": f"Ticket {ticket_id}",
        "ticket": ticket,
        "attempts": _attempts(ticket, lines),
        "store": ticket["store_id"],
        "can_reveal": bool(sealed),
        "revealed": revealed,
        **extras,
    }
    return render(request, "ticket.html", context)


@routes.get("/tickets/{ticket_id}")
async def ticket_page(request: web.Request) -> web.Response:
    return await _ticket_page(request, None)


@routes.get("/tickets/{ticket_id}/customer")
async def ticket_customer(request: web.Request) -> web.Response:
    """The history of the ticket's customer, found by the stored hash (nothing personal in the address); changing
    overrides or counts still needs the positive ID typed on the Customers page."""
    ticket = await _ticket(request, request.match_info["ticket_id"][:80])
    store = request.config_dict[STORE]
    customer = await store.ticket_customer_key(ticket["ticket_id"])
    if not customer:
        raise web.HTTPNotFound(reason="This ticket names no positive ID, so it has no customer history.")
    history = await store.customer_history(customer)
    context = {"title": f"Customer {ticket['positive_id_display']}", "history": history, "pid_token": ""}
    return render(request, "customer.html", {**context, "from_ticket": ticket["ticket_id"]})


@routes.post("/tickets/{ticket_id}/reveal")
async def reveal(request: web.Request) -> web.Response:
    """The customer's details in clear, once, for this page; the reveal is audited under the signed-in name."""
    ticket_id = request.match_info["ticket_id"][:80]
    ticket = await _ticket(request, ticket_id)
    sealed = ticket.get("customer_sealed")
    if not sealed:
        raise web.HTTPNotFound(reason="This ticket holds no customer details to reveal.")
    reason = field_text(request, "reason") or "not given"
    await request.config_dict[STORE].record_event(
        stamp(request), "ticket.reveal", f"ticket/{ticket_id}", {"reason": reason}
    )
    return await _ticket_page(request, unseal(request.config_dict[SERVICE].secret, sealed))
