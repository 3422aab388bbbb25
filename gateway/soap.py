"""SOAP 1.1 and 1.2 envelopes for legacy tills: unwrap the message, wrap the answer or fault alike."""

from __future__ import annotations

from enum import Enum

from lxml import etree

from gateway.errors import Issue, MalformedXml


class Soap(Enum):
    V11 = "http://schemas.xmlsoap.org/soap/envelope/"
    V12 = "http://www.w3.org/2003/05/soap-envelope"

    @property
    def content_type(self) -> str:
        return "text/xml" if self is Soap.V11 else "application/soap+xml"


def unwrap(root: etree._Element) -> tuple[etree._Element, Soap | None]:
    """The message inside a SOAP envelope (and its version), or the document itself."""
    version = next((soap for soap in Soap if root.tag == f"{{{soap.value}}}Envelope"), None)
    if version is None:
        return root, None
    body = root.find(f"{{{version.value}}}Body")
    payload = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    if len(payload) != 1:
        raise MalformedXml(
            "a SOAP Body must hold exactly one message", (Issue("SOAP Body", root.sourceline, None, "/"),)
        )
    return payload[0], version


def wrap(payload: bytes, version: Soap) -> bytes:
    """An answer inside an envelope of the request's SOAP version."""
    envelope = etree.Element(f"{{{version.value}}}Envelope", nsmap={"soap": version.value})
    body = etree.SubElement(envelope, f"{{{version.value}}}Body")
    body.append(etree.fromstring(payload))
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def wrap_fault(fault: bytes, message: str, client_error: bool, version: Soap) -> bytes:
    """A SOAP Fault carrying the gateway's own fault as its detail."""
    ns = version.value
    envelope = etree.Element(f"{{{ns}}}Envelope", nsmap={"soap": ns})
    soap_fault = etree.SubElement(etree.SubElement(envelope, f"{{{ns}}}Body"), f"{{{ns}}}Fault")
    if version is Soap.V11:
        etree.SubElement(soap_fault, "faultcode").text = "soap:Client" if client_error else "soap:Server"
        etree.SubElement(soap_fault, "faultstring").text = message
        etree.SubElement(soap_fault, "detail").append(etree.fromstring(fault))
    else:
        code = etree.SubElement(etree.SubElement(soap_fault, f"{{{ns}}}Code"), f"{{{ns}}}Value")
        code.text = "soap:Sender" if client_error else "soap:Receiver"
        reason = etree.SubElement(etree.SubElement(soap_fault, f"{{{ns}}}Reason"), f"{{{ns}}}Text")
        reason.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        reason.text = message
        etree.SubElement(soap_fault, f"{{{ns}}}Detail").append(etree.fromstring(fault))
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
