"""Refusals of the JSON endpoints as application/problem+json (RFC 9457), with the fault codes tills see in XML.

The administration API (/v1/admin/...), loyalty accounts (GET /v1/loyalty/accounts/...) and the tickets
(GET /v1/tickets, /v1/tickets/{id}) speak JSON, so their errors do too; every other endpoint keeps the XML Fault
(and the SOAP Fault for SOAP callers). A problem carries
`type` (urn:returns-gateway:fault:CODE), `title` (the HTTP reason), `status`, `detail` (what went wrong),
`instance` (the request path), and the extensions `code` (the fault code) and `issues` (message, line, column,
xpath; for JSON bodies the message names the field at fault).
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from aiohttp import HttpVersion11, hdrs, web
from aiohttp.typedefs import Handler

from gateway.http.faults import fault_response, refused
from handlers.decision import Fault

PROBLEM_TYPE = "application/problem+json"
JSON_PREFIXES = ("/v1/admin/", "/v1/loyalty/accounts/", "/v1/tickets")


def speaks_json(request: web.Request) -> bool:
    return request.path.startswith(JSON_PREFIXES)


def problem(request: web.Request, status: int, fault: Fault, headers: dict[str, str] | None = None) -> web.Response:
    """A problem document for a fault: the same code and issues as the XML Fault would carry."""
    body: dict[str, Any] = {
        "type": f"urn:returns-gateway:fault:{fault.code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": fault.message,
        "instance": request.path,
        "code": fault.code,
        "issues": [
            {"message": message, "line": line, "column": column, "xpath": xpath}
            for message, line, column, xpath in fault.issues
        ],
    }
    return web.json_response(body, status=status, content_type=PROBLEM_TYPE, headers=headers)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """For the JSON endpoints, every refusal as a problem; other endpoints pass through to the fault middleware."""
    if not speaks_json(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return problem(request, *refused(request, error))
    except Exception as error:
        return problem(request, *refused(request, error))


async def expect_fault(request: web.Request) -> web.StreamResponse | None:
    """The Expect header: 100-continue is answered as aiohttp does; any other expectation is 417 with a fault (a
    problem on the JSON endpoints, a SOAP Fault for SOAP callers) instead of aiohttp's plain text."""
    expect = request.headers.get(hdrs.EXPECT, "")
    if request.version != HttpVersion11:
        return None
    if expect.lower() == "100-continue":
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # the answer's own body has not started
        return None
    fault = Fault("HTTP_EXPECTATION_FAILED", "the gateway meets no expectation but 100-continue")
    response = problem(request, 417, fault) if speaks_json(request) else fault_response(request, 417, fault)
    response.force_close()
    return response


def expecting_faults(table: Iterable[web.AbstractRouteDef]) -> list[web.AbstractRouteDef]:
    """The routes of a table, each answering an unmet Expect header with a fault (see `expect_fault`)."""
    return [
        web.RouteDef(route.method, route.path, route.handler, {"expect_handler": expect_fault, **route.kwargs})
        if isinstance(route, web.RouteDef)
        else route
        for route in table
    ]
