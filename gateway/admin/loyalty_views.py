"""Loyalty endpoints: activity in (purchases, events) and an account's balances, tier and entries."""

from __future__ import annotations

from aiohttp import web

from gateway.admin.views import DUPLICATE_HEADER
from gateway.http.dispatch import DomainRefusal, local_path
from gateway.http.errors import Issue, NotFound, UnknownMessage, ValueOutOfRange
from gateway.http.intake import read_message
from gateway.http.keys import LOYALTY, SCHEMAS, SETTINGS
from gateway.http.params import no_parameters
from gateway.http.soap import wrap
from gateway.http.xmlio import ParseLimits
from handlers.errors import DomainError
from handlers.xml.loyalty_xml import read_activity

routes = web.RouteTableDef()


@routes.post("/v1/loyalty/activity")
async def activity(request: web.Request) -> web.Response:
    no_parameters(request)
    settings = request.app[SETTINGS]
    limits = ParseLimits(max_bytes=settings.max_body_bytes)
    intake = await read_message(request, request.app[SCHEMAS], limits, settings.body_timeout)
    if intake.name != "LoyaltyActivity":
        raise UnknownMessage(f"{intake.name} is not a LoyaltyActivity")
    try:
        message_id, account_id, purchase, event = read_activity(intake.element)
    except (ValueError, ArithmeticError) as exc:
        issue = Issue(str(exc), intake.element.sourceline, None, local_path(intake.element))
        raise ValueOutOfRange("a value of the LoyaltyActivity cannot be held", (issue,)) from None
    try:
        answer = await request.app[LOYALTY].activity(message_id, account_id, purchase, event)
    except DomainError as error:
        raise DomainRefusal(error, intake.element) from None
    headers = {DUPLICATE_HEADER: "true"} if answer.duplicate else {}
    if intake.soap is not None:
        body, content_type = wrap(answer.body, intake.soap), intake.soap.content_type
        return web.Response(body=body, content_type=content_type, charset="utf-8", headers=headers)
    return web.Response(body=answer.body, content_type="application/xml", charset="utf-8", headers=headers)


@routes.get("/v1/loyalty/accounts/{account_id}")
async def account(request: web.Request) -> web.Response:
    no_parameters(request)
    account_id = request.match_info["account_id"][:40]
    found = await request.app[LOYALTY].account(account_id)
    if found is None:
        raise NotFound(f"loyalty account {account_id} has no activity")
    return web.json_response(found)
