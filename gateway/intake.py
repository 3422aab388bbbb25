"""From an HTTP request to a validated message element: content type, size, hardened parse, SOAP, schema."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from lxml import etree

from gateway.errors import Issue, UnknownMessage, UnsupportedMediaType
from gateway.schemas import SchemaRegistry
from gateway.soap import Soap, unwrap
from gateway.xmlio import ParseLimits, parse_xml

XML_TYPES = frozenset({"application/xml", "text/xml", "application/soap+xml"})
SOAP_KEY = web.RequestKey("soap", Soap)


@dataclass(frozen=True, slots=True)
class Intake:
    """A schema-valid message, its type name and the SOAP version it came in (None for plain XML)."""

    element: etree._Element
    name: str
    soap: Soap | None


async def read_message(request: web.Request, registry: SchemaRegistry, limits: ParseLimits) -> Intake:
    """Read, parse and validate the body; raise the matching GatewayError for anything unacceptable."""
    if request.content_type not in XML_TYPES:
        raise UnsupportedMediaType(f"content type {request.content_type!r} is not XML; send application/xml")
    body = await request.read()
    root = parse_xml(body, limits)
    message, soap = unwrap(root)
    if soap is not None:
        request[SOAP_KEY] = soap
    schema = registry.validate(message, body)
    return Intake(message, schema.name, soap)


def expect(intake: Intake, *names: str) -> None:
    """Refuse a valid message of the wrong type for this URL."""
    if intake.name not in names:
        raise UnknownMessage(
            f"{intake.name} is not accepted here",
            (Issue(f"expected {' or '.join(names)}", intake.element.sourceline, None, "/"),),
        )
