"""The SOAP web service description: a document/literal WSDL 1.1 over the shipped schemas, and the schemas.

GET /v1/returns/soap?wsdl answers the WSDL; it imports the message schemas from GET /v1/returns/schemas/{name}
on the same gateway, so a generated client needs nothing else. POST /v1/returns/soap takes either message in a
SOAP 1.1 or 1.2 envelope and dispatches on the body's root element (as /v1/messages does): the SOAPAction header
(SOAP 1.1) and the action parameter of the content type (SOAP 1.2) are not required and not checked; the WSDL
declares urn:returns-gateway:Authorize and urn:returns-gateway:FinalResult for clients that want to send one.
"""

from __future__ import annotations

from html import escape

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.admin.views import messages
from gateway.http.errors import NotFound, ParameterInvalid
from gateway.http.intake import SOAP_KEY, SOAP_ONLY_KEY
from gateway.http.params import no_parameters
from gateway.http.schemas import MESSAGES_NS, schema_files
from gateway.http.soap import Soap

SOAP_PATH = "/v1/returns/soap"
SCHEMAS_PATH = "/v1/returns/schemas"
ACTIONS = {"Authorize": "urn:returns-gateway:Authorize", "FinalResult": "urn:returns-gateway:FinalResult"}
_IMPORTED = ("authorize_request.xsd", "authorize_response.xsd", "final_result.xsd", "final_result_ack.xsd", "fault.xsd")
_OPERATIONS = {
    "Authorize": ("AuthorizeReturnRequest", "AuthorizeReturnResponse"),
    "FinalResult": ("ReturnFinalResult", "FinalResultAck"),
}
_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:soap="{soap11}" xmlns:soap12="{soap12}" xmlns:m="{ns}" xmlns:tns="urn:returns-gateway:service:v1"
    targetNamespace="urn:returns-gateway:service:v1" name="ReturnsGateway">
  <wsdl:documentation>Returns Gateway: authorize items for return and record the final result. Either operation
    may be sent to the one address; the gateway dispatches on the body's root element and does not require
    SOAPAction. A refusal is a SOAP Fault whose detail is the gateway's Fault (code, message, issues).
  </wsdl:documentation>
  <wsdl:types>
    <xs:schema targetNamespace="urn:returns-gateway:service:v1" elementFormDefault="qualified">
{imports}
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="Fault"><wsdl:part name="fault" element="m:Fault"/></wsdl:message>
{messages}
  <wsdl:portType name="ReturnsPortType">
{port_operations}
  </wsdl:portType>
{bindings}
  <wsdl:service name="ReturnsGateway">
    <wsdl:port name="ReturnsSoap11" binding="tns:ReturnsSoap11"><soap:address location="{address}"/></wsdl:port>
    <wsdl:port name="ReturnsSoap12" binding="tns:ReturnsSoap12"><soap12:address location="{address}"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"""


def _messages() -> str:
    parts = []
    for name, (request, response) in _OPERATIONS.items():
        for suffix, element in (("Request", request), ("Response", response)):
            part = f'<wsdl:part name="body" element="m:{element}"/>'
            parts.append(f'  <wsdl:message name="{name}{suffix}">{part}</wsdl:message>')
    return "\n".join(parts)


def _port_operations() -> str:
    return "\n".join(
        f'    <wsdl:operation name="{name}"><wsdl:input message="tns:{name}Request"/>'
        f'<wsdl:output message="tns:{name}Response"/><wsdl:fault name="Fault" message="tns:Fault"/></wsdl:operation>'
        for name in _OPERATIONS
    )


def _binding(name: str, prefix: str) -> str:
    operations = "\n".join(
        f'    <wsdl:operation name="{operation}">'
        f'<{prefix}:operation soapAction="{ACTIONS[operation]}" style="document"/>'
        f'<wsdl:input><{prefix}:body use="literal"/></wsdl:input><wsdl:output><{prefix}:body use="literal"/>'
        f'</wsdl:output><wsdl:fault name="Fault"><{prefix}:fault name="Fault" use="literal"/></wsdl:fault>'
        f"</wsdl:operation>"
        for operation in _OPERATIONS
    )
    return (
        f'  <wsdl:binding name="{name}" type="tns:ReturnsPortType">\n'
        f'    <{prefix}:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>\n'
        f"{operations}\n  </wsdl:binding>"
    )


def document(base_url: str) -> str:
    """The WSDL for a gateway reachable at base_url (scheme, host and port, no trailing slash)."""
    base = escape(base_url, quote=True)
    imports = "\n".join(
        f'      <xs:import namespace="{MESSAGES_NS}" schemaLocation="{base}{SCHEMAS_PATH}/{name}"/>'
        for name in _IMPORTED
    )
    bindings = _binding("ReturnsSoap11", "soap") + "\n" + _binding("ReturnsSoap12", "soap12")
    return _TEMPLATE.format(
        soap11=_SOAP11,
        soap12=_SOAP12,
        ns=MESSAGES_NS,
        imports=imports,
        messages=_messages(),
        port_operations=_port_operations(),
        bindings=bindings,
        address=f"{base}{SOAP_PATH}",
    )


routes = web.RouteTableDef()


@routes.post(SOAP_PATH)
async def soap_messages(request: web.Request) -> web.StreamResponse:
    """Either message in a SOAP envelope: a document that is not an envelope is a VersionMismatch here."""
    request[SOAP_ONLY_KEY] = True
    return await messages(request)


@web.middleware
async def soap_address_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """At the SOAP address every answer is SOAP: a refusal made before the envelope is read (authentication, rate
    limit) comes back as a SOAP Fault too, SOAP 1.2 for application/soap+xml and SOAP 1.1 otherwise."""
    if request.method == "POST" and request.path == SOAP_PATH:
        request[SOAP_KEY] = Soap.V12 if request.content_type == "application/soap+xml" else Soap.V11
    return await handler(request)


@routes.get(SOAP_PATH)
async def wsdl(request: web.Request) -> web.Response:
    """The WSDL (the query string must name it: ?wsdl)."""
    if "wsdl" not in {key.lower() for key in request.query}:
        raise NotFound(f"GET {SOAP_PATH}?wsdl for the service description; POST SOAP envelopes here")
    if len(request.query) > 1 or any(request.query.values()):
        name = next((key for key in request.query if key.lower() != "wsdl" or request.query[key]), "wsdl")
        raise ParameterInvalid(name, "absent: the description is asked for with ?wsdl alone")
    text = document(str(request.url.origin()))
    return web.Response(text=text, content_type="text/xml", charset="utf-8")


@routes.get(SCHEMAS_PATH + "/{name}")
async def schema(request: web.Request) -> web.Response:
    """One shipped schema file, as the WSDL imports it."""
    no_parameters(request)
    found = schema_files().get(request.match_info["name"])
    if found is None:
        raise NotFound(f"no schema {request.match_info['name']}; the WSDL at {SOAP_PATH}?wsdl names them")
    return web.Response(body=found, content_type="text/xml", charset="utf-8")
