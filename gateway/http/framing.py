"""Requests the HTTP layer cannot read (unknown method, Content-Length with chunked, a bad chunk, a line too long)
are answered with a Fault, with the status aiohttp chose, instead of aiohttp's plain-text page.

aiohttp answers these before any route or middleware runs, from `RequestHandler.handle_error`; `install` wraps that
method once so that, for servers of a gateway application (marked with FRAMING), the body becomes a Fault.
"""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import http_exceptions, web, web_protocol
from aiohttp.web_request import BaseRequest

from gateway.http.errors import GatewayError
from handlers.decision import Fault
from handlers.service import serialize
from handlers.xml import fault_xml

FRAMING = web.AppKey("framing", bool)
_CODES: tuple[tuple[type[BaseException], str], ...] = (
    (http_exceptions.BadHttpMethod, "HTTP_METHOD_UNKNOWN"),
    (http_exceptions.TransferEncodingError, "HTTP_CHUNK_INVALID"),
    (http_exceptions.ContentLengthError, "HTTP_LENGTH_INVALID"),
    (http_exceptions.LineTooLong, "HTTP_LINE_TOO_LONG"),
    (http_exceptions.InvalidHeader, "HTTP_HEADER_INVALID"),
    (http_exceptions.BadStatusLine, "HTTP_REQUEST_LINE_INVALID"),
    (http_exceptions.ContentEncodingError, "CONTENT_ENCODING_UNSUPPORTED"),
)
_MESSAGES = {
    "HTTP_METHOD_UNKNOWN": "the request method is not an HTTP method the gateway knows",
    "HTTP_CHUNK_INVALID": "the chunked body is not valid chunked transfer coding",
    "HTTP_LENGTH_INVALID": "the body does not match its Content-Length",
    "HTTP_LINE_TOO_LONG": "a request line or header is too long",
    "HTTP_HEADER_INVALID": "a header is not valid HTTP",
    "HTTP_REQUEST_LINE_INVALID": "the request line is not valid HTTP",
    "HTTP_FRAMING_INVALID": "the request has both Content-Length and Transfer-Encoding",
    "CONTENT_ENCODING_UNSUPPORTED": "the Content-Encoding is not one the gateway decodes (gzip, deflate or none)",
}


PLACES = {  # where in the request each framing fault is
    "HTTP_METHOD_UNKNOWN": "method",
    "HTTP_REQUEST_LINE_INVALID": "request line",
    "HTTP_LINE_TOO_LONG": "headers",
    "HTTP_HEADER_INVALID": "headers",
    "HTTP_FRAMING_INVALID": "Transfer-Encoding",
    "HTTP_CHUNK_INVALID": "Transfer-Encoding",
    "HTTP_LENGTH_INVALID": "Content-Length",
    "CONTENT_ENCODING_UNSUPPORTED": "Content-Encoding",
}


class FramingError(GatewayError):
    """A request the HTTP layer could not read; raised when a bad chunk is met while the body is being read."""

    code = "HTTP_CHUNK_INVALID"
    http_status = 400


def framing_fault(status: int, exc: BaseException | None) -> Fault:
    """The Fault for a request aiohttp refused while reading it (its status is kept)."""
    code = next((code for kind, code in _CODES if isinstance(exc, kind)), None)
    text = str(exc)
    if code is None and "Content-Length" in text and "Transfer-Encoding" in text:
        code = "HTTP_FRAMING_INVALID"
    if code is None and "chunk" in text.lower():
        code = "HTTP_CHUNK_INVALID"
    if code is None and "header" in text.lower():
        code = "HTTP_HEADER_INVALID"
    if code is None:
        code = "INTERNAL" if status >= 500 else "HTTP_REQUEST_INVALID"
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        return Fault(code, f"the request could not be handled ({status} {phrase})")
    return Fault(code, _MESSAGES[code])


_original = web_protocol.RequestHandler.handle_error


def _handle_error(
    self: web_protocol.RequestHandler,
    request: BaseRequest,
    status: int = 500,
    exc: BaseException | None = None,
    message: str | None = None,
) -> web.StreamResponse:
    plain = _original(self, request, status, exc, message)  # logs, and refuses when an answer is under way
    if not _serves_gateway(self):
        return plain
    fault = framing_fault(status, exc)
    if status < 500:
        fault = Fault(fault.code, fault.message, ((fault.message, None, None, PLACES.get(fault.code, "request")),))
    body = serialize(fault_xml.to_xml(fault))
    response = web.Response(status=status, body=body, content_type="application/xml", charset="utf-8")
    response.force_close()
    return response


def _serves_gateway(protocol: web_protocol.RequestHandler) -> bool:
    handler = getattr(protocol, "_request_handler", None)
    app = getattr(handler, "__self__", None)
    return isinstance(app, web.Application) and app.get(FRAMING, False)


def install(app: web.Application) -> None:
    """Answer framing errors of this application's servers with Faults."""
    app[FRAMING] = True
    if web_protocol.RequestHandler.handle_error is not _handle_error:
        web_protocol.RequestHandler.handle_error = _handle_error  # type: ignore[method-assign]
