"""Every refusal as a fault response: the right status, the fault XML, inside a SOAP Fault for SOAP callers."""

from __future__ import annotations

import logging
from dataclasses import replace

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.http.auth import RateLimited, Unauthenticated
from gateway.http.errors import GatewayError, InternalError, TooLarge, Unavailable
from gateway.http.framing import PLACES as FRAMING_PLACES
from gateway.http.intake import soap_of
from gateway.http.soap import wrap_fault
from handlers.decision import Fault
from handlers.errors import DomainError
from handlers.service import serialize
from handlers.xml import fault_xml
from store.errors import StoreUnavailable

LOG = logging.getLogger("returns_gateway.errors")
_DOMAIN_STATUS = {"invalid": 400, "not_found": 404, "conflict": 409, "precondition": 412}
_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: TooLarge.code}


# Where a refusal that names no element is: the header at fault, or else the document as a whole ("/").
_PLACES = {
    **FRAMING_PLACES,
    "CONTENT_TYPE_UNSUPPORTED": "Content-Type",
    "CONTENT_ENCODING_INVALID": "Content-Encoding",
    "HTTP_EXPECTATION_FAILED": "Expect",
    "UNAUTHENTICATED": "Authorization",
    "METHOD_NOT_ALLOWED": "method",
}


def placed(fault: Fault, status: int) -> Fault:
    """A refusal of what the caller sent (4xx) names where: its own issues, or one naming the header at fault or
    the document as a whole."""
    if fault.issues or status >= 500 or status == 429:
        return fault
    return replace(fault, issues=((fault.message, None, None, _PLACES.get(fault.code, "/")),))


def fault_response(
    request: web.Request, status: int, fault: Fault, headers: dict[str, str] | None = None
) -> web.Response:
    fault = placed(fault, status)
    body = serialize(fault_xml.to_xml(fault))
    soap = soap_of(request)
    if soap is None:
        return web.Response(status=status, body=body, content_type="application/xml", charset="utf-8", headers=headers)
    wrapped = wrap_fault(body, fault.message, status < 500, soap, fault.code)
    return web.Response(status=status, body=wrapped, content_type=soap.content_type, charset="utf-8", headers=headers)


def from_gateway_error(error: GatewayError) -> Fault:
    issues = tuple((i.message, i.line, i.column, i.xpath) for i in error.issues)
    return Fault(error.code, error.message, issues)


def from_domain_error(error: DomainError) -> tuple[int, Fault]:
    issues = tuple((problem.message, problem.line, None, None) for problem in error.problems)
    return _DOMAIN_STATUS.get(error.kind, 400), Fault(error.code, error.message, issues)


def _headers(error: GatewayError) -> dict[str, str] | None:
    if isinstance(error, (RateLimited, Unavailable)):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, Unauthenticated):
        return {"WWW-Authenticate": 'Basic realm="returns-gateway"'}
    return None


Refusal = tuple[int, Fault, dict[str, str] | None]


def refusal(request: web.Request, error: Exception) -> Refusal | None:
    """The status, fault and headers an exception is answered with, the same in XML and in problem+json; None for
    an exception that is no refusal (a bug: the caller logs it and answers 500 without internals)."""
    if isinstance(error, GatewayError):
        return error.http_status, from_gateway_error(error), _headers(error)
    if isinstance(error, DomainError):
        status, fault = from_domain_error(error)
        return status, fault, None
    if isinstance(error, StoreUnavailable):
        LOG.warning("database unavailable on %s %s: %s", request.method, request.path, error.message)
        unavailable = Unavailable.of(error)
        return 503, from_gateway_error(unavailable), _headers(unavailable)
    if isinstance(error, web.HTTPException) and error.status >= 400:
        code = _HTTP_CODES.get(error.status, f"HTTP_{error.status}")
        allow = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        return error.status, Fault(code, error.reason or code), allow
    return None


def internal_error(request: web.Request) -> Fault:
    """What an unexpected exception is answered with, after logging it with its traceback (for the logs only)."""
    LOG.exception("unexpected error on %s %s", request.method, request.path)
    return from_gateway_error(InternalError("the gateway could not process the request; it has been logged"))


@web.middleware
async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map every exception family to one fault shape; unknown exceptions become a bare 500 without internals."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return fault_response(request, *refused(request, error))
    except Exception as error:
        return fault_response(request, *refused(request, error))


def refused(request: web.Request, error: Exception) -> Refusal:
    """`refusal`, or a 500 for an unexpected exception (logged with its traceback, never shown)."""
    found = refusal(request, error)
    return found if found is not None else (500, internal_error(request), None)
