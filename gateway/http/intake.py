"""From an HTTP request to a validated message element: content type, size, hardened parse, SOAP, schema."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web
from aiohttp.http_exceptions import ContentEncodingError, TransferEncodingError
from aiohttp.web_protocol import RequestPayloadError
from lxml import etree

from gateway.http.encodings import check_charset, check_charset_agrees
from gateway.http.errors import GatewayError, Issue, TooLarge, UnknownMessage, UnsupportedMediaType
from gateway.http.framing import FramingError
from gateway.http.schemas import SchemaRegistry
from gateway.http.soap import Soap, SoapRefusal, SoapVersionMismatch, claimed_version, unwrap
from gateway.http.xmlio import ParseLimits, parse_xml

XML_TYPES = frozenset({"application/xml", "text/xml", "application/soap+xml"})
SOAP_KEY = web.RequestKey("soap", Soap)
PLAIN_KEY = web.RequestKey("plain", bool)
SOAP_ONLY_KEY = web.RequestKey("soap_only", bool)  # set at the SOAP address, which takes envelopes only


@dataclass(frozen=True, slots=True)
class Intake:
    """A schema-valid message, its type name and the SOAP version it came in (None for plain XML)."""

    element: etree._Element
    name: str
    soap: Soap | None


class BodyTimeout(GatewayError):
    code = "BODY_TIMEOUT"
    http_status = 408


class BadContentEncoding(GatewayError):
    code = "CONTENT_ENCODING_INVALID"
    http_status = 400


class UnsupportedContentEncoding(GatewayError):
    code = "CONTENT_ENCODING_UNSUPPORTED"
    http_status = 415


CONTENT_CODINGS = frozenset({"", "identity", "gzip", "deflate"})


def check_content_encoding(request: web.Request) -> None:
    """One content coding the gateway decodes (gzip or deflate), or none: anything else (compress, br, a list of
    codings) would reach the parser undecoded, so it is refused rather than read as plain XML."""
    given = request.headers.getall("Content-Encoding", [])
    coding = given[0].strip().lower() if len(given) == 1 else ",".join(given)
    if coding not in CONTENT_CODINGS:
        raise UnsupportedContentEncoding(
            f"Content-Encoding {coding[:40]!r} is not accepted; send gzip, deflate or none",
            (Issue("accepted content codings: gzip, deflate, identity", xpath="Content-Encoding"),),
        )


async def read_body(request: web.Request, limit: int, timeout: float) -> bytes:
    """The body, decompressed (gzip, deflate) and counted as it arrives: too large or too slow is refused."""
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.content.iter_chunked(1 << 16):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"the body is larger than {limit} bytes (after decompression)")
                chunks.append(chunk)
    except TimeoutError:
        raise BodyTimeout(f"the body did not arrive within {timeout:g} seconds") from None
    except (ContentEncodingError, RequestPayloadError) as exc:
        if isinstance(exc.__cause__ or exc, TransferEncodingError) or "chunk" in str(exc).lower():
            raise FramingError("the chunked body is not valid chunked transfer coding") from None
        raise BadContentEncoding("the body is not valid for its Content-Encoding") from None
    return b"".join(chunks)


async def read_message(request: web.Request, registry: SchemaRegistry, limits: ParseLimits, timeout: float) -> Intake:
    """Read, parse and validate the body; raise the matching GatewayError for anything unacceptable."""
    content_type = request.content_type
    if content_type not in XML_TYPES:
        raise UnsupportedMediaType(f"content type {content_type!r} is not XML; send application/xml")
    check_charset(request.charset)
    check_content_encoding(request)
    body = await read_body(request, limits.max_bytes, timeout)
    if body.strip():
        check_charset_agrees(request.charset, body)
    root = parse_xml(body, limits)
    try:
        message, soap = unwrap(root, content_type)
    except SoapRefusal as error:
        if error.version is not None:
            request[SOAP_KEY] = error.version
        raise
    if soap is None and request.get(SOAP_ONLY_KEY):
        version = request.get(SOAP_KEY) or Soap.V11
        found = etree.QName(root).localname
        refusal = f"the SOAP address takes a {version.label} Envelope, not a {found}"
        raise SoapVersionMismatch(refusal, (Issue(found, root.sourceline),), version)
    if soap is not None:
        request[SOAP_KEY] = soap
    else:
        request[PLAIN_KEY] = True
    schema = registry.validate(message, body)
    return Intake(message, schema.name, soap)


def soap_of(request: web.Request) -> Soap | None:
    """The SOAP version to answer in: the envelope's once read, or what the request's headers claim before."""
    if request.get(PLAIN_KEY):
        return None
    return request.get(SOAP_KEY) or claimed_version(request.content_type, request.headers)


def expect(intake: Intake, *names: str) -> None:
    """Refuse a valid message of the wrong type for this URL."""
    if intake.name not in names:
        raise UnknownMessage(
            f"{intake.name} is not accepted here",
            (Issue(f"expected {' or '.join(names)}", intake.element.sourceline, None, "/"),),
        )
