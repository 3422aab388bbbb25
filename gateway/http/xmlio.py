"""The one hardened XML parser: bytes in, an lxml element out, or a specific intake error."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from lxml import etree

from gateway.http.encodings import check_encoding
from gateway.http.errors import (
    AttributeTooLong,
    BadEncoding,
    DtdForbidden,
    EntityForbidden,
    Issue,
    MalformedXml,
    NamespaceTooLong,
    NameTooLong,
    SchemaHintForbidden,
    TooDeep,
    TooLarge,
    TooManyElements,
    TooManyNamespaces,
    XIncludeForbidden,
)

XINCLUDE_NAMESPACES = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
_ENCODING_HINTS = ("encoding", "utf-8", "char 0x", "bytes:", "unsupported", "not proper")


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Caps applied to every document before anything else looks at it."""

    max_bytes: int = 1_000_000
    max_depth: int = 24
    max_elements: int = 20_000
    max_attribute_length: int = 1024
    max_namespaces: int = 32


DEFAULT_LIMITS = ParseLimits()
_local = threading.local()
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")
_COUNT_ELEMENTS = etree.XPath("count(//*)")


def _parser() -> etree.XMLParser:
    """One parser per thread (lxml parsers are not thread-safe), built without DTD, entities or network."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> etree._Element:
    """Parse untrusted bytes into an element, refusing anything outside the limits."""
    if len(data) > limits.max_bytes:
        raise TooLarge(f"message of {len(data)} bytes exceeds the limit of {limits.max_bytes}")
    if not data.strip():
        raise MalformedXml("the body is empty")
    if any(marker in data for marker in _DTD_MARKERS):
        raise DtdForbidden("document type declarations are not accepted")
    encoding = check_encoding(data)
    root = _parse(data)
    raw = _Raw(data, limits) if encoding in _BYTE_CHECKED else None
    _check_tree(root, limits, raw)
    if raw is None or not raw.namespaces_within_limits():
        _check_namespaces(root, limits)
    return root


# In these encodings every markup character is one ASCII byte and no character takes fewer bytes than one, so what
# the bytes cannot hold, the document cannot hold either: a name of more than N characters needs a run of more than
# N bytes without white space or markup, a schema location hint its literal local name, an element its "<", and a
# namespace declaration the literal "xmlns" (names are never written with references).
_BYTE_CHECKED = frozenset({"UTF-8", "US-ASCII", "ISO-8859-1"})
_DECLARATIONS = re.compile(rb"xmlns(?::([^\s=]*))?\s*=\s*(\"[^\"]*\"|'[^']*')")


_MARKUP_AS_SPACE = bytes.maketrans(b"<>=/\"'", b"      ")


class _Raw:
    """Checks of the document's bytes that rule a problem out cheaply; where one cannot, the tree is checked."""

    __slots__ = ("data", "limits")

    def __init__(self, data: bytes, limits: ParseLimits) -> None:
        self.data, self.limits = data, limits

    def may_exceed_elements(self) -> bool:
        return self.data.count(b"<") > self.limits.max_elements

    def may_hold_long_name(self) -> bool:
        runs = self.data.translate(_MARKUP_AS_SPACE).split()
        return max(map(len, runs), default=0) > self.limits.max_attribute_length

    def may_hold_schema_hint(self) -> bool:
        return b"chemaLocation" in self.data  # schemaLocation, noNamespaceSchemaLocation

    def namespaces_within_limits(self) -> bool:
        """Every declaration found in the bytes, none too long, and no more of them than the cap."""
        data, limits = self.data, self.limits
        mentioned = data.count(b"xmlns")
        if mentioned > limits.max_namespaces:
            return False
        found = _DECLARATIONS.findall(data)
        if len(found) != mentioned:
            return False
        return all(len(prefix) + len(value) - 2 <= limits.max_attribute_length for prefix, value in found)


def _parse(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    except (ValueError, LookupError) as exc:
        raise BadEncoding(f"cannot decode the document: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise DtdForbidden("document type declarations are not accepted")
    return root


def _check_namespaces(root: etree._Element, limits: ParseLimits) -> None:
    """Namespace declarations are capped like attributes: each in length, and in number per document."""
    walk = cast("Iterator[tuple[str, tuple[str, str]]]", etree.iterwalk(root, events=("start-ns",)))
    for declared, (_event, (prefix, uri)) in enumerate(walk, 1):
        if declared > limits.max_namespaces:
            raise TooManyNamespaces(f"more than {limits.max_namespaces} namespace declarations")
        if len(prefix) + len(uri) > limits.max_attribute_length:
            where = next((e for e in root.iter() if (e.nsmap or {}).get(prefix or None) == uri), root)
            raise NamespaceTooLong(
                f"a namespace declaration is longer than {limits.max_attribute_length} characters",
                (Issue(f"xmlns:{prefix[:40]}" if prefix else "xmlns", where.sourceline),),
            )


def _syntax_error(exc: etree.XMLSyntaxError) -> MalformedXml | BadEncoding | EntityForbidden:
    text = _POSITION_SUFFIX.sub("", str(exc.msg or exc))
    line, column = exc.position
    issue = Issue(text, line or None, column or None)
    lowered = text.lower()
    if "entity" in lowered:
        return EntityForbidden("entity references are not accepted", (issue,))
    if any(hint in lowered for hint in _ENCODING_HINTS):
        return BadEncoding("the document is not in its declared encoding", (issue,))
    return MalformedXml("the document is not well-formed XML", (issue,))


@functools.lru_cache(maxsize=8)
def _probes(limits: ParseLimits) -> tuple[etree.XPath, etree.XPath, etree.XPath]:
    """Compiled checks for one set of limits: an element below the depth cap, an over-long attribute, an over-long
    element or attribute name (prefix included)."""
    too_deep = etree.XPath("boolean(/" + "*/" * limits.max_depth + "*)")
    too_long = etree.XPath(f"boolean(//@*[string-length(.) > {limits.max_attribute_length}])")
    cap = limits.max_attribute_length
    long_name = etree.XPath(f"boolean(//*[string-length(name()) > {cap}] | //@*[string-length(name()) > {cap}])")
    return too_deep, too_long, long_name


_SCHEMA_HINT = etree.XPath(
    "boolean(//@*[namespace-uri() = 'http://www.w3.org/2001/XMLSchema-instance'"
    " and (local-name() = 'schemaLocation' or local-name() = 'noNamespaceSchemaLocation')])"
)


def _check_tree(root: etree._Element, limits: ParseLimits, raw: _Raw | None = None) -> None:
    """The tree's caps; `raw`, the document's bytes when byte checks hold for its encoding, skips the checks that
    its bytes rule out."""
    too_deep, too_long, long_name = _probes(limits)
    if too_deep(root):
        raise TooDeep(f"elements nest deeper than {limits.max_depth} levels")
    if raw is None or raw.may_exceed_elements():
        count = int(cast(float, _COUNT_ELEMENTS(root)))
        if count > limits.max_elements:
            raise TooManyElements(f"{count} elements exceed the limit of {limits.max_elements}")
    for namespace in XINCLUDE_NAMESPACES:
        for element in root.iter(f"{{{namespace}}}*"):
            raise XIncludeForbidden("XInclude is not accepted", (Issue("xi:include", element.sourceline),))
    if too_long(root):
        raise AttributeTooLong(f"an attribute is longer than {limits.max_attribute_length} characters")
    if (raw is None or raw.may_hold_long_name()) and long_name(root):
        raise NameTooLong(f"an element or attribute name is longer than {limits.max_attribute_length} characters")
    if (raw is None or raw.may_hold_schema_hint()) and _SCHEMA_HINT(root):
        raise SchemaHintForbidden("schema location hints are not accepted (and never fetched)")
