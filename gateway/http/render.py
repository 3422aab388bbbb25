"""Tickets as JSON, or as XML when the caller's Accept header asks for it."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from lxml import etree

from gateway.http.dispatch import Outcome
from handlers.service import serialize

TICKETS_NS = "urn:returns-gateway:tickets:v1"
MESSAGES_NS = "urn:returns-gateway:messages:v1"


def batch_result(outcomes: list[Outcome]) -> bytes:
    """A MessageBatchResult: each member's answer with its status and duplicate flag, in batch order."""
    holder = etree.Element(f"{{{MESSAGES_NS}}}MessageBatchResult", nsmap={None: MESSAGES_NS})
    for index, outcome in enumerate(outcomes, 1):
        result = etree.SubElement(holder, f"{{{MESSAGES_NS}}}Result", index=str(index), status=str(outcome.status))
        result.set("duplicate", "true" if outcome.duplicate else "false")
        if outcome.message_id:
            result.set("messageId", outcome.message_id)
        result.append(etree.fromstring(outcome.body))
    return serialize(holder)


def wants_xml(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "xml" in accept and "json" not in accept


def ticket_response(request: web.Request, ticket: dict[str, Any]) -> web.Response:
    if wants_xml(request):
        return _xml_response(_element("Ticket", ticket))
    return web.json_response(ticket)


def tickets_response(request: web.Request, tickets: list[dict[str, Any]]) -> web.Response:
    if wants_xml(request):
        holder = etree.Element(f"{{{TICKETS_NS}}}Tickets", nsmap={None: TICKETS_NS})
        for ticket in tickets:
            holder.append(_element("Ticket", ticket))
        return _xml_response(holder)
    return web.json_response({"tickets": tickets, "count": len(tickets)})


def _xml_response(element: etree._Element) -> web.Response:
    return web.Response(body=serialize(element), content_type="application/xml", charset="utf-8")


def _element(name: str, value: Any) -> etree._Element:
    """A JSON-like value as XML: objects become child elements, lists repeat an 'Item' element."""
    element = etree.Element(f"{{{TICKETS_NS}}}{_tag(name)}", nsmap={None: TICKETS_NS})
    if isinstance(value, dict):
        for key, item in value.items():
            if item is not None:
                element.append(_element(key, item))
    elif isinstance(value, list):
        for item in value:
            element.append(_element("Item", item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)
    return element


def _tag(name: str) -> str:
    """snake_case keys as PascalCase element names."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_")) or "Value"
