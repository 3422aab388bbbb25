"""The schema registry: every XSD compiled once, the root element's QName picks the message type."""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import xmlschema
from lxml import etree

from gateway.http.errors import Issue, SchemaInvalid, UnknownMessage

XSD_PACKAGE = "gateway.xsd"
MESSAGES_NS = "urn:returns-gateway:messages:v1"
POLICY_NS = "urn:returns-gateway:policy:v2"
_XS = "{http://www.w3.org/2001/XMLSchema}"
_SHARED = frozenset({"common.xsd"})
_MAX_ISSUES = 100
_QUALIFIED = re.compile(r"'\{[^}]*\}([^']+)'")


@dataclass(frozen=True, slots=True)
class MessageSchema:
    """One message type: its root element, its schema file and the compiled validator."""

    name: str
    qname: str
    path: Path
    validator: etree.XMLSchema


class SchemasMissing(RuntimeError):
    """The XSD contract is not where the installed package should carry it."""


def xsd_dir() -> Path:
    """The directory of the shipped schemas (package data gateway.xsd), or SchemasMissing."""
    try:
        found = Path(str(importlib.resources.files(XSD_PACKAGE)))
    except ModuleNotFoundError:
        raise SchemasMissing(f"the schemas ({XSD_PACKAGE}) are not installed; reinstall returns-gateway") from None
    if not (found / "common.xsd").is_file():
        raise SchemasMissing(f"the schemas are missing from {found}; reinstall returns-gateway")
    return found


@functools.lru_cache(maxsize=1)
def schema_files() -> dict[str, bytes]:
    """Every shipped schema by file name, as the gateway publishes them beside its WSDL."""
    return {path.name: path.read_bytes() for path in sorted(xsd_dir().glob("*.xsd"))}


class SchemaRegistry:
    """Maps root QNames to compiled schemas; validates with lxml, explains with line, column and XPath."""

    def __init__(self, directory: Path | None = None) -> None:
        self._by_qname: dict[str, MessageSchema] = {}
        directory = directory or xsd_dir()
        for path in sorted(directory.glob("*.xsd")):
            if path.name not in _SHARED:
                self._register(path)
        if not self._by_qname:
            raise SchemasMissing(f"no message schemas in {directory}; reinstall returns-gateway")

    def _register(self, path: Path) -> None:
        document = etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
        namespace = document.getroot().get("targetNamespace", "")
        validator = etree.XMLSchema(document)
        for declaration in document.getroot().iterchildren(f"{_XS}element"):
            name = declaration.get("name", "")
            qname = f"{{{namespace}}}{name}"
            if qname in self._by_qname:
                raise ValueError(f"root element {qname} is declared by two schemas")
            self._by_qname[qname] = MessageSchema(name, qname, path, validator)

    def schema_for(self, root: etree._Element) -> MessageSchema:
        """The schema of a document, by its root element, or UnknownMessage."""
        tag = root.tag if isinstance(root.tag, str) else ""
        schema = self._by_qname.get(tag)
        if schema is None:
            known = ", ".join(sorted(self._by_qname))
            raise UnknownMessage(
                f"root element {tag} is not a known message",
                (Issue(f"expected one of: {known}", root.sourceline, None, "/"),),
            )
        return schema

    def validate(self, root: etree._Element, source: bytes | None = None) -> MessageSchema:
        """Validate a parsed document; raise SchemaInvalid listing every error with its position."""
        schema = self.schema_for(root)
        validator = schema.validator
        if not validator.validate(root):
            lines = source.splitlines() if source else []
            prefixes = _prefixes(root)
            issues = tuple(_issue(root, prefixes, entry, lines) for entry in list(validator.error_log)[:_MAX_ISSUES])
            raise SchemaInvalid(f"the {schema.name} message does not match its schema", issues)
        return schema

    def explain(self, root: etree._Element) -> tuple[Issue, ...]:
        """Every error as the second, independent validator (xmlschema) sees it; slow, never on the hot path."""
        schema = self.schema_for(root)
        validator = _xmlschema_validator(schema.path)
        resource = xmlschema.XMLResource(cast(Any, root), allow="none", defuse="always")
        return tuple(
            Issue(error.reason or str(error), error.sourceline, None, error.path)
            for error in validator.iter_errors(resource)
        )


def _issue(root: etree._Element, prefixes: dict[str, str], entry: etree._LogEntry, lines: list[bytes]) -> Issue:
    """An lxml schema error, with its positional XPath turned into a named one and a column found."""
    message = _QUALIFIED.sub(r"'\1'", entry.message)
    element = _located(root, prefixes, entry.path) if entry.path else None
    if element is None:
        return Issue(message, entry.line or None, None, entry.path or None)
    return Issue(message, entry.line or None, _column(lines, entry.line, element), readable_path(element))


def _prefixes(root: etree._Element) -> dict[str, str]:
    """The namespace prefixes the message declares or inherits (a till may write `<m:ReturnFinalResult xmlns:m=...>`),
    which the error paths use."""
    prefixes: dict[str, str] = {}
    for element in root.iter(etree.Element):
        for prefix, uri in element.nsmap.items():
            if prefix:
                prefixes.setdefault(prefix, uri)
    return prefixes


def _located(root: etree._Element, prefixes: dict[str, str], path: str) -> etree._Element | None:
    """The element an error's path names, or None when the path cannot be resolved. The path starts at the
    validated message, which a SOAP envelope may hold."""
    try:
        found = root.xpath("self::" + path[1:] if path.startswith("/") else path, namespaces=prefixes)
    except etree.XPathError:
        return None
    first = found[0] if isinstance(found, list) and found else None
    return first if isinstance(first, etree._Element) else None


def readable_path(element: etree._Element) -> str:
    """An XPath of local names with positions where siblings share a name: /A/Lines/Line[2]/Quantity."""
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        siblings = parent.findall(str(node.tag)) if parent is not None else []
        if len(siblings) > 1:
            name += f"[{siblings.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


def _column(lines: list[bytes], line: int, element: etree._Element) -> int | None:
    """The 1-based column of the element's start tag on its line, when the source is at hand."""
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1].decode("utf-8", "replace")
    position = text.find("<" + (element.prefix + ":" if element.prefix else "") + etree.QName(element).localname)
    return position + 1 if position >= 0 else None


@functools.lru_cache(maxsize=16)
def _xmlschema_validator(path: Path) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(path), allow="sandbox", defuse="always")


@functools.lru_cache(maxsize=1)
def default_registry() -> SchemaRegistry:
    """The registry over the shipped xsd/ directory, compiled once per process."""
    return SchemaRegistry()
