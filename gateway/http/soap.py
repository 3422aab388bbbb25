"""SOAP 1.1 and 1.2 envelopes for legacy tills: unwrap the message, wrap the answer or fault alike."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from lxml import etree

from gateway.http.errors import GatewayError, IntakeError, Issue

MESSAGES_NS = "urn:returns-gateway:messages:v1"


class Soap(Enum):
    V11 = "http://schemas.xmlsoap.org/soap/envelope/"
    V12 = "http://www.w3.org/2003/05/soap-envelope"

    @property
    def content_type(self) -> str:
        return "text/xml" if self is Soap.V11 else "application/soap+xml"

    @property
    def label(self) -> str:
        return "SOAP 1.1" if self is Soap.V11 else "SOAP 1.2"


class SoapRefusal(GatewayError):
    """A refused envelope; `version` is the SOAP version to answer in (None: answer plain XML)."""

    def __init__(self, message: str, issues: tuple[Issue, ...], version: Soap | None) -> None:
        super().__init__(message, issues)
        self.version = version


class SoapInvalid(SoapRefusal, IntakeError):
    """An envelope that is not SOAP 1.1 or 1.2 as written: one Header at most, then one Body with one message."""

    code = "SOAP_ENVELOPE_INVALID"


class SoapMustUnderstand(SoapRefusal, IntakeError):
    """A header block addressed to the gateway with mustUnderstand set, which it does not understand."""

    code = "SOAP_MUST_UNDERSTAND"


class SoapVersionMismatch(SoapRefusal):
    """The envelope's SOAP version and the Content-Type disagree, or the envelope is of no known version."""

    code = "SOAP_VERSION_MISMATCH"
    http_status = 415


SOAP_CODES: dict[str, tuple[str, str]] = {
    SoapMustUnderstand.code: ("MustUnderstand", "MustUnderstand"),
    SoapVersionMismatch.code: ("VersionMismatch", "VersionMismatch"),
}
_ROLES = {
    Soap.V11: ("http://schemas.xmlsoap.org/soap/actor/next",),
    Soap.V12: (
        "http://www.w3.org/2003/05/soap-envelope/role/next",
        "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver",
    ),
}
_SOAP_TYPES = {"text/xml": Soap.V11, "application/soap+xml": Soap.V12}
_XML_SPACE = " \t\r\n"  # white space as XML defines it (a no-break space is text)
_FLAGS = {"1": True, "true": True, "0": False, "false": False}


def claimed_version(content_type: str, headers: Mapping[str, str]) -> Soap | None:
    """The SOAP version a request says it speaks before its body is read: SOAP 1.2 by its Content-Type, SOAP 1.1
    by text/xml with a SOAPAction header (plain XML may come as text/xml too)."""
    if content_type == "application/soap+xml":
        return Soap.V12
    if content_type == "text/xml" and "SOAPAction" in headers:
        return Soap.V11
    return None


def unwrap(root: etree._Element, content_type: str = "text/xml") -> tuple[etree._Element, Soap | None]:
    """The message inside a SOAP envelope (and its version), or the document itself.

    SOAP 1.1 comes as text/xml and SOAP 1.2 as application/soap+xml; the envelope holds at most one Header, then
    exactly one Body holding exactly one message, and nothing else. A header block addressed to the gateway with
    mustUnderstand set is refused: the gateway understands no header blocks.
    """
    version = _version(root, content_type)
    if version is None:
        return root, None
    children = _elements(root, "Envelope", version)
    names = [
        etree.QName(child).localname if etree.QName(child).namespace == version.value else "" for child in children
    ]
    if names not in (["Body"], ["Header", "Body"]):
        found = ", ".join(etree.QName(child).localname for child in children) or "nothing"
        message = f"a SOAP Envelope holds an optional Header, then one Body, and nothing else (found {found})"
        raise _invalid(message, root, version)
    if len(children) == 2:
        _check_header(children[0], version)
    payload = _elements(children[-1], "Body", version)
    if len(payload) != 1:
        message = f"a SOAP Body must hold exactly one message (found {len(payload)})"
        raise _invalid(message, children[-1], version)
    return payload[0], version


def _version(root: etree._Element, content_type: str) -> Soap | None:
    """The envelope's version, which must be the one its Content-Type names."""
    name = etree.QName(root)
    version = next((soap for soap in Soap if name.namespace == soap.value), None)
    if name.localname != "Envelope" or (version is None and name.namespace == MESSAGES_NS):
        if content_type == "application/soap+xml":
            raise SoapVersionMismatch("application/soap+xml carries a SOAP 1.2 Envelope", _where(root), Soap.V12)
        return None
    if version is None:
        message = f"{name.namespace or 'no namespace'} is not a SOAP envelope namespace"
        raise SoapVersionMismatch(message, _where(root), _SOAP_TYPES.get(content_type))
    if _SOAP_TYPES.get(content_type) is not version:
        expected = version.content_type
        message = f"a {version.label} envelope comes as {expected}, not {content_type}"
        raise SoapVersionMismatch(message, _where(root), version)
    return version


def _elements(parent: etree._Element, role: str, version: Soap) -> list[etree._Element]:
    """The element children of an Envelope, Header or Body; text other than white space is refused."""
    texts = [parent.text, *(child.tail for child in parent)]
    if any(text and text.strip(_XML_SPACE) for text in texts):
        raise _invalid(f"a SOAP {role} holds elements only, not text", parent, version)
    return [child for child in parent if isinstance(child.tag, str)]


def _check_header(header: etree._Element, version: Soap) -> None:
    for block in _elements(header, "Header", version):
        if not etree.QName(block).namespace:
            raise _invalid("a SOAP header block must be namespace-qualified", block, version)
        if _must_understand(block, version):
            raise SoapMustUnderstand(
                f"header block {etree.QName(block).localname} must be understood, and the gateway understands none",
                _where(block, etree.QName(block).text),
                version,
            )


def _must_understand(block: etree._Element, version: Soap) -> bool:
    """Whether a header block is addressed to the gateway and marked mustUnderstand.

    mustUnderstand is a boolean (0, 1, false, true): any other value is refused rather than read as false. A role
    (actor) that is absent or empty means the ultimate receiver, which the gateway is.
    """
    ns = version.value
    flag = block.get(f"{{{ns}}}mustUnderstand", "0").strip(_XML_SPACE)
    if flag not in _FLAGS:
        raise _invalid(f"mustUnderstand is 0, 1, false or true, not {flag[:20]!r}", block, version)
    role = block.get(f"{{{ns}}}actor" if version is Soap.V11 else f"{{{ns}}}role")
    addressed = role is None or role.strip(_XML_SPACE) in ("", *_ROLES[version])
    return addressed and _FLAGS[flag]


def _where(element: etree._Element, name: str | None = None) -> tuple[Issue, ...]:
    return (Issue(name or etree.QName(element).localname, element.sourceline, None, None),)


def _invalid(message: str, element: etree._Element, version: Soap) -> SoapInvalid:
    return SoapInvalid(message, _where(element), version)


def wrap(payload: bytes, version: Soap) -> bytes:
    """An answer inside an envelope of the request's SOAP version."""
    envelope = etree.Element(f"{{{version.value}}}Envelope", nsmap={"soap": version.value})
    body = etree.SubElement(envelope, f"{{{version.value}}}Body")
    body.append(etree.fromstring(payload))
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def wrap_fault(fault: bytes, message: str, client_error: bool, version: Soap, code: str | None = None) -> bytes:
    """A SOAP Fault carrying the gateway's own fault (whose code is `code`) as its detail."""
    ns = version.value
    envelope = etree.Element(f"{{{ns}}}Envelope", nsmap={"soap": ns})
    soap_fault = etree.SubElement(etree.SubElement(envelope, f"{{{ns}}}Body"), f"{{{ns}}}Fault")
    v11, v12 = SOAP_CODES.get(code or "", ("Client", "Sender") if client_error else ("Server", "Receiver"))
    if version is Soap.V11:
        etree.SubElement(soap_fault, "faultcode").text = f"soap:{v11}"
        etree.SubElement(soap_fault, "faultstring").text = message
        etree.SubElement(soap_fault, "detail").append(etree.fromstring(fault))
    else:
        value = etree.SubElement(etree.SubElement(soap_fault, f"{{{ns}}}Code"), f"{{{ns}}}Value")
        value.text = f"soap:{v12}"
        reason = etree.SubElement(etree.SubElement(soap_fault, f"{{{ns}}}Reason"), f"{{{ns}}}Text")
        reason.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        reason.text = message
        etree.SubElement(soap_fault, f"{{{ns}}}Detail").append(etree.fromstring(fault))
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
