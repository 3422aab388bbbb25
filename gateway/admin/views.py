"""HTTP endpoints: the till messages, ticket research, and health checks."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.admin.admin_views import POSITIVE_ID_PARAMETERS, positive_id_query
from gateway.http.auth import IDENTITY, require_store
from gateway.http.dispatch import AUTHORIZE, FINAL_RESULT, DomainRefusal, apply_batch, apply_model, read_model
from gateway.http.errors import NotFound, ParameterInvalid
from gateway.http.intake import Intake, expect, read_message
from gateway.http.keys import SCHEMAS, SERVICE, SETTINGS, STORE
from gateway.http.params import ORIGINAL_SALE, Params, no_parameters
from gateway.http.render import batch_result, ticket_response, tickets_response
from gateway.http.schemas import MESSAGES_NS
from gateway.http.soap import wrap
from gateway.http.store_scope import TicketStores, require_stores
from gateway.http.xmlio import ParseLimits
from gateway.metrics import DECISION_HEADER, METRICS
from gateway.metrics import render as render_metrics
from handlers.decision_json import expand
from handlers.errors import DomainError
from handlers.privacy import positive_id_hash, unseal
from store.queries import TicketFilter

DUPLICATE_HEADER = "X-Returns-Duplicate"
BATCH = "MessageBatch"
routes = web.RouteTableDef()


async def _intake(request: web.Request) -> Intake:
    no_parameters(request)
    settings = request.app[SETTINGS]
    limits = ParseLimits(max_bytes=settings.max_body_bytes)
    intake = await read_message(request, request.app[SCHEMAS], limits, settings.body_timeout)
    store = intake.element.findtext(f"{{{MESSAGES_NS}}}StoreId")
    require_store(request, store or "")
    return intake


def _batch_limits(max_bytes: int) -> ParseLimits:
    return ParseLimits(max_bytes=max_bytes, max_elements=5_000_000)


def _ticket_stores(request: web.Request) -> TicketStores:
    async def look_up(tickets: frozenset[str]) -> dict[str, str]:
        return await request.app[STORE].ticket_stores(tickets)

    return look_up


async def _dispatch(request: web.Request, intake: Intake) -> web.Response:
    service = request.app[SERVICE]
    message = read_model(intake.name, intake.element)
    await require_stores(message, request[IDENTITY].may_speak_for, _ticket_stores(request))
    try:
        answer = await apply_model(service, message)
    except DomainError as error:
        raise DomainRefusal(error, intake.element) from None
    headers = {DUPLICATE_HEADER: "true"} if answer.duplicate else {}
    if answer.response_type is not None:
        headers[DECISION_HEADER] = answer.response_type
    return answer_in_kind(intake, answer.body, headers)


def answer_in_kind(intake: Intake, body: bytes, headers: dict[str, str] | None = None) -> web.Response:
    """The answer as the request came: in an envelope of its SOAP version, or plain XML."""
    if intake.soap is not None:
        wrapped, content_type = wrap(body, intake.soap), intake.soap.content_type
        return web.Response(body=wrapped, content_type=content_type, charset="utf-8", headers=headers)
    return web.Response(body=body, content_type="application/xml", charset="utf-8", headers=headers)


@routes.post("/v1/returns/authorize")
async def authorize(request: web.Request) -> web.Response:
    intake = await _intake(request)
    expect(intake, AUTHORIZE)
    return await _dispatch(request, intake)


@routes.post("/v1/returns/final-result")
async def final_result(request: web.Request) -> web.Response:
    intake = await _intake(request)
    expect(intake, FINAL_RESULT)
    return await _dispatch(request, intake)


@routes.post("/v1/messages")
async def messages(request: web.Request) -> web.Response:
    intake = await _intake(request)
    expect(intake, AUTHORIZE, FINAL_RESULT)
    return await _dispatch(request, intake)


@routes.post("/v1/returns/final-results")
async def final_results(request: web.Request) -> web.Response:
    """A MessageBatch: one result per member, each member applied in its own transaction."""
    no_parameters(request)
    settings = request.app[SETTINGS]
    intake = await read_message(
        request, request.app[SCHEMAS], _batch_limits(settings.max_batch_bytes), settings.body_timeout
    )
    expect(intake, BATCH)
    identity = request[IDENTITY]
    outcomes = await apply_batch(
        request.app[SERVICE], request.app[SCHEMAS], intake.element, identity.may_speak_for, _ticket_stores(request)
    )
    return answer_in_kind(intake, batch_result(outcomes))


@routes.get("/v1/tickets")
async def tickets(request: web.Request) -> web.Response:
    found = await request.app[STORE].search_tickets(_ticket_filter(request))
    return tickets_response(request, [_present(request, ticket) for ticket in found])


@routes.get("/v1/tickets/{ticket_id}")
async def ticket(request: web.Request) -> web.Response:
    no_parameters(request)
    ticket_id = request.match_info["ticket_id"]
    found = await request.app[STORE].get_ticket(ticket_id)
    if found is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    require_store(request, found["store_id"])
    return ticket_response(request, _present(request, found))


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    no_parameters(request)
    stats = request.app[STORE].stats()
    text = render_metrics(request.app[METRICS], stats.commit_latency, stats.batch_size)
    return web.Response(text=text, content_type="text/plain", charset="utf-8", headers={"X-Format": "prometheus-0.0.4"})


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    no_parameters(request)
    return web.json_response({"status": "alive"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    no_parameters(request)
    database = await request.app[STORE].ping()
    policy = request.app[SERVICE].policies.current.version
    status = 200 if database else 503
    return web.json_response({"database": database, "policy_version": policy}, status=status)


def _present(request: web.Request, ticket: dict[str, Any]) -> dict[str, Any]:
    """Customer details stay masked; an admin credential also sees them in clear, unsealed."""
    sealed = ticket.pop("customer_sealed", None)
    if sealed and request[IDENTITY].admin:
        ticket["customer_clear"] = unseal(request.app[SERVICE].secret, sealed)
    for attempt in ticket.get("attempts", []):
        attempt["decision"] = expand(attempt["decision"])
    return ticket


TICKET_STATUSES = ("open", "decided", "completed", "voided")
SEARCH_PARAMETERS = (
    "customer_id",
    "cashier_id",
    "store_id",
    "item_id",
    "original_sale",
    "status",
    "from",
    "to",
    "limit",
    "offset",
    *POSITIVE_ID_PARAMETERS,
)


def _ticket_filter(request: web.Request) -> TicketFilter:
    params = Params(request, *SEARCH_PARAMETERS)
    values: dict[str, Any] = {name: params.text(name) for name in ("customer_id", "cashier_id", "store_id", "item_id")}
    values["original_sale"] = params.text("original_sale", ORIGINAL_SALE, "STORE/REGISTER/YYYY-MM-DD/SEQUENCE")
    values["status"] = params.choice("status", TICKET_STATUSES)
    values["date_from"], values["date_to"] = params.day("from"), params.day("to")
    if values["date_from"] and values["date_to"] and values["date_to"] < values["date_from"]:
        raise ParameterInvalid("to", "a date YYYY-MM-DD on or after from")
    values["limit"] = params.integer("limit", 50, 1, 500)
    values["offset"] = params.integer("offset", 0, 0, 1_000_000_000)
    values["positive_id_hash"] = _positive_id(request)
    stores = request[IDENTITY].stores
    if values["store_id"] is not None:
        require_store(request, values["store_id"])
    elif "*" not in stores:
        values["stores"] = stores
    return TicketFilter(**values)


def _positive_id(request: web.Request) -> str | None:
    """Searching by positive ID takes type, issuer and number, hashed like the stored key."""
    positive_id = positive_id_query(request)
    return None if positive_id is None else positive_id_hash(request.app[SERVICE].secret, positive_id)
