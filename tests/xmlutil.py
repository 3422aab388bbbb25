"""Test helpers for XML: canonical form (C14N 2.0) for equality checks."""

from __future__ import annotations

from lxml import etree

from gateway.http.xmlio import parse_xml


def canonical(data: bytes) -> str:
    """The C14N 2.0 form of a document, with insignificant whitespace stripped."""
    return etree.canonicalize(parse_xml(data).getroottree(), strip_text=True)
